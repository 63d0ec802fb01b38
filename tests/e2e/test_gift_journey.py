"""A buyer without an account offers two gift cards and pays in test mode (localstripe); the first
recipient is emailed at once, the second on their day (the delivery job, advanced); a recipient
opens their card and pays with it at a shop's till."""
import re
import time
from datetime import timedelta

from playwright.sync_api import expect

from loyalty.clock import paris_day, utc_now
from marketplace import gift_cards
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, pay_by_card, screenshot


def _mail_to(app, address, timeout=20):
    """The message sent to `address` (jobs run in a thread, as on the development server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            found = [m for m in app.extensions.get("mail_outbox", []) if m["To"] == address]
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no email to {address}")


def test_a_buyer_offers_two_cards_and_a_recipient_pays_at_the_till(page, open_page, screen, stripe_live):
    tag = screen[0]
    today = paris_day(utc_now())
    later = today + timedelta(days=3)
    paul, lea = f"paul.{tag}@example.fr", f"lea.{tag}@example.fr"

    page.goto("/")
    audit(page)
    page.get_by_test_id("gift-link").click()
    expect(page.get_by_role("heading", name="Offrir une carte cadeau")).to_be_visible()
    audit(page)
    first = page.get_by_test_id("gift-card").nth(0)
    first.get_by_label("Montant (€)").fill("30")
    first.get_by_label("Prénom et nom du destinataire").fill("Paul Martin")
    first.get_by_label("E-mail du destinataire").fill(paul)
    first.get_by_label("Votre message (facultatif)").fill("Joyeux anniversaire !")
    first.get_by_label("Date d'envoi au destinataire").fill(today.isoformat())
    page.get_by_role("button", name="Ajouter une carte").click()
    audit(page)
    second = page.get_by_test_id("gift-card").nth(1)
    expect(page.get_by_test_id("gift-card").nth(0).get_by_label("Montant (€)")).to_have_value("30")
    second.get_by_label("Montant (€)").fill("20")
    second.get_by_label("Prénom et nom du destinataire").fill("Léa Martin")
    second.get_by_label("E-mail du destinataire").fill(lea)
    second.get_by_label("Date d'envoi au destinataire").fill(later.isoformat())
    page.get_by_label("Votre prénom et nom").fill("Jeanne Martin")
    page.get_by_label("Votre e-mail (pour le reçu)").fill(f"jeanne.{tag}@example.fr")
    # Each card is a part of the form titled like a heading, not like one more field's label.
    expect(second.locator("legend")).to_have_css("font-weight", "600")  # once the stylesheet applies
    legend_weight = second.locator("legend").evaluate("e => Number(getComputedStyle(e).fontWeight)")
    label_weight = second.get_by_text("Montant (€)").evaluate("e => Number(getComputedStyle(e).fontWeight)")
    assert legend_weight >= 600 > label_weight
    screenshot(page, "gift-order")
    page.get_by_role("button", name="Continuer vers le paiement").click()

    expect(page.get_by_test_id("test-mode")).to_contain_text("4242 4242 4242 4242")
    screenshot(page, "gift-payment")
    pay_by_card(page, "4242424242424242")
    expect(page.get_by_test_id("purchase-paid")).to_contain_text("50,00")
    expect(page.get_by_test_id("receipt-line")).to_have_count(2)
    screenshot(page, "gift-receipt")

    # Paul's day is today: his email is there; Léa's comes with the job on her day, once.
    paul_mail = _mail_to(stripe_live, paul)
    assert "Jeanne Martin vous offre une carte cadeau de 30,00" in paul_mail["Subject"]
    _mail_to(stripe_live, f"jeanne.{tag}@example.fr")  # the buyer's receipt
    with stripe_live.app_context():
        assert not [m for m in stripe_live.extensions["mail_outbox"] if m["To"] == lea]
        assert gift_cards.deliver_due(today=later) >= 1
        assert gift_cards.deliver_due(today=later) == 0
    lea_mail = _mail_to(stripe_live, lea)
    body = lea_mail.get_body(("plain",)).get_content()
    [pdf] = list(lea_mail.iter_attachments())
    assert pdf.get_content().startswith(b"%PDF")
    number = re.search(r"Numéro de la carte : ([\d ]+)", body).group(1).strip()
    pin = re.search(r"Code PIN .*: (\d{4})", body).group(1)
    link = re.search(r"http://\S+/carte-cadeau/carte/\S+", body).group(0)

    # Léa opens her card (QR code, PDF), then pays with it at the bakery's till.
    recipient = open_page()
    recipient.goto(link)
    expect(recipient.get_by_test_id("gift-card-number")).to_have_text(number)
    screenshot(recipient, "gift-card")
    cashier = open_page()
    log_in(cashier, "caissier@demo.halle.fr")
    card_field = cashier.get_by_label("Numéro de carte ou QR code")
    card_field.press_sequentially(number.replace(" ", ""))
    expect(cashier.locator("#till-card-status")).to_have_text("Numéro valide")
    cashier.get_by_label("Montant (€)").fill("12,50")
    cashier.keyboard.press("Enter")
    expect(cashier.get_by_text("code PIN manquant ou erroné")).to_be_visible()
    audit(cashier)
    cashier.get_by_label("Code PIN").fill(pin)
    cashier.get_by_role("button", name="Encaisser").click()
    expect(cashier.get_by_test_id("taken")).to_have_text(re.compile(r"12,50\s€"))
    expect(cashier.get_by_test_id("balance-after")).to_have_text(re.compile(r"7,50\s€"))
    screenshot(cashier, "gift-till")


def test_a_holder_tops_up_their_card_and_the_admin_refunds_it(page, open_page, stripe_live):
    log_in(page, "resident@demo.halle.fr")
    page.goto("/compte/carte/")
    audit(page)
    page.get_by_test_id("topup-link").first.click()
    expect(page.get_by_role("heading", name="Recharger ma carte")).to_be_visible()
    page.get_by_label("Montant à ajouter (€)").fill("20")
    screenshot(page, "topup-form")
    page.get_by_role("button", name="Continuer vers le paiement").click()
    expect(page.get_by_test_id("test-mode")).to_be_visible()
    audit(page)
    pay_by_card(page, "4242424242424242")
    expect(page.get_by_role("heading", name="Votre carte est rechargée")).to_be_visible()
    expect(page.get_by_test_id("purchase-paid")).to_contain_text("20,00")
    expect(page.get_by_test_id("topped-up-balance")).to_contain_text("Nouveau solde")
    audit(page)
    page.get_by_role("button", name="Ma carte", exact=True).click()
    audit(page)
    expect(page.get_by_test_id("grant").filter(has_text="Rechargement").last).to_contain_text("20,00")
    screenshot(page, "topup-card")

    admin = open_page()
    log_in(admin, "admin@demo.halle.fr")
    admin.get_by_role("link", name="Cartes cadeaux et rechargements (remboursements)").click()
    line = admin.get_by_test_id("gift-line").filter(has_text="resident@demo.halle.fr").first
    expect(line).to_contain_text("20,00")
    screenshot(admin, "gift-admin")
    line.get_by_text("Rembourser l'acheteur").click()
    line.get_by_label(re.compile("Je confirme")).check()
    line.get_by_role("button", name="Rembourser").click()
    expect(admin.get_by_text(re.compile(r"20,00\s€ remboursés à l'acheteur"))).to_be_visible()
    screenshot(admin, "gift-admin-refunded")
