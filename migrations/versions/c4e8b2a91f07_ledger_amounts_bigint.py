"""Ledger amounts as 64-bit integers: a territory-wide account passes 21.4 M€ (2^31 cents).

Revision ID: c4e8b2a91f07
Revises: a7c3e5f1b2d4
"""
import sqlalchemy as sa
from alembic import op

revision = "c4e8b2a91f07"
down_revision = "a7c3e5f1b2d4"
branch_labels = None
depends_on = None

COLUMNS = [
    ("ledger_accounts", "balance_cents"),
    ("ledger_entries", "amount_cents"),
    ("ledger_postings", "amount_cents"),
]


def upgrade():
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False)


def downgrade():
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False)
