"""The JSON API (/api/v1): search and completion; the till's endpoints join this blueprint.

GET-only endpoints need no CSRF token; endpoints that write authenticate by API key.
"""
from flask import Blueprint, jsonify

from marketplace.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def error_response(code: str, message, status: int, **details):
    """The API's one error shape: {"error": {"code", "message", …}}; the message (a text or a lazy one) in
    the request's language (?lang=, else Accept-Language for a client without a session)."""
    response = jsonify({"error": {"code": code, "message": str(message), **details}})
    response.status_code = status
    return response


from marketplace.api import lockers, openapi, pos, products, search  # noqa: E402,F401  (registers the routes)
