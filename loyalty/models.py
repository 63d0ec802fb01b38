"""The territorial card ledger models.

Sign convention: a posting moves `amount_cents` INTO its account (negative: out of it), and an
account's `balance_cents` is the sum of its postings, i.e. what the account holds. Money that
comes from outside (bank transfers, Stripe) is drawn from an `external` account whose balance
therefore goes negative by everything ever brought in, so the sum of all balances is always 0.

Entries and postings are written once and never updated or deleted (a mapper guard below
enforces it); a mistake is corrected by a new entry. Cards, grants and holds are state that
points at the journal and may change (a card gets blocked, a hold gets captured).
"""
from sqlalchemy import event

from database import db
from loyalty.clock import stored_now
from loyalty.errors import LedgerImmutable
from loyalty.pg_redeem import DROP_EVERY_VERSION, REDEEM_FUNCTION

# Kinds of account. Only those in MAY_GO_NEGATIVE can hold less than nothing.
ACCOUNT_KINDS = (
    "external",  # the outside world: bank, Stripe
    "employer_funding",  # what an employer paid in and has not yet granted
    "territory_fund",  # public top-ups, and expired grants under the 'territory' policy
    "purse",  # one grant on one card
    "card_holds",  # a card's amounts reserved by pending holds
    "shop_payable",  # what the territory owes a shop for redemptions, until settled
    "territory_clearing",  # what has been paid out to shops (settlements)
    "adjustments",  # counterpart of admin corrections
    "stripe_clearing",  # bank-card money of online sales, collected by Stripe (goes negative)
    "commission",  # what the territory kept on settlements
    "counter_clearing",  # cash, cheques, terminal payments taken at a card counter, per tender (goes negative)
    "bank_fees",  # what Stripe and the bank kept as their fees: an expense of the territory (goes negative)
)
MAY_GO_NEGATIVE = frozenset({"external", "adjustments", "shop_payable", "stripe_clearing", "counter_clearing",
                             "bank_fees"})

ENTRY_KINDS = (
    "fund", "issue", "redeem", "void", "refund", "expire", "settle", "adjust", "replace",
    "hold", "capture", "release",
    "sale", "salerefund", "commission",  # online sales by bank card, their refunds (loyalty.sales)
    "payout",  # Stripe paying out to the territory's bank account (loyalty.sales)
    "buyrefund",  # bought credit (gift cards, top-ups) refunded to its buyer (loyalty.bought)
    "fee",  # Stripe's fees, kept out of what it collected (loyalty.sales)
    "bank_fee",  # the bank's own fees, taken from the territory's account (loyalty.sales)
)
CARD_STATUSES = ("pending", "active", "blocked", "deactivated")
EXPIRY_POLICIES = ("employer", "territory")
HOLD_STATUSES = ("pending", "captured", "released", "expired")


class Account(db.Model):
    __tablename__ = "ledger_accounts"

    id = db.Column(db.Integer, primary_key=True)
    # Singleton accounts are found by code ("external:bank", "shop:12:payable"…); purses have none.
    code = db.Column(db.String(80), nullable=True, unique=True)
    kind = db.Column(db.String(20), nullable=False)
    label = db.Column(db.String(200), nullable=False, default="")
    balance_cents = db.Column(db.BigInteger, nullable=False, default=0)
    employer_id = db.Column(db.Integer, db.ForeignKey("employers.id"), nullable=True, index=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=True, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=stored_now)

    @property
    def may_go_negative(self) -> bool:
        return self.kind in MAY_GO_NEGATIVE

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.code or self.kind} {self.balance_cents}>"


class Entry(db.Model):
    """A journal entry: one money movement, made of postings that sum to zero."""

    __tablename__ = "ledger_entries"

    id = db.Column(db.Integer, primary_key=True)
    idempotency_key = db.Column(db.String(200), nullable=False, unique=True)
    # sha256 of the request, to refuse the same key sent with a different request.
    request_hash = db.Column(db.String(64), nullable=False)
    kind = db.Column(db.String(10), nullable=False, index=True)
    actor = db.Column(db.String(80), nullable=False)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=True, index=True)
    card_id = db.Column(db.Integer, db.ForeignKey("loyalty_cards.id"), nullable=True, index=True)
    # The amount the operation moved and the card's balance right after it: a replay of the
    # same request returns exactly what the first call returned.
    amount_cents = db.Column(db.BigInteger, nullable=False)
    card_balance_after_cents = db.Column(db.Integer, nullable=True)
    # A redemption can be voided once (unique) and refunded several times.
    voided_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True, unique=True)
    refunded_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True, index=True)
    memo = db.Column(db.String(500), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=stored_now, index=True)

    postings = db.relationship("Posting", back_populates="entry", order_by="Posting.id")

    def __repr__(self) -> str:
        return f"<Entry {self.id} {self.kind} {self.amount_cents}>"


class Posting(db.Model):
    __tablename__ = "ledger_postings"

    id = db.Column(db.Integer, primary_key=True)
    entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=False, index=True)
    account_id = db.Column(db.Integer, db.ForeignKey("ledger_accounts.id"), nullable=False, index=True)
    amount_cents = db.Column(db.BigInteger, nullable=False)

    entry = db.relationship("Entry", back_populates="postings")
    account = db.relationship("Account")


class Card(db.Model):
    """A territorial card: pending → active ⇄ blocked → deactivated (final)."""

    __tablename__ = "loyalty_cards"

    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(16), nullable=False, unique=True)
    # Random, embedded (signed) in the QR code instead of the number.
    qr_token = db.Column(db.String(32), nullable=False, unique=True)
    status = db.Column(db.String(12), nullable=False, default="pending", index=True)
    pin_hash = db.Column(db.String(255), nullable=True)
    failed_pin_attempts = db.Column(db.Integer, nullable=False, default=0)
    # Set by the 5th wrong PIN in a row: no PIN is accepted before (see cards.pin_attempt).
    pin_locked_until = db.Column(db.DateTime, nullable=True)
    # A PIN printed for the holder (cards handed out by hand): asked at every payment, whatever the
    # territory's threshold, until the holder chooses a PIN or claims the card online.
    pin_always_required = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    holder_user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True, index=True)
    employee_id = db.Column(db.Integer, db.ForeignKey("employees.id"), nullable=True, index=True)
    replaced_by_id = db.Column(db.Integer, db.ForeignKey("loyalty_cards.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=stored_now)
    status_changed_at = db.Column(db.DateTime, nullable=False, default=stored_now)

    grants = db.relationship(
        "Grant", back_populates="card", order_by="(Grant.expires_on, Grant.id)", foreign_keys="Grant.card_id"
    )

    @property
    def masked_number(self) -> str:
        return f"•••• •••• •••• {self.number[-4:]}"

    def __repr__(self) -> str:
        return f"<Card {self.id} {self.masked_number} {self.status}>"


class Grant(db.Model):
    """Credit given on a card by one funder (a campaign, a top-up), in its own purse account."""

    __tablename__ = "loyalty_grants"

    id = db.Column(db.Integer, primary_key=True)
    card_id = db.Column(db.Integer, db.ForeignKey("loyalty_cards.id"), nullable=False, index=True)
    account_id = db.Column(db.Integer, db.ForeignKey("ledger_accounts.id"), nullable=False, unique=True)
    funder_account_id = db.Column(db.Integer, db.ForeignKey("ledger_accounts.id"), nullable=False)
    label = db.Column(db.String(200), nullable=False)
    expires_on = db.Column(db.Date, nullable=False)  # last day it can be spent (Paris)
    # Category slugs where it can be spent (a shop's category or any ancestor); None: everywhere.
    allowed_categories = db.Column(db.JSON, nullable=True)
    # INSEE codes of the communes where it can be spent (a top-up programme's); None: everywhere.
    # Such a grant is paid through Python only (halle_redeem does not read it: ledger.redeem).
    allowed_communes = db.Column(db.JSON(none_as_null=True), nullable=True)
    # Ids of the shops where it can be spent (a merchants' association's top-up: its members when
    # it was granted); None: everywhere. Paid through Python only, like allowed_communes.
    allowed_shops = db.Column(db.JSON(none_as_null=True), nullable=True)
    expiry_policy = db.Column(db.String(10), nullable=False, default="employer")
    campaign_id = db.Column(db.Integer, nullable=True, index=True)  # no FK: campaigns come later
    created_at = db.Column(db.DateTime, nullable=False, default=stored_now)
    # The grant that took over its money when its card was replaced (ledger.replace_card).
    replaced_by_id = db.Column(db.Integer, db.ForeignKey("loyalty_grants.id"), nullable=True)

    card = db.relationship("Card", back_populates="grants", foreign_keys=[card_id])
    account = db.relationship("Account", foreign_keys=[account_id])
    funder_account = db.relationship("Account", foreign_keys=[funder_account_id])

    def __repr__(self) -> str:
        return f"<Grant {self.id} card={self.card_id} {self.label!r} until {self.expires_on}>"


class Hold(db.Model):
    """An amount reserved on a card for an online order, captured or released exactly once."""

    __tablename__ = "loyalty_holds"

    id = db.Column(db.Integer, primary_key=True)
    card_id = db.Column(db.Integer, db.ForeignKey("loyalty_cards.id"), nullable=False, index=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=False)
    amount_cents = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(10), nullable=False, default="pending", index=True)
    captured_cents = db.Column(db.Integer, nullable=True)
    hold_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=False, unique=True)
    close_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=stored_now, index=True)
    closed_at = db.Column(db.DateTime, nullable=True)


def _refuse_change(mapper, connection, target) -> None:
    raise LedgerImmutable(f"{target!r} is immutable: correct it with a new entry")


for _model in (Entry, Posting):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)


# The one-call redemption (loyalty/pg_redeem.py) is part of the PostgreSQL schema.
event.listen(db.metadata, "after_create", DROP_EVERY_VERSION.execute_if(dialect="postgresql"))
event.listen(db.metadata, "after_create", REDEEM_FUNCTION.execute_if(dialect="postgresql"))
