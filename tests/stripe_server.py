"""localstripe (a stateful Stripe stand-in, PyPI) on a free loopback port, for the whole session.

Use the `stripe_server` fixture (import it into a conftest or test module): it yields the base
URL to put in STRIPE_API_BASE. Webhooks are registered with `register_webhook(base, url, secret)`.
"""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PUBLISHABLE_KEY = "pk_test_halle"
SECRET_KEY = "sk_test_halle"
WEBHOOK_SECRET = "whsec_halle_test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _localstripe_command(port: int) -> list[str]:
    executable = Path(sys.executable).with_name("localstripe")
    program = [str(executable)] if executable.exists() else [sys.executable, "-m", "localstripe"]
    return [*program, "--port", str(port), "--from-scratch"]


@pytest.fixture(scope="session")
def stripe_server(tmp_path_factory):
    port = _free_port()
    log = (tmp_path_factory.mktemp("localstripe") / "localstripe.log").open("wb")
    process = subprocess.Popen(_localstripe_command(port), stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base}/v1/balance", auth=(SECRET_KEY, ""), timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"localstripe did not start on port {port}")
            time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def stripe_config(base: str) -> dict:
    return {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY, "STRIPE_API_BASE": base,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_JS_URL": f"{base}/js.stripe.com/v3/"}


def register_webhook(base: str, url: str, secret: str = WEBHOOK_SECRET, name: str = "halle") -> None:
    response = requests.post(f"{base}/_config/webhooks/{name}", timeout=5,
                             json={"url": url, "secret": secret, "events": ["payment_intent.succeeded"]})
    response.raise_for_status()
