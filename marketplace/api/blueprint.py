"""The API blueprint and its one error shape, alone in their module: the endpoint modules import
them, marketplace/api/__init__.py gathers the endpoint modules (none imports the package back).

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
