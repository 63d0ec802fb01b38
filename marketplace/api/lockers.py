"""The locker hardware's endpoints (Authorization: Bearer <the locker bank's API key>):
POST /api/v1/lockers/<bank>/open {"code": "123456"} → which compartment to open, and what it held
({"compartment": "M03", "order": "H000012" or a business's deposit "D000003", "kind": "order" | "deposit"});
POST /api/v1/lockers/<bank>/events {"compartment": "M03", "kind": "deposit" | "collect"}."""
from flask import g, jsonify, request
from flask_babel import gettext

from marketplace import lockers
from marketplace.access import Policy, access
from marketplace.api.blueprint import bp, error_response, json_object
from marketplace.extensions import limiter


def _authenticate_locker():
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header.startswith("Bearer ") else None
    bank = lockers.bank_for_key((request.view_args or {}).get("bank", ""), key)
    if bank is None:
        response = error_response("unauthorized", gettext("Clé d'API de consigne absente ou invalide."), 401)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    g.locker_bank = bank
    return None


LOCKER_API_KEY = Policy("locker_api_key", login_required=False, api_key=True, authenticate=_authenticate_locker)


def _text_fields(*names: str):
    """The named fields of the JSON object body (None where missing or not a text), or the 400 answer."""
    body, error = json_object(400)
    if error:
        return None, error
    return [value if isinstance(value := body.get(name), str) else None for name in names], None


@bp.route("/lockers/<bank>/open", methods=["POST"])
@access(LOCKER_API_KEY)
@limiter.limit("30 per minute")
def locker_open(bank: str):
    fields, error = _text_fields("code")
    if error:
        return error
    code = fields[0]
    if not code:
        return error_response("invalid_request", gettext("Le champ « code » (texte) est obligatoire."), 400)
    try:
        opening = lockers.open_with_code(g.locker_bank, code)
    except lockers.LockerRefused as refused:
        return error_response(refused.code, refused.message, refused.status)
    return jsonify({"compartment": opening.compartment, "order": opening.order_reference, "kind": opening.kind})


@bp.route("/lockers/<bank>/events", methods=["POST"])
@access(LOCKER_API_KEY)
def locker_event(bank: str):
    fields, error = _text_fields("compartment", "kind")
    if error:
        return error
    compartment, kind = fields
    if not compartment or not kind:
        return error_response("invalid_request",
                              gettext("Les champs « compartment » et « kind » sont obligatoires."), 400)
    try:
        event = lockers.record_event(g.locker_bank, compartment, kind)
    except lockers.LockerRefused as refused:
        return error_response(refused.code, refused.message, refused.status)
    return jsonify({"event": event.id, "kind": event.kind}), 201
