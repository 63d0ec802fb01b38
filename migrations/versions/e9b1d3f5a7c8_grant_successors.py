"""A grant moved by a card replacement names its successor (loyalty_grants.replaced_by_id): a
revoke by HR or a buyer's refund asked on the old grant acts on the grant that holds its money.

Revision ID: e9b1d3f5a7c8
Revises: d6f8a0c2e4b7
"""
import sqlalchemy as sa
from alembic import op

revision = "e9b1d3f5a7c8"
down_revision = "d6f8a0c2e4b7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("loyalty_grants") as batch_op:
        batch_op.add_column(sa.Column("replaced_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_loyalty_grants_replaced_by_id_loyalty_grants"),
                                    "loyalty_grants", ["replaced_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("loyalty_grants") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_loyalty_grants_replaced_by_id_loyalty_grants"), type_="foreignkey")
        batch_op.drop_column("replaced_by_id")
