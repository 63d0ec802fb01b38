"""A resident finds a product sold out on their phone or computer, asks to be told when it is back,
and is told once when the baker restocks it."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from marketplace import stock_alerts
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Product, Shop
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, screenshot

RESIDENT = "resident@demo.halle.fr"


def test_a_resident_waits_for_a_sold_out_product(page, live_app, screen):
    with live_app.app_context():
        bakery = db.session.scalar(select(Shop).where(Shop.status == "approved").order_by(Shop.id).limit(1))
        product = Product(shop_id=bakery.id, category_id=bakery.category_id, name=f"Galette des rois ({screen})",
                          price_cents=1_800, stock=0, active=True)
        db.session.add(product)
        db.session.commit()
        product_id = product.id
    log_in(page, RESIDENT)
    page.goto(f"/produits/{product_id}")
    expect(page.get_by_test_id("stock-status")).to_contain_text("Épuisé pour le moment")
    audit(page)
    page.get_by_test_id("stock-alert-link").click()
    audit(page)
    page.get_by_role("button", name="Me prévenir par e-mail de son retour").click()
    expect(page.get_by_text(re.compile("C'est noté : vous recevrez un e-mail"))).to_be_visible()
    expect(page.get_by_test_id("stock-alert-set")).to_be_visible()
    screenshot(page, "stock-alert")
    audit(page)
    page.get_by_role("link", name="Tous les produits que j'attends").click()
    expect(page.get_by_test_id("stock-alerts")).to_contain_text(f"Galette des rois ({screen})")
    audit(page)

    with live_app.app_context():
        db.session.get(Product, product_id).stock = 8
        db.session.commit()
        stock_alerts.notify_back_in_stock()
        assert any(m["To"] == RESIDENT and f"Galette des rois ({screen})" in m["Subject"] for m in outbox())
    page.reload()
    expect(page.get_by_text("Vous n'attendez aucun produit.", exact=False)).to_be_visible()
    audit(page)
