"""The demo's payment provider: `python run.py` without a Stripe key starts localstripe on
loopback, points Halle at it (test-mode keys, Stripe.js stand-in, signed webhooks) and stops it
at exit."""
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import stripe
from werkzeug.serving import make_server

from marketplace import create_app, dev_stripe, payments
from marketplace.extensions import db
from marketplace.models import StripeEvent

ROOT = Path(__file__).resolve().parents[1]


def _wait_for(check, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not after {seconds} s")
        time.sleep(0.2)
    return result


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=5)
    except requests.RequestException:
        return False
    return True


def test_run_py_serves_card_payments_through_its_own_localstripe(tmp_path):
    port = dev_stripe.free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("STRIPE_", "WERKZEUG_"))}
    env.update(HALLE_CONFIG="development", PORT=str(port), HALLE_INSTANCE_DIR=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}", PYTHONUNBUFFERED="1")
    output = (tmp_path / "run.log").open("w+")
    process = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=env, stdout=output,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), "run.py serving")
        announce = re.search(r"localstripe at (http://127\.0\.0\.1:\d+)", (tmp_path / "run.log").read_text())
        assert announce, (tmp_path / "run.log").read_text()
        base = announce.group(1)
        # One localstripe only, although the reloader runs the script twice.
        assert (tmp_path / "run.log").read_text().count("localstripe at") == 1

        client = stripe.StripeClient(dev_stripe.SECRET_KEY, base_addresses={"api": base})
        intent = client.v1.payment_intents.create(params={"amount": 1250, "currency": "eur",
                                                          "payment_method_types": ["card"]})
        client.v1.payment_intents.update(intent.id, params={"payment_method": "pm_card_visa"})
        confirmed = client.v1.payment_intents.confirm(intent.id)
        assert confirmed.status == "succeeded"
        assert requests.get(f"{base}/js.stripe.com/v3/", timeout=5).ok  # the Stripe.js stand-in
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        output.close()
    assert not _answers(f"{base}/v1/balance"), "localstripe outlived the demo"


def test_demo_payments_reach_the_app_by_signed_webhook(tmp_path, monkeypatch):
    """serve_demo_payments (what run.py calls): settings in the app and the environment, a
    PaymentIntent through localstripe, its webhook verified and recorded by the app."""
    for key in dev_stripe.settings(""):
        monkeypatch.delenv(key, raising=False)
    app = create_app("testing", DEBUG=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'demo.db'}",
                     SEARCH_INDEX_DIR=str(tmp_path / "index"), STRIPE_SECRET_KEY=None)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stripe_server = dev_stripe.serve_demo_payments(app, f"http://127.0.0.1:{server.server_port}")
    try:
        assert app.config["STRIPE_SECRET_KEY"].startswith("sk_test_")
        assert app.config["STRIPE_PUBLISHABLE_KEY"].startswith("pk_test_")
        assert os.environ["STRIPE_API_BASE"] == stripe_server.base  # for the reloader's serving process
        assert app.config["STRIPE_JS_URL"] == f"{stripe_server.base}/js.stripe.com/v3/"
        with app.app_context():
            assert payments.is_configured()
            intent = payments.create_payment_intent(amount_cents=990, purpose="demo-check", metadata={},
                                                    description="demo")
            payments.confirm_with_payment_method(intent["id"], "pm_card_visa")

            def recorded():
                db.session.rollback()
                return db.session.scalar(db.select(StripeEvent).filter_by(object_id=intent["id"]))

            assert _wait_for(recorded, "webhook received", 20).type == "payment_intent.succeeded"
    finally:
        stripe_server.stop()
        server.shutdown()
    with app.app_context():
        db.engine.dispose()


def test_a_configured_key_or_production_starts_nothing(app):
    assert dev_stripe.serve_demo_payments(app, "http://127.0.0.1:1") is None  # testing: not debug
    debug = create_app("testing", DEBUG=True, STRIPE_SECRET_KEY="sk_live_real")
    assert dev_stripe.serve_demo_payments(debug, "http://127.0.0.1:1") is None
    assert debug.config["STRIPE_SECRET_KEY"] == "sk_live_real"
