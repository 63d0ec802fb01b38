"""A holder loses their card: they block it from their phone, replace it, and the new card, with
the old one's balance, pays at a shop's till at once; the old number pays no more."""
import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from loyalty import ledger
from loyalty.cards import grouped_number
from loyalty.models import Card
from marketplace.extensions import db
from marketplace.models import User
from tests.e2e.axe import audit
from tests.e2e.conftest import DEMO_PASSWORD, log_in, screenshot


def holder_with_a_card(app, screen: str) -> tuple[str, str]:
    """A resident of their own (each screen's run has its own) with a 30 € card: (email, number)."""
    email = f"carte.perdue.{screen}@example.fr"
    with app.app_context():
        user = User(email=email, first_name="Inès", last_name="Morel")
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.commit()
        ledger.fund(db.session, amount_cents=3000, key=f"e2e:lost-card:{screen}:fund", actor="test")
        [result] = ledger.issue_grants(
            db.session, items=[ledger.GrantOrder(key=f"e2e:lost-card:{screen}", amount_cents=3000,
                                                 holder_user_id=user.id)],
            label="Noël", expires_on=date(2099, 12, 31), actor="test")
        return email, db.session.get(Card, result.card_id).number


def pay_at_the_till(cashier, number: str) -> None:
    card_field = cashier.get_by_label("Numéro de carte ou QR code")
    card_field.fill("")
    card_field.press_sequentially(number)
    cashier.get_by_label("Montant (€)").fill("5")
    cashier.get_by_role("button", name="Encaisser").click()


def test_a_holder_blocks_a_lost_card_and_replaces_it(page, open_page, screen, live_app):
    email, old_number = holder_with_a_card(live_app, screen)
    log_in(page, email)
    page.goto("/compte/carte/")
    expect(page.get_by_test_id("card-balance")).to_have_text(re.compile(r"30,00"))
    page.once("dialog", lambda dialog: dialog.accept())  # "Bloquer la carte ?"
    page.get_by_role("button", name="Bloquer ma carte (perte, vol)").click()
    expect(page.get_by_text("Carte bloquée : plus aucun paiement")).to_be_visible()
    page.get_by_text("Remplacer ma carte").click()
    page.get_by_label(re.compile("Je confirme : cette carte ne pourra plus jamais payer")).check()
    screenshot(page, "card-replace")
    page.get_by_role("button", name="Remplacer la carte").click()

    expect(page.get_by_text(re.compile(r"Votre nouvelle carte .* a repris le solde de l'ancienne \(30,00"))).to_be_visible()
    expect(page.get_by_test_id("card")).to_have_count(1)
    expect(page.get_by_test_id("card-balance")).to_have_text(re.compile(r"30,00"))
    expect(page.get_by_text("Solde repris de l’ancienne carte")).to_be_visible()
    with live_app.app_context():
        old = db.session.scalars(select(Card).filter_by(number=old_number)).one()
        new_number = db.session.get(Card, old.replaced_by_id).number
    expect(page.locator(".card-number")).to_have_text(grouped_number(new_number))
    screenshot(page, "card-replaced")

    cashier = open_page()
    log_in(cashier, "caissier@demo.halle.fr")
    till = cashier.url
    pay_at_the_till(cashier, new_number)
    expect(cashier.get_by_test_id("taken")).to_have_text(re.compile(r"5,00\s€"))
    expect(cashier.get_by_test_id("balance-after")).to_have_text(re.compile(r"25,00\s€"))
    audit(cashier)
    cashier.goto(till)
    pay_at_the_till(cashier, old_number)
    expect(cashier.get_by_role("alert")).to_contain_text("Carte refusée")
