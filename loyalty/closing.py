"""Closed months: the books of a month, once the accountant has signed them, take no new entry.

Locking a month closes it and every month before it (the books close in order): the ledger then
refuses any entry dated before the first day of the month after the latest locked one, whatever
operation writes it (`accounts.post` and `ledger.issue_grants` ask `check_open`); a correction is
a new entry in the current month. Only a month that is over can be locked, so an entry dated
"now" never falls in a closed month; only back-dated entries (an explicit `now`) are checked
against the table, which keeps the till's path free of the extra query.
"""
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from database import db
from loyalty.clock import PARIS, as_naive_utc, stored_now, utc_now
from loyalty.errors import N_, LedgerError


class ClosedMonth(db.Model):
    """One locking of a month by an administrator (the month and all before it are closed)."""

    __tablename__ = "ledger_closed_months"

    id = db.Column(db.Integer, primary_key=True)
    month = db.Column(db.Date, nullable=False, unique=True)  # its first day
    locked_by = db.Column(db.String(200), nullable=False)
    # The statement's main figures when it was locked, for the record.
    figures = db.Column(db.JSON, nullable=True)
    locked_at = db.Column(db.DateTime, nullable=False, default=stored_now)


class PeriodClosed(LedgerError):
    code = "period_closed"

    def __init__(self, month: date):
        self.month = month
        super().__init__(N_("Le mois %(month)s est clôturé : aucune écriture ne peut plus y être datée ; "
                            "passez la correction sur le mois en cours."), month=month.strftime("%m/%Y"))


class MonthNotOver(LedgerError):
    code = "month_not_over"

    def __init__(self, month: date):
        super().__init__(N_("Le mois %(month)s n'est pas terminé : il ne peut être clôturé qu'une fois fini."),
                         month=month.strftime("%m/%Y"))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a Paris calendar month, as naive UTC (the stored form of entry dates)."""
    month = month_start(month)
    return (as_naive_utc(datetime.combine(month, time.min, PARIS)),
            as_naive_utc(datetime.combine(next_month(month), time.min, PARIS)))


def latest_closed_month(session: Session) -> date | None:
    return session.scalar(select(func.max(ClosedMonth.month)))


def is_closed(session: Session, month: date) -> bool:
    latest = latest_closed_month(session)
    return latest is not None and month_start(month) <= latest


def closed_month_of(session: Session, moment: datetime) -> date | None:
    """The latest closed month when an entry dated `moment` (naive UTC) would fall in a closed
    month, else None."""
    current_month = month_bounds(utc_now().astimezone(PARIS).date())[0]
    if moment >= current_month:  # the current month is never closed: no query
        return None
    latest = latest_closed_month(session)
    return latest if latest is not None and moment < month_bounds(latest)[1] else None


def check_open(session: Session, moment: datetime) -> None:
    """Raise PeriodClosed when an entry dated `moment` (naive UTC) would fall in a closed month."""
    if (closed := closed_month_of(session, moment)) is not None:
        raise PeriodClosed(closed)


def lock_month(session: Session, month: date, *, actor: str, figures: dict | None = None) -> ClosedMonth:
    """Close `month` (and so every month before it). Adds the row to the session; the caller
    commits it (with its audit event). Raises MonthNotOver for a month not yet over; locking a
    month already closed returns its row (or the later one that closed it) unchanged."""
    month = month_start(month)
    if month_bounds(month)[1] > stored_now():
        raise MonthNotOver(month)
    existing = session.scalar(select(ClosedMonth).where(ClosedMonth.month >= month).order_by(ClosedMonth.month))
    if existing is not None:
        return existing
    row = ClosedMonth(month=month, locked_by=actor[:200], figures=figures)
    session.add(row)
    session.flush()
    return row
