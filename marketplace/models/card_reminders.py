"""Reminders sent to card holders before a credit's last day (marketplace/card_reminders.py)."""
from marketplace.extensions import db
from marketplace.models.base import utcnow


class GrantExpiryReminder(db.Model):
    """The holder was told that this credit ends in `days_before` days or fewer: one row per credit
    and reminder, so that each reminder goes once."""

    __tablename__ = "grant_expiry_reminders"
    __table_args__ = (db.UniqueConstraint("grant_id", "days_before"),)

    id = db.Column(db.Integer, primary_key=True)
    grant_id = db.Column(db.Integer, db.ForeignKey("loyalty_grants.id"), nullable=False)
    days_before = db.Column(db.Integer, nullable=False)
    sent_to = db.Column(db.String(254), nullable=False)
    sent_at = db.Column(db.DateTime, nullable=False, default=utcnow)
