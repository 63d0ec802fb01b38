"""POST /stripe/webhook: Stripe tells Halle that a payment succeeded (signed, redelivered until
answered 2xx). Handled once per event id; the purpose's handler does the rest."""
from flask import Blueprint, current_app, request

from marketplace import payments
from marketplace.access import PUBLIC, access
from marketplace.extensions import csrf

bp = Blueprint("stripe", __name__)


@bp.route("/stripe/webhook", methods=["POST"])
@access(PUBLIC)
@csrf.exempt
def webhook():
    try:
        event = payments.verify_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except Exception:  # noqa: BLE001 - bad payload or signature: Stripe's library raises several kinds
        return {"error": "invalid signature"}, 400
    if event["type"] != "payment_intent.succeeded":
        return {"received": True}
    if not payments.record_event(event):
        return {"received": True, "duplicate": True}
    try:
        payments.handle_succeeded(event["data"]["object"])
    except Exception:
        current_app.logger.exception("Stripe event %s could not be handled", event["id"])
        payments.forget_event(event["id"])  # Stripe redelivers it later
        return {"error": "not handled"}, 500
    return {"received": True}
