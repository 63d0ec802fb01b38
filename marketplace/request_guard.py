"""Refuse at the edge, with a 400, requests whose path, query, form or JSON strings hold control
characters: a NUL reaches PostgreSQL as an error ("string literal cannot contain NUL"), and the
other C0 controls (tab, line feed and carriage return aside) break XML exports and logs. A lone
UTF-16 surrogate ("\\ud800" in a JSON string) cannot be encoded at all, and is refused the same way.

The exception: a form field's vertical tab or form feed, which a text pasted from a word processor
brings (its line and page breaks), becomes a space, so the person keeps what they typed.

Runs before any view or access rule, so no route has to think about it.
"""
import re

from flask import Flask, render_template, request
from flask_babel import gettext
from werkzeug.datastructures import ImmutableMultiDict

from marketplace.api.blueprint import error_response

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_PASTED_BREAKS = re.compile(r"[\x0b\x0c]")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")  # the bodies request.form reads


def _strings(value):
    """Every string in a decoded JSON document (keys and values)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def has_control_characters() -> bool:
    candidates = [request.path]
    for multi in (request.args, request.form) if request.mimetype in _FORMS else (request.args,):
        for key, values in multi.lists():
            candidates.append(key)
            candidates.extend(values)
    if request.is_json and request.path.startswith("/api/"):  # not Stripe's webhook: its events are Stripe's
        candidates.extend(_strings(request.get_json(silent=True)))
    return _CONTROL.search("\n".join(candidates)) is not None  # a line feed is allowed: one search


def _mend_pasted_breaks() -> None:
    """A form's pasted line and page breaks become spaces (request.form is a cached property)."""
    if request.path.startswith("/api/") or request.mimetype not in _FORMS:
        return
    pairs = list(request.form.items(multi=True))
    if any(_PASTED_BREAKS.search(value) for _key, value in pairs):
        request.form = ImmutableMultiDict([(key, _PASTED_BREAKS.sub(" ", value)) for key, value in pairs])


def reject_control_characters():
    _mend_pasted_breaks()
    if not has_control_characters():
        return None
    message = gettext("La requête contient des caractères de contrôle (comme un octet nul) : "
                      "ils ne sont acceptés ni dans l'adresse ni dans les champs.")
    if request.path.startswith("/api/"):

        return error_response("invalid_request", message, 400)
    return render_template("errors/400.html", reason=message), 400


def init_app(app: Flask) -> None:
    app.before_request(reject_control_characters)


def int_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = 2**31 - 1) -> int | None:
    """An integer query parameter within [minimum, maximum], else `default`: "?page=999…9" must not
    reach the database (integer overflow) nor "?annee=99999" a date."""
    value = request.args.get(name, type=int)
    return value if value is not None and minimum <= value <= maximum else default
