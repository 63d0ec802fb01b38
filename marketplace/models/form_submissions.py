from marketplace.extensions import db
from marketplace.models.base import utcnow


class FormSubmission(db.Model):
    """A creation form's one-time token, claimed in the same transaction as what it created
    (marketplace/once.py): the same form sent twice creates once. `url` is where the first
    submission led. Rows older than a few days are deleted (periodic job)."""

    __tablename__ = "form_submissions"

    token = db.Column(db.String(64), primary_key=True)
    url = db.Column(db.String(500), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
