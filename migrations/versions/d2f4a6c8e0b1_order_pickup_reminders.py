"""Order pickup reminders: when the resident was reminded that their order waits for them.

Revision ID: d2f4a6c8e0b1
Revises: c7e9a1b3d5f6
"""
import sqlalchemy as sa
from alembic import op

revision = "d2f4a6c8e0b1"
down_revision = "c7e9a1b3d5f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_shops") as batch:
        batch.add_column(sa.Column("reminded_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("order_shops") as batch:
        batch.drop_column("reminded_at")
