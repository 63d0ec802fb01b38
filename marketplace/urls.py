"""URLs that cross a trust boundary: the links mailed to people, and where to send a visitor back.

- `public_url_for`: every link in an email is built on PUBLIC_URL (configuration), never on the
  request's Host header: a forged Host must not put an attacker's site in a password-reset mail.
  It works without a request too (background jobs, CLI).
- `safe_local_target`: a `next`/back parameter is followed only when it is a path of this site.
"""
import re
from urllib.parse import urlsplit

from flask import current_app

# Browsers drop ASCII tab, LF and CR anywhere in a URL ("/\t/evil.example" is "//evil.example"):
# any C0 control character, DEL, or a backslash (read as "/" by browsers) refuses the target.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def public_url_for(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` on the site's public address (PUBLIC_URL, which may end with
    a path prefix), for emails."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme)
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def safe_local_target(value: str | None, default: str) -> str:
    """`value` when it is a path of this site ("/compte/?x=1"), otherwise `default`.

    Refused: anything not starting with a single "/", control characters and backslashes (which
    browsers strip or turn into "/", making "//host"), surrounding whitespace, and whatever
    urllib reads with a scheme or a host."""
    if not value or not isinstance(value, str) or _UNSAFE.search(value) or value != value.strip():
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
