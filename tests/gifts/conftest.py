"""Fixtures of the gift card tests: localstripe, a shop taking the card, a resident with a card;
the ledger is checked after each test."""
import pytest

from marketplace.extensions import db
from tests import factories as f
from tests.paid_world import ledger_stays_sound, stripe_app, stripe_server  # noqa: F401  (shared fixtures)


@pytest.fixture
def gift_world(app):
    with app.app_context():
        semur = f.commune()
        shop = f.shop("Boulangerie Moreau", semur)
        admin = f.user("admin@example.fr", is_admin=True)
        resident = f.user("resident@example.fr")
        db.session.commit()
        return {"shop": shop.id, "admin": admin.id, "resident": resident.id}
