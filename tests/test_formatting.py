from decimal import Decimal

from babel import numbers
from flask_babel import force_locale

from marketplace.formatting import distance_km, money, number

AMOUNTS_CENTS = [0, 1, 5, 99, 100, 1250, 99_999, 100_000, 123_456, 1_234_567_89, -1, -1250, -123_456_789]


def test_money_is_shown_the_french_way(app):
    with app.test_request_context():
        assert money(1250) == "12,50\xa0€"
        assert money(123456) == "1\u202f234,56\xa0€"
        assert money(0) == "0,00\xa0€"
        assert money(-1250) == "-12,50\xa0€"
        assert money(None) == ""
        assert money(Decimal(1250)) == "12,50\xa0€"  # a sum of cents read from PostgreSQL


def test_money_and_counts_read_as_babel_writes_them_in_every_language(app):
    with app.test_request_context():
        for language in ("fr", "en", "de", "en_IN"):
            with force_locale(language):
                for cents in AMOUNTS_CENTS:
                    assert money(cents) == numbers.format_currency(Decimal(cents) / 100, "EUR", locale=language)
                for count in (0, 7, 1000, 9998, 1_234_567):
                    assert number(count) == numbers.format_decimal(count, locale=language)
        with force_locale("en"):
            assert money(123456) == "€1,234.56"
            assert number(9998) == "9,998"


def test_the_templates_write_figures_in_the_pages_language(app):
    """The filters take the locale render_template picked for the page, force_locale included (a
    mail rendered in its reader's language), not the one the request would pick."""
    from flask import render_template_string

    page = "{{ 123456|money }} · {{ 9998|number }} · {{ 1234.4|km }} · {{ current_locale }}"
    with app.test_request_context("/?lang=fr"):
        assert render_template_string(page) == "1\u202f234,56\xa0€ · 9\u202f998 · 1\u202f234 km · fr"
        with force_locale("en"):
            assert render_template_string(page) == "€1,234.56 · 9,998 · 1,234 km · en"


def test_distances_are_rounded_to_the_kilometre(app):
    with app.test_request_context():
        assert distance_km(8.6) == "9 km"
        assert distance_km(1234.4) == "1\u202f234 km"
        assert distance_km(0.3) == "< 1 km"


def test_dates_are_written_by_babel_in_the_readers_language_and_the_territorys_time_zone(app):
    from datetime import date, datetime

    from marketplace.formatting import day, day_month, day_time

    with app.test_request_context():
        assert day(date(2027, 2, 28)) == "28/02/2027" and day_month(date(2027, 2, 28)) == "28/02"
        # Stored datetimes are naive UTC: 23:30 UTC on 31 December is already 1 January in Paris.
        assert day_time(datetime(2026, 12, 31, 23, 30)) == "01/01/2027 00:30"
        assert day(None) == ""
        with force_locale("en"):
            assert day(date(2027, 2, 28)) == "2/28/2027"


def test_french_phones_are_shown_in_pairs_of_digits():
    from marketplace.formatting import phone

    assert phone("+33612345678") == "06 12 34 56 78"
    assert phone("+33145678901") == "01 45 67 89 01"
    assert phone("+447700900123") == "+447700900123"  # not French: as stored
    assert phone("") == "" and phone(None) == ""
