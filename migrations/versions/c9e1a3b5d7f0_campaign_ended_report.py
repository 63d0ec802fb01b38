"""A campaign's result mailed to HR once its last day has passed and its credit was swept.

Revision ID: c9e1a3b5d7f0
Revises: b8d0f2a4c6e9
"""
import sqlalchemy as sa
from alembic import op

revision = "c9e1a3b5d7f0"
down_revision = "b8d0f2a4c6e9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("ended_report_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("ended_report_at")
