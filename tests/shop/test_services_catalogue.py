"""A business without a catalogue (kind services: a plumber, a workshop) is not shown the catalogue's
tools, and they do not answer when their address is typed either (access.SHOP_CATALOGUE): a page
goes to its dashboard, which says why, a form sent changes nothing, the barcode look-up says 403.
A shop that sells products keeps every one of them. A shop with products on sale, or a feed that
puts them on sale, does not become a business without a catalogue until they are offline."""
import html
import io

import pytest

from marketplace import product_import, uploads
from marketplace.access import SHOP_CATALOGUE, policy_for
from marketplace.extensions import db
from marketplace.models import (CatalogueFeed, Commune, FormSubmission, PendingUpload, Product, ProductImage, Shop,
                                User)
from tests import factories as f
from tests.conftest import login
from tests.shop.test_onboarding import shop_form

REFUSAL = ("Votre fiche est celle d&#39;une entreprise de services : elle n&#39;a pas de catalogue de produits. "
           "Pour vendre des produits, le propriétaire de la fiche choisit « Je vends des produits » dans "
           "Informations.")
# The catalogue's tools: a new one must be declared with SHOP_CATALOGUE (and so tested here).
CATALOGUE_TOOLS = {
    "shop.products", "shop.count_stocks", "shop.bulk_action", "shop.reference", "shop.new_product",
    "shop.edit_product", "shop.duplicate_product", "shop.delete_product", "shop.delete_photo", "shop.move_photo",
    "shop.import_upload", "shop.import_review", "shop.import_progress", "shop.export",
    "shop_feeds.feeds_page", "shop_feeds.feed", "shop_feeds.feed_interval", "shop_feeds.feed_columns",
    "shop_feeds.import_columns", "shop_feeds.activate_feed", "shop_feeds.feed_categories", "shop_feeds.run_now",
    "shop_feeds.pause_feed", "shop_feeds.delete_feed",
}


def _catalogue_rules(app):
    with app.test_request_context():
        return sorted((rule for rule in app.url_map.iter_rules() if policy_for(rule.endpoint) is SHOP_CATALOGUE),
                      key=lambda rule: rule.endpoint)


@pytest.fixture
def workshop(app, shop_world):
    """A services business of the bakery's owner and staff, with what a catalogue would hold (left
    from before it changed kind): a product offline with a photo, a draft feed, an upload."""
    with app.app_context():
        users = {role: db.session.scalar(db.select(User).filter_by(email=shop_world["emails"][role]))
                 for role in ("owner", "staff")}
        shop = f.shop("Plomberie Girard", db.session.get(Commune, shop_world["semur"]), kind="services",
                      services="Dépannage de fuites")
        f.shop_member(shop, users["owner"], "owner")
        f.shop_member(shop, users["staff"], "staff")
        product = f.product(shop, "Joint de robinet", 120, sku="J1", stock=4, active=False)
        product.images = [ProductImage(key="a" * 64, position=0), ProductImage(key="b" * 64, position=1)]
        feed = CatalogueFeed(shop_id=shop.id, url="http://127.0.0.1:9/catalogue.csv", status="draft")
        db.session.add(feed)
        db.session.commit()
        token = uploads.save(product_import.UPLOAD_KIND, shop.id, "Nom;Prix\nJoint;1,20\n".encode(), "a.csv")
        return {"shop_id": shop.id, "product_id": product.id, "image_id": product.images[0].id, "feed_id": feed.id,
                "token": token, "barcode": "3017620422003", "fmt": "csv", "sub_id": 1}


def _url(app, rule, args) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{name: args[name] for name in rule.arguments})


def _form(args) -> dict:
    """What each tool's form would send: enough to change something, were it let through."""
    product = str(args["product_id"])
    return {"name": "Robinet", "price": "12,50", "stock": "9", "active": "y", "once": f"once-{args['feed_id']}",
            "product_ids": product, "action": "activate", f"stock-{product}": "9", f"shown-{product}": "4",
            "direction": "down", "url": "http://127.0.0.1:9/autre.csv", "interval": "1440",
            "file": (io.BytesIO("Nom;Prix\nRobinet;12,50\n".encode()), "catalogue.csv"),
            "column_0": "name", "column_1": "price", "category_text_0": "Joint", "category_0": "1"}


def _state(shop_id: int):
    """Everything a catalogue tool could change for the shop."""
    products = db.session.scalars(db.select(Product).where(Product.shop_id == shop_id).order_by(Product.id)).all()
    return ([(p.id, p.name, p.price_cents, p.stock, p.active, p.updated_at, [(i.id, i.key, i.position)
                                                                           for i in p.images]) for p in products],
            [(feed.id, feed.url, feed.status, feed.interval_minutes, feed.column_choice, feed.next_run_at)
             for feed in CatalogueFeed.query.filter_by(shop_id=shop_id).order_by(CatalogueFeed.id)],
            [(row.token, row.status, row.mapping) for row in PendingUpload.query.filter_by(owner_id=shop_id)],
            FormSubmission.query.count())


def test_every_catalogue_tool_is_declared_as_one(app):
    assert {rule.endpoint for rule in _catalogue_rules(app)} == CATALOGUE_TOOLS


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_a_business_without_a_catalogue_is_sent_to_its_dashboard_and_nothing_changes(app, client, shop_world,
                                                                                       workshop, role):
    login(client, shop_world["emails"][role])
    dashboard = f"/boutique/{workshop['shop_id']}/"
    with app.app_context():
        before = _state(workshop["shop_id"])
    for rule in _catalogue_rules(app):
        url = _url(app, rule, workshop)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data=_form(workshop) if method == "POST" else None)
            assert (response.status_code, response.headers.get("Location")) == (302, dashboard), (method, url)
            page = client.get(dashboard).get_data(as_text=True)
            assert REFUSAL in page and page.count(REFUSAL) == 1, (method, url)
    with app.app_context():
        assert _state(workshop["shop_id"]) == before


def test_the_barcode_look_up_asked_in_json_is_refused(client, shop_world, workshop):
    login(client, shop_world["emails"]["staff"])
    response = client.get(f"/boutique/{workshop['shop_id']}/reference/3017620422003",
                          headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert REFUSAL not in client.get(f"/boutique/{workshop['shop_id']}/").get_data(as_text=True)  # no flash left


def test_a_shop_with_a_catalogue_keeps_its_tools(app, client, shop_world):
    login(client, shop_world["emails"]["staff"])
    bakery = shop_world["bakery"]
    with app.app_context():
        token = uploads.save(product_import.UPLOAD_KIND, bakery, "Nom;Prix\nBrioche;6,50\n".encode(), "b.csv")
        feed = CatalogueFeed(shop_id=bakery, url="http://127.0.0.1:9/pain.csv", status="paused")
        db.session.add(feed)
        db.session.commit()
        args = {"shop_id": bakery, "product_id": shop_world["bread"], "feed_id": feed.id, "token": token,
                "barcode": "3017620422003", "fmt": "csv", "image_id": 1}
    for rule in _catalogue_rules(app):
        if "GET" in rule.methods:
            response = client.get(_url(app, rule, args))
            assert response.status_code in (200, 302), rule.endpoint
            assert response.headers.get("Location") != f"/boutique/{bakery}/", rule.endpoint
    page = client.get(f"/boutique/{bakery}/").get_data(as_text=True)
    assert REFUSAL not in page
    response = client.post(f"/boutique/{bakery}/produits/nouveau", data={
        "name": "Brioche", "price": "6,50", "category": str(shop_world["categories"]["boulangerie-patisserie"]),
        "active": "y", "once": "once-brioche"})
    assert response.status_code == 302
    with app.app_context():
        assert Product.query.filter_by(shop_id=bakery, name="Brioche").one().active


def test_a_shop_with_products_on_sale_does_not_become_a_business_without_a_catalogue(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    bakery = shop_world["bakery"]
    url = f"/boutique/{bakery}/parametres"
    with app.app_context():
        db.session.add(CatalogueFeed(shop_id=bakery, url="http://127.0.0.1:9/pain.csv", status="active"))
        db.session.commit()
    page = html.unescape(client.post(url, data=shop_form(shop_world, kind="services")).get_data(as_text=True))
    assert ("Vous avez encore 1 produit en vente : retirez-le de la vente (page Produits) avant de passer aux "
            "services sans catalogue.") in page
    assert "Mettez d'abord en pause vos flux catalogue actifs (page Flux catalogue)" in page
    with app.app_context():
        assert db.session.get(Shop, bakery).kind == "commerce"
        db.session.get(Product, shop_world["bread"]).active = False
        CatalogueFeed.query.filter_by(shop_id=bakery).one().status = "paused"
        db.session.commit()
    assert client.post(url, data=shop_form(shop_world, kind="services")).status_code == 302
    with app.app_context():
        assert db.session.get(Shop, bakery).kind == "services"
    # And back: a business that sells products again gets its catalogue back.
    assert client.post(url, data=shop_form(shop_world, kind="commerce")).status_code == 302
    assert client.get(f"/boutique/{bakery}/produits").status_code == 200


def test_a_new_services_business_is_not_told_to_add_products(app, client, shop_world):
    login(client, shop_world["emails"]["resident"])
    page = client.post("/boutique/nouvelle", data=shop_form(shop_world, kind="services", services="Plomberie"),
                       follow_redirects=True).get_data(as_text=True)
    assert "Votre fiche est enregistrée. L&#39;équipe du territoire la valide rapidement." in page
    assert "ajouter vos produits" not in page
