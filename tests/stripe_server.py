"""localstripe for the tests, started by marketplace/dev_stripe.py (as the demo starts it).

Use the `stripe_server` fixture (import it into a conftest or test module): it yields the base
URL to put in STRIPE_API_BASE (`stripe_config(base)` gives all the settings). Webhooks are
registered with `register_webhook(base, url, secret)`.
"""
import pytest

from marketplace import dev_stripe
from marketplace.dev_stripe import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET, register_webhook  # noqa: F401
from marketplace.dev_stripe import settings as stripe_config  # noqa: F401


@pytest.fixture(scope="session")
def stripe_server(tmp_path_factory):
    with (tmp_path_factory.mktemp("localstripe") / "localstripe.log").open("wb") as log:
        try:
            server = dev_stripe.start(log)
        except dev_stripe.LocalStripeError as error:
            pytest.fail(str(error))
        yield server.base
        server.stop()
