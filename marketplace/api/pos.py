"""The POS API: till software redeems the territorial card with a shop API key.

Contract (also in /api/v1/openapi.json): errors are {"error": {"code", "message", …}}; an unknown
card, a missing or wrong PIN, a locked PIN and a card that cannot pay (blocked, pending,
deactivated) get the same answer, so the API cannot be used to find card numbers or tell them
apart. Idempotency keys are the shop's: the same key from two of its tills is one payment.
"""
from datetime import date

from flask import current_app, g, request
from flask_babel import gettext

from loyalty.cards import require_active
from loyalty.clock import paris_day, utc_now
from loyalty.errors import IdempotencyConflict, InsufficientBalance, LedgerError
from loyalty.results import LedgerResult
from marketplace.access import SHOP_API_KEY, access
from marketplace.api.blueprint import bp, error_response, json_object
from marketplace.extensions import limiter
from marketplace.i18n import error_message
from marketplace.till import service

CARD_OR_PIN_INVALID = ("card_or_pin_invalid", service.CARD_REFUSED)
MAX_KEY_LENGTH = 100
MAX_REASON_LENGTH = 200  # a void's reason, as the till's form (VoidForm) and the OpenAPI schema allow
VOID_BODY = {"reason": (str, True, MAX_REASON_LENGTH)}


def _shop_bucket() -> str:
    """Rate-limit bucket per shop. Limits run in the view, after the key was authenticated, so the
    caller is known: one budget for all of a shop's keys (a new key does not buy more look-ups),
    whatever address the tills call from. Unauthenticated calls never get this far."""
    return f"shop:{g.api_key.shop_id}"


def _lookup_limit():
    return current_app.config["API_LOOKUP_RATE_LIMIT"]


def _iso(moment) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def _ledger_error(error: LedgerError):
    """One mapping from ledger refusals to HTTP answers."""
    if isinstance(error, service.CARD_REFUSALS):
        return error_response(*CARD_OR_PIN_INVALID, 403)
    if isinstance(error, service.ShopPinTriesExhausted):
        return error_response(error.code, error_message(error), 429)
    if isinstance(error, InsufficientBalance):
        return error_response(error.code, error_message(error), 402, available_cents=error.available_cents)
    if isinstance(error, IdempotencyConflict):
        return error_response(error.code, error_message(error), 409)
    return error_response(error.code, error_message(error), 422)


def _json_body(schema: dict):
    """The request's JSON object checked against {field: (type, required[, max length])}; or an error response.
    A required text must hold more than whitespace; a text is 500 characters at most unless said."""
    body, error = json_object()
    if error:
        return None, error
    for name in body:
        if name not in schema:
            return None, error_response("invalid_field", gettext("Champ inconnu : « %(name)s ».", name=name), 422,
                                        field=name)
    for name, (kind, required, *limit) in schema.items():
        value = body.get(name)
        blank = isinstance(value, str) and not value.strip()  # minLength 1 in the schema; "  " says nothing either
        if value is None or (required and blank):
            if required:
                return None, error_response("invalid_field", gettext("Le champ « %(name)s » est obligatoire.",
                                                                     name=name), 422, field=name)
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            return None, error_response("invalid_field", gettext(
                "« %(name)s » doit être un nombre entier de centimes.", name=name), 422, field=name)
        if kind is not int and not isinstance(value, kind):
            return None, error_response("invalid_field", gettext("« %(name)s » n'a pas le bon type.", name=name), 422,
                                        field=name)
        if kind is int and not 0 < value <= service.MAX_PAYMENT_CENTS:
            return None, error_response("invalid_field", gettext("« %(name)s » doit être compris entre 1 et %(max)s.",
                                                                 name=name, max=service.MAX_PAYMENT_CENTS), 422,
                                        field=name)
        if kind is str and len(value) > (limit[0] if limit else 500):
            return None, error_response("invalid_field", gettext("« %(name)s » est trop long.", name=name), 422,
                                        field=name)
    return body, None


def _idempotency_key():
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return None, error_response("invalid_header", gettext(
            "L'en-tête « Idempotency-Key » est obligatoire (%(max)s caractères au plus).", max=MAX_KEY_LENGTH),
            422, field="Idempotency-Key")
    return f"api:{key}", None  # the shop's (service.idempotency_key), whichever of its keys sends it


def _payment_or_404(entry_id: int):
    entry = service.shop_payment(g.api_key.shop_id, entry_id)
    if entry is None:
        return None, error_response("not_found", gettext("Aucun paiement par carte de ce commerce avec cet identifiant."),
                                    404)
    return entry, None


@bp.route("/cards/<path:card_ref>/balance")
@access(SHOP_API_KEY)
@limiter.limit(_lookup_limit, key_func=_shop_bucket)
def card_balance(card_ref: str):
    shop = g.api_key.shop
    try:
        card = service.lookup_card(card_ref)
        service.check_card_pin(shop, card, request.headers.get("X-Card-Pin") or None)
        require_active(card)
    except LedgerError as error:
        return _ledger_error(error)
    quote = service.quote(shop, card, 1)
    return {"card": {"last4": card.number[-4:], "status": card.status},
            "spendable_cents": quote.spendable_cents, "currency": "EUR"}


@bp.route("/redemptions", methods=["POST"])
@access(SHOP_API_KEY)
@limiter.limit(_lookup_limit, key_func=_shop_bucket)
def create_redemption():
    key, error = _idempotency_key()
    if error:
        return error
    body, error = _json_body({"card": (str, True), "pin": (str, False), "amount_cents": (int, True),
                              "allow_partial": (bool, False)})
    if error:
        return error
    try:
        card = service.lookup_card(body["card"])
        result = service.take_payment(g.api_key.shop, card, body["amount_cents"], pin=body.get("pin"),
                                      client_key=key, actor=f"apikey:{g.api_key.id}",
                                      allow_partial=bool(body.get("allow_partial")))
    except LedgerError as error:
        return _ledger_error(error)
    return _entry_json(result), 201


def _correct_payment(entry_id: int, schema: dict, correct):
    """The steps a void and a refund share: idempotency key, body, the shop's payment, then the ledger call
    `correct(entry, body, key)`; answers 201 with the new entry or the error response."""
    key, error = _idempotency_key()
    if error:
        return error
    body, error = _json_body(schema)
    if error:
        return error
    entry, error = _payment_or_404(entry_id)
    if error:
        return error
    try:
        result = correct(entry, body, key)
    except LedgerError as error:
        return _ledger_error(error)
    return _entry_json(result), 201


@bp.route("/redemptions/<int:entry_id>/void", methods=["POST"])
@access(SHOP_API_KEY)
def void_redemption(entry_id: int):
    return _correct_payment(entry_id, VOID_BODY, lambda entry, body, key: service.void_payment(
        g.api_key.shop, entry.id, reason=body["reason"], client_key=key, actor=f"apikey:{g.api_key.id}"))


@bp.route("/redemptions/<int:entry_id>/refunds", methods=["POST"])
@access(SHOP_API_KEY)
def refund_redemption(entry_id: int):
    return _correct_payment(entry_id, {"amount_cents": (int, True)}, lambda entry, body, key: service.refund_payment(
        g.api_key.shop, entry.id, body["amount_cents"], client_key=key, actor=f"apikey:{g.api_key.id}"))


@bp.route("/redemptions")
@access(SHOP_API_KEY)
def list_redemptions():
    text = request.args.get("date")
    try:
        day = date.fromisoformat(text) if text is not None else paris_day(utc_now())  # "date=" is refused
    except ValueError:
        return error_response("invalid_parameter", gettext("« date » doit être une date AAAA-MM-JJ."), 422,
                              parameter="date")
    report = service.day_report(g.api_key.shop_id, day)
    return {
        "date": day.isoformat(),
        "total_cents": report.total_cents,
        "redemptions": [
            {"id": line.entry_id, "created_at": _iso(line.created_at), "card_last4": line.masked_number[-4:],
             "amount_cents": line.amount_cents, "voided": line.voided, "refunded_cents": line.refunded_cents}
            for line in report.lines
        ],
    }


def _entry_json(result: LedgerResult) -> dict:
    """The new entry as the ledger returned it (no read-back)."""
    return {"id": result.entry_id, "kind": result.kind, "amount_cents": result.amount_cents,
            "card_balance_cents": result.card_balance_cents, "created_at": _iso(result.created_at)}
