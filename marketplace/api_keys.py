"""Per-shop API keys for till software: shown once at creation, stored as a SHA-256 hash.

A key looks like `halle_<prefix>_<secret>`; the prefix finds the row, the hash of the whole key
is compared in constant time. Keys are long random strings, so a fast hash is the right tool.
"""
import hashlib
import hmac
import secrets
from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.models import ApiKey
from marketplace.models.base import utcnow

KEY_SCHEME = "halle"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(shop_id: int, name: str, created_by_id: int) -> tuple[ApiKey, str]:
    """Create a key; return the row and the full key, which is never retrievable again."""
    prefix = secrets.token_hex(6)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(shop_id=shop_id, name=name.strip(), prefix=prefix, secret_hash=_digest(key),
                 created_by_id=created_by_id)
    db.session.add(row)
    db.session.commit()
    return row, key


def revoke_api_key(row: ApiKey) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()


def authenticate_api_key(key: str | None) -> ApiKey | None:
    """The active key matching `key`, or None."""
    parts = (key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME:
        return None
    # With its shop, in the same query: every API call uses it.
    row = db.session.scalar(_key_with_shop(), {"prefix": parts[1]})
    if row is None or not row.is_active or not hmac.compare_digest(row.secret_hash, _digest(key)):
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        _mark_used(row.id, now)
    return row


@cache
def _key_with_shop():
    """Built once: every till request runs it (building the statement cost more than running it)."""
    return select(ApiKey).options(joinedload(ApiKey.shop)).where(ApiKey.prefix == bindparam("prefix"))


def _mark_used(key_id: int, now) -> None:
    """Record the use (to the minute: no write on every till request). The read transaction is
    ended first so that SQLite waits for the write lock instead of failing; a marker that cannot
    be written is not worth failing a payment for."""
    db.session.rollback()
    try:
        db.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
        db.session.commit()
    except OperationalError:
        db.session.rollback()
