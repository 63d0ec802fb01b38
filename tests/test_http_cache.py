"""Anonymous public pages open no session and are cacheable; the forms on them stay CSRF-protected."""
import re

import pytest

from marketplace.extensions import db
from marketplace.models import Category, Product
from tests.conftest import login
from tests.test_public import territory


@pytest.fixture
def public_urls(app):
    territory(app)
    with app.app_context():
        product = db.session.scalar(db.select(Product))
        category = db.session.scalar(db.select(Category))
        return {"product_id": product.id, "urls": [
            "/", "/recherche?q=pain", "/recherche?q=introuvable", f"/produits/{product.id}",
            f"/categories/{category.slug}", "/commerces/boulangerie-moreau", "/communes/semur-en-auxois"]}


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_anonymous_public_pages_write_no_cookie_and_are_cacheable(app, public_urls, csrf_on):
    for url in public_urls["urls"]:
        response = app.test_client().get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
        assert 'name="csrf_token"' not in response.get_data(as_text=True), url
        assert response.cache_control.public and response.cache_control.max_age == 60, url
        assert "Cookie" in response.vary, url
        etag, weak = response.get_etag()
        assert etag and weak, url


def test_a_conditional_get_answers_304(app, public_urls):
    client = app.test_client()
    url = f"/produits/{public_urls['product_id']}"
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_logged_in_pages_are_private(app, public_urls, make_user):
    make_user()
    client = app.test_client()
    login(client, "resident@example.fr")
    for url in public_urls["urls"]:
        response = client.get(url)
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert "ETag" not in response.headers, url


def test_a_visitor_with_a_cart_gets_private_pages_with_tokens(app, public_urls, csrf_on):
    client = app.test_client()
    add = f"/panier/ajouter/{public_urls['product_id']}"
    assert client.post(add, data={"quantity": 1}, headers={"Origin": "http://localhost"}).status_code == 302
    page = client.get("/recherche?q=pain")
    assert page.headers["Cache-Control"] == "private, no-store"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post(add, data={"quantity": 1, "csrf_token": token}).status_code == 302
    # A token sent must be the session's; a page shown again by the back button has none.
    assert client.post(add, data={"quantity": 1, "csrf_token": "forged"},
                       headers={"Origin": "http://localhost"}).status_code == 400
    assert client.post(add, data={"quantity": 1}, headers={"Origin": "https://evil.example"}).status_code == 400
    assert client.post(add, data={"quantity": 1}, headers={"Referer": "http://localhost/"}).status_code == 302
    assert 'value="3"' in client.get("/panier").get_data(as_text=True)


def test_sessionless_posts_must_come_from_this_site(app, public_urls, csrf_on):
    add = f"/panier/ajouter/{public_urls['product_id']}"
    for headers in ({}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"},
                    {"Origin": "null"}):
        client = app.test_client()
        assert client.post(add, data={"quantity": 1}, headers=headers).status_code == 400, headers
        assert client.post("/ma-commune", data={"commune": "21230"}, headers=headers).status_code == 400
        assert "Set-Cookie" not in client.get("/").headers  # nothing was stored
    client = app.test_client()
    assert client.post("/ma-commune", data={"commune": "21230"},
                       headers={"Referer": "http://localhost/recherche"}).status_code == 302
    assert "Arnay-le-Duc" in client.get("/").get_data(as_text=True)


def test_the_anonymous_header_is_shared_but_never_shown_to_a_visitor_with_a_session(app, public_urls, make_user):
    """The header of sessionless visitors is rendered once per language; a visitor who logged in
    or chose a commune gets their own (menu, commune, CSRF token) right after, on the same pages."""
    make_user()
    anonymous = app.test_client()
    french = anonymous.get("/recherche?q=pain").get_data(as_text=True)
    assert "Se connecter" in french and "Se déconnecter" not in french
    reader = app.test_client()  # ?lang=en keeps the language in a session
    english = reader.get("/recherche?q=pain&lang=en").get_data(as_text=True)
    assert "Log in" in english and "Se connecter" not in english
    assert "Log in" in reader.get("/").get_data(as_text=True)
    assert "Se connecter" in anonymous.get("/").get_data(as_text=True)

    resident = app.test_client()
    login(resident, "resident@example.fr")
    page = resident.get("/recherche?q=pain").get_data(as_text=True)
    assert "Se déconnecter" in page and "Se connecter" not in page
    assert re.search(r'name="csrf_token" value="[^"]+"', page)

    chooser = app.test_client()
    chooser.post("/ma-commune", data={"commune": "Semur-en-Auxois"}, headers={"Origin": "http://localhost"})
    assert 'data-testid="current-commune"' in chooser.get("/recherche?q=pain").get_data(as_text=True)
    assert 'data-testid="current-commune"' not in anonymous.get("/recherche?q=pain").get_data(as_text=True)


def test_the_footer_is_rendered_once_per_language_and_shown_to_everyone(app, public_urls, make_user):
    """The footer (the data credits, the legal pages) is the same for everyone: written once per
    language and process, then on every page, in the reader's language."""
    from flask import template_rendered

    make_user()
    rendered = []

    def record(sender, template, context, **extra):
        if template.name == "partials/site_footer.html":
            rendered.append(context["current_locale"])

    app.extensions.pop("rendered_once", None)
    resident = app.test_client()
    login(resident, "resident@example.fr")
    with template_rendered.connected_to(record, app):
        pages = [app.test_client().get(url).get_data(as_text=True) for url in public_urls["urls"]]
        pages += [resident.get("/compte/").get_data(as_text=True), resident.get("/panier").get_data(as_text=True)]
        english = app.test_client().get("/recherche?q=pain&lang=en").get_data(as_text=True)
    assert rendered == ["fr", "en"]
    for page in pages:
        assert '<a href="/mentions-legales">Mentions légales</a>' in page
        assert "Fonds de carte © contributeurs OpenStreetMap" in page
    assert "Legal notice" in english and "Mentions légales" not in english
