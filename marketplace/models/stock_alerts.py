"""A resident waiting for a sold-out product (marketplace/stock_alerts.py)."""
from marketplace.extensions import db
from marketplace.models.base import utcnow


class StockAlert(db.Model):
    """Tell this resident, once, when this product can be bought again; the row goes with the mail."""

    __tablename__ = "stock_alerts"
    __table_args__ = (db.UniqueConstraint("user_id", "product_id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    product = db.relationship("Product")
