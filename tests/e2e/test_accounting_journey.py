"""The accountant's month in a real browser: the admin exports a month's FEC (read back by the
independent check), opens the month's statement, closes the month after confirming, and looks at
the chart of accounts; desktop and phone, axe-core on every page, screenshots."""
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from loyalty import ledger
from loyalty.closing import ClosedMonth
from loyalty.clock import paris_day, utc_now
from marketplace import closing
from marketplace.extensions import db
from tests.e2e.axe import audit
from tests.e2e.conftest import expect_on_screen, expect_rows_as_cards, log_in, screenshot
from tests.fec_check import read_fec


@pytest.fixture
def past_month(live_app, screen):
    """A month that is over, with a public top-up in it: two years ago (a month later on the phone:
    closing a month closes the ones before it, and both screens share the demo). The other journeys
    date entries in the last months, so the closings are taken back afterwards."""
    month = paris_day(utc_now()).replace(day=1)
    for _ in range(24 if screen == "desktop" else 23):
        month = (month - timedelta(days=1)).replace(day=1)
    with live_app.app_context():
        ledger.fund(db.session, amount_cents=250_000, key=f"e2e:accounts:{screen}", actor="e2e",
                    now=datetime(month.year, month.month, 15, 9, tzinfo=UTC))
    yield month
    with live_app.app_context():
        db.session.execute(delete(ClosedMonth))
        db.session.commit()


def test_admin_exports_the_fec_and_closes_the_month(page, live_app, past_month, tmp_path):
    last_day = closing.last_day(past_month)
    log_in(page, "admin@demo.halle.fr")
    page.get_by_role("link", name="Comptabilité : export FEC, plan comptable, clôtures mensuelles").click()
    audit(page)
    page.get_by_label("Du", exact=True).fill(past_month.isoformat())
    page.get_by_label("Au (inclus)").fill(last_day.isoformat())
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_test_id("fec-summary")).to_contain_text("total des crédits 2")
    journals = page.get_by_test_id("fec-journals")
    expect(journals).to_contain_text("Banque")
    expect_rows_as_cards(journals)  # on a phone, each journal's debits are on screen, not cut
    expect(journals.locator("td").last).to_contain_text("€")
    expect_on_screen(page, journals.locator("td").last)
    screenshot(page, "accounting-fec")
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le FEC").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"FEC{last_day:%Y%m%d}.txt"
    lines = read_fec(path.read_bytes().decode("utf-8"), "\t", past_month, last_day)
    assert any(line["JournalCode"] == "BQ" and line["CompteNum"] == "512000" and line["Debit"] == 250_000
               for line in lines)

    page.get_by_role("link", name="Clôtures mensuelles").click()
    screenshot(page, "accounting-months")
    page.locator(f'[data-testid="closing-months"] a[href$="/clotures/{past_month:%Y-%m}"]').click()
    expect(page.get_by_test_id("ledger-verify")).to_contain_text("Registre vérifié : aucune anomalie.")
    expect(page.get_by_test_id("closing-balance")).to_contain_text("512000")
    audit(page)
    page.locator("summary", has_text="Clôturer le mois").click()
    page.get_by_label("Je confirme la clôture définitive de ce mois").check()
    page.get_by_role("button", name="Clôturer", exact=True).click()
    expect(page.get_by_text(f"Le mois {past_month:%m/%Y} est clôturé")).to_be_visible()
    expect(page.get_by_test_id("closing-state")).to_contain_text("Mois clôturé le")
    screenshot(page, "accounting-closed-month")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Télécharger (PDF)").click()
    assert pdf.value.suggested_filename == f"releve-mensuel-{past_month:%Y-%m}.pdf"

    page.get_by_role("link", name="Clôtures mensuelles").click()
    audit(page)
    page.get_by_role("link", name="Export FEC").click()
    audit(page)
    page.get_by_role("link", name="Plan comptable").click()
    expect(page.get_by_label("Numéro de compte de purse")).to_have_value("419800")
    # Each account is named in words, its ledger key under it; a card per account on a phone, each
    # field wide enough to read a number (six digits and more) or a label.
    chart = page.get_by_test_id("chart")
    expect(chart.get_by_role("row").filter(has_text="purse")).to_contain_text("Crédit disponible sur les cartes")
    expect_rows_as_cards(chart)
    number, label = page.get_by_label("Numéro de compte de purse"), page.get_by_label("Libellé de compte de purse")
    expect_on_screen(page, number, label, page.get_by_label("Préfixe auxiliaire de shop_payable"))
    assert number.bounding_box()["width"] >= 100 and label.bounding_box()["width"] >= 200
    screenshot(page, "accounting-chart")

