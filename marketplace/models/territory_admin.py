"""The territory's own settings and the products residents report."""
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models.base import utcnow

REPORT_REASONS = {
    "illegal": lazy_gettext("Produit interdit ou dangereux"),
    "misleading": lazy_gettext("Description trompeuse ou prix erroné"),
    "offensive": lazy_gettext("Contenu choquant"),
    "not_local": lazy_gettext("Pas un produit du commerce (revente, hors territoire)"),
    "other": lazy_gettext("Autre raison"),
}
REPORT_STATUSES = ("open", "dismissed", "hidden")


class TerritorySettings(db.Model):
    """One row: the card settings the admin changed (NULL: the config.py default applies)."""

    __tablename__ = "territory_settings"

    id = db.Column(db.Integer, primary_key=True)
    card_prefix = db.Column(db.String(4), nullable=True)
    commission_bps = db.Column(db.Integer, nullable=True)
    pin_required_above_cents = db.Column(db.Integer, nullable=True)  # NULL: the default (config)
    pin_lock_minutes = db.Column(db.Integer, nullable=True)  # NULL: the default (config)
    settlement_cadence = db.Column(db.String(10), nullable=True)  # daily | weekly | manual; NULL: config
    accountant_email = db.Column(db.String(254), nullable=True)  # gets each month's books (marketplace/accountant.py)
    accountant_month_sent = db.Column(db.String(7), nullable=True)  # YYYY-MM: the last month sent
    # A shop joins a merchants' association only once the territory admin confirmed it too.
    association_members_need_admin = db.Column(db.Boolean, nullable=False, default=False,
                                               server_default=db.false())
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)


class ProductReport(db.Model):
    """A resident's report of a product; the admin dismisses it or hides the product."""

    __tablename__ = "product_reports"

    id = db.Column(db.Integer, primary_key=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id", ondelete="CASCADE"), nullable=False, index=True)
    reason = db.Column(db.String(20), nullable=False)
    comment = db.Column(db.String(500), nullable=False, default="")
    reporter_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    status = db.Column(db.String(10), nullable=False, default="open", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    handled_at = db.Column(db.DateTime, nullable=True)
    handled_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)

    product = db.relationship("Product")
    reporter = db.relationship("User", foreign_keys=[reporter_id])

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.reason, self.reason)
