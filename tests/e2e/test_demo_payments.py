"""Paying in the demo (the state `make demo` leaves, localstripe as its payment provider): the
demo resident pays two shops with the seeded territorial card and a bank card, the first card
declined then another one accepted on the same order, one shop's part to a locker; HR funds a
campaign by card, the transfer's bank details shown next to it."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from config import DevelopmentConfig
from loyalty.clock import paris_day, utc_now
from marketplace import campaigns
from marketplace.extensions import db
from marketplace.models import Campaign, Employee, Employer, Order, Product, Shop, User
from tests.e2e import axe
from tests.e2e.conftest import log_in, screenshot
from tests.stripe_server import register_webhook, stripe_config, stripe_server  # noqa: F401


@pytest.fixture
def demo_payments(live_app, live_server, stripe_server):  # noqa: F811
    """What run.py sets up for `make demo`: localstripe's settings and the demo territory account."""
    demo = DevelopmentConfig()
    keys = {**stripe_config(stripe_server), "TERRITORY_IBAN": demo.TERRITORY_IBAN,
            "TERRITORY_BIC": demo.TERRITORY_BIC}
    saved = {key: live_app.config.get(key) for key in keys}
    live_app.config.update(keys)
    register_webhook(stripe_server, f"{live_server}/stripe/webhook")
    yield live_app
    live_app.config.update(saved)


def _fill_card(page, number: str) -> None:
    element = page.locator("#card-element")
    element.get_by_placeholder("number").fill(number)
    element.get_by_placeholder("exp_month").fill("12")
    element.get_by_placeholder("exp_year").fill("34")
    element.get_by_placeholder("cvc").fill("123")
    element.get_by_placeholder("postal_code").fill("21140")
    page.get_by_role("button", name=re.compile("^Payer")).click()


def _product(shop_id: int) -> int:
    return db.session.scalar(select(Product.id).where(Product.shop_id == shop_id, Product.active.is_(True),
                                                      Product.stock.is_(None) | (Product.stock >= 3))
                             .order_by(Product.id))


def test_demo_resident_pays_two_shops_by_territorial_and_bank_card_one_order_retried(page, demo_payments):
    with demo_payments.app_context():
        bakery = db.session.scalar(select(Shop).filter_by(name="Boulangerie Moreau"))
        other = db.session.scalar(select(Shop).where(Shop.commune_insee == bakery.commune_insee,
                                                     Shop.id != bakery.id, Shop.status == "approved",
                                                     Shop.accepts_card.is_(True)).order_by(Shop.id.desc()))
        products = [_product(bakery.id), _product(other.id)]
        resident_id = db.session.scalar(select(User.id).filter_by(email="resident@demo.halle.fr"))
        orders_before = db.session.scalar(select(func.count()).select_from(Order).filter_by(user_id=resident_id))
    log_in(page, "resident@demo.halle.fr")
    expect(page.get_by_test_id("role-home")).to_be_visible()
    axe.audit(page)
    for product_id in products:
        page.goto(f"/produits/{product_id}")
        page.get_by_test_id(f"add-to-cart-{product_id}").click()
        expect(page.get_by_text("ajouté au panier")).to_be_visible()
        axe.audit(page)
    page.goto("/panier/commande")
    axe.audit(page)

    # The seeded card offers its credit; a refused amount keeps the locker chosen.
    page.get_by_test_id(f"pickup-locker-{bakery.id}-semur-en-auxois").check()
    page.get_by_test_id("card-amount").fill("999,00")
    page.get_by_test_id("place-order").click()
    expect(page.get_by_text("peut payer au plus")).to_be_visible()
    expect(page.get_by_test_id(f"pickup-locker-{bakery.id}-semur-en-auxois")).to_be_checked()
    axe.audit(page)
    page.get_by_test_id("card-amount").fill("5,00")
    page.get_by_test_id("place-order").click()

    # The payment page says it is test mode; a declined card, then the test card, on one order.
    expect(page.get_by_test_id("test-mode")).to_contain_text("4242 4242 4242 4242")
    screenshot(page, "demo-pay-test-mode")
    _fill_card(page, "4000000000000341")
    expect(page.locator("#card-errors")).to_contain_text("declined")
    _fill_card(page, "4242424242424242")
    expect(page.get_by_text("Paiement reçu")).to_be_visible()
    axe.audit(page)
    with demo_payments.app_context():
        orders = db.session.scalars(select(Order).filter_by(user_id=resident_id).order_by(Order.id)).all()
        assert len(orders) == orders_before + 1
        order = orders[-1]
        assert (order.status, order.card_cents) == ("paid", 500)
        assert {s.shop_id: s.pickup_kind for s in order.shops} == {bakery.id: "locker", other.id: "shop"}


def test_hr_funds_a_campaign_by_card_in_the_demo(page, demo_payments):
    with demo_payments.app_context():
        hr = db.session.scalar(select(User).filter_by(email="rh@demo.halle.fr"))
        employer = db.session.scalar(select(Employer).join(Employer.members).filter_by(user_id=hr.id))
        staff = db.session.scalars(select(Employee.id).filter_by(employer_id=employer.id).limit(2)).all()
        campaign = campaigns.create_campaign(
            employer, event="rentree", label="Rentrée démo", amount_cents=4_000, child_amount_cents=0,
            audience="selection", selection=list(staff), expires_on=paris_day(utc_now()) + timedelta(days=300),
            allowed_categories=None, expiry_policy="employer", user_id=hr.id)
        url = f"/entreprise/{employer.id}/campagnes/{campaign.id}/"
        campaign_id = campaign.id
    log_in(page, "rh@demo.halle.fr")
    expect(page.get_by_test_id("role-home")).to_be_visible()
    axe.audit(page)
    page.goto(url)
    axe.audit(page)
    page.get_by_role("button", name="Confirmer la campagne").click()

    # Both ways to pay, the transfer with the territory's (demo) bank details and reference.
    expect(page.get_by_role("heading", name="Par carte bancaire")).to_be_visible()
    expect(page.get_by_role("heading", name="Par virement")).to_be_visible()
    expect(page.get_by_test_id("territory-iban")).to_have_text("FR76 3000 1002 1521 1400 0000 104")
    expect(page.get_by_test_id("transfer-reference").first).to_have_text(f"HALLE-CAMPAGNE-{campaign_id}")
    screenshot(page, "demo-campaign-funding")
    page.get_by_role("button", name=re.compile("Payer .* par carte")).click()
    expect(page.get_by_test_id("test-mode")).to_be_visible()
    axe.audit(page)
    _fill_card(page, "4242424242424242")
    expect(page.get_by_text("Paiement reçu")).to_be_visible()
    axe.audit(page)
    with demo_payments.app_context():
        assert db.session.get(Campaign, campaign_id).status == "funded"
