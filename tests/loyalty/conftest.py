"""A small territory for ledger tests: two shops in different category branches, an employer
that has paid in, and helpers to make cards with grants."""
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from loyalty import cards, ledger
from marketplace.extensions import db
from tests import factories

# A fixed clock: Tuesday 10 June 2025, 10:00 in Paris.
NOW = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)
TODAY = date(2025, 6, 10)


@dataclass(frozen=True)
class World:
    bakery_id: int  # category boulangerie < alimentation
    hardware_id: int  # category bricolage
    employer_id: int


def build_world() -> World:
    commune = factories.commune()
    food = factories.category("alimentation", "Alimentation")
    bakery_category = factories.category("boulangerie", "Boulangerie")
    bakery_category.parent_id = food.id
    hardware_category = factories.category("bricolage", "Bricolage")
    bakery = factories.shop("Fournil", commune, category=bakery_category)
    hardware = factories.shop("Quincaillerie", commune, category=hardware_category)
    employer = factories.employer("Usine", commune)
    db.session.commit()
    world = World(bakery.id, hardware.id, employer.id)
    ledger.fund(db.session, amount_cents=1_000_000, key="test:fund", actor="system",
                employer_id=world.employer_id, now=NOW)
    return world



@pytest.fixture(autouse=True)
def _both_redemption_paths(redemption_path):
    """Every test here runs through the Python path and, on PostgreSQL, the SQL one."""

@pytest.fixture
def world(app_ctx) -> World:
    return build_world()


def make_card(world: World, *grants: tuple[int, date] | tuple[int, date, list[str] | None],
              policy: str = "employer") -> int:
    """An active card with grants of (amount_cents, expires_on[, allowed category slugs])."""
    card = cards.create_card(db.session, active=True, now=NOW)
    for index, (amount, expires_on, *categories) in enumerate(grants):
        ledger.issue_grant(db.session, card_id=card.id, amount_cents=amount, label=f"Grant {index}",
                           expires_on=expires_on, key=f"test:issue:{card.id}:{index}", actor="system",
                           employer_id=world.employer_id,
                           allowed_categories=categories[0] if categories else None,
                           expiry_policy=policy, now=NOW)
    return card.id
