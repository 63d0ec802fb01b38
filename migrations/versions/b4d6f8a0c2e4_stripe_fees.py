"""Stripe's fees booked: the chart line of the bank fees account (PCG 627), and the Stripe payout
a bank statement line is (so that the payout webhook and the statement record it once).

Revision ID: b4d6f8a0c2e4
Revises: c5e7a9b1d3f2
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "b4d6f8a0c2e4"
down_revision = "c5e7a9b1d3f2"
branch_labels = None
depends_on = None


def upgrade():
    chart = sa.table("accounting_chart", sa.column("ledger_key", sa.String), sa.column("number", sa.String),
                     sa.column("label", sa.String), sa.column("aux_prefix", sa.String),
                     sa.column("updated_at", sa.DateTime))
    op.bulk_insert(chart, [{"ledger_key": "bank_fees", "number": "627000",
                            "label": "Services bancaires et assimilés — frais Stripe",
                            "aux_prefix": None, "updated_at": datetime.utcnow()}])
    with op.batch_alter_table("bank_lines") as batch_op:
        batch_op.add_column(sa.Column("stripe_payout_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_bank_lines_stripe_payout_id"), ["stripe_payout_id"], unique=True)


def downgrade():
    with op.batch_alter_table("bank_lines") as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_lines_stripe_payout_id"))
        batch_op.drop_column("stripe_payout_id")
    op.execute("DELETE FROM accounting_chart WHERE ledger_key = 'bank_fees'")
