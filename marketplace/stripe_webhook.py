"""POST /stripe/webhook: Stripe tells Halle that a payment succeeded, or that a payout was paid
into the territory's bank account (signed, redelivered until answered 2xx). Handled once per event
id; the purpose's handler, or marketplace.stripe_payouts for a payout, does the rest."""
from flask import Blueprint, current_app, request

from marketplace import payments, stripe_payouts
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
    if event["type"] not in ("payment_intent.succeeded", "payout.paid"):
        return {"received": True}
    if not payments.record_event(event):
        return {"received": True, "duplicate": True}
    try:
        if event["type"] == "payout.paid":  # the payout as Stripe says it now, not as the event's body says
            stripe_payouts.record_paid_payout(payments.retrieve_payout(event["data"]["object"]["id"]))
        else:
            payments.handle_succeeded(event["data"]["object"])
    except Exception:
        current_app.logger.exception("Stripe event %s could not be handled", event["id"])
        payments.forget_event(event["id"])  # Stripe redelivers it later
        return {"error": "not handled"}, 500
    return {"received": True}
