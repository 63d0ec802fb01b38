"""Payment on collection of a locker deposit (issue 22): the amount to pay, the payment link's
token hash, how and when it was paid (Stripe PaymentIntent or territorial card, its ledger entry),
and the refund of a paid deposit cancelled or expired.

Revision ID: a7c3e5f9b2d4
Revises: b4d6f8a0c2e4
"""
import sqlalchemy as sa
from alembic import op

revision = "a7c3e5f9b2d4"
down_revision = "b4d6f8a0c2e4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("locker_deposits") as batch_op:
        batch_op.add_column(sa.Column("amount_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("pay_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("stripe_payment_intent_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("paid_means", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("paid_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("payment_entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("refunded_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("refund_ref", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_locker_deposits_pay_token_hash"), ["pay_token_hash"])
        batch_op.create_unique_constraint(batch_op.f("uq_locker_deposits_stripe_payment_intent_id"),
                                          ["stripe_payment_intent_id"])
        batch_op.create_foreign_key(batch_op.f("fk_locker_deposits_payment_entry_id_ledger_entries"),
                                    "ledger_entries", ["payment_entry_id"], ["id"])
    with op.batch_alter_table("locker_deposits") as batch_op:
        batch_op.alter_column("amount_cents", server_default=None)


def downgrade():
    with op.batch_alter_table("locker_deposits") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_locker_deposits_payment_entry_id_ledger_entries"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_locker_deposits_stripe_payment_intent_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_locker_deposits_pay_token_hash"), type_="unique")
        for column in ("refund_ref", "refunded_at", "payment_entry_id", "paid_at", "paid_means",
                       "stripe_payment_intent_id", "pay_token_hash", "amount_cents"):
            batch_op.drop_column(column)
