"""Security headers on every response: a Content-Security-Policy with no inline script, no framing,
no MIME sniffing, a strict referrer policy, and HSTS in production (HSTS_SECONDS).

The policy lists what the pages load: our own files, the map tiles (TILE_SERVER, the origin the
map scripts in static/js ask), and Stripe.js for card payments (its origin from STRIPE_JS_URL,
its API from STRIPE_API_BASE, its 3-D Secure frames from hooks.stripe.com). No inline style either:
templates put styles in static/css and scripts set them through the DOM (which CSP allows).
"""
from functools import cache
from urllib.parse import urlsplit

from flask import Flask

# The tile server of static/js/*map*.js (Leaflet image tiles).
TILE_SERVER = "https://tile.openstreetmap.org"
STRIPE_API = "https://api.stripe.com"
STRIPE_HOOKS = "https://hooks.stripe.com"


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _policy(stripe_js_url: str | None, stripe_api_base: str | None) -> str:
    stripe_js = _origin(stripe_js_url)
    stripe_api = _origin(stripe_api_base) or STRIPE_API
    scripts = ["'self'", *([stripe_js] if stripe_js else [])]
    frames = [*([stripe_js] if stripe_js else []), STRIPE_HOOKS]
    connect = ["'self'", *dict.fromkeys(o for o in (stripe_api, stripe_js) if o)]
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", TILE_SERVER],
        "connect-src": connect,
        "frame-src": frames,
        # The QR scanner of the till runs its decoder in a worker built from a blob.
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        # Not Headers.setdefault: each header it does not find costs werkzeug an exception.
        present = {name.lower() for name, _ in headers}
        # Read per response: the demo points STRIPE_* at its localstripe after the app is built.
        for name, value in _headers(app.config.get("STRIPE_JS_URL"), app.config.get("STRIPE_API_BASE"),
                                    app.config.get("HSTS_SECONDS")):
            if name.lower() not in present:
                headers.add(name, value)
        return response


@cache  # a handful of configurations per process; the headers go on every response
def _headers(stripe_js_url: str | None, stripe_api_base: str | None, hsts_seconds: int | None) -> tuple:
    headers = (("Content-Security-Policy", _policy(stripe_js_url, stripe_api_base)),
               ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "strict-origin-when-cross-origin"))
    if hsts_seconds:  # production only: HTTPS is certain there
        headers += (("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains"),)
    return headers
