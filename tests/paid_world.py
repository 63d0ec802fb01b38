"""Fixtures shared by the suites where money is paid (tests/orders, tests/gifts, tests/employer):
localstripe for the app, and the ledger checked sound after each test. A conftest imports them:
`from tests.paid_world import ledger_stays_sound, stripe_app, stripe_server  # noqa: F401`."""
import pytest

from loyalty.verify import verify
from marketplace.extensions import db
from tests.stripe_server import stripe_config, stripe_server  # noqa: F401  (session fixture)


@pytest.fixture(autouse=True)
def ledger_stays_sound(app):
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
