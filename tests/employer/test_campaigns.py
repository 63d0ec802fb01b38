"""Gift campaigns: creation, exemption check, bank-transfer funding, issue, follow-up, revocation."""
import csv
import html as html_module
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from loyalty.cards import check_pin
from loyalty.clock import paris_day, utc_now
from loyalty.ledger import expire_grants, redeem
from loyalty.models import Card, Entry, Grant
from loyalty.queries import card_balance
from marketplace import campaigns
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Campaign, CampaignEmployee, Employee, Employer, User
from tests.conftest import login

NOEL = {"event": "noel", "label": "Noël 2026", "amount": "150", "child_amount": "30,50", "audience": "all",
        "expiry_policy": "employer",
        "categories": ["maison-jardin", "culture-loisirs", "mode", "artisanat", "beaute-sante", "services",
                       "produits-festifs"]}


def create(client, employer_id, **overrides):
    data = {**NOEL, **overrides}
    response = client.post(f"/entreprise/{employer_id}/campagnes/nouvelle", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/campagnes/(\d+)/", response.headers["Location"]).group(1))


def funded_by_transfer(app, client, employer_id, campaign_id):
    client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/confirmer", data={"acknowledge": "y"})
    client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/virement")
    admin = app.test_client()
    login(admin, "admin@example.fr")
    with app.app_context():
        due = campaigns.amount_due_cents(db.session.get(Campaign, campaign_id))
    response = admin.post(f"/admin/entreprises/virements/{campaign_id}",
                          data={"reference": f"HALLE-CAMPAGNE-{campaign_id}", "amount": f"{due // 100},{due % 100:02d}"})
    assert response.status_code == 302


def test_defaults_expiry_and_categories():
    assert campaigns.default_expiry("noel", date(2026, 11, 20)) == date(2027, 2, 28)
    assert campaigns.default_expiry("noel", date(2027, 12, 1)) == date(2028, 2, 29)
    assert campaigns.default_expiry("mariage", date(2026, 6, 13)) == date(2027, 6, 12)


def test_default_categories_exclude_food_and_fuel(app_ctx, hr_world):
    assert "alimentation" not in campaigns.default_categories("mariage")
    assert "carburant" not in campaigns.default_categories("mariage")
    assert "produits-festifs" not in campaigns.default_categories("mariage")
    assert "produits-festifs" in campaigns.default_categories("noel")
    assert "mode" in campaigns.default_categories("noel")


def test_exemption_limit_follows_the_pmss_of_the_year(app_ctx):
    assert campaigns.exemption_limit_cents(2026) == 20_000
    assert campaigns.exemption_limit_cents(2025) == 19_600
    assert campaigns.exemption_limit_cents(2031) == 20_000  # latest known


def test_campaign_amounts_with_children_and_exemption_warning(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        amounts = {r.employee.external_id: r.amount_cents for r in campaign.recipients}
        # 150 € each, plus 30,50 € per child under 16 (Claire has two).
        assert amounts == {"M001": 21_100, "M002": 15_000, "M003": 15_000}
        assert campaign.total_cents == 51_100 and campaign.status == "draft"
        report = campaigns.exemption_check(campaign)
        assert [(line.employee.external_id, line.event_excess_cents) for line in report.over_event_limit] == [
            ("M001", 1_100)]
    page = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/").get_data(as_text=True)
    assert 'data-testid="exemption-warning"' in page and "Martin Claire" in page and "11,00" in page
    # Confirming without the acknowledgement is refused and changes nothing.
    refused = hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/confirmer", follow_redirects=True)
    assert "cochez la case" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "draft"
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/confirmer", data={"acknowledge": "y"})
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "awaiting_payment" and campaign.exemption_acknowledged


def test_yearly_total_counts_other_campaigns(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    first = create(hr_client, employer_id, event="mariage", label="Mariages", amount="120", child_amount="",
                   audience="selection", employees=[str(hr_world["employees"]["M002"])])
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{first}/confirmer")
    second = create(hr_client, employer_id, amount="100", child_amount="")
    with app.app_context():
        report = campaigns.exemption_check(db.session.get(Campaign, second))
        assert report.over_event_limit == []
        assert [(line.employee.external_id, line.year_total_cents) for line in report.over_yearly_presumption] == [
            ("M002", 22_000)]
    page = hr_client.get(f"/entreprise/{employer_id}/campagnes/{second}/").get_data(as_text=True)
    assert "présomption globale" in page


def test_form_errors_are_named(hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    page = hr_client.post(f"/entreprise/{employer_id}/campagnes/nouvelle",
                          data={**NOEL, "amount": "douze", "event": "mariage", "categories": []})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Montant invalide" in html
    huge = hr_client.post(f"/entreprise/{employer_id}/campagnes/nouvelle", data={**NOEL, "amount": "99999999999"})
    text = huge.get_data(as_text=True).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Montant par salarié (€) : 10 000 000,00 € au plus." in text and "Montant invalide" not in text
    assert "Le montant par enfant ne vaut que pour Noël" in html
    assert "Choisissez au moins une catégorie" in html
    selection = hr_client.post(f"/entreprise/{employer_id}/campagnes/nouvelle", data={**NOEL, "audience": "selection"})
    assert "Cochez au moins un salarié" in selection.get_data(as_text=True)


def test_pending_company_cannot_create_campaigns(app, hr_client, hr_world):
    with app.app_context():
        db.session.get(Employer, hr_world["employer_id"]).status = "pending"
        db.session.commit()
    response = hr_client.get(f"/entreprise/{hr_world['employer_id']}/campagnes/nouvelle")
    assert response.status_code == 302


def test_bank_transfer_then_issue_then_report(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/confirmer", data={"acknowledge": "y"})
    choice = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/").get_data(as_text=True)
    # The reference to quote never breaks at its hyphen (« HALLE- / CAMPAGNE-1 » on a phone).
    assert f'(référence <span class="keep-whole nowrap">HALLE-CAMPAGNE-{campaign_id}</span>)' in choice
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/virement")
    page = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/").get_data(as_text=True)
    assert f"HALLE-CAMPAGNE-{campaign_id}" in page
    # Issuing before the money arrived does nothing.
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "awaiting_payment"
    admin = app.test_client()
    login(admin, "admin@example.fr")
    assert f"HALLE-CAMPAGNE-{campaign_id}" in admin.get("/admin/entreprises/").get_data(as_text=True)
    received = {"reference": f"halle campagne {campaign_id}", "amount": "511,00"}  # as a statement prints it
    admin.post(f"/admin/entreprises/virements/{campaign_id}", data=received)
    admin.post(f"/admin/entreprises/virements/{campaign_id}", data=received)  # twice: funds once
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "funded"
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "fund")) == 1
        payment = campaign.payments[0]
        assert payment.status == "succeeded" and payment.bank_reference == f"halle campagne {campaign_id}"
        payment_id = payment.id
        outbox().clear()
    receipt = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/recu/{payment_id}")
    assert "511,00" in receipt.get_data(as_text=True)

    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")  # double click
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "issued" and campaign.issued_count == 3
        assert db.session.scalar(select(func.count()).select_from(Grant)) == 3
        assert db.session.scalar(select(func.count()).select_from(Card)) == 3
        claire_card = db.session.scalar(select(Card).where(Card.employee_id == hr_world["employees"]["M001"]))
        assert card_balance(db.session, claire_card.id) == 21_100
        assert claire_card.status == "active"
        mails = {m["To"]: m.get_content() for m in outbox()}
        assert set(mails) == {"claire@example.fr", "luc@example.fr"}  # Anne has no e-mail: printed card
        body = mails["claire@example.fr"]
        pin = re.search(r"Code PIN .*: (\d{4})", body).group(1)
        assert " ".join(claire_card.number[i:i + 4] for i in range(0, 16, 4)) in body
        assert "/carte/rattacher/" in body and "211,00" in body
        check_pin(db.session, claire_card.id, pin)  # the emailed PIN is the card's
        # The issue is safe to run again: nothing is issued twice.
        assert campaigns.issue_campaign(campaign_id, actor="system") == 0
        assert db.session.scalar(select(func.count()).select_from(Grant)) == 3
        # Claire spends 60 € at the toy shop; the bakery (food) refuses the gift credit.
        redeem(db.session, card_id=claire_card.id, shop_id=hr_world["shops"]["toys"], amount_cents=6_000,
               key="test:redeem:1", actor="test", pin=pin)
        from loyalty.errors import InsufficientBalance
        with pytest.raises(InsufficientBalance):
            redeem(db.session, card_id=claire_card.id, shop_id=hr_world["shops"]["bakery"], amount_cents=100,
                   key="test:redeem:2", actor="test", pin=pin)
        redeem(db.session, card_id=claire_card.id, shop_id=hr_world["shops"]["chocolates"], amount_cents=2_000,
               key="test:redeem:3", actor="test", pin=pin)
        report = campaigns.campaign_report(db.session.get(Campaign, campaign_id))
        assert report.issued_cents == 51_100 and report.spent_cents == 8_000
        assert report.remaining_cents == 43_100 and report.expired_cents == 0
        assert report.by_commune == [("Arnay-le-Duc", 6_000), ("Semur-en-Auxois", 2_000)]
        assert report.by_category == [("Culture et loisirs", 6_000), ("Alimentation", 2_000)]
    page = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/").get_data(as_text=True)
    assert 'data-testid="campaign-report"' in page and "80,00" in page and "chart-communes" in page
    assert "Jouets Arnay" not in page  # HR never sees where one employee shopped
    export = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/export.csv")
    text = export.get_data(as_text=True)
    assert export.mimetype == "text/csv"
    assert "M001;Martin Claire;211,00;non;131,00;non" in text and "Arnay-le-Duc;60,00" in text
    with app.app_context():  # a name typed like a formula is text in the export
        db.session.scalar(select(Employee).where(Employee.external_id == "M002")).last_name = "-2+3+cmd|' /C calc'!A0"
        db.session.commit()
    text = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/export.csv").data.decode("utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") if row[:1] == ["M002"]]
    assert rows and rows[0][1] == "'-2+3+cmd|' /C calc'!A0 Luc" and not rows[0][2].startswith("'")
    sheet = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/cartes?sans_email=1")
    html = sheet.get_data(as_text=True)
    assert html.count('data-testid="printed-card"') == 1 and "Anne Petit" in html
    assert "data:image/svg+xml;base64," in html


def test_expiry_goes_back_to_the_employer_and_shows_in_the_report(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    last_day = paris_day(utc_now()) + timedelta(days=40)
    campaign_id = create(hr_client, employer_id, amount="50", child_amount="", expires_on=last_day.isoformat())
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    with app.app_context():
        expire_grants(db.session, today=last_day + timedelta(days=1))
        report = campaigns.campaign_report(db.session.get(Campaign, campaign_id))
        assert report.expired_cents == 15_000 and report.remaining_cents == 0
        assert report.percent(report.expired_cents) == 100


def test_hr_is_mailed_the_result_of_an_ended_campaign_once_its_credit_is_swept(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    last_day = paris_day(utc_now()) + timedelta(days=40)
    day_after = last_day + timedelta(days=1)
    campaign_id = create(hr_client, employer_id, amount="50", child_amount="", expires_on=last_day.isoformat())
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    with app.app_context():
        body = next(m.get_content() for m in outbox() if m["To"] == "claire@example.fr")
        card_id = db.session.scalar(select(Card.id).where(Card.employee_id == hr_world["employees"]["M001"]))
        redeem(db.session, card_id=card_id, shop_id=hr_world["shops"]["toys"], amount_cents=2_000,
               key="ended:redeem", actor="test", pin=re.search(r"Code PIN .*: (\d{4})", body).group(1))
        outbox().clear()
        assert campaigns.report_ended_campaigns(today=last_day) == 0  # its last day
        assert campaigns.report_ended_campaigns(today=day_after) == 0  # the night's sweep has not run
        expire_grants(db.session, today=day_after)
        assert campaigns.report_ended_campaigns(today=day_after) == 1
        mails = {m["To"]: m for m in outbox()}
        assert set(mails) == {"hr@example.fr", "compta@laiterie.fr"}  # its HR and its billing address
        message = mails["hr@example.fr"]
        assert message["Subject"] == "Campagne « Noël 2026 » terminée : 13 % dépensés dans le territoire"
        text = message.get_content()
        for line in (f"La campagne « Noël 2026 » est terminée (dernier jour : {last_day:%d/%m/%Y}).",
                     "Offert : 150,00\xa0€.",
                     "Dépensé dans les commerces du territoire : 20,00\xa0€, dans 1 commerce de 1 commune.",
                     "Non dépensé : 130,00\xa0€, revenus sur le compte Halle de votre entreprise",
                     f"/entreprise/{employer_id}/campagnes/{campaign_id}/",
                     f"/entreprise/{employer_id}/campagnes/nouvelle?depuis={campaign_id}"):
            assert line in text, line
        outbox().clear()
        assert campaigns.report_ended_campaigns(today=day_after + timedelta(days=1)) == 0 and outbox() == []


def test_revoke_an_employees_unspent_grant(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id, amount="50", child_amount="")
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    with app.app_context():
        recipient = db.session.scalar(select(CampaignEmployee).where(
            CampaignEmployee.employee_id == hr_world["employees"]["M002"]))
        recipient_id, card_id = recipient.id, recipient.card_id
    response = hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/beneficiaires/{recipient_id}/retirer",
                              follow_redirects=True)
    assert "50,00" in response.get_data(as_text=True)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/beneficiaires/{recipient_id}/retirer")
    with app.app_context():
        assert card_balance(db.session, card_id) == 0
        report = campaigns.campaign_report(db.session.get(Campaign, campaign_id))
        assert report.revoked_cents == 5_000 and report.remaining_cents == 10_000
        from loyalty.accounts import employer_funding_account
        assert employer_funding_account(db.session, employer_id).balance_cents == 5_000


def test_cancel_before_funding_only(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id, amount="50", child_amount="")
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/annuler")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "cancelled"
    funded = create(hr_client, employer_id, amount="50", child_amount="")
    funded_by_transfer(app, hr_client, employer_id, funded)
    refused = hr_client.post(f"/entreprise/{employer_id}/campagnes/{funded}/annuler", follow_redirects=True)
    assert "ne peut plus être annulée" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Campaign, funded).status == "funded"


def test_an_existing_card_is_credited_again_without_a_new_pin(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    first = create(hr_client, employer_id, event="fete-des-meres", label="Fête des mères", amount="30",
                   child_amount="", audience="selection", employees=[str(hr_world["employees"]["M001"])])
    funded_by_transfer(app, hr_client, employer_id, first)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{first}/emettre")
    second = create(hr_client, employer_id, amount="40", child_amount="")
    funded_by_transfer(app, hr_client, employer_id, second)
    with app.app_context():
        outbox().clear()
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{second}/emettre")
    with app.app_context():
        claire = hr_world["employees"]["M001"]
        cards = db.session.scalars(select(Card).where(Card.employee_id == claire)).all()
        assert len(cards) == 1 and card_balance(db.session, cards[0].id) == 7_000
        body = next(m.get_content() for m in outbox() if m["To"] == "claire@example.fr")
        assert "Code PIN" not in body and "ajoutée à votre carte" in body


def test_gift_and_payment_emails_in_each_recipient_s_language(app, hr_client, hr_world):
    """Claire and the HR member have English accounts; Luc (no account) and the billing address get French."""
    with app.app_context():
        for user_id in (hr_world["resident_id"], hr_world["hr_id"]):
            db.session.get(User, user_id).locale = "en"
        db.session.commit()
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id, amount="40", child_amount="")
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    with app.app_context():
        paid = {m["To"]: m for m in outbox()}
        assert paid["hr@example.fr"]["Subject"] == "Payment received for the campaign “Noël 2026”"
        assert "We have received €120.00 for the campaign" in paid["hr@example.fr"].get_content()
        assert "Nous avons bien reçu 120,00\xa0€" in paid["compta@laiterie.fr"].get_content()
        outbox().clear()
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    with app.app_context():
        gifts = {m["To"]: m for m in outbox()}
    english, french = gifts["claire@example.fr"], gifts["luc@example.fr"]
    assert english["Subject"] == "Laiterie is giving you €40.00 on the territory card"
    assert "Hello Claire,\n\nLaiterie is giving you €40.00 (Noël 2026)" in english.get_content()
    assert "PIN (keep it to yourself" in english.get_content() and "/carte/rattacher/" in english.get_content()
    assert french["Subject"] == "Laiterie vous offre 40,00\xa0€ sur la carte du territoire"
    assert "Bonjour Luc,\n\nLaiterie vous offre 40,00\xa0€ (Noël 2026)" in french.get_content()
    export = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/export.csv").get_data(as_text=True)
    assert export.splitlines()[0] == ("\ufeffStaff number;Name;Amount granted;Card linked to an account;"
                                      "Left on the card;Withdrawn")
    assert "M001;Martin Claire;40,00;no;40,00;no" in export


def test_issue_progress_endpoint(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id, amount="50", child_amount="")
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    progress = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/progression").get_json()
    assert progress == {"status": "issued", "total": 3, "issued": 3, "notified": 3, "percent": 100}


def test_other_company_sees_nothing(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id, amount="50", child_amount="")
    other = app.test_client()
    login(other, "otherhr@example.fr")
    assert other.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/").status_code == 403
    # Through their own company's URL, the campaign of another company does not exist.
    assert other.get(f"/entreprise/{hr_world['other_employer_id']}/campagnes/{campaign_id}/").status_code == 404
    assert other.post(f"/entreprise/{hr_world['other_employer_id']}/campagnes/{campaign_id}/annuler").status_code == 404


def plain(response) -> str:
    """The page with its no-break spaces (money, thousands) as plain spaces."""
    return response.get_data(as_text=True).replace("\xa0", " ").replace("\u202f", " ")


def _revoke_one_of_three(app, hr_client, employer_id) -> int:
    """A 3 × 50 € campaign, issued; one employee's grant taken back: 50 € of credit."""
    campaign_id = create(hr_client, employer_id, amount="50", child_amount="")
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    with app.app_context():
        recipient_id = db.session.scalar(select(CampaignEmployee.id).where(CampaignEmployee.campaign_id == campaign_id)
                                         .order_by(CampaignEmployee.id).limit(1))
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/beneficiaires/{recipient_id}/retirer")
    return campaign_id


def test_credit_taken_back_pays_part_of_the_next_campaign(app, hr_client, hr_world):
    from loyalty.accounts import employer_funding_account
    from loyalty.verify import verify

    employer_id = hr_world["employer_id"]
    _revoke_one_of_three(app, hr_client, employer_id)
    assert "<strong>50,00 €</strong> de crédit disponible" in plain(hr_client.get(f"/entreprise/{employer_id}/"))
    second = create(hr_client, employer_id, label="Naissances", amount="50", child_amount="")
    page = plain(hr_client.get(f"/entreprise/{employer_id}/campagnes/{second}/"))
    assert "50,00 €, déduit à la confirmation" in page
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{second}/confirmer", data={"acknowledge": "y"})
    page = plain(hr_client.get(f"/entreprise/{employer_id}/campagnes/{second}/"))
    assert "Votre crédit disponible en paie 50,00 € : reste à payer 100,00 €." in page
    assert "Payer 100,00 € par carte" in page or "Je paie par virement" in page
    with app.app_context():
        assert campaigns.available_credit_cents(employer_id) == 0  # applied: no other campaign counts on it
    funded_by_transfer(app, hr_client, employer_id, second)  # the transfer asked for is the rest only
    with app.app_context():
        campaign = db.session.get(Campaign, second)
        assert campaign.status == "funded"
        assert sorted((p.method, p.amount_cents) for p in campaign.payments) == [("bank", 10_000), ("credit", 5_000)]
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{second}/emettre")
    with app.app_context():
        assert db.session.get(Campaign, second).status == "issued"
        assert db.session.scalar(select(func.count()).select_from(Grant).where(Grant.campaign_id == second)) == 3
        assert employer_funding_account(db.session, employer_id).balance_cents == 0
        assert campaigns.available_credit_cents(employer_id) == 0
        assert verify(db.session) == []
    assert "crédit disponible" not in hr_client.get(f"/entreprise/{employer_id}/").get_data(as_text=True)


def test_credit_that_covers_a_campaign_funds_it_and_comes_back_if_it_is_cancelled(app, hr_client, hr_world):
    from loyalty.accounts import employer_funding_account
    from loyalty.verify import verify

    employer_id = hr_world["employer_id"]
    _revoke_one_of_three(app, hr_client, employer_id)
    small = create(hr_client, employer_id, label="Fête des mères", amount="10", child_amount="")
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{small}/confirmer", data={"acknowledge": "y"})
    with app.app_context():
        campaign = db.session.get(Campaign, small)
        assert (campaign.status, campaign.funding_method) == ("funded", "credit")  # nothing to pay
        assert campaigns.available_credit_cents(employer_id) == 2_000  # 50 € − the 30 € it will issue
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{small}/annuler")
    with app.app_context():
        assert db.session.get(Campaign, small).status == "cancelled"
        assert campaigns.available_credit_cents(employer_id) == 5_000  # all of it again
    again = create(hr_client, employer_id, label="Fête des pères", amount="10", child_amount="")
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{again}/confirmer", data={"acknowledge": "y"})
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{again}/emettre")
    with app.app_context():
        assert db.session.get(Campaign, again).status == "issued"
        assert employer_funding_account(db.session, employer_id).balance_cents == 2_000
        assert campaigns.available_credit_cents(employer_id) == 2_000
        assert verify(db.session) == []


def test_two_campaigns_confirmed_at_once_do_not_both_spend_the_same_credit(app, hr_client, hr_world):
    import threading

    from marketplace.models import CampaignPayment

    employer_id = hr_world["employer_id"]
    _revoke_one_of_three(app, hr_client, employer_id)  # 50 € of credit
    ids = [create(hr_client, employer_id, label=f"Campagne {n}", amount="50", child_amount="") for n in (1, 2)]
    start, errors = threading.Barrier(2), []

    def confirm(campaign_id):
        try:
            with app.app_context():
                start.wait()
                campaigns.confirm_campaign(db.session.get(Campaign, campaign_id), acknowledged=True)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=confirm, args=(campaign_id,)) for campaign_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        applied = db.session.scalars(select(CampaignPayment.amount_cents).where(
            CampaignPayment.campaign_id.in_(ids), CampaignPayment.method == "credit")).all()
        assert applied == [5_000]  # one of them got the credit, the other pays in full
        assert campaigns.available_credit_cents(employer_id) == 0


def checked_values(html: str, name: str) -> set[str]:
    return set(re.findall(rf'<input checked id="{name}-\d+" name="{name}" type="(?:checkbox|radio)" value="([^"]+)"',
                          html))


def test_a_past_campaign_is_done_again_from_its_page_with_this_year_in_its_label(app, hr_client, hr_world):
    """Next Christmas, HR starts from last year's campaign: same amounts, audience, shops and people
    (those still on the list), the label's year brought up to date; nothing is created until sent."""
    employer_id, staff = hr_world["employer_id"], hr_world["employees"]
    year = paris_day(utc_now()).year
    last_year = create(hr_client, employer_id, label=f"Noël des salariés {year - 1}", audience="selection",
                       employees=[staff["M001"], staff["M003"]], categories=["mode", "produits-festifs"],
                       expiry_policy="territory")
    funded_by_transfer(app, hr_client, employer_id, last_year)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{last_year}/emettre")
    with app.app_context():
        assert db.session.get(Campaign, last_year).status == "issued"
        db.session.get(Campaign, last_year).year = year - 1
        db.session.get(Employee, staff["M003"]).archived = True  # left the company since
        db.session.commit()
        campaigns_before = db.session.scalar(select(func.count()).select_from(Campaign))
    page = hr_client.get(f"/entreprise/{employer_id}/campagnes/{last_year}/").get_data(as_text=True)
    assert f'href="/entreprise/{employer_id}/campagnes/nouvelle?depuis={last_year}"' in page

    form = plain(hr_client.get(f"/entreprise/{employer_id}/campagnes/nouvelle?depuis={last_year}"))
    assert f"D'après « Noël des salariés {year - 1} »" in html_module.unescape(form)
    assert f'value="Noël des salariés {year}"' in form
    assert re.search(r'name="amount"[^>]* value="150,00"', form)
    assert re.search(r'name="child_amount"[^>]* value="30,50"', form)
    assert checked_values(form, "audience") == {"selection"}
    assert checked_values(form, "employees") == {str(staff["M001"])}
    assert checked_values(form, "categories") == {"mode", "produits-festifs"}
    assert checked_values(form, "expiry_policy") == {"territory"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == campaigns_before

    # Sent as shown, it is this year's campaign for the people still there.
    again = create(hr_client, employer_id, label=f"Noël des salariés {year}", audience="selection",
                   employees=[staff["M001"]], categories=["mode", "produits-festifs"], expiry_policy="territory")
    with app.app_context():
        campaign = db.session.get(Campaign, again)
        assert (campaign.year, campaign.expiry_policy, campaign.allowed_categories) == (
            year, "territory", ["mode", "produits-festifs"])
        assert [r.employee_id for r in campaign.recipients] == [staff["M001"]]

    # Another company's campaign cannot be a model.
    other = app.test_client()
    login(other, "otherhr@example.fr")
    assert other.get(f"/entreprise/{hr_world['other_employer_id']}/campagnes/nouvelle?depuis={last_year}"
                     ).status_code == 404


def test_a_campaign_is_offered_to_be_done_again_only_once_it_was_issued(app, hr_client, hr_world):
    """A draft still « À confirmer », or a campaign waiting for its transfer, is not a past campaign:
    neither its page nor HR's list offers to start next year's from it; once issued, both do."""
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id, label="Noël 2026", child_amount="")
    again = f'href="/entreprise/{employer_id}/campagnes/nouvelle?depuis={campaign_id}"'

    def offered() -> tuple[bool, bool]:
        page = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/").get_data(as_text=True)
        home = hr_client.get(f"/entreprise/{employer_id}/").get_data(as_text=True)
        return ('data-testid="repeat-campaign"' in page and again in page), again in home

    assert "À confirmer" in hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/").get_data(as_text=True)
    assert offered() == (False, False)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/confirmer", data={"acknowledge": "y"})
    choice = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/").get_data(as_text=True)
    # The reference to quote never breaks at its hyphen (« HALLE- / CAMPAGNE-1 » on a phone).
    assert f'(référence <span class="keep-whole nowrap">HALLE-CAMPAGNE-{campaign_id}</span>)' in choice
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/virement")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "awaiting_payment"
    assert offered() == (False, False)
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "issued"
    assert offered() == (True, True)


def test_a_campaign_paid_by_transfer_is_issued_when_the_money_arrives_or_on_the_day_hr_chose(
        app, hr_client, hr_world):
    """HR pays by transfer and need not come back: the scheduler issues the cards once the transfer
    is recorded, or from the day HR chose; with no day, HR issues them with the button."""
    from datetime import timedelta

    from marketplace import periodic

    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id)
    base = f"/entreprise/{employer_id}/campagnes/{campaign_id}"
    hr_client.post(f"{base}/confirmer", data={"acknowledge": "y"})
    hr_client.post(f"{base}/paiement/virement")
    today = paris_day(utc_now())
    page = html_module.unescape(hr_client.get(f"{base}/").get_data(as_text=True))
    assert f"Émission automatique le {today:%d/%m/%Y}, ou dès réception du paiement s'il arrive après." in page

    # A past day is refused; a day to come is kept.
    refused = hr_client.post(f"{base}/date-emission", data={"issue_on": (today - timedelta(days=1)).isoformat()},
                             follow_redirects=True)
    assert "Date d'émission : choisissez aujourd'hui ou un jour à venir." in html_module.unescape(
        refused.get_data(as_text=True))
    christmas = today + timedelta(days=3)
    hr_client.post(f"{base}/date-emission", data={"issue_on": christmas.isoformat()})
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).issue_on == christmas
        assert periodic.issue_due_campaigns in [job for job, *_ in periodic.PERIODIC]
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    with app.app_context():
        told = next(m for m in outbox() if m["Subject"].startswith("Paiement reçu pour la campagne"))
        assert (f"Les cartes seront émises automatiquement le {christmas:%d/%m/%Y}"
                in told.get_body(("plain",)).get_content())
        assert periodic.issue_due_campaigns() == 0  # funded, but its day has not come
        assert db.session.get(Campaign, campaign_id).status == "funded"
        db.session.get(Campaign, campaign_id).issue_on = today  # the day comes
        db.session.commit()
        assert periodic.issue_due_campaigns() == 1
        assert periodic.issue_due_campaigns() == 0  # once
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "issued" and campaign.issued_count == 3
        assert {m["To"] for m in outbox()} >= {"claire@example.fr", "luc@example.fr"}

    # Without a day, the button stays HR's.
    manual = create(hr_client, employer_id, amount="20", child_amount="")
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{manual}/confirmer", data={"acknowledge": "y"})
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{manual}/paiement/virement")
    said = hr_client.post(f"/entreprise/{employer_id}/campagnes/{manual}/date-emission", data={"issue_on": ""},
                          follow_redirects=True).get_data(as_text=True)
    assert "Vous émettrez les cartes vous-même, avec le bouton." in html_module.unescape(said)
    funded_by_transfer(app, hr_client, employer_id, manual)
    with app.app_context():
        assert periodic.issue_due_campaigns() == 0
        assert db.session.get(Campaign, manual).status == "funded"
