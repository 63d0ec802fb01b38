"""Funding a campaign by transfer: HR sees the territory's bank details and the reference; the
admin records what the statement shows (reference and amount), compared with what was asked."""
import pytest
from sqlalchemy import func, select

from loyalty.models import Entry
from marketplace import campaigns
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Campaign
from tests.conftest import login

from .test_campaigns import create

IBAN = "FR7630001002152114000000104"  # the demo's (fictitious, valid)


@pytest.fixture
def awaiting(app, hr_client, hr_world):
    """A confirmed campaign of 511,00 € waiting for its transfer, and a logged-in admin."""
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/confirmer", data={"acknowledge": "y"})
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/virement")
    admin = app.test_client()
    login(admin, "admin@example.fr")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).total_cents == 51_100
    return {"campaign": campaign_id, "employer": employer_id, "admin": admin,
            "page": f"/entreprise/{employer_id}/campagnes/{campaign_id}/",
            "record": f"/admin/entreprises/virements/{campaign_id}"}


@pytest.fixture
def territory_account(app):
    saved = {key: app.config.get(key) for key in ("TERRITORY_IBAN", "TERRITORY_BIC")}
    app.config.update(TERRITORY_IBAN=IBAN, TERRITORY_BIC="BDFEFRPPCCT")
    yield
    app.config.update(saved)


def _state(app, campaign_id):
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        funds = db.session.scalars(select(Entry.amount_cents).where(Entry.kind == "fund")).all()
        return (campaign.status, sorted((p.method, p.status, p.amount_cents) for p in campaign.payments), funds,
                campaigns.available_credit_cents(campaign.employer_id))


def test_hr_sees_where_to_send_the_transfer(app, hr_client, awaiting, territory_account):
    page = hr_client.get(awaiting["page"]).get_data(as_text=True)
    assert "FR76 3000 1002 1521 1400 0000 104" in page and "BDFEFRPPCCT" in page
    assert app.config["TERRITORY_NAME"] in page and f"HALLE-CAMPAGNE-{awaiting['campaign']}" in page
    assert "511,00" in page


def test_without_a_territory_account_hr_is_told_to_ask_for_it(app, hr_client, awaiting):
    page = hr_client.get(awaiting["page"]).get_data(as_text=True)
    assert 'data-testid="no-bank-details"' in page and "IBAN" not in page


def test_a_wrong_reference_or_amount_is_refused_and_records_nothing(app, awaiting):
    before = _state(app, awaiting["campaign"])
    page = awaiting["admin"].get("/admin/entreprises/").get_data(as_text=True)
    assert 'data-testid="transfer-amount-' in page and "enregistre de lui-même les virements" in page
    answer = awaiting["admin"].post(awaiting["record"], data={"reference": "VIR-2026-118", "amount": "511,00"},
                                    follow_redirects=True).get_data(as_text=True)
    assert (f"Référence du virement : « VIR-2026-118 » n&#39;est pas celle de cette campagne "
            f"(HALLE-CAMPAGNE-{awaiting['campaign']})") in answer
    answer = awaiting["admin"].post(awaiting["record"], data={"reference": f"HALLE-CAMPAGNE-{awaiting['campaign']}",
                                                              "amount": "cinq cents"}, follow_redirects=True)
    assert "Montant reçu : « cinq cents » n&#39;est pas un montant" in answer.get_data(as_text=True)
    answer = awaiting["admin"].post(awaiting["record"], data={"reference": f"HALLE-CAMPAGNE-{awaiting['campaign']}"},
                                    follow_redirects=True)
    assert "Montant reçu : indiquez le montant" in answer.get_data(as_text=True)
    assert _state(app, awaiting["campaign"]) == before


def test_less_than_asked_is_recorded_and_the_campaign_waits_for_the_rest(app, hr_client, awaiting,
                                                                           territory_account):
    reference = f"HALLE-CAMPAGNE-{awaiting['campaign']}"
    answer = awaiting["admin"].post(awaiting["record"], data={"reference": reference, "amount": "400,00"},
                                    follow_redirects=True).get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    assert "Virement partiel de 400,00 € enregistré" in answer and "il manque 111,00 €" in answer
    assert _state(app, awaiting["campaign"]) == (
        "awaiting_payment", [("bank", "pending", 11_100), ("bank", "succeeded", 40_000)], [40_000], 0)
    with app.app_context():
        assert outbox()[-1]["Subject"].startswith("Paiement partiel reçu")
    page = hr_client.get(awaiting["page"]).get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    assert "Déjà reçu : 400,00 €. Reste à virer : 111,00 €." in page
    hr_client.post(f"/entreprise/{awaiting['employer']}/campagnes/{awaiting['campaign']}/emettre")
    assert _state(app, awaiting["campaign"])[0] == "awaiting_payment"  # nothing issued on part of the money
    # The admin's list asks for the rest; when it arrives the campaign is funded.
    assert "111,00" in awaiting["admin"].get("/admin/entreprises/").get_data(as_text=True)
    awaiting["admin"].post(awaiting["record"], data={"reference": reference, "amount": "111"})
    assert _state(app, awaiting["campaign"]) == (
        "funded", [("bank", "succeeded", 11_100), ("bank", "succeeded", 40_000)], [40_000, 11_100], 0)


def test_more_than_asked_funds_the_campaign_and_the_surplus_is_employer_credit(app, hr_client, awaiting):
    reference = f"halle campagne {awaiting['campaign']}"
    answer = awaiting["admin"].post(awaiting["record"], data={"reference": reference, "amount": "600,00"},
                                    follow_redirects=True).get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    assert "la campagne « Noël 2026 » est financée. L&#39;excédent de 89,00 € reste au crédit" in answer
    assert _state(app, awaiting["campaign"]) == ("funded", [("bank", "succeeded", 60_000)], [60_000], 8_900)
    hr_client.post(f"/entreprise/{awaiting['employer']}/campagnes/{awaiting['campaign']}/emettre")
    status, _, _, credit = _state(app, awaiting["campaign"])
    assert status == "issued" and credit == 8_900  # the surplus is left after the issue
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "fund")) == 1
