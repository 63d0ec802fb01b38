"""A campaign's issue day: the scheduler issues it from that day, once funded.

Revision ID: f6b8d0a2c4e7
Revises: e5a7c9b1d3f4
"""
import sqlalchemy as sa
from alembic import op

revision = "f6b8d0a2c4e7"
down_revision = "e5a7c9b1d3f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("issue_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("issue_on")
