"""Display helpers for money, distances and dates (French by default, through Babel)."""
from decimal import Decimal

from flask_babel import format_currency, format_datetime, format_decimal


def money(amount_cents: int | None) -> str:
    """12,50 € from 1250 (integer cents; never a float on the way)."""
    if amount_cents is None:
        return ""
    return format_currency(Decimal(amount_cents) / 100, "EUR")


def distance_km(km: float | None) -> str:
    if km is None:
        return ""
    if km < 1:
        return "< 1 km"
    return f"{format_decimal(round(km))} km"


def number(value: int | None) -> str:
    """9 998 (French thousands separator)."""
    return "" if value is None else format_decimal(value)


def paris_time(moment) -> str:
    """14:05 in the territory's time zone, from a naive UTC datetime as stored."""
    return "" if moment is None else format_datetime(moment, "HH:mm")


def register(app) -> None:
    app.jinja_env.filters["paris_time"] = paris_time
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["km"] = distance_km
