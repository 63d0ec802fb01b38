"""Anonymous public pages that cost little and that a reverse proxy may cache.

A visitor with no session gets the public pages (home, search, categories, shops, products,
communes) without a session cookie: their forms (add to cart, choose my commune) carry no CSRF
token, since writing one would open a session on every page view. Those two POSTs are still
protected: a form that carries a token must carry the session's, as everywhere else; one without
(a page served to the visitor before they had a session, or shown again by the back button)
must come with the browser's Origin (or Referer) header naming this site (OWASP's "verifying
origin with standard headers"; the session cookie is SameSite=Lax besides).

Such responses are `Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS` with a weak ETag (a
conditional GET answers 304); any response that depends on a session (a logged-in user, a cart,
a chosen commune, a flash) is `private, no-store`. All vary on Cookie.
"""
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, current_app, g, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape

from marketplace.extensions import csrf, limiter

PUBLIC_PAGES = frozenset({
    "public.home", "public.search", "public.category", "public.shop", "public.product", "public.commune",
    "public.legal_notice", "public.privacy", "public.terms",
})


@limiter.request_filter
def _public_page_view() -> bool:
    """A public page declares no rate limit (tests/test_security.py holds every one to it): its
    views skip Flask-Limiter's resolution of the request's limits, a fifth of a small page's cost."""
    return request.endpoint in PUBLIC_PAGES and request.method in ("GET", "HEAD")


def has_session() -> bool:
    """Whether the visitor already has a session (or an account) that a CSRF token may live in."""
    return bool(session) or current_user.is_authenticated


def csrf_field() -> Markup:
    """The hidden CSRF field of a form shown on public pages: empty for a visitor with no session."""
    if not has_session():
        return Markup("")
    from flask_wtf.csrf import generate_csrf

    return Markup('<input type="hidden" name="csrf_token" value="%s">') % escape(generate_csrf())


def _rendered_once(template: str, **context) -> Markup:
    """`template`, the same for everyone who gets it, rendered once per language, site path (its
    links start with it) and context, and kept by the process."""
    cache = current_app.extensions.setdefault("rendered_once", {})
    key = (template, str(get_locale()), request.script_root, *sorted(context.items()))
    rendered = cache.get(key)
    if rendered is None:
        rendered = cache[key] = Markup(render_template(template, **context))
    return rendered


def site_header(till_page: bool = False) -> Markup:
    """The site header (templates/partials/site_header.html). A visitor without a session sees the
    same one on every page of a language (no account, no commune chosen, no CSRF token): it is
    rendered once, instead of ~30 texts and links on every page view."""
    if has_session():
        return Markup(render_template("partials/site_header.html", till_page=till_page))
    return _rendered_once("partials/site_header.html", till_page=bool(till_page))


def site_footer() -> Markup:
    """The site footer (templates/partials/site_footer.html): the same for everyone on every page of
    a language, rendered once."""
    return _rendered_once("partials/site_footer.html")


def _same_site_origin() -> bool:
    source = request.headers.get("Origin") or request.referrer or ""
    return bool(source) and source != "null" and urlsplit(source).netloc == request.host


def sessionless_csrf(view):
    """For a POST view whose form is shown on public pages (see csrf_field): the session's token
    when the form carries one, else an Origin/Referer header naming this site."""
    csrf.exempt(view)

    @wraps(view)
    def checked(*args, **kwargs):
        if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
            if request.form.get("csrf_token") or request.headers.get("X-CSRFToken"):
                csrf.protect()
            elif not _same_site_origin():
                raise CSRFError("The request's origin is not this site.")
            g.csrf_valid = True  # the forms' own CSRF check (FlaskForm) relies on it
        return view(*args, **kwargs)

    return checked


_CONDITIONAL_HEADERS = frozenset({"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_RANGE"})


def _cache_headers(response):
    if not _public_page_view():
        return response
    response.vary.add("Cookie")
    anonymous = (response.status_code == 200 and not has_session() and not session.modified
                 and "Set-Cookie" not in response.headers)
    if not anonymous:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response.headers["Cache-Control"] = f"public, max-age={int(current_app.config.get('PUBLIC_CACHE_SECONDS', 60))}"
    response.add_etag(weak=True)
    # Only a conditional request can get a 304: werkzeug's check costs as much as the ETag itself.
    if any(name in request.environ for name in _CONDITIONAL_HEADERS):
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_cache_headers)
    app.add_template_global(csrf_field)
    app.add_template_global(site_header)
    app.add_template_global(site_footer)
