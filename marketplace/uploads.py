"""Files uploaded for an import, kept between the preview and the confirmation.

In the database, not on a web server's disk: behind a load balancer the confirmation may reach
another host than the upload did. A token only opens the upload of its kind and owner (a shop's
catalogue, an employer's staff list); an upload nobody confirmed is deleted after a day.
"""
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from marketplace.extensions import db
from marketplace.models.base import utcnow
from marketplace.models.uploads import PendingUpload

KEPT_FOR = timedelta(days=1)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def save(kind: str, owner_id: int, data: bytes, filename: str) -> str:
    """Keep the file (committed) and return its token; forgotten uploads go at the same time (not
    one still waiting for its background job)."""
    db.session.execute(delete(PendingUpload).where(PendingUpload.created_at < utcnow() - KEPT_FOR,
                                                   PendingUpload.status != "queued"))
    token = secrets.token_urlsafe(18)
    db.session.add(PendingUpload(token=token, kind=kind, owner_id=owner_id, filename=(filename or "")[-255:],
                                 content=data))
    db.session.commit()
    return token


def load(kind: str, owner_id: int, token: str) -> tuple[bytes, str] | None:
    """The content and name of a file still waiting for its confirmation, or None (an unknown,
    expired, forged or foreign token, or an upload already confirmed)."""
    row = find(kind, owner_id, token)
    return (row.content, row.filename) if row is not None and row.status == "pending" else None


def find(kind: str, owner_id: int, token: str) -> PendingUpload | None:
    """The upload whatever its status (see PendingUpload), or None for an unknown, expired, forged
    or foreign token."""
    row = _row(kind, owner_id, token)
    if row is None or (row.created_at < utcnow() - KEPT_FOR and row.status != "queued"):
        return None
    return row


def discard(kind: str, owner_id: int, token: str) -> None:
    row = _row(kind, owner_id, token)
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def _row(kind: str, owner_id: int, token: str) -> PendingUpload | None:
    if not _TOKEN.match(token or ""):
        return None
    return db.session.scalar(select(PendingUpload).where(
        PendingUpload.token == token, PendingUpload.kind == kind, PendingUpload.owner_id == owner_id))
