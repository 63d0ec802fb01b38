"""A resident waiting for a sold-out product is told once when it is back, however the shop
restocks; the shop sees how many residents wait."""
import html

from sqlalchemy import func, select

from marketplace import periodic, stock_alerts
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Product, StockAlert
from tests import factories as f
from tests.conftest import login


def _sold_out(app, shop_world, name="Brioche", **fields) -> int:
    with app.app_context():
        bakery = db.session.get(Product, shop_world["bread"]).shop
        product = f.product(bakery, name, 450, stock=0, **fields)
        db.session.commit()
        return product.id


def _alerts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StockAlert))


def test_a_resident_is_told_once_when_a_sold_out_product_is_back(app, shop_world, client):
    brioche = _sold_out(app, shop_world)
    page = client.get(f"/produits/{brioche}").get_data(as_text=True)
    assert "Me prévenir de son retour" in page and f"/compte/alertes/produit/{brioche}" in page
    anonymous = client.get(f"/compte/alertes/produit/{brioche}")
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]

    login(client, shop_world["emails"]["resident"])
    asked = client.post(f"/compte/alertes/produit/{brioche}", follow_redirects=True).get_data(as_text=True)
    assert "vous recevrez un e-mail dès que « Brioche » sera de nouveau disponible" in html.unescape(asked)
    client.post(f"/compte/alertes/produit/{brioche}")  # asked twice: one request
    assert _alerts(app) == 1
    listed = client.get("/compte/alertes").get_data(as_text=True)
    assert "Brioche" in listed and "Boulangerie Moreau" in listed

    login(client, shop_world["emails"]["owner"])
    dashboard = html.unescape(client.get(f"/boutique/{shop_world['bakery']}/").get_data(as_text=True))
    assert "1 habitant attend son retour" in dashboard

    with app.app_context():
        assert periodic.notify_back_in_stock() == 0  # still sold out: nothing
        db.session.get(Product, brioche).stock = 6  # the baker restocks (form, spreadsheet or feed alike)
        db.session.commit()
        assert stock_alerts.notify_back_in_stock() == 1
        [message] = [m for m in outbox() if m["To"] == shop_world["emails"]["resident"]]
        assert message["Subject"] == "De retour chez Boulangerie Moreau : Brioche"
        body = message.get_content()
        assert "« Brioche » est de nouveau disponible chez Boulangerie Moreau (Semur-en-Auxois), 4,50\xa0€" in body
        assert f"http://localhost/produits/{brioche}" in body
        assert stock_alerts.notify_back_in_stock() == 0  # once
    assert _alerts(app) == 0


def test_no_alert_on_a_product_in_stock_and_none_told_while_the_product_is_not_public(app, shop_world, client):
    login(client, shop_world["emails"]["resident"])
    in_stock = client.post(f"/compte/alertes/produit/{shop_world['bread']}", follow_redirects=True)
    assert "Ce produit est disponible" in html.unescape(in_stock.get_data(as_text=True))
    assert _alerts(app) == 0
    offline = _sold_out(app, shop_world, "Kouign-amann", active=False)
    assert client.get(f"/compte/alertes/produit/{offline}").status_code == 404

    brioche = _sold_out(app, shop_world)
    client.post(f"/compte/alertes/produit/{brioche}")
    with app.app_context():
        product = db.session.get(Product, brioche)
        product.stock, product.active = 4, False  # back, but the baker keeps it offline for now
        db.session.commit()
        assert stock_alerts.notify_back_in_stock() == 0
        db.session.get(Product, brioche).active = True
        db.session.commit()
        assert stock_alerts.notify_back_in_stock() == 1


def test_a_resident_stops_waiting_from_their_list(app, shop_world, client):
    brioche = _sold_out(app, shop_world)
    login(client, shop_world["emails"]["resident"])
    client.post(f"/compte/alertes/produit/{brioche}")
    page = client.post(f"/compte/alertes/produit/{brioche}/retirer", data={"back": "list"}, follow_redirects=True)
    assert "Vous n'attendez aucun produit" in html.unescape(page.get_data(as_text=True))
    assert _alerts(app) == 0
    with app.app_context():
        db.session.get(Product, brioche).stock = 3
        db.session.commit()
        assert stock_alerts.notify_back_in_stock() == 0
