"""Euros for messages, from integer cents (no Flask context needed)."""
from decimal import Decimal

from babel.numbers import format_currency


def euros(amount_cents: int) -> str:
    """'12,50 €' from 1250."""
    return format_currency(Decimal(amount_cents) / 100, "EUR", locale="fr_FR")
