"""Products hidden by the territory admin: when and why, so the shop cannot switch them back on.

Revision ID: e5b1d7c3a9f2
Revises: c4e8b2a91f07
"""
import sqlalchemy as sa
from alembic import op

revision = "e5b1d7c3a9f2"
down_revision = "c4e8b2a91f07"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("hidden_by_admin_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("hidden_reason", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("products") as batch:
        batch.drop_column("hidden_reason")
        batch.drop_column("hidden_by_admin_at")
