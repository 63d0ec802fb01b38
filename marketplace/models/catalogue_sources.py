"""Where a shop's catalogue comes from besides its own typing: its answers about categories."""
from marketplace.extensions import db
from marketplace.models.base import utcnow


class ShopCategoryAlias(db.Model):
    """A shop's answer to "which category is « Pain »?", reused by its next imports and feed runs.
    `text_key` is the category text as its files write it, folded (marketplace/territory.fold)."""

    __tablename__ = "shop_category_aliases"
    __table_args__ = (db.UniqueConstraint("shop_id", "text_key"),)

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False)
    text_key = db.Column(db.String(200), nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id", ondelete="CASCADE"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
