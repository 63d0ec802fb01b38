"""Browser journeys of a gift campaign: the HR manager imports staff, creates a Christmas
campaign, sees the exemption warning, pays by card on localstripe, issues the cards and reads the
report; an employee claims the card from the e-mail and sees the balance and the shops. Another
campaign is paid by transfer to the demo territory's account: the admin records what arrived (part
of it first), then HR issues the cards."""
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from config import DevelopmentConfig
from loyalty.clock import paris_day, utc_now
from marketplace import campaigns
from marketplace.extensions import db
from marketplace.models import Campaign, Employee, Employer, User
from tests.e2e.axe import audit
from tests.e2e.conftest import expect_rows_as_cards, log_in, log_out, pay_by_card, screenshot


def staff_csv(tag: str) -> bytes:
    """Three new people (matricules and addresses of their own on each screen's run)."""
    return ("Matricule;Nom;Prénom;E-mail;Enfants -16 ans;Enfants -26 ans\r\n"
            f"{tag}001;Zidane;Léa;lea.zidane.{tag.lower()}@example.fr;2;2\r\n"
            f"{tag}002;Ferrand;Hugo;hugo.ferrand.{tag.lower()}@example.fr;0;1\r\n"
            f"{tag}003;Morel;Inès;;0;0\r\n").encode("cp1252")


def test_hr_campaign_then_employee_claims_the_card(page, open_page, screen, stripe_live):
    tag = screen[0].upper()  # D or P
    log_in(page, "rh@demo.halle.fr")
    expect(page.get_by_test_id("role-home")).to_contain_text("Aciéries")

    # The company's details, printed on the receipts, are HR's to keep up to date.
    page.get_by_role("navigation", name="Espace RH").get_by_role("link", name="Entreprise").click()
    expect(page.get_by_label("SIRET")).to_have_value(re.compile(r"^\d{14}$"))
    audit(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_test_id("role-home")).to_contain_text("Aciéries")

    # Import three new people from a French Excel CSV export.
    page.get_by_role("link", name="Importer la liste").click()
    audit(page)
    page.get_by_label("Fichier du personnel").set_input_files(
        {"name": "personnel.csv", "mimeType": "text/csv", "buffer": staff_csv(tag)})
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_test_id("import-created")).to_have_text("3")
    expect_rows_as_cards(page.get_by_test_id("staff-preview"))
    screenshot(page, "staff-import-preview")
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("3 salariés ajoutés")).to_be_visible()
    audit(page)
    # The staff list shows fifty of its 280 people a page; HR finds the new ones by their staff number.
    rows = page.locator(".stack-table tbody tr")
    expect(rows).to_have_count(50)
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text(re.compile(r"Page 1 sur [6-9]"))
    page.get_by_role("link", name="Suivant").click()
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2 sur")
    expect(rows).to_have_count(50)
    audit(page)
    page.get_by_role("searchbox", name="Rechercher un salarié").fill(f"{tag.lower()}00")
    page.get_by_role("button", name="Rechercher").click()
    expect(rows).to_have_count(3)
    expect(page.get_by_role("navigation", name="Pages")).to_have_count(0)
    expect_rows_as_cards(page.locator(".stack-table"))
    screenshot(page, "staff-list-search")

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
    # A choice's text wraps on a phone: every line of it stays right of its radio, none under it.
    right, lefts = page.locator("label", has=page.get_by_label("Seulement les parents", exact=False)).evaluate(
        """label => { const lines = document.createRange();
            lines.selectNodeContents([...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim()));
            return [label.querySelector('input').getBoundingClientRect().right,
                    [...lines.getClientRects()].map(r => r.left)]; }""")
    assert lefts and min(lefts) >= right, (right, lefts)
    # 280 people: HR finds each by typing part of a name or a staff number in the list's filter.
    staff = page.get_by_test_id("checklist-employees")
    for typed, name in ((f"zidane lea ({tag.lower()}", f"Zidane Léa ({tag}001)"),
                        (f"{tag}002", f"Ferrand Hugo ({tag}002)"), (f"INÈS ({tag}003)", f"Morel Inès ({tag}003)")):
        staff.get_by_label("Filtrer la liste").fill(typed)
        expect(staff.locator(".checklist-options label:visible")).to_have_text([name])
        staff.get_by_label(name).check()
    expect(staff.locator(".checklist-status")).to_have_text(re.compile(
        rf"^3 cochée\(s\) sur \d+ : Ferrand Hugo \({tag}002\), Morel Inès \({tag}003\), Zidane Léa \({tag}001\) · "))
    screenshot(page, "campaign-form")
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
    expect(page.get_by_test_id("test-mode")).to_contain_text("4242 4242 4242 4242")
    pay_by_card(page, "4242424242424242")
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
    expect_rows_as_cards(page.get_by_test_id("campaign-recipients"))
    screenshot(page, "campaign-report")
    # The cards to print, as a preview first (no PIN made yet), and back.
    page.get_by_role("button", name="Imprimer les cartes", exact=True).click()
    expect(page.get_by_test_id("printed-card")).to_have_count(3)
    screenshot(page, "campaign-print-preview")  # one column of cards on a phone, not a 980 px page
    back = page.get_by_role("link", name="Retour à la campagne")
    assert back.bounding_box()["height"] >= 24
    back.click()
    expect(page.get_by_test_id("campaign-report")).to_be_visible()
    # HR's home lists the campaign with its state, one card per campaign on a phone.
    page.get_by_role("link", name="Campagnes", exact=True).click()
    expect(page.get_by_test_id("campaigns").get_by_role("row").filter(has_text="Noël des nouveaux").first
           ).to_contain_text("Émise")
    expect_rows_as_cards(page.get_by_test_id("campaigns"))
    audit(page)
    # Next time, HR starts from this campaign: its amounts and its three people are there already.
    page.get_by_role("link", name="Refaire la campagne Noël des nouveaux").first.click()
    expect(page.get_by_test_id("campaign-model")).to_contain_text("D'après « Noël des nouveaux »")
    expect(page.get_by_label("Montant par salarié (€)")).to_have_value("150,00")
    expect(page.get_by_label("Une sélection")).to_be_checked()
    expect(page.get_by_test_id("checklist-employees").locator(".checklist-status")).to_have_text(re.compile(
        rf"^3 cochée\(s\) sur \d+ : Ferrand Hugo \({tag}002\), Morel Inès \({tag}003\), Zidane Léa \({tag}001\)"))
    audit(page)
    page.go_back()

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


def test_hr_funds_by_transfer_and_the_admin_records_what_arrived(page, open_page, screen, stripe_live):
    with stripe_live.app_context():
        hr = db.session.scalar(select(User).filter_by(email="rh@demo.halle.fr"))
        employer = db.session.scalar(select(Employer).join(Employer.members).filter_by(user_id=hr.id))
        staff = db.session.scalars(select(Employee.id).filter_by(employer_id=employer.id, archived=False)
                                   .order_by(Employee.id).limit(2)).all()
        campaign = campaigns.create_campaign(
            employer, event="rentree", label=f"Rentrée ({screen})", amount_cents=4_000, child_amount_cents=0,
            audience="selection", selection=list(staff), expires_on=paris_day(utc_now()) + timedelta(days=300),
            allowed_categories=None, expiry_policy="employer", user_id=hr.id)
        url, campaign_id = f"/entreprise/{employer.id}/campagnes/{campaign.id}/", campaign.id
    reference = f"HALLE-CAMPAGNE-{campaign_id}"
    log_in(page, "rh@demo.halle.fr")
    page.goto(url)
    audit(page)
    page.get_by_role("button", name="Confirmer la campagne").click()

    # Card and transfer side by side, the transfer with the demo territory's bank details.
    expect(page.get_by_role("heading", name="Par carte bancaire")).to_be_visible()
    expect(page.get_by_role("heading", name="Par virement")).to_be_visible()
    iban = DevelopmentConfig.TERRITORY_IBAN
    expect(page.get_by_test_id("territory-iban")).to_have_text(" ".join(iban[i:i + 4] for i in range(0, len(iban), 4)))
    expect(page.get_by_test_id("transfer-reference").first).to_have_text(reference)
    # One tap copies the reference and the IBAN, so the transfer's reference is never mistyped (the
    # bank statement is matched by it).
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copier la référence").first.click()
    expect(page.get_by_role("button", name="Copié").first).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == reference
    page.get_by_role("button", name="Copier l'IBAN").first.click()
    assert page.evaluate("navigator.clipboard.readText()") == iban.replace(" ", "")
    reference_box = page.get_by_test_id("transfer-reference").first.bounding_box()
    assert reference_box["height"] < 30, "the reference breaks over two lines"
    screenshot(page, "campaign-funding-choice")
    page.get_by_role("button", name="Je paie par virement").click()
    expect(page.get_by_test_id("awaiting-transfer")).to_contain_text(reference)
    # Until the money arrives, paying by card is still offered.
    expect(page.get_by_test_id("card-instead")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Payer .* par carte"))).to_be_visible()
    audit(page)

    # The admin records a first transfer of half the amount, then the rest.
    admin = open_page()
    log_in(admin, "admin@demo.halle.fr")
    admin.goto("/admin/entreprises/")
    audit(admin)
    for amount, said in (("40,00", "il manque 40,00"), ("40,00", "est financée")):
        admin.get_by_test_id(f"transfer-reference-{campaign_id}").fill(reference)
        admin.get_by_test_id(f"transfer-amount-{campaign_id}").fill(amount)
        admin.get_by_test_id(f"transfer-reference-{campaign_id}").locator("xpath=ancestor::form").get_by_role(
            "button", name="Virement reçu").click()
        expect(admin.get_by_role("status").filter(has_text=re.compile(said.replace(" ", r"\s")))).to_be_visible()
        screenshot(admin, f"admin-transfer-{'partial' if 'manque' in said else 'complete'}")
        if "manque" in said:
            page.reload()
            expect(page.get_by_test_id("received-partial")).to_contain_text("40,00")
            audit(page)

    # Funded: HR issues the two cards.
    page.reload()
    page.get_by_role("button", name="Émettre les 2 cartes").click()
    expect(page.get_by_test_id("campaign-report")).to_be_visible(timeout=60_000)
    screenshot(page, "campaign-by-transfer-issued")
    with stripe_live.app_context():
        assert db.session.get(Campaign, campaign_id).status == "issued"


def test_hr_team_and_one_employee_forms(page):
    """HR's pages the campaign journey passes by: the HR team, adding one employee, editing one;
    and a resident's way to register a company. At both sizes, axe-core on each."""
    log_in(page, "rh@demo.halle.fr")
    nav = page.get_by_role("navigation", name="Espace RH")
    nav.get_by_role("link", name="Équipe RH").click()
    expect(page.get_by_text("rh@demo.halle.fr").first).to_be_visible()
    screenshot(page, "hr-team")
    nav.get_by_role("link", name="Salariés").click()
    audit(page)
    page.get_by_role("button", name="Ajouter un salarié").click()
    screenshot(page, "hr-new-employee")
    nav.get_by_role("link", name="Salariés").click()
    page.get_by_role("button", name="Modifier").first.click()
    screenshot(page, "hr-edit-employee")
    log_out(page)
    audit(page)

    log_in(page, "resident@demo.halle.fr")
    page.get_by_role("link", name="Inscrivez votre entreprise").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "employer-register")
