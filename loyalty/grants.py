"""Which grants of a card pay at a shop, and in what order."""
from collections.abc import Iterable
from datetime import date
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, contains_eager

from loyalty.models import Account, Grant
from loyalty.terms import AcceptanceTerms


def card_grants(session: Session, card_id: int, *, lock: bool = False) -> list[Grant]:
    """All grants of a card, soonest expiry first (ties by id), with their purse accounts;
    with `lock`, the purses are locked and reloaded in the same query (under the card's lock,
    see accounts.lock_accounts)."""
    return list(session.scalars(_card_grants_statement(lock), {"card_id": card_id}).unique())


@cache
def _card_grants_statement(lock: bool):
    """Built once (see accounts._SET_BALANCE)."""
    query = (select(Grant).join(Grant.account).options(contains_eager(Grant.account))
             .where(Grant.card_id == bindparam("card_id")).order_by(Grant.expires_on, Grant.id))
    if lock:
        query = query.with_for_update(of=Account, key_share=True).execution_options(populate_existing=True)
    return query


def is_live(grant: Grant, today: date) -> bool:
    """A grant can be spent up to and including its `expires_on` day."""
    return grant.expires_on >= today


def spendable_grants(grants: Iterable[Grant], terms: AcceptanceTerms, today: date) -> list[Grant]:
    """Grants usable at a shop today, in the order they are consumed (soonest expiry, then id)."""
    usable = [g for g in grants if is_live(g, today) and terms.allows(g)]
    return sorted(usable, key=lambda g: (g.expires_on, g.id))


def take_in_order(grants: list[Grant], available: dict[int, int], amount_cents: int) -> dict[int, int]:
    """Split `amount_cents` over `grants` in the given order, each up to `available[grant.id]`."""
    taken: dict[int, int] = {}
    rest = amount_cents
    for grant in grants:
        if rest == 0:
            break
        part = min(rest, available.get(grant.id, 0))
        if part > 0:
            taken[grant.id] = part
            rest -= part
    if rest:
        raise AssertionError("take_in_order called with more than available")
    return taken


def live_balance(grants: Iterable[Grant], today: date) -> int:
    """What a card holds today: the balances of its grants that have not expired."""
    return sum(g.account.balance_cents for g in grants if is_live(g, today))
