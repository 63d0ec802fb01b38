"""The accountant's e-mail address, to which each month's books go, and the last month sent.

Revision ID: e5a7c9b1d3f4
Revises: d2f4a6c8e0b1
"""
import sqlalchemy as sa
from alembic import op

revision = "e5a7c9b1d3f4"
down_revision = "d2f4a6c8e0b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("territory_settings") as batch:
        batch.add_column(sa.Column("accountant_email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("accountant_month_sent", sa.String(length=7), nullable=True))


def downgrade():
    with op.batch_alter_table("territory_settings") as batch:
        batch.drop_column("accountant_month_sent")
        batch.drop_column("accountant_email")
