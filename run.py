"""Entry point: `python run.py` serves Halle; `flask --app run …` runs its commands."""
import os
import signal
import sys

from marketplace import create_app

app = create_app(os.environ.get("HALLE_CONFIG", "development"))

if __name__ == "__main__":
    from marketplace.dev_stripe import serve_demo_payments

    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that atexit stops the demo's localstripe
    # Development without a Stripe key: a local localstripe takes test-mode card payments.
    if stripe := serve_demo_payments(app, f"http://127.0.0.1:{port}"):
        print(f" * Card payments in test mode by localstripe at {stripe.base}: card 4242 4242 4242 4242, "
              "any future date, any code", flush=True)
    app.run(host=host, port=port)
