import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from loyalty import ledger
from loyalty.cards import create_card, set_pin
from marketplace.extensions import db
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, screenshot, shopkeeper_shop_id


@pytest.fixture
def pin_card(live_app):
    """A card with 40 € of territory credit and the PIN 2468."""
    with live_app.app_context():
        card = create_card(db.session, active=True)
        ledger.fund(db.session, amount_cents=4000, key=f"e2e-fund-{card.id}", actor="system")
        ledger.issue_grant(db.session, card_id=card.id, amount_cents=4000, label="Chèque cadeau",
                           expires_on=date.today() + timedelta(days=60), key=f"e2e-grant-{card.id}",
                           actor="system", expiry_policy="territory")
        set_pin(db.session, card.id, "2468")
        return card.number


def test_cashier_takes_a_card_payment_then_voids_it(page, pin_card):
    log_in(page, "caissier@demo.halle.fr")
    expect(page.get_by_test_id("role-home")).to_contain_text("Caisse")
    # The till is the page: a one-row header, the card number field focused, ready for the reader.
    card_field = page.get_by_label("Numéro de carte ou QR code")
    expect(card_field).to_be_focused()
    assert card_field.bounding_box()["y"] + card_field.bounding_box()["height"] < page.viewport_size["height"] / 2
    screenshot(page, "till")
    card_field.press_sequentially(pin_card)
    expect(card_field).to_have_value(" ".join(pin_card[i:i + 4] for i in range(0, 16, 4)))
    expect(page.locator("#till-card-status")).to_have_text("Numéro valide")
    page.get_by_label("Montant (€)").fill("12,50")
    page.keyboard.press("Enter")  # keyboard only, as on a till PC
    expect(page.get_by_text("code PIN manquant ou erroné")).to_be_visible()  # the same refusal as an unknown card
    expect(page.locator("#till-card-status")).to_have_text("")  # not "Numéro valide" beside the refusal
    audit(page)
    page.get_by_label("Code PIN").fill("2468")
    page.get_by_role("button", name="Encaisser").click()
    expect(page.get_by_test_id("taken")).to_have_text(re.compile(r"12,50\s€"))
    expect(page.get_by_test_id("balance-after")).to_have_text(re.compile(r"27,50\s€"))
    screenshot(page, "till-success")
    void = page.get_by_text("Annuler ce paiement (erreur de caisse)")
    assert void.bounding_box()["height"] >= 24  # a target a finger hits (WCAG 2.5.8)
    void.click()
    page.get_by_label("Motif de l'annulation").fill("Mauvais montant")
    page.get_by_role("button", name="Annuler ce paiement").click()
    expect(page.get_by_role("heading", name="Paiement annulé")).to_be_visible()
    expect(page.get_by_text(re.compile(r"la carte retrouve 12,50\s€"))).to_be_visible()
    audit(page)
    page.get_by_role("button", name="Nouvel encaissement").click()
    expect(page.get_by_text("annulé").first).to_be_visible()  # both screens run on one day
    screenshot(page, "till-day")


def test_owner_creates_a_till_key_readable_on_a_phone(page, live_app):
    """The new key wraps instead of widening the page; the shop's tabs, the way back to the till and
    the API documentation are on the page."""
    with live_app.app_context():
        shop_id = shopkeeper_shop_id()
    log_in(page, "commercant@demo.halle.fr")
    page.goto(f"/caisse/{shop_id}/cles-api")
    audit(page)
    page.get_by_label("Nom de la clé").fill("Caisse du comptoir")
    page.get_by_role("button", name=re.compile("clé", re.I)).click()
    expect(page.get_by_test_id("new-api-key")).to_contain_text("halle_")
    screenshot(page, "till-api-keys")  # fails when the page is wider than the screen
    expect(page.get_by_role("navigation", name="Gestion du commerce")).to_be_visible()
    expect(page.get_by_test_id("back-to-till")).to_have_attribute("href", f"/caisse/{shop_id}/")
    expect(page.get_by_test_id("api-documentation")).to_have_attribute("href", "/api/v1/openapi.json")
