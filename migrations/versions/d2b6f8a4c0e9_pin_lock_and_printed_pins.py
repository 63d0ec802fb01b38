"""PIN lock (temporary, the territory's delay) and printed PINs (always asked); halle_redeem
reads the latter (see loyalty/pg_redeem.py).

Revision ID: d2b6f8a4c0e9
Revises: d6f1a3c5e7b9
"""
import sqlalchemy as sa
from alembic import context, op

from loyalty.pg_redeem import REDEEM_FUNCTION

revision = "d2b6f8a4c0e9"
down_revision = "d6f1a3c5e7b9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("loyalty_cards") as batch:
        batch.add_column(sa.Column("pin_locked_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("pin_always_required", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("territory_settings") as batch:
        batch.add_column(sa.Column("pin_lock_minutes", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REDEEM_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(context.script.get_revision("f3a9c2d7e1b5").module.REDEEM_FUNCTION_V1)
    with op.batch_alter_table("territory_settings") as batch:
        batch.drop_column("pin_lock_minutes")
    with op.batch_alter_table("loyalty_cards") as batch:
        batch.drop_column("pin_always_required")
        batch.drop_column("pin_locked_until")
