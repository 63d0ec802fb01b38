"""Bank statements (CAMT.053) and their lines, matched to campaigns, settlements and Stripe payouts;
the territory's settlement cadence (issue 24).

Revision ID: e4c8a2f6b0d3
Revises: b3f5d7e9a1c4
"""
import sqlalchemy as sa
from alembic import op

revision = "e4c8a2f6b0d3"
down_revision = "b3f5d7e9a1c4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("account_iban", sa.String(length=34), nullable=True),
        sa.Column("statement_ref", sa.String(length=140), nullable=True),
        sa.Column("message_version", sa.String(length=40), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("opening_balance_cents", sa.BigInteger(), nullable=True),
        sa.Column("closing_balance_cents", sa.BigInteger(), nullable=True),
        sa.Column("closing_date", sa.Date(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["imported_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_iban", "statement_ref"),
    )
    op.create_index("ix_bank_statements_file_sha256", "bank_statements", ["file_sha256"])
    op.create_table(
        "bank_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("line_key", sa.String(length=255), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=140), nullable=False),
        sa.Column("counterparty_name", sa.String(length=140), nullable=False),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=False),
        sa.Column("bank_reference", sa.String(length=140), nullable=False),
        sa.Column("info", sa.String(length=500), nullable=False),
        sa.Column("match", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("campaign_payment_id", sa.Integer(), nullable=True),
        sa.Column("settlement_statement_id", sa.Integer(), nullable=True),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["statement_id"], ["bank_statements.id"]),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
        sa.ForeignKeyConstraint(["campaign_payment_id"], ["campaign_payments.id"]),
        sa.ForeignKeyConstraint(["settlement_statement_id"], ["settlement_statements.id"]),
        sa.ForeignKeyConstraint(["ledger_entry_id"], ["ledger_entries.id"]),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("line_key"),
    )
    op.create_index("ix_bank_lines_statement_id", "bank_lines", ["statement_id"])
    op.create_index("ix_bank_lines_status", "bank_lines", ["status"])
    op.create_index("ix_bank_lines_campaign_id", "bank_lines", ["campaign_id"])
    op.create_index("ix_bank_lines_settlement_statement_id", "bank_lines", ["settlement_statement_id"])
    with op.batch_alter_table("territory_settings") as batch:
        batch.add_column(sa.Column("settlement_cadence", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("territory_settings") as batch:
        batch.drop_column("settlement_cadence")
    op.drop_index("ix_bank_lines_settlement_statement_id", table_name="bank_lines")
    op.drop_index("ix_bank_lines_campaign_id", table_name="bank_lines")
    op.drop_index("ix_bank_lines_status", table_name="bank_lines")
    op.drop_index("ix_bank_lines_statement_id", table_name="bank_lines")
    op.drop_table("bank_lines")
    op.drop_index("ix_bank_statements_file_sha256", table_name="bank_statements")
    op.drop_table("bank_statements")
