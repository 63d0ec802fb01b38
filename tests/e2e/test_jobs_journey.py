"""The admin checks, on a phone or a desktop, that the nightly ledger check ran, and runs it now."""
import re

from playwright.sync_api import expect

from tests.e2e.axe import audit
from tests.e2e.conftest import expect_rows_as_cards, log_in


def test_the_admin_runs_the_ledger_check_now(page):
    log_in(page, "admin@demo.halle.fr")
    page.get_by_role("link", name=re.compile("Tâches automatiques")).click()
    expect_rows_as_cards(page.get_by_test_id("periodic-jobs"))
    audit(page)
    page.get_by_role("button", name="Lancer maintenant : Vérifier le grand livre de la carte").click()
    expect(page.get_by_text(re.compile("« Vérifier le grand livre de la carte » est lancée"))).to_be_visible()
    expect(page.get_by_test_id("job-verify_ledger")).to_contain_text("réussie (0)")
    audit(page)
