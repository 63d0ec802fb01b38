"""Credit bought online: gift cards and top-ups paid by bank card, and their items.

Revision ID: d1f3a5c7e9b2
Revises: c7e9a1b3d5f2
"""
import sqlalchemy as sa
from alembic import op

revision = "d1f3a5c7e9b2"
down_revision = "c7e9a1b3d5f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credit_purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=False),
        sa.Column("buyer_name", sa.String(length=120), nullable=False),
        sa.Column("buyer_email", sa.String(length=254), nullable=False),
        sa.Column("buyer_user_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("stripe_payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["buyer_user_id"], ["users.id"], name=op.f("fk_credit_purchases_buyer_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_purchases")),
        sa.UniqueConstraint("token", name=op.f("uq_credit_purchases_token")),
        sa.UniqueConstraint("form_token", name=op.f("uq_credit_purchases_form_token")),
        sa.UniqueConstraint("stripe_payment_intent_id", name=op.f("uq_credit_purchases_stripe_payment_intent_id")),
    )
    with op.batch_alter_table("credit_purchases") as batch:
        batch.create_index(batch.f("ix_credit_purchases_buyer_user_id"), ["buyer_user_id"], unique=False)
        batch.create_index(batch.f("ix_credit_purchases_status"), ["status"], unique=False)
    op.create_table(
        "credit_purchase_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchase_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("recipient_name", sa.String(length=120), nullable=False),
        sa.Column("recipient_email", sa.String(length=254), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("deliver_on", sa.Date(), nullable=True),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("issue_entry_id", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("refund_entry_id", sa.Integer(), nullable=True),
        sa.Column("refunded_cents", sa.Integer(), nullable=False),
        sa.Column("stripe_refund_id", sa.String(length=255), nullable=True),
        sa.Column("refunded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["purchase_id"], ["credit_purchases.id"],
                                name=op.f("fk_credit_purchase_items_purchase_id_credit_purchases")),
        sa.ForeignKeyConstraint(["card_id"], ["loyalty_cards.id"],
                                name=op.f("fk_credit_purchase_items_card_id_loyalty_cards")),
        sa.ForeignKeyConstraint(["issue_entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_credit_purchase_items_issue_entry_id_ledger_entries")),
        sa.ForeignKeyConstraint(["refund_entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_credit_purchase_items_refund_entry_id_ledger_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_purchase_items")),
        sa.UniqueConstraint("issue_entry_id", name=op.f("uq_credit_purchase_items_issue_entry_id")),
        sa.UniqueConstraint("refund_entry_id", name=op.f("uq_credit_purchase_items_refund_entry_id")),
    )
    with op.batch_alter_table("credit_purchase_items") as batch:
        batch.create_index(batch.f("ix_credit_purchase_items_purchase_id"), ["purchase_id"], unique=False)
        batch.create_index(batch.f("ix_credit_purchase_items_card_id"), ["card_id"], unique=False)
        batch.create_index(batch.f("ix_credit_purchase_items_delivered_at"), ["delivered_at"], unique=False)


def downgrade():
    op.drop_table("credit_purchase_items")
    op.drop_table("credit_purchases")
