"""Display helpers for money, distances and dates (French by default, through Babel).

Money and whole numbers are formatted with the locale's Babel pattern and symbols read once per
locale (`_Digits`): Babel's own format_currency parses its pattern and quantizes a Decimal on each
call (~35 µs), and a search page shows twenty prices.
"""
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale, dates, numbers
from flask_babel import format_currency, format_datetime, format_decimal, get_locale, get_timezone
from jinja2 import pass_context

from marketplace.i18n import PAGE_LOCALE

CURRENCY = "EUR"


@dataclass(frozen=True, eq=False)  # one per locale (_digits): compared and hashed as itself
class _Digits:
    """What Babel needs to write an integer number of cents (or a whole number) in one locale."""
    group: str
    grouping: tuple[int, int]
    decimal: str
    integer_grouping: tuple[int, int]
    money_prefix: tuple[str, str]  # (positive, negative), currency symbol already in place
    money_suffix: tuple[str, str]

    def integer(self, value: int, grouping: tuple[int, int] | None = None) -> str:
        """A non-negative integer grouped as Babel does (NumberPattern._format_int): 1 234 567,
        or 12,34,567 in en_IN."""
        first, then = grouping or self.integer_grouping
        digits, groups = str(value), []
        size = first
        while len(digits) > size:
            groups.append(digits[-size:])
            digits = digits[:-size]
            size = then
        return self.group.join([digits, *reversed(groups)])

    @lru_cache(maxsize=20_000)  # on self too: one _Digits per locale, kept for the process's life
    def money(self, amount_cents: int) -> str:
        """The catalogue's prices come back on page after page: each is written once."""
        negative = amount_cents < 0
        units, cents = divmod(abs(amount_cents), 100)
        number = f"{self.integer(units, self.grouping)}{self.decimal}{cents:02d}"
        return f"{self.money_prefix[negative]}{number}{self.money_suffix[negative]}"


def _literal(affix: str, symbol: str) -> str:
    """A pattern's prefix or suffix as Babel writes it: ¤ is the symbol, 'quoted' text unquoted."""
    return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", affix.replace("¤", symbol))


@cache
def _digits(locale: Locale) -> _Digits:
    money = numbers.parse_pattern(locale.currency_formats["standard"])
    decimal = numbers.parse_pattern(locale.decimal_formats[None])
    if numbers.get_currency_precision(CURRENCY) != 2 or money.int_prec[0] != 1 or "¤¤" in money.pattern:
        raise ValueError(f"unexpected currency pattern for {locale}: {money.pattern!r}")
    symbol = numbers.get_currency_symbol(CURRENCY, locale)
    return _Digits(
        group=numbers.get_group_symbol(locale), grouping=money.grouping,
        decimal=numbers.get_decimal_symbol(locale), integer_grouping=decimal.grouping,
        money_prefix=tuple(_literal(a, symbol) for a in money.prefix),
        money_suffix=tuple(_literal(a, symbol) for a in money.suffix),
    )


_last_digits: tuple = (None, None)  # (Locale, _Digits) of the last call: the page's locale


def _digits_of(locale: Locale) -> _Digits:
    """_digits for the page's locale without hashing a Locale (Babel compares them field by field,
    with a cache look-up on each price of a page of results): the request's Locale object is the
    same for all of a page's figures."""
    global _last_digits
    last_locale, digits = _last_digits
    if last_locale is not locale:
        digits = _digits(locale)
        _last_digits = (locale, digits)
    return digits


def money(amount_cents: int | None, locale: Locale | None = None) -> str:
    """12,50 € from 1250 (integer cents; never a float on the way), in `locale` or the request's."""
    if amount_cents is None:
        return ""
    locale = locale or get_locale()
    if locale is None:  # outside any app context: Babel's process default locale
        return format_currency(Decimal(amount_cents) / 100, CURRENCY)
    return _digits_of(locale).money(int(amount_cents))  # PostgreSQL's sums of cents come back as Decimal


def _whole(value, locale: Locale | None = None) -> str:
    """A count or a rounded distance; anything but a non-negative int goes to Babel as it is."""
    locale = locale or get_locale()
    if locale is None or type(value) is not int or value < 0:
        return format_decimal(value)
    return _digits_of(locale).integer(value)


def distance_km(km: float | None, locale: Locale | None = None) -> str:
    if km is None:
        return ""
    if km < 1:
        return "< 1 km"
    return f"{_whole(round(km), locale)} km"


def number(value: int | None, locale: Locale | None = None) -> str:
    """9 998 (French thousands separator)."""
    return "" if value is None else _whole(value, locale)


_FRENCH_E164 = re.compile(r"\+33([1-9])(\d{8})")


def phone(value: str | None) -> str:
    """A French number as stored (E.164, "+33612345678") the way it is read: "06 12 34 56 78";
    any other number as it is."""
    match = _FRENCH_E164.fullmatch(value or "")
    if not match:
        return value or ""
    digits = "0" + match.group(1) + match.group(2)
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2))


def paris_time(moment) -> str:
    """14:05 in the territory's time zone, from a naive UTC datetime as stored."""
    return "" if moment is None else format_datetime(moment, "HH:mm")


def _date_skeleton(skeleton: str, value) -> str:
    """A date, or a stored (naive UTC) datetime seen in the territory's time zone, written the
    locale's way for a CLDR skeleton ("yMd": 28/02/2027 in French, 2/28/2027 in English)."""
    if value is None:
        return ""
    locale = get_locale() or Locale.parse("fr")
    if isinstance(value, datetime):
        return dates.format_skeleton(skeleton, value, tzinfo=get_timezone(), locale=locale)
    return dates.format_skeleton(skeleton, value, locale=locale)


def day(value) -> str:
    """28/02/2027 (the date of a day or of a stored datetime, in Paris)."""
    return _date_skeleton("yMd", value)


def day_month(value) -> str:
    """28/02."""
    return _date_skeleton("Md", value)


def month(value) -> str:
    """février 2027 (a month, by any of its days)."""
    return _date_skeleton("yMMMM", value)


def day_time(value) -> str:
    """28/02/2027 14:05, in the territory's time zone."""
    return "" if value is None else f"{day(value)} {paris_time(value)}"


def day_month_time(value) -> str:
    """28/02 14:05, in the territory's time zone."""
    return "" if value is None else f"{day_month(value)} {paris_time(value)}"


def _in_page_locale(function):
    """`function` as a template filter in the locale render_template picked for the page (see
    marketplace.i18n), instead of asking Flask-Babel for each figure (three look-ups of flask.g;
    a search page shows forty figures)."""

    @pass_context
    def page_filter(context, value):
        return function(value, context.get(PAGE_LOCALE))

    return page_filter


def register(app) -> None:
    app.jinja_env.filters.update(day=day, day_month=day_month, day_time=day_time, day_month_time=day_month_time)
    app.jinja_env.filters["paris_time"] = paris_time
    app.jinja_env.filters["money"] = _in_page_locale(money)
    app.jinja_env.filters["number"] = _in_page_locale(number)
    app.jinja_env.filters["phone"] = phone
    app.jinja_env.filters["km"] = _in_page_locale(distance_km)
    app.jinja_env.filters["month"] = month
