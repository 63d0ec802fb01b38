"""Online orders (click & collect): carts, orders split per shop, and the territory's lockers.

An Order is what the resident pays once (territorial card and/or bank card); it holds one
OrderShop per shop, each with its own pickup place and status:
paid → accepted → ready → collected, or refused / cancelled (with refunds).
"""
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models.base import utcnow

ORDER_STATUSES = ("pending_payment", "paid", "failed")
SUB_ORDER_STATUSES = ("pending_payment", "paid", "accepted", "ready", "collected", "refused", "cancelled",
                      "failed")
# Compartment sizes, smallest first (the order in which free ones are offered).
COMPARTMENT_SIZES = {"S": lazy_gettext("petit"), "M": lazy_gettext("moyen"), "L": lazy_gettext("grand")}
# The means of payment of an order (OrderPayment.means; their rules: marketplace/tenders.py).
TERRITORIAL_CARD, BANK_CARD = "card", "stripe"


class CartItem(db.Model):
    """A logged-in resident's cart line (an anonymous cart lives in the session)."""

    __tablename__ = "cart_items"
    __table_args__ = (db.UniqueConstraint("user_id", "product_id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id", ondelete="CASCADE"), nullable=False)
    quantity = db.Column(db.Integer, nullable=False)


class LockerBank(db.Model):
    """A bank of connected lockers (near a station…), managed by the territory's admins."""

    __tablename__ = "locker_banks"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    name = db.Column(db.String(140), nullable=False)
    commune_insee = db.Column(db.String(5), db.ForeignKey("communes.insee"), nullable=True)
    address = db.Column(db.String(200), nullable=False, default="")
    station = db.Column(db.String(140), nullable=False, default="")
    latitude = db.Column(db.Float, nullable=True)
    longitude = db.Column(db.Float, nullable=True)
    api_key_hash = db.Column(db.String(64), nullable=True, unique=True)  # SHA-256 of the hardware's key
    active = db.Column(db.Boolean, nullable=False, default=True)

    commune = db.relationship("Commune")
    compartments = db.relationship("Compartment", back_populates="bank", order_by="Compartment.label",
                                   cascade="all, delete-orphan")


class Compartment(db.Model):
    """One door of a locker bank; holds at most one occupant: a sub-order (unique `order_shop_id`)
    or a business's deposit for a named person (unique `deposit_id`), never both."""

    __tablename__ = "locker_compartments"
    __table_args__ = (db.UniqueConstraint("bank_id", "label"),
                      db.CheckConstraint("order_shop_id IS NULL OR deposit_id IS NULL",
                                         name="one_occupant"))

    id = db.Column(db.Integer, primary_key=True)
    bank_id = db.Column(db.Integer, db.ForeignKey("locker_banks.id", ondelete="CASCADE"), nullable=False)
    label = db.Column(db.String(10), nullable=False)
    size = db.Column(db.String(1), nullable=False, default="M")  # S | M | L
    # The sub-order inside (no foreign key: order_shops already points here, and a cycle of
    # foreign keys would make the tables impossible to order).
    order_shop_id = db.Column(db.Integer, nullable=True, unique=True)
    deposit_id = db.Column(db.Integer, nullable=True, unique=True)  # a LockerDeposit (same reason)

    bank = db.relationship("LockerBank", back_populates="compartments")

    @classmethod
    def is_free(cls):
        """The one test of an empty compartment (SQL expression)."""
        return cls.order_shop_id.is_(None) & cls.deposit_id.is_(None)


class PaidByMeans:
    """The two means of today's checkout, read from `paid_by` (an order's or a sub-order's)."""

    @property
    def card_cents(self) -> int:
        return self.paid_by(TERRITORIAL_CARD)

    @property
    def stripe_cents(self) -> int:
        return self.paid_by(BANK_CARD)


class Order(PaidByMeans, db.Model):
    __tablename__ = "orders"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    # The checkout form's one-time token: a double submit finds the first order (unique).
    checkout_key = db.Column(db.String(64), nullable=False, unique=True)
    status = db.Column(db.String(16), nullable=False, default="pending_payment", index=True)
    total_cents = db.Column(db.Integer, nullable=False)
    card_id = db.Column(db.Integer, db.ForeignKey("loyalty_cards.id"), nullable=True)
    stripe_payment_intent_id = db.Column(db.String(255), nullable=True, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    paid_at = db.Column(db.DateTime, nullable=True)

    user = db.relationship("User")
    # Loaded with the order (selectin): the amounts by means are sums over its sub-orders' payments.
    shops = db.relationship("OrderShop", back_populates="order", order_by="OrderShop.id", lazy="selectin")

    @property
    def reference(self) -> str:
        return f"H{self.id:06d}"

    def paid_by(self, means: str) -> int:
        """What this means pays of the whole order (the PaymentIntent's amount for "stripe")."""
        return sum(sub.paid_by(means) for sub in self.shops)


class OrderShop(PaidByMeans, db.Model):
    """The part of an order one shop prepares ("sous-commande")."""

    __tablename__ = "order_shops"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False, index=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=False, index=True)
    status = db.Column(db.String(16), nullable=False, default="pending_payment", index=True)
    subtotal_cents = db.Column(db.Integer, nullable=False)
    hold_id = db.Column(db.Integer, db.ForeignKey("loyalty_holds.id"), nullable=True)
    capture_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True)
    pickup_kind = db.Column(db.String(8), nullable=False, default="shop")  # shop | locker
    locker_bank_id = db.Column(db.Integer, db.ForeignKey("locker_banks.id"), nullable=True)
    compartment_id = db.Column(db.Integer, db.ForeignKey("locker_compartments.id"), nullable=True)
    pickup_code = db.Column(db.String(12), nullable=True)
    code_expires_at = db.Column(db.DateTime, nullable=True)
    refusal_reason = db.Column(db.Text, nullable=False, default="")
    accepted_at = db.Column(db.DateTime, nullable=True)
    ready_at = db.Column(db.DateTime, nullable=True)
    reminded_at = db.Column(db.DateTime, nullable=True)  # the resident was reminded it waits (once)
    collected_at = db.Column(db.DateTime, nullable=True)
    closed_at = db.Column(db.DateTime, nullable=True)  # refused or cancelled

    order = db.relationship("Order", back_populates="shops")
    shop = db.relationship("Shop")
    locker_bank = db.relationship("LockerBank")
    compartment = db.relationship("Compartment", foreign_keys=[compartment_id])
    lines = db.relationship("OrderLine", back_populates="order_shop", order_by="OrderLine.id")
    refunds = db.relationship("OrderRefund", back_populates="order_shop", order_by="OrderRefund.id")
    payments = db.relationship("OrderPayment", back_populates="order_shop", order_by="OrderPayment.id",
                               cascade="all, delete-orphan", lazy="selectin")

    def payment(self, means: str) -> "OrderPayment | None":
        return next((p for p in self.payments if p.means == means), None)

    def paid_by(self, means: str) -> int:
        payment = self.payment(means)
        return payment.amount_cents if payment else 0

    def refunded_by(self, means: str) -> int:
        payment = self.payment(means)
        return payment.refunded_cents if payment else 0

    @property
    def refunded_cents(self) -> int:
        return sum(p.refunded_cents for p in self.payments)


class OrderPayment(db.Model):
    """One means' part of a sub-order (a tender): what it paid and what was given back to it.
    The means and the order refunds take them back in are marketplace/tenders.py."""

    __tablename__ = "order_payments"
    __table_args__ = (db.UniqueConstraint("order_shop_id", "means"),
                      db.CheckConstraint("amount_cents > 0 AND refunded_cents >= 0 AND refunded_cents <= amount_cents",
                                         name="ck_order_payments_refund_within_amount"))

    id = db.Column(db.Integer, primary_key=True)
    order_shop_id = db.Column(db.Integer, db.ForeignKey("order_shops.id"), nullable=False, index=True)
    means = db.Column(db.String(16), nullable=False)  # marketplace.tenders: "card" | "stripe"
    amount_cents = db.Column(db.Integer, nullable=False)
    refunded_cents = db.Column(db.Integer, nullable=False, default=0)

    order_shop = db.relationship("OrderShop", back_populates="payments")


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id = db.Column(db.Integer, primary_key=True)
    order_shop_id = db.Column(db.Integer, db.ForeignKey("order_shops.id"), nullable=False, index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)
    unit = db.Column(db.String(30), nullable=False, default="")
    unit_price_cents = db.Column(db.Integer, nullable=False)
    quantity = db.Column(db.Integer, nullable=False)
    refunded = db.Column(db.Boolean, nullable=False, default=False)

    order_shop = db.relationship("OrderShop", back_populates="lines")
    product = db.relationship("Product")

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


class OrderRefund(db.Model):
    """A request to give money back on a sub-order (unique key: a repeated request refunds nothing
    more); its parts say how much each means gave back."""

    __tablename__ = "order_refunds"

    id = db.Column(db.Integer, primary_key=True)
    order_shop_id = db.Column(db.Integer, db.ForeignKey("order_shops.id"), nullable=False, index=True)
    key = db.Column(db.String(120), nullable=False, unique=True)
    reason = db.Column(db.String(300), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    order_shop = db.relationship("OrderShop", back_populates="refunds")
    parts = db.relationship("OrderRefundPart", back_populates="refund", order_by="OrderRefundPart.id",
                            cascade="all, delete-orphan")

    def refunded_by(self, means: str) -> int:
        return sum(part.amount_cents for part in self.parts if part.payment.means == means)


class OrderRefundPart(db.Model):
    """What one means gave back for a refund, with its proof (a Stripe refund id, a ledger entry)."""

    __tablename__ = "order_refund_parts"
    __table_args__ = (db.UniqueConstraint("refund_id", "payment_id"),)

    id = db.Column(db.Integer, primary_key=True)
    refund_id = db.Column(db.Integer, db.ForeignKey("order_refunds.id"), nullable=False, index=True)
    payment_id = db.Column(db.Integer, db.ForeignKey("order_payments.id"), nullable=False, index=True)
    amount_cents = db.Column(db.Integer, nullable=False)  # 0 when the means could not give it back
    stripe_refund_id = db.Column(db.String(255), nullable=True)
    ledger_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True)

    refund = db.relationship("OrderRefund", back_populates="parts")
    payment = db.relationship("OrderPayment")


DEPOSIT_STATUSES = ("booked", "deposited", "collected", "expired", "cancelled")


class LockerDeposit(db.Model):
    """Goods any approved business leaves in a locker compartment for a named person (agreed by
    phone, no online order): booked (compartment reserved) → deposited (single-use code sent by
    email and SMS) → collected, or expired / cancelled (the compartment is freed)."""

    __tablename__ = "locker_deposits"

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=False, index=True)
    locker_bank_id = db.Column(db.Integer, db.ForeignKey("locker_banks.id"), nullable=False, index=True)
    compartment_id = db.Column(db.Integer, db.ForeignKey("locker_compartments.id"), nullable=False)
    # The booking form's one-time token: a double submit finds the first deposit (unique).
    booking_key = db.Column(db.String(64), nullable=False, unique=True)
    recipient_name = db.Column(db.String(140), nullable=False)
    recipient_phone = db.Column(db.String(20), nullable=False, default="")  # E.164 (+33…)
    recipient_email = db.Column(db.String(254), nullable=False, default="")
    note = db.Column(db.String(300), nullable=False, default="")  # what it is, for the business's list
    status = db.Column(db.String(12), nullable=False, default="booked", index=True)
    pickup_code = db.Column(db.String(12), nullable=True)
    code_expires_at = db.Column(db.DateTime, nullable=True)
    booked_by_user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    deposited_at = db.Column(db.DateTime, nullable=True)
    collected_at = db.Column(db.DateTime, nullable=True)
    closed_at = db.Column(db.DateTime, nullable=True)  # expired or cancelled
    # Payment on collection (optional): the person pays `amount_cents` through the link of their
    # message (its token's hash is stored), by bank card or territorial card, then gets the code.
    amount_cents = db.Column(db.Integer, nullable=False, default=0)  # 0: nothing to pay
    pay_token_hash = db.Column(db.String(64), nullable=True, unique=True)
    stripe_payment_intent_id = db.Column(db.String(64), nullable=True, unique=True)
    paid_means = db.Column(db.String(16), nullable=True)  # marketplace.tenders: "stripe" | "card"
    paid_at = db.Column(db.DateTime, nullable=True)
    payment_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True)  # sale or redeem
    refunded_at = db.Column(db.DateTime, nullable=True)  # a paid deposit cancelled or expired
    refund_ref = db.Column(db.String(64), nullable=True)  # the Stripe refund's id or the ledger refund's entry

    shop = db.relationship("Shop")
    locker_bank = db.relationship("LockerBank")
    compartment = db.relationship("Compartment", foreign_keys=[compartment_id])

    @property
    def reference(self) -> str:
        return f"D{self.id:06d}"

    @property
    def awaits_payment(self) -> bool:
        return self.amount_cents > 0 and self.paid_at is None


class LockerEvent(db.Model):
    """What the locker hardware reported or asked: open (ok or refused), deposit, collect."""

    __tablename__ = "locker_events"

    id = db.Column(db.Integer, primary_key=True)
    bank_id = db.Column(db.Integer, db.ForeignKey("locker_banks.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    compartment_id = db.Column(db.Integer, db.ForeignKey("locker_compartments.id"), nullable=True)
    order_shop_id = db.Column(db.Integer, db.ForeignKey("order_shops.id"), nullable=True)
    deposit_id = db.Column(db.Integer, db.ForeignKey("locker_deposits.id"), nullable=True)
    kind = db.Column(db.String(16), nullable=False)  # open | refused | deposit | collect
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
