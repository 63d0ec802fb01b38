"""Running a ledger write as one short, exclusive, retried transaction.

Every write of the ledger (money operations and card state changes) is its own unit of work:
it starts a fresh transaction, locks what it touches, checks, writes, commits. Because a
failed attempt is rolled back and re-run from scratch, the session must hold no pending
change of the caller when a ledger function is called (they are refused, not silently
committed or lost); a clean read-only transaction left open by the caller is simply ended.

Locking: on SQLite the transaction is `BEGIN IMMEDIATE` (see loyalty/sqlite.py); on PostgreSQL
rows are locked with SELECT … FOR UPDATE in a fixed order — card rows by id, then the hold row,
then accounts by id ascending — so two transactions never wait for each other in a cycle.
Lock conflicts that the database resolves by aborting one transaction (deadlock, serialization
failure, "database is locked") are retried a bounded number of times.
"""
import hashlib
import json
import random
import time
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, scoped_session

from loyalty.accounts import apply_deferred_increments, forget_deferred_increments
from loyalty.errors import IdempotencyConflict
from loyalty.models import Entry
from loyalty.sqlite import IMMEDIATE_OPTION

T = TypeVar("T")

MAX_ATTEMPTS = 8
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def request_hash(kind: str, **request) -> str:
    """A fingerprint of what was asked (not of who asked), to compare replays with."""
    payload = json.dumps({"kind": kind, **request}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def in_ledger_transaction(session: Session, work: Callable[[], T]) -> T:
    """Run `work` in its own exclusive transaction, commit, retry on lock conflicts."""
    require_clean_session(session)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        forget_deferred_increments(session)
        try:
            session.connection(execution_options={IMMEDIATE_OPTION: True})
            result = work()
            apply_deferred_increments(session)
            session.commit()
            return result
        except DBAPIError as error:
            session.rollback()
            if attempt == MAX_ATTEMPTS or not _is_lock_conflict(error):
                raise
            _pause(attempt)
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def idempotent(session: Session, key: str, fingerprint: str, work: Callable[[], T],
               replay: Callable[[Entry], T]) -> T:
    """Run a money operation once per idempotency key.

    `work` looks up the key itself once it holds its locks (`existing_entry`) and returns the
    replay when found: a retried request that comes after the first one committed gets the first
    result even if the card has been emptied since. The unique constraint on the key is what
    guarantees a single entry: when two requests race past the look-up, the second insert
    fails, is rolled back, and the committed entry is read and replayed (or refused when the
    request differs). Other integrity errors (say a second void racing the first) are re-run,
    and the re-run sees the committed row and refuses with a clear error.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return in_ledger_transaction(session, work)
        except IntegrityError:
            existing = session.scalar(select(Entry).where(Entry.idempotency_key == key))
            try:
                if existing is not None:
                    return replay_or_refuse(existing, fingerprint, replay)
            finally:
                session.rollback()
            if attempt == MAX_ATTEMPTS:
                raise
            _pause(attempt)
    raise AssertionError("unreachable")


def rerun_on_integrity_error(session: Session, work: Callable[[], T]) -> T:
    """in_ledger_transaction, re-run from scratch when an insert collides with a concurrent
    one (a key, a card number): the re-run sees the committed rows (and replays them)."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return in_ledger_transaction(session, work)
        except IntegrityError:
            if attempt == MAX_ATTEMPTS:
                raise
            _pause(attempt)
    raise AssertionError("unreachable")


def existing_entry(session: Session, key: str) -> Entry | None:
    return session.scalar(_entry_by_key(), {"key": key})


@cache
def _entry_by_key():
    """Built once (see accounts._SET_BALANCE)."""
    return select(Entry).where(Entry.idempotency_key == bindparam("key"))


def replay_or_refuse(entry: Entry, fingerprint: str, replay: Callable[[Entry], T]) -> T:
    if entry.request_hash != fingerprint:
        raise IdempotencyConflict()
    return replay(entry)


def require_clean_session(session: Session | scoped_session) -> None:
    if isinstance(session, scoped_session):
        session = session()  # the request's session (the proxy's every attribute is a look-up)
    if session.new or session.dirty or session.deleted:
        raise RuntimeError(
            "The session has pending changes: commit or roll them back before a ledger operation "
            "(each ledger operation commits its own transaction)."
        )
    if session.in_transaction():  # committing an idle session costs as much as a redemption's SQL
        session.commit()  # ends a read-only transaction; nothing to write


def _is_lock_conflict(error: DBAPIError) -> bool:
    if getattr(error.orig, "pgcode", None) in RETRYABLE_SQLSTATES:
        return True
    text = str(error.orig).lower()
    return "database is locked" in text or "database table is locked" in text


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.005 * 2**attempt))
