"""Time on the ledger: stored as naive UTC (like the rest of Halle), days counted in Paris."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utc_now() -> datetime:
    return datetime.now(UTC)


def stored_now() -> datetime:
    """The current time in its stored form (naive UTC): the default of the ledger's dates."""
    return utc_now().replace(tzinfo=None)


def as_naive_utc(moment: datetime) -> datetime:
    """The stored form of `moment` (aware datetimes are converted; naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def paris_day(moment: datetime) -> date:
    """The calendar day in Paris of `moment` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS).date()


def paris_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Paris day, as naive UTC (a day lasts 23 or 25 hours at DST changes)."""
    start = datetime.combine(day, time.min, PARIS)
    end = datetime.combine(day + timedelta(days=1), time.min, PARIS)
    return as_naive_utc(start), as_naive_utc(end)
