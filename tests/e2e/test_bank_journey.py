"""The territory's bank statement in a real browser: the admin imports the CAMT.053 file, the
campaign transfer funds its campaign by itself, the two lines nobody expected are dealt with, and
the account shows no line left; the baker sees when and what he will next be paid."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from loyalty.clock import paris_day, utc_now
from marketplace.extensions import db
from marketplace.models import Campaign, CampaignPayment, Employer
from tests.camt053 import Line, Tx, statement
from tests.e2e.axe import audit
from tests.e2e.conftest import expect_rows_as_cards, log_in, log_out, screenshot

DEMO_IBAN = "FR7630001002152114000000104"


@pytest.fixture
def statement_file(live_app, screen, tmp_path):
    """A company's campaign waiting for its 1 200,00 € transfer, and the day's
    statement: that transfer, a transfer with no reference, bank fees (ids of their own per screen)."""
    with live_app.app_context():
        # A company of its own: the credit its transfer leaves must not pay the other journeys' campaigns.
        commune = db.session.scalar(select(Employer.commune_insee).order_by(Employer.id).limit(1))
        employer = Employer(name=f"Scierie du Morvan ({screen})", slug=f"scierie-du-morvan-{screen}",
                            commune_insee=commune, status="approved")
        db.session.add(employer)
        db.session.flush()
        campaign = Campaign(employer_id=employer.id, event="noel", label=f"Noël ({screen})", year=paris_day(utc_now()).year,
                            amount_cents=12_000, expires_on=paris_day(utc_now()) + timedelta(days=365),
                            status="awaiting_payment", total_cents=120_000, funding_method="bank")
        db.session.add(campaign)
        db.session.flush()
        db.session.add(CampaignPayment(campaign_id=campaign.id, method="bank", amount_cents=120_000))
        db.session.commit()
        campaign_id, sender = campaign.id, employer.name.upper()
    today = paris_day(utc_now())
    lines = [Line(120_000, today, f"E2E-{screen}-1", [Tx(120_000, "NOTPROVIDED", f"HALLE-CAMPAGNE-{campaign_id}",
                                                         sender)]),
             Line(2_500, today, f"E2E-{screen}-2", [Tx(2_500, "NOTPROVIDED", "VIREMENT", "M DUPONT JEAN")]),
             Line(-1_200, today, f"E2E-{screen}-3", info=f"FRAIS TENUE DE COMPTE {screen.upper()}")]
    path = tmp_path / f"releve-{screen}.xml"
    path.write_bytes(statement(f"E2E-{screen}", lines, start=today, end=today, iban=DEMO_IBAN, version=8))
    return path, campaign_id


def test_admin_imports_the_statement_and_leaves_no_line(page, live_app, statement_file, screen):
    path, campaign_id = statement_file
    log_in(page, "admin@demo.halle.fr")
    expect(page.get_by_test_id("bank-position")).to_be_visible()
    page.get_by_role("link", name="Compte bancaire : relevés et rapprochement").click()
    audit(page)
    page.get_by_label("Relevé de compte (fichier CAMT.053 ou CFONB 120 de la banque)").set_input_files(str(path))
    page.get_by_role("button", name="Importer le relevé").click()
    expect(page.get_by_text("Relevé importé : 3 nouvelles lignes")).to_be_visible()
    with live_app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "funded"  # no click for the exact transfer
    rows = page.get_by_test_id("bank-line")
    expect(rows).to_have_count(2)
    expect_rows_as_cards(page.get_by_test_id("bank-lines"))
    screenshot(page, "bank-lines")

    # The bank's fees: booked in the books, and their label kept for the next months.
    fees = rows.filter(has_text="FRAIS TENUE DE COMPTE")
    fees.get_by_label("Inscrire de même les prochains débits de ce libellé").check()
    fees.get_by_role("button", name=re.compile("Frais bancaires : inscrire 12,00")).click()
    expect(page.get_by_text(re.compile("Débit de 12,00.€ inscrit en frais bancaires"))).to_be_visible()
    expect(page.get_by_test_id("fee-labels")).to_contain_text(f"FRAIS TENUE DE COMPTE {screen.upper()}")
    stranger = page.get_by_test_id("bank-line").filter(has_text="M DUPONT JEAN")
    stranger.get_by_label("Ce qui a été fait (renvoyé, virement hors Halle…)").fill("Renvoyé à M. Dupont")
    stranger.get_by_role("button", name="Marquer traitée hors Halle").click()
    expect(page.get_by_text("Aucune ligne à traiter.")).to_be_visible()
    # Next statement: the same fees again, booked at the import with no click.
    later = paris_day(utc_now()) + timedelta(days=1)
    next_file = path.with_name(f"releve-{screen}-suivant.xml")
    next_file.write_bytes(statement(f"E2E-{screen}-suivant", [
        Line(-1_300, later, f"E2E-{screen}-4", info=f"FRAIS TENUE DE COMPTE {screen.upper()}")],
        opening=120_000 + 2_500 - 1_200, start=later, end=later, iban=DEMO_IBAN, version=8))
    page.get_by_label("Relevé de compte (fichier CAMT.053 ou CFONB 120 de la banque)").set_input_files(str(next_file))
    page.get_by_role("button", name="Importer le relevé").click()
    expect(page.get_by_text("Relevé importé : 1 nouvelle ligne")).to_be_visible()
    expect(page.get_by_text("Aucune ligne à traiter.")).to_be_visible()
    page.get_by_role("link", name="Voir toutes les lignes").click()
    expect(page.get_by_test_id("bank-line").filter(has_text=f"HALLE-CAMPAGNE-{campaign_id}")).to_contain_text(
        "Campagne financée.")
    screenshot(page, "bank-reconciled")
    log_out(page)
    audit(page)

    log_in(page, "commercant@demo.halle.fr")
    page.get_by_role("button", name="Relevés de règlement").click()
    expect(page.get_by_test_id("next-payment")).to_contain_text(re.compile("Le prochain règlement sera fait le"))
    screenshot(page, "shop-next-payment")
