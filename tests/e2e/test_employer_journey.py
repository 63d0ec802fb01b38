"""Browser journeys of a gift campaign: the HR manager imports staff, creates a Christmas
campaign, sees the exemption warning, pays by card on localstripe, issues the cards and reads the
report; an employee claims the card from the e-mail and sees the balance and the shops."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, screenshot
from tests.stripe_server import register_webhook, stripe_config, stripe_server  # noqa: F401



def staff_csv(tag: str) -> bytes:
    """Three new people (matricules and addresses of their own on each screen's run)."""
    return ("Matricule;Nom;Prénom;E-mail;Enfants -16 ans;Enfants -26 ans\r\n"
            f"{tag}001;Zidane;Léa;lea.zidane.{tag.lower()}@example.fr;2;2\r\n"
            f"{tag}002;Ferrand;Hugo;hugo.ferrand.{tag.lower()}@example.fr;0;1\r\n"
            f"{tag}003;Morel;Inès;;0;0\r\n").encode("cp1252")


@pytest.fixture
def stripe_live(live_app, live_server, stripe_server):  # noqa: F811
    # Jobs in a thread, as on the development server: the HR page follows the issuing progress.
    keys = {**stripe_config(stripe_server), "JOBS_BACKEND": "thread"}
    saved = {key: live_app.config.get(key) for key in keys}
    live_app.config.update(keys)
    register_webhook(stripe_server, f"{live_server}/stripe/webhook")
    yield live_app
    live_app.config.update(saved)


def test_hr_campaign_then_employee_claims_the_card(page, open_page, screen, stripe_live):
    tag = screen[0].upper()  # D or P
    log_in(page, "rh@demo.halle.fr")
    expect(page.get_by_test_id("role-home")).to_contain_text("Aciéries")

    # Import three new people from a French Excel CSV export.
    page.get_by_role("link", name="Importer la liste").click()
    audit(page)
    page.get_by_label("Fichier du personnel").set_input_files(
        {"name": "personnel.csv", "mimeType": "text/csv", "buffer": staff_csv(tag)})
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_test_id("import-created")).to_have_text("3")
    screenshot(page, "staff-import-preview")
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("3 salarié(s) ajouté(s)")).to_be_visible()
    audit(page)

    # A Christmas campaign for them, with a per-child amount that crosses the threshold.
    page.get_by_role("link", name="Campagnes").click()
    audit(page)
    page.get_by_role("button", name="Nouvelle campagne").click()
    audit(page)
    page.get_by_label("Événement").select_option("noel")
    expect(page.get_by_label("Valable jusqu'au")).to_have_value(re.compile(r"^\d{4}-02-(28|29)$"))
    page.get_by_label("Intitulé").fill("Noël des nouveaux")
    page.get_by_label("Montant par salarié (€)").fill("150")
    page.get_by_label("Montant par enfant").fill("30")
    page.get_by_label("Une sélection").check()
    for name in (f"Zidane Léa ({tag}001)", f"Ferrand Hugo ({tag}002)", f"Morel Inès ({tag}003)"):
        page.get_by_label(name).check()
    page.get_by_role("button", name="Vérifier la campagne").click()
    expect(page.get_by_test_id("campaign-total")).to_have_text(re.compile(r"510,00"))
    warning = page.get_by_test_id("exemption-warning")
    expect(warning).to_contain_text("Zidane Léa")
    expect(warning).to_contain_text("10,00")
    screenshot(page, "campaign-exemption-warning")
    page.get_by_label("J'ai pris connaissance").check()
    page.get_by_role("button", name="Confirmer la campagne").click()
    screenshot(page, "campaign-to-fund")

    # Pay by card through Stripe.js (localstripe's stand-in on loopback).
    page.get_by_role("button", name=re.compile("Payer .* par carte")).click()
    screenshot(page, "campaign-card-payment")
    element = page.locator("#card-element")
    element.get_by_placeholder("number").fill("4242424242424242")
    element.get_by_placeholder("exp_month").fill("12")
    element.get_by_placeholder("exp_year").fill("34")
    element.get_by_placeholder("cvc").fill("123")
    element.get_by_placeholder("postal_code").fill("21140")
    page.get_by_role("button", name=re.compile("^Payer")).click()
    expect(page.get_by_text("Paiement reçu")).to_be_visible()
    audit(page)

    # Issue: the page follows the progress and shows the report.
    page.get_by_role("button", name="Émettre les 3 cartes").click()
    expect(page.get_by_test_id("campaign-report")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("remaining")).to_contain_text("510,00")
    page.get_by_role("link", name="Reçu de paiement").click()
    expect(page.get_by_test_id("receipt-amount")).to_contain_text("510,00")
    screenshot(page, "campaign-receipt")
    page.go_back()
    screenshot(page, "campaign-report")

    # The employee opens the link of their e-mail, creates an account and claims the card.
    with stripe_live.app_context():
        message = next(m for m in stripe_live.extensions["mail_outbox"] if m["To"] == f"lea.zidane.{tag.lower()}@example.fr")
    body = message.get_content()
    link = re.search(r"http://\S+/carte/rattacher/\S+", body).group(0)
    assert re.search(r"Code PIN .*: \d{4}", body)
    employee = open_page()
    employee.goto(link)
    audit(employee)
    employee.get_by_role("main").get_by_role("button", name="Créer un compte").click()
    audit(employee)
    employee.get_by_label("Prénom").fill("Léa")
    employee.get_by_label("Nom", exact=True).fill("Zidane")
    employee.get_by_label("Adresse e-mail").fill(f"lea.zidane.{tag.lower()}@example.fr")
    employee.get_by_label("Mot de passe", exact=True).fill("une-phrase-solide")
    employee.get_by_label("Confirmez le mot de passe").fill("une-phrase-solide")
    employee.get_by_role("button", name="Créer mon compte").click()
    audit(employee)
    employee.get_by_role("button", name="Rattacher la carte à mon compte").click()
    expect(employee.get_by_test_id("card-balance")).to_have_text(re.compile(r"210,00"))
    expect(employee.get_by_test_id("grant")).to_contain_text("Aciéries")
    screenshot(employee, "employee-card")
    employee.get_by_role("link", name="Voir les commerces").click()
    expect(employee.get_by_test_id("accepting-shops").locator("li").first).to_be_visible()
    assert employee.get_by_test_id("accepting-shops").locator("li").count() > 10
    screenshot(employee, "employee-grant-shops")
