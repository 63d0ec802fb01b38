"""A shop's weekly summary by e-mail, on by default (its owner turns it off in the settings).

Revision ID: d0f2b4c6e8a1
Revises: c9e1a3b5d7f0
"""
import sqlalchemy as sa
from alembic import op

revision = "d0f2b4c6e8a1"
down_revision = "c9e1a3b5d7f0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shops") as batch:
        batch.add_column(sa.Column("weekly_summary", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("summary_sent_for", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("shops") as batch:
        batch.drop_column("summary_sent_for")
        batch.drop_column("weekly_summary")
