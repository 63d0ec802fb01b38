from marketplace.extensions import db
from marketplace.models.base import utcnow


class PendingUpload(db.Model):
    """A file uploaded for an import, kept between its preview and its confirmation (see
    marketplace/uploads.py). `kind` and `owner_id` scope it: a shop's catalogue, an employer's staff.

    An import run in the background (the catalogue's) also records its course here: `status`
    pending (being reviewed) -> queued (confirmed, the job will write it) -> done or failed, the
    column `mapping` confirmed, and the `result` counts or the `error`."""

    __tablename__ = "pending_uploads"

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(64), nullable=False, unique=True)
    kind = db.Column(db.String(20), nullable=False)
    owner_id = db.Column(db.Integer, nullable=False)
    filename = db.Column(db.String(255), nullable=False)
    content = db.Column(db.LargeBinary, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    status = db.Column(db.String(20), nullable=False, default="pending")
    mapping = db.Column(db.JSON, nullable=True)
    requested_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    result = db.Column(db.JSON, nullable=True)
    error = db.Column(db.String(500), nullable=True)
    finished_at = db.Column(db.DateTime, nullable=True)
