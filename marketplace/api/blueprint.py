"""The API blueprint and its one error shape, alone in their module: the endpoint modules import
them, marketplace/api/__init__.py gathers the endpoint modules (none imports the package back).

GET-only endpoints need no CSRF token; endpoints that write authenticate by API key.
"""
from flask import Blueprint, jsonify, request
from flask_babel import gettext

from marketplace.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def error_response(code: str, message, status: int, **details):
    """The API's one error shape: {"error": {"code", "message", …}}; the message (a text or a lazy one) in
    the request's language (?lang=, else Accept-Language for a client without a session)."""
    response = jsonify({"error": {"code": code, "message": str(message), **details}})
    response.status_code = status
    return response


def json_object(status: int = 422):
    """The request's JSON body if it is an object, else (None, an error response): every endpoint reads
    fields from it, and a list, a text or a number sent instead must be refused, not crash on `.get`."""
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        return body, None
    return None, error_response("invalid_body", gettext("Le corps de la requête doit être un objet JSON."), status)
