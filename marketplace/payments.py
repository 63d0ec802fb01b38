"""Card payments through Stripe PaymentIntents, for whatever Halle sells (campaign funding,
orders…).

The browser never decides that a payment succeeded: the server learns it from a signed
webhook event or by retrieving the PaymentIntent itself. Each purpose (metadata["purpose"])
registers a handler, called with the succeeded PaymentIntent; handlers must be idempotent
(the same event can arrive by webhook and by the return page, and webhooks are redelivered).
Webhook events are recorded once by id (a primary key), so a redelivery does nothing.

Configuration: STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET, and
STRIPE_API_BASE to talk to another server than Stripe's (localstripe in the tests).
"""
from collections.abc import Callable

import stripe
from flask import current_app, request
from flask_babel import gettext
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from marketplace import stripe_payouts
from marketplace.extensions import db
from marketplace.models import StripeEvent

_HANDLERS: dict[str, Callable] = {}


class PaymentError(RuntimeError):
    """Stripe refused or could not be reached; the message is French."""


def register_handler(purpose: str, handler: Callable) -> None:
    """`handler(payment_intent)` is called when a PaymentIntent of this purpose succeeds."""
    _HANDLERS[purpose] = handler


def posted_payment_method() -> str | None:
    """The payment method Stripe.js created, as the page posts it ({"payment_method": "pm_…"}); None when it is
    missing or the body is not a JSON object, so that a list or a text sent instead gets the 400, not a 500."""
    body = request.get_json(silent=True)
    value = body.get("payment_method") if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def is_configured() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY") and current_app.config.get("STRIPE_PUBLISHABLE_KEY"))


def client() -> stripe.StripeClient:
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        raise PaymentError(gettext("Le paiement par carte n'est pas configuré sur ce site."))
    base = config.get("STRIPE_API_BASE")
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], base_addresses={"api": base} if base else {},
                               max_network_retries=2)


def _call(action: Callable):
    try:
        return action()
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe error: %s", error)
        message = getattr(error, "user_message", None) or gettext("Le paiement par carte est indisponible pour "
                                                                  "l'instant.")
        raise PaymentError(message) from error


def create_payment_intent(*, amount_cents: int, purpose: str, metadata: dict, description: str) -> stripe.PaymentIntent:
    # The description travels in the metadata: localstripe refuses the `description` parameter.
    params = {"amount": amount_cents, "currency": "eur", "payment_method_types": ["card"],
              "metadata": {"purpose": purpose, "description": description[:500],
                           **{k: str(v) for k, v in metadata.items()}}}
    return _call(lambda: client().v1.payment_intents.create(params=params))


def retrieve_payment_intent(payment_intent_id: str) -> stripe.PaymentIntent:
    return _call(lambda: client().v1.payment_intents.retrieve(payment_intent_id))


def confirm_with_payment_method(payment_intent_id: str, payment_method_id: str) -> stripe.PaymentIntent:
    """Attach the payment method the browser created and confirm on the server ("finalize
    payments on the server"); a `requires_action` answer is then completed by Stripe.js
    (3-D Secure) in the page."""
    stripe_client = client()
    _call(lambda: stripe_client.v1.payment_intents.update(payment_intent_id,
                                                          params={"payment_method": payment_method_id}))
    return _call(lambda: stripe_client.v1.payment_intents.confirm(payment_intent_id))


def declined_before(payment_intent) -> bool:
    """A card was declined on this intent: localstripe (the demo's provider) cannot confirm it
    again, so the caller opens a fresh one for the same purchase (Stripe accepts both ways)."""
    payment_intent = _plain(payment_intent)
    return payment_intent["status"] == "requires_payment_method" and bool(payment_intent.get("last_payment_error"))


def replacement_intent(payment_intent) -> stripe.PaymentIntent:
    """A new intent with the same amount and metadata as `payment_intent`, which is cancelled."""
    old = _plain(payment_intent)
    params = {"amount": old["amount"], "currency": old["currency"], "payment_method_types": ["card"],
              "metadata": old.get("metadata") or {}}
    fresh = _call(lambda: client().v1.payment_intents.create(params=params))
    cancel_payment_intent(old["id"])
    return fresh


def confirm_stored_intent(row, payment_method_id: str, intent_id: str | None = None):
    """Confirm, with the card the page tokenised, the PaymentIntent stored on `row` (a model with a
    `stripe_payment_intent_id`: an order, a campaign payment, a gift purchase, a locker deposit).
    After a declined card, through a fresh intent put in the old one's place (compare-and-set on the
    id, so of two racing requests both confirm the one that was stored)."""
    model = type(row)
    intent = retrieve_payment_intent(intent_id or row.stripe_payment_intent_id)
    if declined_before(intent):
        fresh = replacement_intent(intent)
        db.session.execute(update(model).where(model.id == row.id, model.stripe_payment_intent_id == intent["id"])
                           .values(stripe_payment_intent_id=fresh["id"]).execution_options(synchronize_session=False))
        db.session.commit()
        db.session.expire_all()
        intent = retrieve_payment_intent(db.session.get(model, row.id).stripe_payment_intent_id)
    return confirm_with_payment_method(intent["id"], payment_method_id)


def refund_payment_intent(payment_intent_id: str, amount_cents: int, metadata: dict) -> stripe.Refund:
    """Give back `amount_cents` of a succeeded PaymentIntent (several partial refunds may follow)."""
    params = {"payment_intent": payment_intent_id, "amount": amount_cents,
              "metadata": {k: str(v) for k, v in metadata.items()}}
    return _call(lambda: client().v1.refunds.create(params=params))


def captured_and_refunded(payment_intent_id: str) -> tuple[int, int]:
    """What Stripe says of a PaymentIntent: cents captured, cents refunded (for reconciliation)."""
    stripe_client = client()
    intent = _plain(_call(lambda: stripe_client.v1.payment_intents.retrieve(payment_intent_id)))
    captured = intent.get("amount_received")
    if captured is None:  # localstripe leaves it out: a succeeded intent captured its amount
        captured = intent["amount"] if intent["status"] == "succeeded" else 0
    refunds = _call(lambda: stripe_client.v1.refunds.list(params={"payment_intent": payment_intent_id,
                                                                  "limit": 100}))
    refunded = sum(r.amount for r in refunds.data if r.status not in ("failed", "canceled"))  # ≤ 100 per order
    return captured, refunded


def cancel_payment_intent(payment_intent_id: str) -> stripe.PaymentIntent:
    """Make sure a PaymentIntent can no longer succeed (an abandoned or failed payment)."""
    return _call(lambda: client().v1.payment_intents.cancel(payment_intent_id))


def _plain(stripe_object) -> dict:
    """Stripe's objects are not dicts (no .get): handlers get plain dicts."""
    return stripe_object.to_dict() if hasattr(stripe_object, "to_dict") else stripe_object


def handle_succeeded(payment_intent) -> bool:
    """Dispatch a succeeded PaymentIntent (a Stripe object or a plain dict) to its purpose's
    handler. False when it is not (yet) succeeded or has no known purpose."""
    payment_intent = _plain(payment_intent)
    if payment_intent["status"] != "succeeded":
        return False
    purpose = (payment_intent.get("metadata") or {}).get("purpose")
    handler = _HANDLERS.get(purpose)
    if handler is None:
        current_app.logger.warning("PaymentIntent %s has no handler (purpose %r)", payment_intent["id"], purpose)
        return False
    handler(payment_intent)
    _book_charge_fee(payment_intent)
    return True


def _book_charge_fee(payment_intent: dict) -> None:
    """Book the fee Stripe took on the payment's charge, when Stripe says it (the payout books
    what no charge told)."""
    if not is_configured():
        return
    try:
        found = charge_fee(payment_intent)
    except PaymentError:
        current_app.logger.warning("The fee of PaymentIntent %s could not be read", payment_intent["id"])
        return
    if found:
        stripe_payouts.book_charge_fee(*found)


def charge_fee(payment_intent: dict) -> tuple[str, int] | None:
    """The charge of a succeeded PaymentIntent and the fee Stripe took on it: its balance
    transaction's `fee`, in cents (localstripe says 0)."""
    charge = payment_intent.get("latest_charge")
    charge_id, transaction = (charge.get("id"), charge.get("balance_transaction")) if isinstance(charge, dict) \
        else (charge, None)
    if not charge_id:
        return None
    stripe_client = client()
    if transaction is None:
        transaction = _plain(_call(lambda: stripe_client.v1.charges.retrieve(charge_id))).get("balance_transaction")
    if isinstance(transaction, str):
        transaction = _plain(_call(lambda: stripe_client.v1.balance_transactions.retrieve(transaction)))
    return charge_id, int((transaction or {}).get("fee") or 0)


def retrieve_payout(payout_id: str) -> dict:
    return _plain(_call(lambda: client().v1.payouts.retrieve(payout_id)))


def verify_webhook(payload: bytes, signature: str | None) -> dict:
    """The event as a plain dict, if the signature is Stripe's (raises ValueError or
    stripe.SignatureVerificationError)."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise ValueError("STRIPE_WEBHOOK_SECRET is not set")
    return _plain(stripe.Webhook.construct_event(payload, signature, secret))


def record_event(event) -> bool:
    """Remember the event id; False when it was already handled (a redelivery)."""
    db.session.add(StripeEvent(id=event["id"], type=event["type"],
                               object_id=(event["data"]["object"] or {}).get("id")))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def forget_event(event_id: str) -> None:
    """Let a redelivery of this event be handled again (its handling failed)."""
    db.session.rollback()
    row = db.session.get(StripeEvent, event_id)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
