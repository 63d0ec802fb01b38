"""The territory admin creates a top-up programme; a resident buys a gift card online (test-mode
payment, localstripe) and gets the top-up on it, shown on the receipt; the programme's live page
shows the budget used; the admin then gives back what is left, which ends the programme."""
import re
import uuid
from datetime import timedelta

from playwright.sync_api import expect

from loyalty.clock import paris_day, utc_now
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, pay_by_card, screenshot


def test_the_admin_runs_a_programme_and_a_residents_gift_card_is_topped_up(page, open_page, screen, stripe_live):
    today = paris_day(utc_now())
    name = f"Printemps {screen} {uuid.uuid4().hex[:6]}"

    log_in(page, "admin@demo.halle.fr")
    page.get_by_role("link", name="Programmes d'abondement").click()
    audit(page)
    new = page.get_by_role("button", name="Nouveau programme")  # a button to the eye and the finger
    page.wait_for_load_state()
    assert new.bounding_box()["height"] >= 24
    new.click()
    page.get_by_label("Nom du programme").fill(name)
    page.get_by_label("Budget (€)").fill("1000")
    page.get_by_label("Abondement (en pourcentage de ce qui est payé)").fill("50")
    page.get_by_label("Abondement au plus par achat (€)").fill("20")
    page.get_by_label("Abondement au plus par personne (€)").fill("40")
    page.get_by_label("Début").fill(today.isoformat())
    page.get_by_label("Fin").fill((today + timedelta(days=30)).isoformat())
    # The territory's communes: a long list, filtered by what is typed (accents and case aside),
    # in a box of its own; what is ticked stays ticked when the filter changes.
    communes = page.get_by_test_id("checklist-communes")
    total = communes.locator("input[type=checkbox]").count()
    assert total > 100
    communes.get_by_label("Filtrer la liste").fill("SEMUR EN")
    expect(communes.locator(".checklist-options label:visible")).to_have_count(1)
    communes.get_by_label("Semur-en-Auxois").check()
    communes.get_by_label("Filtrer la liste").fill("precy")
    expect(communes.locator(".checklist-options label:visible")).to_have_text([re.compile("Précy-sous-Thil")])
    communes.get_by_label("Précy-sous-Thil").check()
    communes.get_by_label("Filtrer la liste").fill("zzz")
    expect(communes.locator(".checklist-status")).to_have_text(
        f"2 cochée(s) sur {total} : Précy-sous-Thil, Semur-en-Auxois · Aucune ne correspond.")
    communes.get_by_label("Filtrer la liste").fill("")
    expect(communes.locator(".checklist-options label:visible")).to_have_count(total)
    box = communes.locator(".checklist-options").bounding_box()
    assert box["height"] < page.viewport_size["height"], "the long list scrolls in its own box"
    screenshot(page, "programme-form")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_test_id("budget")).to_have_text(re.compile(r"1\s000,00\s€"))
    expect(page.get_by_test_id("used")).to_have_text(re.compile(r"^0,00\s€"))
    expect(page.get_by_text(re.compile("Se dépense : "))).to_contain_text("Précy-sous-Thil, Semur-en-Auxois")
    audit(page)
    live_page = page.url

    # A resident offers a 30 € card: the programme adds 15 € (50 %), shown apart on the receipt.
    resident = open_page()
    log_in(resident, "resident@demo.halle.fr")
    resident.goto("/")
    audit(resident)
    resident.get_by_test_id("gift-link").click()
    expect(resident.get_by_role("heading", name="Offrir une carte cadeau")).to_be_visible()
    card = resident.get_by_test_id("gift-card").nth(0)
    card.get_by_label("Montant (€)").fill("30")
    card.get_by_label("Prénom et nom du destinataire").fill("Paul Martin")
    card.get_by_label("E-mail du destinataire").fill(f"paul.{screen}@example.fr")
    card.get_by_label("Date d'envoi au destinataire").fill((today + timedelta(days=2)).isoformat())
    resident.get_by_label("Votre prénom et nom").fill("Camille Resident")
    resident.get_by_label("Votre e-mail (pour le reçu)").fill(f"camille.{screen}.{uuid.uuid4().hex[:6]}@example.fr")
    audit(resident)
    resident.get_by_role("button", name="Continuer vers le paiement").click()
    expect(resident.get_by_test_id("test-mode")).to_be_visible()
    audit(resident)
    pay_by_card(resident, "4242424242424242")
    expect(resident.get_by_test_id("purchase-paid")).to_contain_text("30,00")
    expect(resident.get_by_test_id("receipt-top-up")).to_have_text(
        re.compile(rf"\+ 15,00\s€ offerts : Abondement {name}"))
    screenshot(resident, "programme-receipt")

    # The live page: 15 € of the budget used, the rest left.
    page.goto(live_page)
    expect(page.get_by_test_id("used")).to_have_text(re.compile(r"^15,00\s€"))
    expect(page.get_by_test_id("left")).to_have_text(re.compile(r"985,00\s€"))
    screenshot(page, "programme-live")

    # The admin gives back what is left: nothing more to top up, the programme no longer runs.
    page.get_by_role("link", name="Modifier").click()
    expect(page.get_by_test_id("checklist-communes").locator(".checklist-status")).to_have_text(
        re.compile(r"^2 cochée\(s\) sur \d+ : Précy-sous-Thil, Semur-en-Auxois$"))
    page.get_by_label("Budget (€)").fill("15")
    audit(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_test_id("left")).to_have_text(re.compile(r"^0,00\s€"))
    expect(page.get_by_test_id("budget")).to_have_text(re.compile(r"^15,00\s€"))
    audit(page)
