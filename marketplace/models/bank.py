"""The territory's bank statements (CAMT.053) and their lines, matched to what Halle expected."""
from marketplace.extensions import db
from marketplace.models.base import utcnow

# What a line is, once classified (see marketplace/bank_statements.py):
BANK_LINE_MATCHES = (
    "exact",  # a transfer for a campaign, of the amount asked: it funded the campaign
    "recorded",  # a campaign transfer the admin had recorded by hand ("Virement reçu") before the import
    "partial",  # less than asked: the admin records it (the campaign waits for the rest) or sends it back
    "over",  # more than asked: recorded, the surplus is the employer's credit; or sent back
    "not_waiting",  # the reference of a campaign that waits for no transfer
    "unknown_reference",  # an incoming transfer nobody expected
    "sender",  # no reference, but the exact amount a campaign waits for, from its company's account or name
    "settlement",  # a transfer of a settlement's SEPA file, of the statement's amount
    "settlement_batch",  # a whole SEPA file booked as one debit without its details, of the run's total
    "settlement_mismatch",  # a settlement reference with another amount, or a statement that cannot be paid
    "stripe_payout",  # Stripe paying out the online sales: recorded in the ledger
    "unknown_debit",  # money out that no settlement explains (bank fees…)
    "bank_fee",  # the bank's own fees, booked in the ledger by the admin or by a fee label they kept
    "bank_fee_over",  # a kept fee label, for more than its ceiling: waits for the admin
)
# new (stored, not classified yet) → matched | to_decide | unmatched; to_decide and unmatched
# become matched (the admin recorded it) or handled (the admin dealt with it outside Halle).
BANK_LINE_STATUSES = ("new", "matched", "to_decide", "unmatched", "handled")


class BankStatement(db.Model):
    """One imported file: a CAMT.053 statement of the territory's account, or (from the folder
    job) a file that was refused, kept so that it is not read again."""

    __tablename__ = "bank_statements"
    __table_args__ = (db.UniqueConstraint("account_iban", "statement_ref"),)

    id = db.Column(db.Integer, primary_key=True)
    file_sha256 = db.Column(db.String(64), nullable=False, index=True)  # the folder job reads a file once
    filename = db.Column(db.String(255), nullable=False, default="")
    source = db.Column(db.String(10), nullable=False, default="upload")  # upload | folder
    status = db.Column(db.String(10), nullable=False, default="imported")  # imported | refused | duplicate
    error = db.Column(db.String(500), nullable=True)
    account_iban = db.Column(db.String(34), nullable=True)
    statement_ref = db.Column(db.String(140), nullable=True)  # Stmt/Id
    message_version = db.Column(db.String(40), nullable=True)  # camt.053.001.02…
    from_date = db.Column(db.Date, nullable=True)
    to_date = db.Column(db.Date, nullable=True)
    opening_balance_cents = db.Column(db.BigInteger, nullable=True)
    closing_balance_cents = db.Column(db.BigInteger, nullable=True)
    closing_date = db.Column(db.Date, nullable=True)
    imported_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    imported_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)

    lines = db.relationship("BankLine", back_populates="statement", order_by="(BankLine.booking_date, BankLine.id)")


class BankLine(db.Model):
    """One booked movement of a statement (a transaction of a batch booking is a line of its own).
    `line_key` (the account, the bank's reference of the entry and of the transaction) is unique:
    a line seen in two statements is stored once."""

    __tablename__ = "bank_lines"

    id = db.Column(db.Integer, primary_key=True)
    statement_id = db.Column(db.Integer, db.ForeignKey("bank_statements.id"), nullable=False, index=True)
    line_key = db.Column(db.String(255), nullable=False, unique=True)
    booking_date = db.Column(db.Date, nullable=False)
    value_date = db.Column(db.Date, nullable=True)
    amount_cents = db.Column(db.BigInteger, nullable=False)  # signed: money in > 0, out < 0
    reference = db.Column(db.String(500), nullable=False, default="")  # remittance information
    end_to_end_id = db.Column(db.String(140), nullable=False, default="")
    counterparty_name = db.Column(db.String(140), nullable=False, default="")
    counterparty_iban = db.Column(db.String(34), nullable=False, default="")
    bank_reference = db.Column(db.String(140), nullable=False, default="")  # AcctSvcrRef / NtryRef
    info = db.Column(db.String(500), nullable=False, default="")  # AddtlNtryInf
    match = db.Column(db.String(20), nullable=True)
    status = db.Column(db.String(10), nullable=False, default="new", index=True)
    note = db.Column(db.String(500), nullable=False, default="")
    campaign_id = db.Column(db.Integer, db.ForeignKey("campaigns.id"), nullable=True, index=True)
    campaign_payment_id = db.Column(db.Integer, db.ForeignKey("campaign_payments.id"), nullable=True)
    settlement_statement_id = db.Column(db.Integer, db.ForeignKey("settlement_statements.id"), nullable=True,
                                        index=True)
    ledger_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True)
    stripe_payout_id = db.Column(db.String(64), nullable=True, unique=True, index=True)  # po_…: Stripe's payout
    resolved_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    resolved_at = db.Column(db.DateTime, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    statement = db.relationship("BankStatement", back_populates="lines")
    campaign = db.relationship("Campaign")
    settlement_statement = db.relationship("SettlementStatement")


class BankFeeLabel(db.Model):
    """A label the bank puts on its own fees ("FRAIS TENUE DE COMPTE"), kept when the admin books
    such a debit as bank fees: the next debits with that label, up to `ceiling_cents`, are booked
    the same way at their import, with no click. `label_key` is the label without case, accents,
    digits or punctuation, so that the month or the date in it does not matter."""

    __tablename__ = "bank_fee_labels"

    id = db.Column(db.Integer, primary_key=True)
    label_key = db.Column(db.String(200), nullable=False, unique=True)
    label = db.Column(db.String(500), nullable=False)  # as the first line said it
    ceiling_cents = db.Column(db.BigInteger, nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
