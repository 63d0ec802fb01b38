from marketplace.extensions import db
from marketplace.models.base import utcnow


class ApiKey(db.Model):
    """A shop's key for its till software (POS API). Only a hash of the secret is kept."""

    __tablename__ = "api_keys"

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=False, index=True)
    name = db.Column(db.String(80), nullable=False)
    prefix = db.Column(db.String(16), nullable=False, unique=True)
    secret_hash = db.Column(db.String(64), nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime, nullable=True)
    revoked_at = db.Column(db.DateTime, nullable=True)

    shop = db.relationship("Shop")
    created_by = db.relationship("User")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
