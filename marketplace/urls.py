"""URLs that cross a trust boundary: the links mailed to people, and where to send a visitor back.

- `public_url_for`: every link in an email is built on PUBLIC_URL (configuration), never on the
  request's Host header: a forged Host must not put an attacker's site in a password-reset mail.
  It works without a request too (background jobs, CLI).
- `safe_local_target`: a `next`/back parameter is followed only when it is a path of this site.
- `install_template_url_cache`: the templates' url_for remembers the links that never change
  (an endpoint without arguments, a static file).
"""
import re
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

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


_TEMPLATE_URLS_MAX = 1000  # distinct (script root, endpoint, file) links remembered


def install_template_url_cache(app) -> None:
    """The templates' url_for answers from a table the links that depend on nothing but the
    endpoint (and a static file's name) and the request's script root: the ~20 links of the
    site's header, footer and scripts cost 7 to 15 µs each through Werkzeug's URL builder, on
    every page. Any other argument (a path variable, `_external`, `_anchor`…), an endpoint
    relative to the current blueprint ("."), or no request: the builder, as before."""
    build = app.url_for
    urls: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        if (len(values) > 1 or (values and "filename" not in values) or endpoint.startswith(".")
                or not has_request_context()):
            return build(endpoint, **values)
        key = (request.script_root, endpoint, values.get("filename"))
        url = urls.get(key)
        if url is None:
            url = build(endpoint, **values)
            if len(urls) < _TEMPLATE_URLS_MAX:
                urls[key] = url
        return url

    app.jinja_env.globals["url_for"] = url_for


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
