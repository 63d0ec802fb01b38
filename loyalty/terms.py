"""Where a card pays: the terms of acceptance of one shop, as the ledger needs them.

The marketplace knows shops (approved or not, taking the card or not, their category), and
computes these terms in one place (marketplace/card_acceptance.py); the ledger only applies
them: in Python (steps.take_from_card, queries.spendable_balance) and, as parameters, in SQL
(pg_redeem.py, which reads them with the marketplace's own query in the same statement as the
payment). The application hands the ledger its source of terms at start-up (`configure`),
as it hands it the PIN keys, so that loyalty/ imports nothing from the marketplace. A new rule
(independent shops only, a programme's own list) is a field here, read by `allows` and by
halle_redeem (a new version of it).
"""
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class AcceptanceTerms:
    """`takes_card`: the shop is open for card payments (approved, accepting the card);
    `category_slugs`: its category and all its ancestors' (what a grant's allowed categories
    are matched against); `commune`: the INSEE code of its commune (a grant's allowed communes)."""

    shop_id: int
    takes_card: bool
    category_slugs: frozenset[str] = frozenset()
    commune: str | None = None

    def allows(self, grant) -> bool:
        """May this grant pay here (its expiry aside)?"""
        return (self.takes_card
                and (grant.allowed_categories is None or bool(self.category_slugs & set(grant.allowed_categories)))
                and (grant.allowed_communes is None or self.commune in grant.allowed_communes)
                and (grant.allowed_shops is None or self.shop_id in grant.allowed_shops))


def refused(shop_id: int) -> AcceptanceTerms:
    """The terms of a shop that takes no card (or does not exist)."""
    return AcceptanceTerms(shop_id=shop_id, takes_card=False)


Source = Callable[[Session, int], AcceptanceTerms]
_source: Source | None = None
_statement: Callable[[], Select] | None = None


def configure(source: Source, statement: Callable[[], Select]) -> None:
    """Called by the application at start-up (marketplace/__init__.py): `source` gives a shop's
    terms; `statement` gives the query it runs (rows of `takes_card`, `commune_insee`, `slug` for
    the bind parameter `shop_id`), which the one-call redemption runs inside its own statement."""
    global _source, _statement
    _source, _statement = source, statement


def for_shop(session: Session, shop_id: int) -> AcceptanceTerms:
    if _source is None:
        raise RuntimeError("loyalty.terms.configure was not called: the application sets the acceptance source")
    return _source(session, shop_id)


def statement() -> Select:
    if _statement is None:
        raise RuntimeError("loyalty.terms.configure was not called: the application sets the acceptance source")
    return _statement()
