"""Fixtures of the order tests: two shops with products (one last item), a resident with a
funded territorial card, a locker bank, and localstripe; the ledger is checked after each test."""
import pytest

from marketplace import lockers
from marketplace.extensions import db
from tests import factories as f
from tests.conftest import login
from tests.paid_world import ledger_stays_sound, stripe_app, stripe_server  # noqa: F401  (shared fixtures)
from tests.till.conftest import new_funded_card


@pytest.fixture
def shop_world(app):
    with app.app_context():
        semur = f.commune()
        arnay = f.commune(**f.ARNAY)
        bakery = f.shop("Boulangerie Moreau", semur, address="2 rue Buffon",
                        opening_hours={d: [["08:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")})
        cheese = f.shop("Fromagerie Perrin", arnay, address="1 place Carnot",
                        category=f.category("fromagerie", "Fromagerie"))
        owner = f.user("owner@example.fr")
        cheese_owner = f.user("fromager@example.fr")
        f.shop_member(bakery, owner, "owner")
        f.shop_member(cheese, cheese_owner, "owner")
        resident = f.user("resident@example.fr")
        other = f.user("other@example.fr")
        bread = f.product(bakery, "Pain de campagne", 450, stock=20)
        tart = f.product(bakery, "Tarte aux pommes", 1200, stock=1)
        comte = f.product(cheese, "Époisses AOP", 890, stock=None)
        db.session.commit()
        bank = lockers.create_bank(sizes=("S", "M"), slug="semur-gare", name="Semur gare",
                                   address="Place de la Gare", station="Gare")
        ids = {"bakery": bakery.id, "cheese": cheese.id, "resident": resident.id, "other": other.id,
               "bread": bread.id, "tart": tart.id, "comte": comte.id, "bank": bank.id,
               "compartments": [c.id for c in bank.compartments]}
        ids["card"] = new_funded_card(2_000, holder_user_id=resident.id)
        return ids


@pytest.fixture
def resident(client, shop_world):
    login(client, "resident@example.fr")
    return client


def add(client, product_id, quantity=1):
    return client.post(f"/panier/ajouter/{product_id}", data={"quantity": quantity})


def checkout(client, pickups=None, card_amount="", key="key-1"):
    """Submit the checkout form (with a fixed one-time key) and return the response."""
    page = client.get("/panier/commande")
    assert page.status_code == 200
    data = {"checkout_key": key, "card_amount": card_amount}
    data.update({f"pickup_{shop_id}": value for shop_id, value in (pickups or {}).items()})
    return client.post("/panier/commande", data=data)
