from marketplace.extensions import db
from marketplace.models.base import utcnow


class PendingUpload(db.Model):
    """A file uploaded for an import, kept between its preview and its confirmation (see
    marketplace/uploads.py). `kind` and `owner_id` scope it: a shop's catalogue, an employer's staff."""

    __tablename__ = "pending_uploads"

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(64), nullable=False, unique=True)
    kind = db.Column(db.String(20), nullable=False)
    owner_id = db.Column(db.Integer, nullable=False)
    filename = db.Column(db.String(255), nullable=False)
    content = db.Column(db.LargeBinary, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
