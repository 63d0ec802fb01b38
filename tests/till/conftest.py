from datetime import date, timedelta

import pytest

from loyalty import ledger
from loyalty.cards import create_card, set_pin
from marketplace.extensions import db
from tests import factories as f



@pytest.fixture(autouse=True)
def _both_redemption_paths(redemption_path):
    """Every test here runs through the Python path and, on PostgreSQL, the SQL one."""

@pytest.fixture
def till(app):
    """A bakery with an owner and a cashier, and an active card holding a 100 € grant."""
    with app.app_context():
        semur = f.commune()
        shop = f.shop("Boulangerie Moreau", semur)
        other = f.shop("Fromagerie Perrin", semur)
        owner = f.user("owner@example.fr")
        cashier = f.user("cashier@example.fr")
        holder = f.user("holder@example.fr")
        f.shop_member(shop, owner, "owner")
        f.shop_member(shop, cashier, "cashier")
        f.shop_member(other, f.user("other@example.fr"), "cashier")
        db.session.commit()
        ids = {"shop": shop.id, "other_shop": other.id, "holder": holder.id}
        ids["card"] = new_funded_card(10_000, holder_user_id=holder.id)
        return ids


def new_funded_card(amount_cents: int, *, holder_user_id=None, pin=None, key_suffix="") -> int:
    card = create_card(db.session, holder_user_id=holder_user_id, active=True)
    ledger.fund(db.session, amount_cents=amount_cents, key=f"fund:{card.id}{key_suffix}", actor="system")
    ledger.issue_grant(db.session, card_id=card.id, amount_cents=amount_cents, label="Noël 2026",
                       expires_on=date.today() + timedelta(days=90), key=f"grant:{card.id}{key_suffix}",
                       actor="system", expiry_policy="territory")
    if pin:
        set_pin(db.session, card.id, pin)
    return card.id


def card_number(app, card_id: int) -> str:
    from loyalty.models import Card

    with app.app_context():
        return db.session.get(Card, card_id).number
