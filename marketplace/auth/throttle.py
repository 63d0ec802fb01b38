"""Wrong passwords counted per email address, whatever the client address (the per-IP limit of
the login route does not stop an attacker spread over many addresses). From the
LOGIN_LOCK_AFTER-th failure the address is locked for LOGIN_LOCK_SECONDS, doubled at each further
failure up to LOGIN_LOCK_MAX_SECONDS; attempts during a lock are refused unchecked and do not
count. The lock always ends by itself, a successful login or a password reset clears the count,
and failures older than FORGET_AFTER are forgotten. Kept in the database, which every web
worker shares; unknown addresses are counted the same way (the answer says nothing of the account).
"""
import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from loyalty import clock
from marketplace.extensions import db
from marketplace.models import LoginThrottle

FORGET_AFTER = timedelta(days=1)


def _key(email: str) -> str:
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


def _now() -> datetime:
    return clock.as_naive_utc(clock.utc_now())


def locked_until(email: str) -> datetime | None:
    """When the lock on `email` ends (naive UTC), or None when it may try now."""
    row = db.session.get(LoginThrottle, _key(email))
    if row is not None and row.locked_until is not None and row.locked_until > _now():
        return row.locked_until
    return None


def lock_seconds(failures: int) -> int:
    """How long the address stays locked after its `failures`-th wrong password (0: not locked)."""
    config = current_app.config
    over = failures - config["LOGIN_LOCK_AFTER"]
    if over < 0:
        return 0
    return min(config["LOGIN_LOCK_SECONDS"] * 2 ** min(over, 20), config["LOGIN_LOCK_MAX_SECONDS"])


def record_failure(email: str, *, retry: bool = True) -> None:
    now = _now()
    # Failures older than FORGET_AFTER are forgotten (this address's, and anyone's: no row kept forever).
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER))
    row = db.session.get(LoginThrottle, _key(email), with_for_update=True)
    if row is None:
        row = LoginThrottle(email_hash=_key(email), failures=0, last_failure_at=now)
        db.session.add(row)
    row.failures += 1
    row.last_failure_at = now
    seconds = lock_seconds(row.failures)
    row.locked_until = now + timedelta(seconds=seconds) if seconds else None
    try:
        db.session.commit()
    except IntegrityError:  # another worker counted the first failure of this address at the same time
        db.session.rollback()
        if retry:
            record_failure(email, retry=False)


def clear(email: str) -> None:
    """Forget the failures of `email` (after a successful login or a password reset); committed by the caller."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.email_hash == _key(email)))
