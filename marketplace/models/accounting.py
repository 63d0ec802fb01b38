"""The chart of accounts of the accounting export: which account number each ledger account gets."""
from marketplace.extensions import db
from marketplace.models.base import utcnow


class ChartAccount(db.Model):
    """One line of the chart: a kind of ledger account ("purse", "shop_payable"…) or one
    territory account by its code ("external:bank"), with its account number and label in the
    territory's nomenclature (the French PCG by default, M57 for a public body). `aux_prefix`:
    the accounts of this line are auxiliary accounts (one per shop or funder), numbered with it."""

    __tablename__ = "accounting_chart"

    id = db.Column(db.Integer, primary_key=True)
    ledger_key = db.Column(db.String(40), nullable=False, unique=True)
    number = db.Column(db.String(20), nullable=False)
    label = db.Column(db.String(200), nullable=False)
    aux_prefix = db.Column(db.String(10), nullable=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
