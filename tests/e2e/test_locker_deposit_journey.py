"""Browser journey of the lockers for every business (issue 22's measure): the demo's machining
workshop, which sells nothing online, books a compartment at the Montbard station locker for a
farmer agreed with by phone, deposits a spare part, the farmer gets the single-use code by email
(and SMS), the locker opens with it once, and the workshop sees the deposit collected; the admin
sees the use per business. Then a deposit paid on collection: the farmer's message carries a
payment link, he pays by bank card (localstripe) on his phone or computer, gets the code and
collects; the workshop sees it paid, the admin counts the amount. Desktop and phone, axe-core on
every page."""
import re
import time

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace import lockers
from marketplace.extensions import db
from marketplace.models import LockerBank, LockerDeposit, Shop
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, log_out, pay_by_card, screenshot


def _message_to(app, address, needle, timeout=20):
    """The email to `address` containing `needle` (jobs run in a thread, as on the development server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m.get_content() for m in app.extensions.get("mail_outbox", []) if m["To"] == address]
        found = [text for text in found if needle in text]
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no email to {address} with {needle!r}")


@pytest.fixture
def workshop(live_app, live_server):
    with live_app.app_context():
        shop = db.session.scalar(select(Shop).filter_by(slug="usinage-precision-auxois"))
        assert shop.offers_services and shop.products.count() == 0  # no online shop
        key = lockers.new_api_key(db.session.scalar(select(LockerBank).filter_by(slug="montbard-gare")))
        return {"id": shop.id, "key": key}


def test_a_business_without_online_shop_leaves_a_part_in_a_locker(page, open_page, screen, live_app, live_server,
                                                                   workshop, stripe_live):
    email = f"paul.girard.{screen}@example.fr"
    log_in(page, "atelier@demo.halle.fr")
    page.get_by_role("link", name="Consigne", exact=True).first.click()
    expect(page.get_by_role("heading", name="Consigne à casiers")).to_be_visible()
    audit(page)

    # Book a compartment for the farmer (name, mobile, email).
    page.get_by_label("Consigne", exact=True).select_option(label="Montbard gare")
    page.get_by_label("Taille du casier").select_option("M")
    page.get_by_label("Nom de la personne").fill("Paul Girard")
    page.get_by_label("Téléphone portable (code par SMS)").fill("06 12 34 56 78")
    page.get_by_label("Adresse e-mail (code par e-mail)").fill(email)
    page.get_by_label("Ce que vous déposez").fill("Roulement de faucheuse rectifié")
    page.get_by_test_id("book-locker").click()
    expect(page.get_by_text("réservé à la consigne Montbard gare")).to_be_visible()
    audit(page)
    with live_app.app_context():
        deposit = db.session.scalar(select(LockerDeposit).filter_by(recipient_email=email))
        deposit_id, compartment = deposit.id, deposit.compartment.label
    expect(page.get_by_test_id(f"deposit-compartment-{deposit_id}")).to_have_text(compartment)
    screenshot(page, "locker-deposit-booked")

    # The part is in: the farmer gets the code.
    page.get_by_test_id(f"deposited-{deposit_id}").click()
    expect(page.get_by_text("Paul Girard a reçu son code de retrait")).to_be_visible()
    expect(page.get_by_test_id(f"deposit-status-{deposit_id}")).to_have_text("déposé, en attente de retrait")
    screenshot(page, "locker-deposit-waiting")
    code = re.search(r"Code de retrait : (\d{6})", _message_to(live_app, email, "Code de retrait")).group(1)
    assert any(code in text.body for text in live_app.extensions["sms_outbox"] if text.to == "+33612345678")

    # At the locker, outside opening hours: the code opens the compartment, once.
    url = f"{live_server}/api/v1/lockers/montbard-gare/open"
    headers = {"Authorization": f"Bearer {workshop['key']}"}
    opened = requests.post(url, json={"code": code}, headers=headers, timeout=10)
    assert opened.status_code == 200
    assert opened.json() == {"compartment": compartment, "order": f"D{deposit_id:06d}", "kind": "deposit"}
    assert requests.post(url, json={"code": code}, headers=headers, timeout=10).status_code == 404

    page.reload()
    expect(page.get_by_test_id(f"deposit-status-{deposit_id}")).to_have_text("retiré")
    screenshot(page, "locker-deposit-collected")

    # A second part, to be paid on collection: 35 € by the farmer before he gets the code.
    payer = f"paul.paie.{screen}@example.fr"
    page.get_by_label("Consigne", exact=True).select_option(label="Montbard gare")
    page.get_by_label("Nom de la personne").fill("Paul Girard")
    page.get_by_label("Adresse e-mail (code par e-mail)").fill(payer)
    page.get_by_label("À payer au retrait").fill("35,00")
    page.get_by_test_id("book-locker").click()
    with live_app.app_context():
        paid_id = db.session.scalar(select(LockerDeposit.id).filter_by(recipient_email=payer))
    page.get_by_test_id(f"deposited-{paid_id}").click()
    expect(page.get_by_test_id(f"deposit-payment-{paid_id}")).to_contain_text("à payer : non payé")
    link = re.search(r"(http\S+/consigne/payer/\S+)", _message_to(live_app, payer, "/consigne/payer/")).group(1)
    farmer = open_page()
    farmer.goto("/consigne/" + link.split("/consigne/", 1)[1])  # the live server's, whatever PUBLIC_URL says
    expect(farmer.get_by_test_id("deposit-amount")).to_contain_text("35,00")
    expect(farmer.get_by_test_id("test-mode")).to_be_visible()
    screenshot(farmer, "locker-deposit-pay")
    pay_by_card(farmer, "4242424242424242")
    expect(farmer.get_by_test_id("deposit-paid")).to_be_visible()
    paid_code = farmer.get_by_test_id("pickup-code").inner_text()
    assert paid_code in _message_to(live_app, payer, "Code de retrait")
    screenshot(farmer, "locker-deposit-paid")
    opened = requests.post(url, json={"code": paid_code}, headers=headers, timeout=10)
    assert opened.status_code == 200 and opened.json()["order"] == f"D{paid_id:06d}"
    page.reload()
    expect(page.get_by_test_id(f"deposit-payment-{paid_id}")).to_contain_text("35,00")
    expect(page.get_by_test_id(f"deposit-payment-{paid_id}")).to_contain_text("payé (carte bancaire)")
    audit(page)

    # The territory's admin sees the use per business.
    log_out(page)
    audit(page)
    log_in(page, "admin@demo.halle.fr")
    page.goto("/admin/consignes")
    row = page.get_by_test_id(f"locker-use-{workshop['id']}")
    expect(row).to_contain_text("Usinage Précision de l'Auxois")
    expect(page.get_by_test_id(f"locker-paid-{workshop['id']}")).not_to_have_text(re.compile(r"^0,00"))
    screenshot(page, "locker-use-admin")
