"""An order's means of payment as rows: order_payments (one per sub-order and means: amount and
refunded) and order_refund_parts (what each means gave back for a refund, with its proof),
instead of card/stripe columns on orders, order_shops and order_refunds. Existing orders and
refunds are carried over.

Revision ID: b8d2f4a6c0e1
Revises: c2e4a6b8d0f1
"""
import sqlalchemy as sa
from alembic import op

revision = "b8d2f4a6c0e1"
down_revision = "c2e4a6b8d0f1"
branch_labels = None
depends_on = None

MEANS = (("card", "card_cents", "refunded_card_cents"), ("stripe", "stripe_cents", "refunded_stripe_cents"))


def upgrade():
    # SQLite rebuilds order_refunds and order_shops below (a copy, then DROP TABLE): with foreign
    # keys on, dropping a table the new rows point to would fail (see f73d6f104253).
    _foreign_keys("OFF")
    op.create_table(
        "order_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_shop_id", sa.Integer(), nullable=False),
        sa.Column("means", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("refunded_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_cents > 0 AND refunded_cents >= 0 AND refunded_cents <= amount_cents",
                           name=op.f("ck_order_payments_refund_within_amount")),
        sa.ForeignKeyConstraint(["order_shop_id"], ["order_shops.id"],
                                name=op.f("fk_order_payments_order_shop_id_order_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_payments")),
        sa.UniqueConstraint("order_shop_id", "means", name=op.f("uq_order_payments_order_shop_id_means")),
    )
    with op.batch_alter_table("order_payments") as batch_op:
        batch_op.create_index(batch_op.f("ix_order_payments_order_shop_id"), ["order_shop_id"], unique=False)
    op.create_table(
        "order_refund_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("stripe_refund_id", sa.String(length=255), nullable=True),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ledger_entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_order_refund_parts_ledger_entry_id_ledger_entries")),
        sa.ForeignKeyConstraint(["payment_id"], ["order_payments.id"],
                                name=op.f("fk_order_refund_parts_payment_id_order_payments")),
        sa.ForeignKeyConstraint(["refund_id"], ["order_refunds.id"],
                                name=op.f("fk_order_refund_parts_refund_id_order_refunds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_refund_parts")),
        sa.UniqueConstraint("refund_id", "payment_id", name=op.f("uq_order_refund_parts_refund_id_payment_id")),
    )
    with op.batch_alter_table("order_refund_parts") as batch_op:
        batch_op.create_index(batch_op.f("ix_order_refund_parts_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_refund_parts_refund_id"), ["refund_id"], unique=False)

    for means, paid, refunded in MEANS:
        op.execute(f"INSERT INTO order_payments (order_shop_id, means, amount_cents, refunded_cents) "
                   f"SELECT id, '{means}', {paid}, {refunded} FROM order_shops WHERE {paid} > 0")
    proof = {"card": "ledger_entry_id", "stripe": "stripe_refund_id"}
    for means, paid, _ in MEANS:
        column = proof[means]
        op.execute(f"INSERT INTO order_refund_parts (refund_id, payment_id, amount_cents, {column}) "
                   f"SELECT r.id, p.id, r.{paid}, r.{column} FROM order_refunds r "
                   f"JOIN order_payments p ON p.order_shop_id = r.order_shop_id AND p.means = '{means}' "
                   f"WHERE r.{paid} > 0")

    with op.batch_alter_table("order_refunds") as batch_op:
        batch_op.drop_constraint("fk_order_refunds_ledger_entry_id_ledger_entries", type_="foreignkey")
        for column in ("card_cents", "stripe_cents", "ledger_entry_id", "stripe_refund_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("order_shops") as batch_op:
        for column in ("card_cents", "stripe_cents", "refunded_card_cents", "refunded_stripe_cents"):
            batch_op.drop_column(column)
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("card_cents")
        batch_op.drop_column("stripe_cents")
    _foreign_keys("ON")


def downgrade():
    _foreign_keys("OFF")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("card_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("stripe_cents", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("order_shops") as batch_op:
        for column in ("card_cents", "stripe_cents", "refunded_card_cents", "refunded_stripe_cents"):
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("order_refunds") as batch_op:
        batch_op.add_column(sa.Column("card_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("stripe_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("ledger_entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stripe_refund_id", sa.String(length=255), nullable=True))
        batch_op.create_foreign_key("fk_order_refunds_ledger_entry_id_ledger_entries", "ledger_entries",
                                    ["ledger_entry_id"], ["id"])
    for means, paid, refunded in MEANS:
        op.execute(f"UPDATE order_shops SET {paid} = p.amount_cents, {refunded} = p.refunded_cents "
                   f"FROM order_payments p WHERE p.order_shop_id = order_shops.id AND p.means = '{means}'")
        op.execute(f"UPDATE orders SET {paid} = (SELECT coalesce(sum(p.amount_cents), 0) FROM order_payments p "
                   f"JOIN order_shops s ON s.id = p.order_shop_id WHERE s.order_id = orders.id AND p.means = '{means}')")
        op.execute(f"UPDATE order_refunds SET {paid} = x.amount_cents FROM order_refund_parts x "
                   f"JOIN order_payments p ON p.id = x.payment_id WHERE x.refund_id = order_refunds.id "
                   f"AND p.means = '{means}'")
    op.execute("UPDATE order_refunds SET ledger_entry_id = x.ledger_entry_id FROM order_refund_parts x "
               "WHERE x.refund_id = order_refunds.id AND x.ledger_entry_id IS NOT NULL")
    op.execute("UPDATE order_refunds SET stripe_refund_id = x.stripe_refund_id FROM order_refund_parts x "
               "WHERE x.refund_id = order_refunds.id AND x.stripe_refund_id IS NOT NULL")
    op.drop_table("order_refund_parts")
    op.drop_table("order_payments")
    _foreign_keys("ON")


def _foreign_keys(state: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={state}")
