"""localstripe (a stateful Stripe stand-in, PyPI) on a free loopback port: the demo's payment
provider (`python run.py` without STRIPE_SECRET_KEY) and the tests'. Test-mode keys only: no real
money can move through it.
"""
import atexit
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

PUBLISHABLE_KEY = "pk_test_halle"
SECRET_KEY = "sk_test_halle"
WEBHOOK_SECRET = "whsec_halle_test"
WEBHOOK_PATH = "/stripe/webhook"
START_TIMEOUT = 30  # seconds


class LocalStripeError(RuntimeError):
    """localstripe did not start."""


def settings(base: str) -> dict:
    """The settings that point Halle at the localstripe answering at `base`."""
    return {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY, "STRIPE_API_BASE": base,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_JS_URL": f"{base}/js.stripe.com/v3/"}


def register_webhook(base: str, url: str, secret: str = WEBHOOK_SECRET, name: str = "halle") -> None:
    """localstripe posts payment_intent.succeeded, signed with `secret`, to `url`."""
    response = requests.post(f"{base}/_config/webhooks/{name}", timeout=5,
                             json={"url": url, "secret": secret, "events": ["payment_intent.succeeded"]})
    response.raise_for_status()


@dataclass
class LocalStripe:
    process: subprocess.Popen
    base: str

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _command(port: int) -> list[str]:
    executable = Path(sys.executable).with_name("localstripe")
    program = [str(executable)] if executable.exists() else [sys.executable, "-m", "localstripe"]
    return [*program, "--port", str(port), "--from-scratch"]


def start(log=subprocess.DEVNULL) -> LocalStripe:
    """Start localstripe on a free loopback port and wait until it answers."""
    port = free_port()
    process = subprocess.Popen(_command(port), stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    server = LocalStripe(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            requests.get(f"{server.base}/v1/balance", auth=(SECRET_KEY, ""), timeout=1)
            return server
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise LocalStripeError(f"localstripe did not start on port {port}") from None
            time.sleep(0.2)


def serve_demo_payments(app, app_url: str) -> LocalStripe | None:
    """In development without a Stripe key, start localstripe as the demo's payment provider:
    its settings go into `app.config` and into the environment (the werkzeug reloader's serving
    child inherits them, so it neither starts a second one nor loses the payments in progress on
    a reload); its webhooks go to `app_url`. It stops when this process exits (atexit). None when a key
    is configured or outside development."""
    if app.config.get("STRIPE_SECRET_KEY") or not app.debug:
        return None
    server = start()
    atexit.register(server.stop)
    config = settings(server.base)
    app.config.update(config)
    os.environ.update(config)
    register_webhook(server.base, app_url.rstrip("/") + WEBHOOK_PATH)
    return server
