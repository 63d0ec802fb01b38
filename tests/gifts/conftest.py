"""Fixtures of the gift card tests: localstripe, a shop taking the card, a resident with a card;
the ledger is checked after each test."""
import pytest

from loyalty.verify import verify
from marketplace.extensions import db
from tests import factories as f
from tests.stripe_server import stripe_config, stripe_server  # noqa: F401  (session fixture)


@pytest.fixture(autouse=True)
def _ledger_stays_sound(app):
    yield
    with app.app_context():
        assert verify(db.session) == []
        db.session.remove()


@pytest.fixture
def stripe_app(app, stripe_server):  # noqa: F811
    saved = {key: app.config.get(key) for key in stripe_config(stripe_server)}
    app.config.update(stripe_config(stripe_server))
    yield app
    app.config.update(saved)


@pytest.fixture
def gift_world(app):
    with app.app_context():
        semur = f.commune()
        shop = f.shop("Boulangerie Moreau", semur)
        admin = f.user("admin@example.fr", is_admin=True)
        resident = f.user("resident@example.fr")
        db.session.commit()
        return {"shop": shop.id, "admin": admin.id, "resident": resident.id}
