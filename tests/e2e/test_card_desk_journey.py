"""A holder calls the territory: a payment was taken twice at the baker's and noticed days later.
The admin finds the card from the holder's e-mail on a phone or a desktop, reads its movements, and
gives the money back with a correction the holder then sees in their history."""
import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from loyalty import ledger
from marketplace.extensions import db
from marketplace.models import Shop, User
from tests.e2e.axe import audit
from tests.e2e.conftest import DEMO_PASSWORD, expect_rows_as_cards, log_in, log_out, screenshot


def card_paid_twice(app, screen: str) -> str:
    """A resident of their own (each screen's run has its own) whose 40 € card paid 12,50 € twice at
    one shop: their e-mail."""
    email = f"double.paiement.{screen}@example.fr"
    with app.app_context():
        user = User(email=email, first_name="Lucie", last_name="Perrin")
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.commit()
        shop_id = db.session.scalar(select(Shop.id).where(Shop.status == "approved", Shop.accepts_card.is_(True))
                                    .order_by(Shop.id).limit(1))
        ledger.fund(db.session, amount_cents=4_000, key=f"e2e:desk:{screen}:fund", actor="test")
        [result] = ledger.issue_grants(
            db.session, items=[ledger.GrantOrder(key=f"e2e:desk:{screen}", amount_cents=4_000, holder_user_id=user.id)],
            label="Naissance", expires_on=date(2099, 12, 31), actor="test")
        for n in (1, 2):
            ledger.redeem(db.session, card_id=result.card_id, shop_id=shop_id, amount_cents=1_250,
                          key=f"e2e:desk:{screen}:pay{n}", actor="test")
    return email


def test_the_admin_gives_back_a_payment_taken_twice(page, live_app, screen):
    email = card_paid_twice(live_app, screen)
    log_in(page, "admin@demo.halle.fr")
    page.get_by_role("link", name=re.compile("Trouver une carte")).click()
    audit(page)
    page.get_by_label("Numéro de la carte, QR code, e-mail ou nom du titulaire").fill(email)
    page.get_by_role("button", name="Trouver la carte").click()

    expect(page.get_by_test_id("card-balance")).to_have_text(re.compile(r"15,00"))
    expect(page.get_by_test_id("card-facts")).to_contain_text("Lucie Perrin")
    expect(page.get_by_text("Paiement ·")).to_have_count(2)
    expect_rows_as_cards(page.locator("table").last)
    audit(page)
    credit = page.get_by_test_id("choices-grant").get_by_role("radio")
    expect(credit).to_have_count(1)
    expect(credit).to_be_checked()  # the card's one credit, chosen already
    page.get_by_label("Rendre de l'argent au crédit").check()
    page.get_by_label("Montant (€)").fill("12,50")
    page.get_by_label(re.compile("^Motif")).fill("Paiement encaissé deux fois")
    page.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.get_by_text("Cochez la case pour confirmer.")).to_be_visible()  # nothing recorded without the tick
    expect(page.get_by_test_id("card-balance")).to_have_text(re.compile(r"15,00"))
    audit(page)
    page.get_by_label(re.compile("Je confirme : l'écriture est définitive")).check()
    page.get_by_role("button", name="Enregistrer la correction").click()

    done = re.compile(r"Correction enregistrée : 12,50\s€\. La carte a maintenant 27,50\s€")
    expect(page.get_by_text(done)).to_be_visible()
    expect(page.get_by_test_id("card-balance")).to_have_text(re.compile(r"27,50"))
    expect(page.get_by_text("Correction · Paiement encaissé deux fois")).to_be_visible()
    screenshot(page, "card-desk")
    audit(page)

    log_out(page)
    audit(page)
    log_in(page, email)
    page.goto("/compte/carte/")
    expect(page.get_by_test_id("card-balance")).to_have_text(re.compile(r"27,50"))
    expect(page.get_by_text("Correction · Paiement encaissé deux fois")).to_be_visible()
    audit(page)
