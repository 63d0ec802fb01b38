"""Credit bought online by bank card: gift cards for someone else, a holder's top-up.

One purchase is one Stripe PaymentIntent; each item becomes one grant (a new card for a gift,
the holder's card for a top-up), funded from the Stripe clearing account (loyalty/bought.py).
The money itself lives in the ledger; these rows say who bought what, for whom, and when the
recipient is told.
"""
from marketplace.extensions import db
from marketplace.models.base import utcnow

PURCHASE_KINDS = ("gift", "topup", "counter")  # counter: sold at a card counter (marketplace/counters.py)
PURCHASE_STATUSES = ("pending", "paid", "voided")


class CreditPurchase(db.Model):
    """pending → paid (once, by the webhook or the return page, whichever comes first)."""

    __tablename__ = "credit_purchases"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False)
    # Random, in the URLs of the payment and receipt pages (the buyer may have no account), and
    # the form's token: a double submit of the form finds the first purchase.
    token = db.Column(db.String(43), nullable=False, unique=True)
    form_token = db.Column(db.String(64), nullable=False, unique=True)
    buyer_name = db.Column(db.String(120), nullable=False)
    buyer_email = db.Column(db.String(254), nullable=False)
    buyer_user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True, index=True)
    amount_cents = db.Column(db.Integer, nullable=False)
    stripe_payment_intent_id = db.Column(db.String(255), nullable=True, unique=True)
    status = db.Column(db.String(10), nullable=False, default="pending", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    paid_at = db.Column(db.DateTime, nullable=True)
    # A counter sale: the desk, the tender taken there, the seller, its Paris day, and its void.
    counter_id = db.Column(db.Integer, db.ForeignKey("card_counters.id"), nullable=True, index=True)
    tender = db.Column(db.String(10), nullable=True)
    seller_user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    sale_day = db.Column(db.Date, nullable=True, index=True)
    voided_at = db.Column(db.DateTime, nullable=True)
    voided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)

    items = db.relationship("CreditPurchaseItem", back_populates="purchase", order_by="CreditPurchaseItem.id")


class CreditPurchaseItem(db.Model):
    """One card of a gift purchase (or the card a top-up credits), its grant once paid, its email
    to the recipient (sent once, on `deliver_on`), and its refund to the buyer."""

    __tablename__ = "credit_purchase_items"

    id = db.Column(db.Integer, primary_key=True)
    purchase_id = db.Column(db.Integer, db.ForeignKey("credit_purchases.id"), nullable=False, index=True)
    amount_cents = db.Column(db.Integer, nullable=False)
    recipient_name = db.Column(db.String(120), nullable=False, default="")
    recipient_email = db.Column(db.String(254), nullable=False, default="")
    message = db.Column(db.String(500), nullable=False, default="")
    deliver_on = db.Column(db.Date, nullable=True)  # gifts: the day the recipient is emailed
    card_id = db.Column(db.Integer, db.ForeignKey("loyalty_cards.id"), nullable=True, index=True)
    issue_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True, unique=True)
    delivered_at = db.Column(db.DateTime, nullable=True, index=True)
    refund_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True, unique=True)
    refunded_cents = db.Column(db.Integer, nullable=False, default=0)
    stripe_refund_id = db.Column(db.String(255), nullable=True)
    refunded_at = db.Column(db.DateTime, nullable=True)

    purchase = db.relationship("CreditPurchase", back_populates="items")
