"""When a shop is open: its weekly hours and its exceptional closures, read in the territory's time
zone. One rule for the shop page, the cart and both search backends' "Ouvert maintenant".

Weekly hours are stored as {"mon": [["09:00", "12:00"], ["14:00", "19:00"]], …} (a missing day is
closed, an end time is exclusive); a closure is a range of dates, both included.
"""
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Paris")
DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def local_time(at: datetime | None = None) -> datetime:
    return (at or datetime.now(TIMEZONE)).astimezone(TIMEZONE)


def is_closed_on(closures: Iterable[tuple[date, date]], day: date) -> bool:
    return any(starts_on <= day <= ends_on for starts_on, ends_on in closures)


def is_open_at(opening_hours: dict | None, closures: Iterable[tuple[date, date]], at: datetime | None = None) -> bool:
    """Open at `at` (now by default): inside one of the day's slots and not on a closure day."""
    at = local_time(at)
    if is_closed_on(closures, at.date()):
        return False
    clock = at.strftime("%H:%M")
    return any(start <= clock < end for start, end in (opening_hours or {}).get(DAY_CODES[at.weekday()], []))
