"""PostgreSQL: the one-call redemption function halle_redeem (see loyalty/pg_redeem.py).

Revision ID: f3a9c2d7e1b5
Revises: b8d2f4a6c1e3
"""
from alembic import op

from loyalty.pg_redeem import REDEEM_FUNCTION

revision = "f3a9c2d7e1b5"
down_revision = "b8d2f4a6c1e3"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REDEEM_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS halle_redeem(integer, integer, bigint, boolean, boolean, bigint, "
                   "text, text, text, date, timestamp)")
