"""The territory admin's records: settlement runs (paying the shops) and the audit log."""
from marketplace.extensions import db
from marketplace.models.base import utcnow

SETTLEMENT_PERIODS = ("daily", "weekly", "monthly")
# draft (statements and SEPA file ready) → paying (settle entries being written) → paid;
# or draft → cancelled.
SETTLEMENT_STATUSES = ("draft", "paying", "paid", "cancelled")
# A statement of a paid run is `paid`, or `unpaid` when the shop had no valid IBAN (its lines
# go back to the next run).
STATEMENT_STATUSES = ("draft", "paid", "unpaid", "cancelled")


class SettlementRun(db.Model):
    """One settlement of the shops for a period: a statement per shop and one SEPA file."""

    __tablename__ = "settlement_runs"

    id = db.Column(db.Integer, primary_key=True)
    period = db.Column(db.String(10), nullable=False)  # daily | weekly | monthly
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)  # last day included (Paris)
    commission_bps = db.Column(db.Integer, nullable=False, default=0)  # the rate used, basis points
    execution_date = db.Column(db.Date, nullable=False)  # requested date of the bank transfers
    status = db.Column(db.String(10), nullable=False, default="draft", index=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    paid_at = db.Column(db.DateTime, nullable=True)
    cancelled_at = db.Column(db.DateTime, nullable=True)

    statements = db.relationship("SettlementStatement", back_populates="run", order_by="SettlementStatement.id")

    def __repr__(self) -> str:
        return f"<SettlementRun {self.id} {self.starts_on}..{self.ends_on} {self.status}>"


class SettlementStatement(db.Model):
    """What one shop is paid by a run: its lines, the commission kept, the transfer."""

    __tablename__ = "settlement_statements"
    __table_args__ = (db.UniqueConstraint("run_id", "shop_id"),)

    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("settlement_runs.id"), nullable=False, index=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=False, index=True)
    gross_cents = db.Column(db.Integer, nullable=False)  # sum of the lines (net of voids and refunds)
    commission_cents = db.Column(db.Integer, nullable=False, default=0)
    payout_cents = db.Column(db.Integer, nullable=False)  # gross - commission: the bank transfer
    iban = db.Column(db.String(34), nullable=True)  # as it was when the run was made
    iban_valid = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(db.String(10), nullable=False, default="draft")
    settle_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True)

    run = db.relationship("SettlementRun", back_populates="statements")
    shop = db.relationship("Shop")
    lines = db.relationship("SettlementLine", back_populates="statement", order_by="SettlementLine.created_at",
                            cascade="all, delete-orphan")

    @property
    def number(self) -> str:
        return f"R{self.run_id:04d}-{self.shop_id:05d}"


class SettlementLine(db.Model):
    """One ledger entry that moved money on a shop's payable account (a card payment, a void, a
    refund), in the statement that settles it. `entry_id` is unique: no entry is settled twice;
    the lines of a cancelled run are deleted, so its entries go to the next run."""

    __tablename__ = "settlement_lines"

    id = db.Column(db.Integer, primary_key=True)
    statement_id = db.Column(db.Integer, db.ForeignKey("settlement_statements.id"), nullable=False, index=True)
    entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=False, unique=True)
    kind = db.Column(db.String(10), nullable=False)  # redeem | capture | void | refund
    created_at = db.Column(db.DateTime, nullable=False)  # the entry's time (naive UTC)
    card_number = db.Column(db.String(30), nullable=False, default="")  # masked
    amount_cents = db.Column(db.Integer, nullable=False)  # signed: what it owes the shop

    statement = db.relationship("SettlementStatement", back_populates="lines")


class AuditEvent(db.Model):
    """An admin action: who, when, what, and the state before and after."""

    __tablename__ = "audit_events"

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True, index=True)
    actor = db.Column(db.String(254), nullable=False)  # the admin's email, or "system"
    action = db.Column(db.String(60), nullable=False, index=True)  # "shop.suspend", "settlement.pay"…
    target_type = db.Column(db.String(30), nullable=False)
    target_id = db.Column(db.Integer, nullable=True)
    summary = db.Column(db.String(500), nullable=False, default="")
    before = db.Column(db.JSON, nullable=True)
    after = db.Column(db.JSON, nullable=True)


class ReconciliationRun(db.Model):
    """A Stripe reconciliation of a period, computed by a background job (Stripe is asked twice
    per order: a month of orders takes longer than a web request may). The page shows the latest
    run of the period, its progress while it runs, then the rows it stored."""

    __tablename__ = "reconciliation_runs"

    id = db.Column(db.Integer, primary_key=True)
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)
    status = db.Column(db.String(20), nullable=False, default="queued")  # queued, running, done, failed
    total = db.Column(db.Integer, nullable=True)  # orders to check, once counted
    checked = db.Column(db.Integer, nullable=False, default=0)
    rows = db.Column(db.JSON, nullable=True)
    error = db.Column(db.String(500), nullable=True)
    requested_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    finished_at = db.Column(db.DateTime, nullable=True)


class PeriodicRun(db.Model):
    """The last run of each periodic job (marketplace/periodic.py), for the admin's page of jobs:
    one row per job, rewritten at each run."""

    __tablename__ = "periodic_runs"

    name = db.Column(db.String(80), primary_key=True)
    started_at = db.Column(db.DateTime, nullable=False)
    finished_at = db.Column(db.DateTime, nullable=False)
    ok = db.Column(db.Boolean, nullable=False)
    result = db.Column(db.String(200), nullable=False, default="")  # what the job returned, or its error
    runs = db.Column(db.Integer, nullable=False, default=0)
    failures = db.Column(db.Integer, nullable=False, default=0)
