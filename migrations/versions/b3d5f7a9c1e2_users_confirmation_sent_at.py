"""When the last link confirming an account's address was mailed: users.confirmation_sent_at.

An account whose address was never confirmed, that holds nothing (no order, card, gift purchase
or team place), is closed UNCONFIRMED_ACCOUNT_DAYS after the last link was mailed to it
(marketplace.account_closure.close_unconfirmed). Accounts from before this revision have no date:
none is closed unless it asks for a new link, whose mail says so.

Revision ID: b3d5f7a9c1e2
Revises: a2c4e6f8b0d3
"""
import sqlalchemy as sa
from alembic import op

revision = "b3d5f7a9c1e2"
down_revision = "a2c4e6f8b0d3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("confirmation_sent_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("confirmation_sent_at")
