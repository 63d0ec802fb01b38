"""Issue 17: security headers, production settings, emailed links on PUBLIC_URL, trusted hosts,
local redirect targets, control characters refused at the edge, the profile form, API contract nits."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config import check_production_settings
from marketplace import create_app
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.urls import public_url_for, safe_local_target
from tests import factories as f
from tests.conftest import login
from tests.till.conftest import card_number, till  # noqa: F401  (fixture)
from tests.till.test_pos_api import api_key, headers, redeem

PRODUCTION = {"SECRET_KEY": "s" * 32, "PUBLIC_URL": "https://halle.example.fr", "METRICS_TOKEN": "m-token",
              "LOG_FORMAT": "text", "PIN_SECRETS": "t1:test-pin-secret-not-for-production"}  # the tests' key (PINs keys are global)


@pytest.fixture
def production_app(database_url, tmp_path):
    def make(**overrides):
        settings_ = {**PRODUCTION, "SQLALCHEMY_DATABASE_URI": database_url,
                     "SEARCH_INDEX_DIR": str(tmp_path / "index"), **overrides}
        return create_app("production", **settings_)
    return make


# --- Headers --------------------------------------------------------------------------------------


def test_every_page_carries_the_security_headers(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self' https://js.stripe.com"  # no inline script, no eval
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["style-src"] == "'self'"
    assert "https://tile.openstreetmap.org" in directives["img-src"].split()
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # development and tests: maybe plain HTTP
    assert client.get("/api/v1/openapi.json").headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_follows_the_stripe_settings(app, client):
    saved = app.config["STRIPE_JS_URL"], app.config["STRIPE_API_BASE"]
    app.config.update(STRIPE_JS_URL="http://127.0.0.1:8420/js.stripe.com/v3/", STRIPE_API_BASE="http://127.0.0.1:8420")
    try:
        policy = client.get("/").headers["Content-Security-Policy"]
    finally:
        app.config["STRIPE_JS_URL"], app.config["STRIPE_API_BASE"] = saved
    assert "script-src 'self' http://127.0.0.1:8420;" in policy
    assert "connect-src 'self' http://127.0.0.1:8420;" in policy


def test_no_template_has_inline_scripts_handlers_or_styles():
    from config import BASE_DIR

    for path in (BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        # (A JSON-LD block is data the browser never runs: public/structured_data.py.)
        inline_script = re.search(r'<script(?![^>]*\b(?:src=|type="application/ld\+json"))', text)
        assert not inline_script, f"inline <script> in {path}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {path}"
        assert "javascript:" not in text and not re.search(r"\sstyle\s*=", text), f"inline code/style in {path}"
        assert "<style" not in text, f"inline <style> in {path} (the CSP blocks it: the page shows unstyled)"


def test_a_response_s_own_security_header_is_kept(app):
    from flask import Response

    with app.test_request_context("/"):
        response = app.process_response(Response("x", headers={"referrer-policy": "no-referrer"}))
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_session_cookie_survives_a_key_rotation_listed_in_the_fallbacks(app):
    """The signing serializer is kept per set of keys: a new SECRET_KEY takes effect at once, and a
    cookie signed with the old one still opens its session while SECRET_KEY_FALLBACKS lists it."""
    client = app.test_client()
    client.get("/?lang=en")  # the language chosen is kept in the session
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)
    old_key = app.secret_key
    try:
        app.config.update(SECRET_KEY="a-new-key-for-the-rotation", SECRET_KEY_FALLBACKS=[old_key])
        assert '<html lang="en"' in client.get("/").get_data(as_text=True)
        app.config.update(SECRET_KEY_FALLBACKS=[])
        assert '<html lang="fr"' in client.get("/").get_data(as_text=True)  # the old signature is refused
    finally:
        app.config.update(SECRET_KEY=old_key, SECRET_KEY_FALLBACKS=[])


def test_a_signed_in_session_seen_from_another_browser_is_marked_not_fresh(app, client, make_user):
    """Flask-Login's session protection still checks a session that holds something; the app skips
    it only for an empty session, which has nothing to protect (marketplace/extensions.py)."""
    make_user("resident@example.fr")
    login(client, "resident@example.fr")
    with client.session_transaction() as session:
        assert session["_fresh"] is True
    client.get("/compte/profil", headers={"User-Agent": "another browser"})
    with client.session_transaction() as session:
        assert session["_fresh"] is False and session["_user_id"]  # "basic" protection: still signed in
    anonymous = app.test_client()
    assert "Set-Cookie" not in anonymous.get("/", headers={"User-Agent": "another browser"}).headers


def test_no_public_page_declares_a_rate_limit(app):
    """GETs of the public pages skip the rate limiter (marketplace/http_cache.py): a limit declared
    on one of their views would never apply."""
    from flask_limiter.util import get_qualified_name

    from marketplace.extensions import limiter
    from marketplace.http_cache import PUBLIC_PAGES

    for endpoint in PUBLIC_PAGES:
        assert get_qualified_name(app.view_functions[endpoint]) not in limiter._marked_for_limiting, endpoint
    assert get_qualified_name(app.view_functions["auth.login"]) in limiter._marked_for_limiting


def test_production_sends_hsts(production_app):
    app = production_app()
    response = app.test_client().get("/healthz", base_url="https://halle.example.fr")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- Production settings and hosts ----------------------------------------------------------------


@pytest.mark.parametrize("missing, named", [
    ({"PUBLIC_URL": None}, "PUBLIC_URL"),
    ({"PUBLIC_URL": "halle.example.fr"}, "PUBLIC_URL"),  # no scheme: not an address
    ({"METRICS_TOKEN": None}, "METRICS_TOKEN"),
    ({"SECRET_KEY": None}, "SECRET_KEY"),
])
def test_production_refuses_to_start_without_its_security_settings(production_app, missing, named):
    with pytest.raises(RuntimeError, match=named):
        production_app(**missing)


def test_production_metrics_may_be_switched_off_instead_of_protected(production_app):
    app = production_app(METRICS_TOKEN=None, METRICS_ENABLED=False)
    assert app.test_client().get("/metrics", base_url="https://halle.example.fr").status_code == 404


def test_production_answers_only_its_public_host(production_app):
    client = production_app().test_client()
    assert client.get("/healthz", base_url="https://halle.example.fr").status_code == 200
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400
    assert client.get("/mot-de-passe-oublie", headers={"Host": "evil.example"}).status_code == 400


def test_trusted_hosts_can_be_listed(production_app):
    client = production_app(TRUSTED_HOSTS=["halle.example.fr", "10.0.0.7"]).test_client()
    assert client.get("/healthz", base_url="http://10.0.0.7").status_code == 200
    assert client.get("/healthz", base_url="http://other.example").status_code == 400


def test_check_production_settings_names_every_missing_setting(app):
    class Bare:
        config = {"METRICS_ENABLED": True}

    with pytest.raises(RuntimeError) as error:
        check_production_settings(Bare())
    assert all(name in str(error.value) for name in ("SECRET_KEY", "PUBLIC_URL", "METRICS_TOKEN"))


# --- Emailed links --------------------------------------------------------------------------------


def test_reset_email_links_to_the_public_url_whatever_the_host_header(app, client, make_user):
    make_user("resident@example.fr")
    app.config["PUBLIC_URL"] = "https://halle.example.fr"
    try:
        client.post("/mot-de-passe-oublie", data={"email": "resident@example.fr"},
                    headers={"Host": "evil.example"})
    finally:
        app.config["PUBLIC_URL"] = "http://localhost"
    with app.app_context():
        body = outbox()[-1].get_content()
    assert "evil.example" not in body
    assert re.search(r"https://halle\.example\.fr/reinitialiser/\S+", body)


def test_public_url_for_keeps_a_path_prefix_and_works_without_a_request(app):
    app.config["PUBLIC_URL"] = "https://territoire.example.fr/halle/"
    try:
        with app.app_context():
            assert public_url_for("cart.order", order_id=7) == "https://territoire.example.fr/halle/compte/commandes/7"
    finally:
        app.config["PUBLIC_URL"] = "http://localhost"


# --- Local redirect targets -----------------------------------------------------------------------

HOSTILE = ["//evil.example", "/\t/evil.example/path", "/\r\n/evil.example", "/\\evil.example",
           "\\\\evil.example", "https://evil.example/", "javascript:alert(1)", " //evil.example", "/ /x\n",
           "http:/evil.example", "/\x00/evil.example", "\t//evil.example", "///evil.example", "evil.example",
           "/\x0b/evil.example", "data:text/html,x", "//", ""]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_targets_fall_back_to_the_default(value):
    assert safe_local_target(value, "/compte/") == "/compte/"


@given(st.text(alphabet=st.sampled_from(list("/\\\t\r\n \x00\x0b:.@?#%ae")) | st.characters(), max_size=30))
@settings(max_examples=400, deadline=None, database=None)
def test_a_safe_target_is_always_a_path_of_this_site(value):
    """Whatever comes in, what comes out is the default or a path that browsers read on this site:
    one leading "/", no control character, no backslash, nothing urllib reads as a host."""
    from urllib.parse import urlsplit

    target = safe_local_target(value, "/")
    if target != "/":
        cleaned = re.sub(r"[\t\r\n]", "", target)  # what a browser reads
        assert target.startswith("/") and not cleaned.startswith("//") and "\\" not in cleaned
        assert not re.search(r"[\x00-\x1f\x7f]", target)
        assert urlsplit(cleaned).netloc == "" and urlsplit(cleaned).scheme == ""


def test_local_paths_are_kept():
    for value in ("/compte/", "/recherche?q=pain&commune=21603", "/commerces/la-boulange#avis", "/a//b"):
        assert safe_local_target(value, "/") == value


@pytest.mark.parametrize("query", ["next=/%09/evil.example/path", "next=/%0D%0ALocation:%20http://evil.example",
                                   "next=/%5Cevil.example", "next=https://evil.example"])
def test_login_never_leads_to_another_site(client, make_user, query):
    make_user("resident@example.fr")
    response = client.post(f"/connexion?{query}", data={"email": "resident@example.fr",
                                                        "password": "motdepasse-solide"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/"


def test_login_follows_a_local_next(client, make_user):
    make_user("resident@example.fr")
    response = client.post("/connexion?next=/compte/profil", data={"email": "resident@example.fr",
                                                                  "password": "motdepasse-solide"})
    assert response.headers["Location"] == "/compte/profil"


def test_cart_and_commune_choice_refuse_a_hostile_back_target(app, client):
    with app.app_context():
        shop = f.shop("Boulangerie", f.commune())
        product = f.product(shop, "Pain")
        db.session.commit()
        product_id = product.id
    response = client.post(f"/panier/ajouter/{product_id}", data={"quantity": "1", "next": "/\t/evil.example"})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]
    response = client.post("/ma-commune?next=/%09/evil.example", data={"commune": "nulle part"})
    assert "evil.example" not in response.headers.get("Location", "")


# --- Control characters ---------------------------------------------------------------------------


def test_a_nul_byte_is_refused_with_a_french_400(client):
    for url in ("/recherche?q=pain%00", "/commerces/x%00y", "/connexion?next=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "caractères de contrôle" in response.get_data(as_text=True)
    response = client.post("/connexion", data={"email": "a\x00@example.fr", "password": "x"})
    assert response.status_code == 400
    response = client.post("/connexion", data={"email": "a\x00@example.fr", "password": "x"},
                           content_type="multipart/form-data")  # a form with a file field sends this
    assert response.status_code == 400
    assert client.get("/recherche?q%00=pain").status_code == 400  # in an argument's name too


def test_the_api_refuses_a_nul_byte_in_json(client):
    response = client.get("/api/v1/search?q=pain%00")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_request"
    response = client.post("/api/v1/redemptions", json={"card": "9250\x00", "amount_cents": 100})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_request"


def test_the_api_refuses_a_lone_surrogate_in_json(client):
    """"\\ud800" decodes to a string no encoder takes: refused at the edge, not a 500 further on."""
    for url in ("/api/v1/redemptions", "/api/v1/products:batch", "/api/v1/lockers/gare/events"):
        response = client.post(url, data='{"card": "\\ud800", "products": [{"sku": "\\ud800"}], "compartment": '
                                          '"\\ud800", "amount_cents": 100}', content_type="application/json")
        assert response.status_code == 400, url
        assert response.get_json()["error"]["code"] == "invalid_request"


def test_a_word_processor_s_pasted_line_break_becomes_a_space(app, client, make_user):
    """Word's line break (vertical tab) and page break (form feed) come with a pasted text: the form
    goes through with a space instead of a 400 that loses what was typed."""
    user_id = make_user("resident@example.fr", first_name="Anne")
    login(client, "resident@example.fr")
    response = client.post("/compte/profil", data={"first_name": "Anne\x0bMarie", "last_name": "Du\x0cPont",
                                                   "locale": "fr", "home_commune": ""})
    assert response.status_code == 302
    with app.app_context():
        from marketplace.models import User

        user = db.session.get(User, user_id)
        assert (user.first_name, user.last_name) == ("Anne Marie", "Du Pont")
    assert client.post("/compte/profil", data={"first_name": "Anne\x1bMarie", "last_name": "", "locale": "fr",
                                               "home_commune": ""}).status_code == 400  # other controls: refused


def test_text_areas_keep_their_line_breaks_and_tabs(client):
    response = client.get("/recherche?q=pain%0D%0Acomplet%09bio")
    assert response.status_code == 200


def test_profile_without_its_commune_field_says_so(app, client, make_user):
    make_user("resident@example.fr", first_name="Anne")
    login(client, "resident@example.fr")
    response = client.post("/compte/profil", data={"first_name": "Anne", "last_name": "", "locale": "fr"})
    assert response.status_code == 200
    assert "Ce champ manque dans le formulaire" in response.get_data(as_text=True)
    response = client.post("/compte/profil", data={"first_name": "Anne", "last_name": "B", "locale": "fr",
                                                   "home_commune": ""})
    assert response.status_code == 302


# --- API contract ---------------------------------------------------------------------------------


def test_an_empty_date_is_refused_like_a_bad_one(app, client, till):  # noqa: F811
    key = api_key(app, till["shop"])
    for value in ("", "2026-13-01"):
        response = client.get(f"/api/v1/redemptions?date={value}", headers=headers(key))
        assert response.status_code == 422, value
        assert response.get_json()["error"]["parameter"] == "date"


def test_a_refund_above_what_is_left_is_documented_and_answered(app, client, till):  # noqa: F811
    key = api_key(app, till["shop"])
    paid = redeem(client, key, {"card": card_number(app, till["card"]), "amount_cents": 2000}, idem="p").get_json()
    response = client.post(f"/api/v1/redemptions/{paid['id']}/refunds", json={"amount_cents": 5000},
                           headers=headers(key, "too-much"))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "refund_not_allowed"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "refund_not_allowed" in spec["paths"]["/redemptions/{entry_id}/refunds"]["post"]["responses"]["422"][
        "description"]


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.open("/api/v1/openapi.json", method="TRACE")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert client.open("/", method="TRACE").headers.get("Allow")


def test_every_emailed_link_is_built_on_the_public_url():
    """url_for(..., _external=True) follows the request's Host header: only marketplace/urls.py builds
    absolute links (on PUBLIC_URL); the campaign job's request context is on PUBLIC_URL too."""
    from config import BASE_DIR

    for folder in ("marketplace", "loyalty", "search", "templates"):
        for path in (BASE_DIR / folder).rglob("*.*"):
            if path.suffix in (".py", ".html", ".txt") and path.name != "urls.py":
                text = path.read_text()
                assert "_external=True" not in text and "url_root" not in text, path


@pytest.mark.parametrize("proxies, each_client_counted", [(1, True), (0, False)])
def test_limits_per_address_count_the_client_behind_the_proxy_the_site_is_told_of(production_app, proxies,
                                                                                  each_client_counted):
    """Behind a load balancer (TRUSTED_PROXIES=1) the login limit counts each client's address, as the
    proxy wrote it in X-Forwarded-For; without one the header is anyone's to write and is ignored."""
    app = production_app(TRUSTED_PROXIES=proxies, LOGIN_RATE_LIMIT="2 per minute", WTF_CSRF_ENABLED=False)
    client = app.test_client()

    def attempt(client_address):
        return client.post("/connexion", data={"email": "x@example.fr", "password": "pas-le-bon"},
                           base_url="https://halle.example.fr", headers={"X-Forwarded-For": client_address},
                           environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code  # the proxy's own address

    assert [attempt("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert (attempt("203.0.113.8") == 200) is each_client_counted
