"""Browser journey of an order in the demo: a visitor searches, fills one cart from two shops, logs
in as the demo resident, picks a locker for one shop and the counter for the other, pays with the
credit of the seeded territorial card and a bank card on localstripe (test mode shown; a refused
card amount keeps the choices; a declined card, then the test card, pay one order); the baker
accepts and deposits in the locker; the resident sees the pickup code; the locker opens with it and
the order shows as collected."""
import re
from urllib.parse import urlencode

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import func, select

from marketplace import lockers
from marketplace.extensions import db
from marketplace.models import LockerBank, Order, Product, Shop, User
from tests.e2e.axe import audit
from tests.e2e.conftest import expect_rows_as_cards, log_in, pay_by_card, screenshot


def _for_sale(shop_id: int) -> Product:
    return db.session.scalar(select(Product).where(Product.shop_id == shop_id, Product.active.is_(True),
                                                   (Product.stock.is_(None)) | (Product.stock >= 5))
                             .order_by(Product.id))


@pytest.fixture
def journey_data(stripe_live):
    with stripe_live.app_context():
        bakery = db.session.scalar(select(Shop).filter_by(name="Boulangerie Moreau"))
        other = db.session.scalar(select(Shop).where(Shop.commune_insee == bakery.commune_insee, Shop.id != bakery.id,
                                                     Shop.status == "approved", Shop.accepts_card.is_(True))
                                  .order_by(Shop.id))
        resident = db.session.scalar(select(User).filter_by(email="resident@demo.halle.fr"))
        orders_before = db.session.scalar(select(func.count()).select_from(Order).filter_by(user_id=resident.id))
        bank = db.session.scalar(select(LockerBank).filter_by(slug="semur-en-auxois"))
        key = lockers.new_api_key(bank)
        products = [_for_sale(bakery.id), _for_sale(other.id)]
        return {"bakery": bakery.id, "other": other.id, "shops": [bakery.slug, other.slug],
                "products": [(p.id, p.name) for p in products], "bank": bank.id, "key": key,
                "resident": resident.id, "orders_before": orders_before}


def test_order_from_two_shops_with_locker_and_counter_pickup(page, open_page, live_server, stripe_live, journey_data):
    # Search, then add a product of each shop to the cart (anonymous).
    for (product_id, name), shop_slug in zip(journey_data["products"], journey_data["shops"]):
        page.goto("/recherche?" + urlencode({"q": name, "shop": shop_slug}))
        audit(page)
        page.locator(f'[data-testid=result][data-product-id="{product_id}"] a.result-name').click()
        audit(page)
        page.get_by_test_id(f"add-to-cart-{product_id}").click()
        expect(page.get_by_text("ajouté au panier")).to_be_visible()
        audit(page)
    page.get_by_test_id("cart-link").click()
    expect(page.get_by_test_id(f"cart-shop-{journey_data['bakery']}")).to_be_visible()
    expect(page.get_by_test_id(f"cart-shop-{journey_data['other']}")).to_be_visible()
    screenshot(page, "order-cart")

    # Checkout asks to log in; the cart follows the resident into the account.
    page.get_by_test_id("checkout").click()
    audit(page)
    page.get_by_label("Adresse e-mail").fill("resident@demo.halle.fr")
    page.get_by_label("Mot de passe").fill("halle-demo")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Retrait et paiement")).to_be_visible()
    # The seeded card offers its credit; an amount it cannot pay is refused, the choices kept.
    locker = page.get_by_test_id(f"pickup-locker-{journey_data['bakery']}-semur-en-auxois")
    locker.check()
    page.get_by_test_id("card-amount").fill("999,00")
    page.get_by_test_id("place-order").click()
    expect(page.get_by_text("peut payer au plus")).to_be_visible()
    expect(locker).to_be_checked()
    audit(page)
    page.get_by_test_id("card-amount").fill("3,00")
    # Each pickup choice: its radio beside the place's text, on a phone too (not on a line of its own).
    radio, text = locker.bounding_box(), page.locator("label", has=locker).locator("span").bounding_box()
    assert text["x"] >= radio["x"] + radio["width"] and text["y"] <= radio["y"] + radio["height"], (radio, text)
    screenshot(page, "order-checkout")
    page.get_by_test_id("place-order").click()

    # The rest by bank card, through Stripe.js (localstripe, the demo's provider: test mode shown);
    # a declined card, then the test card, on the same order.
    expect(page.get_by_role("heading", name=re.compile("Paiement de la commande"))).to_be_visible()
    expect(page.get_by_test_id("test-mode")).to_contain_text("4242 4242 4242 4242")
    screenshot(page, "order-card-payment")
    pay_by_card(page, "4000000000000341")
    expect(page.locator("#card-errors")).to_contain_text("declined")
    audit(page)
    pay_by_card(page, "4242424242424242")
    expect(page.get_by_text("Paiement reçu")).to_be_visible()
    expect(page.get_by_test_id(f"status-{journey_data['bakery']}")).to_have_text("payée")
    screenshot(page, "order-paid")
    order_url = page.url
    # The resident's orders: each with its total, one card per order on a phone.
    page.goto("/compte/commandes")
    expect(page.get_by_test_id("orders").get_by_role("link").first).to_be_visible()
    expect_rows_as_cards(page.get_by_test_id("orders"))
    if page.viewport_size["width"] < 576:  # a card's title is a target a finger hits (WCAG 2.5.8)
        assert page.get_by_test_id("orders").get_by_role("link").first.bounding_box()["height"] >= 24
    audit(page)
    with stripe_live.app_context():
        orders = db.session.scalars(select(Order).filter_by(user_id=journey_data["resident"])
                                    .order_by(Order.id)).all()
        assert len(orders) == journey_data["orders_before"] + 1  # one order, whatever the attempts
        order = orders[-1]
        assert order.card_cents == 300 and order.status == "paid"
        assert {s.shop_id: s.pickup_kind for s in order.shops} == {journey_data["bakery"]: "locker",
                                                                   journey_data["other"]: "shop"}
        sub_id = next(s.id for s in order.shops if s.shop_id == journey_data["bakery"])

    # The baker accepts and deposits the order in a locker compartment.
    shopkeeper = open_page()
    log_in(shopkeeper, "commercant@demo.halle.fr")
    shopkeeper.goto(f"/boutique/{journey_data['bakery']}/")  # the dashboard says what waits, and leads there
    expect(shopkeeper.get_by_test_id("shop-waiting")).to_contain_text(re.compile(r"commandes? à accepter ou refuser"))
    audit(shopkeeper)
    screenshot(shopkeeper, "shop-dashboard-waiting")
    shopkeeper.get_by_role("link", name=re.compile(r"commandes? à accepter ou refuser")).click()
    expect(shopkeeper.get_by_test_id("new-orders")).to_be_visible()
    audit(shopkeeper)
    shopkeeper.get_by_test_id(f"accept-{sub_id}").click()
    expect(shopkeeper.get_by_text("acceptée.")).to_be_visible()
    audit(shopkeeper)
    # The day's pick list: the totals under their column headers, and the way back to the board.
    shopkeeper.get_by_role("link", name="Liste de préparation du jour").click()
    expect(shopkeeper.get_by_test_id("pick-totals").get_by_role("columnheader")).to_have_text(["Produit", "Quantité"])
    screenshot(shopkeeper, "order-pick-list")
    shopkeeper.get_by_role("link", name="← Commandes").click()
    shopkeeper.get_by_test_id(f"ready-{sub_id}").click()
    expect(shopkeeper.get_by_text("le client est prévenu")).to_be_visible()
    screenshot(shopkeeper, "order-board")

    # The resident sees the pickup code; the locker opens with it, once.
    page.goto(order_url)
    code = page.get_by_test_id(f"pickup-code-{journey_data['bakery']}").inner_text()
    assert re.fullmatch(r"\d{6}", code)
    screenshot(page, "order-pickup-code")
    answer = requests.post(f"{live_server}/api/v1/lockers/semur-en-auxois/open", json={"code": code}, timeout=10,
                           headers={"Authorization": f"Bearer {journey_data['key']}"})
    assert answer.status_code == 200 and answer.json()["compartment"]
    page.reload()
    expect(page.get_by_test_id(f"status-{journey_data['bakery']}")).to_have_text("retirée")
    audit(page)
