"""A card counter's seller (the demo's "guichet" persona) on a phone and a desktop: sells two cards
in cash, prints them with their PIN slips, sells a third and voids that sale, reads the cash-up
(and its CSV) and closes the day, after which the sale form is gone. Each screen works at a
counter of its own (a closed day is closed for good)."""
import re

from playwright.sync_api import expect

from marketplace import counters
from marketplace.demo import DEMO_COUNTER, DEMO_DOMAIN, SEMUR_INSEE
from marketplace.extensions import db
from marketplace.models import User
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, screenshot

SELLER = f"guichet@{DEMO_DOMAIN}"


def _sell(page, cards):
    for n, (euros, name) in enumerate(cards):
        if n:
            page.get_by_role("button", name="Ajouter une carte").click()
        card = page.get_by_test_id("counter-card").nth(n)
        card.get_by_label("Montant (€)").fill(euros)
        card.get_by_label("Nom du destinataire (facultatif)").fill(name)
    page.get_by_label("Espèces").check()
    page.get_by_role("button", name="Encaisser et créer les cartes").click()
    expect(page.get_by_test_id("sale-summary")).to_be_visible()


def _height(locator) -> float:
    """A tap target's rendered height, in CSS pixels, once the page's style sheets have loaded (measured
    before, a link has its bare text height)."""
    locator.page.wait_for_load_state("load")
    return locator.bounding_box()["height"]


def test_a_counter_seller_sells_prints_voids_and_closes_the_day(page, screen, live_app):
    with live_app.app_context():
        admin = db.session.query(User).filter_by(email=f"admin@{DEMO_DOMAIN}").one()
        counter = counters.create_counter(name=f"Mairie ({screen})", commune_insee=SEMUR_INSEE, admin=admin)
        counters.add_seller(counter, SELLER, admin=admin)
        counter_id = counter.id

    log_in(page, SELLER)  # lands on the demo's counter
    expect(page.get_by_role("heading", name=DEMO_COUNTER)).to_be_visible()
    page.goto(f"/guichet/{counter_id}/")
    audit(page)
    _sell(page, [("30", "Paul Martin"), ("20", "")])
    expect(page.get_by_test_id("sale-summary")).to_contain_text("50,00")
    expect(page.get_by_test_id("sale-card")).to_have_count(2)
    expect(page.get_by_test_id("sale-card").nth(1).locator("td").first).to_have_text("Carte 2")
    assert _height(page.get_by_role("link", name="Retour au point de vente")) >= 24
    audit(page)
    screenshot(page, "counter-sale")
    pdf = page.request.get(page.get_by_role("link", name=re.compile("Carte à imprimer")).first.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    page.get_by_role("button", name="Imprimer les cartes avec leur code PIN").click()
    expect(page.get_by_test_id("printed-pin")).to_have_count(2)
    assert re.fullmatch(r"\d{4}", page.get_by_test_id("printed-pin").first.inner_text())
    audit(page)
    screenshot(page, "counter-print")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vente n°")
    assert _height(page.get_by_role("button", name="Imprimer", exact=True)) >= 40
    assert _height(page.get_by_role("link", name="Retour à la vente")) >= 24
    page.get_by_role("link", name="Retour à la vente").click()
    page.get_by_role("link", name="Retour au point de vente").click()

    _sell(page, [("15", "")])
    page.locator("summary", has_text="Annuler la vente").click()
    page.get_by_label(re.compile("Je confirme l'annulation")).check()
    audit(page)
    page.get_by_role("button", name="Annuler la vente").click()
    expect(page.get_by_test_id("sale-voided")).to_be_visible()
    # Its style sheets first: arriving between Playwright's checks and its tap, they moved the link
    # away from the tap under a loaded machine (the page stayed where it was).
    page.wait_for_load_state()
    page.get_by_role("link", name="Retour au point de vente").click()
    expect(page.get_by_test_id("counter-sale-line")).to_have_count(2)
    audit(page)

    page.get_by_role("link", name="Caisse du jour et clôture").click()
    expect(page.get_by_test_id("cash-up-cash")).to_contain_text("50,00")
    expect(page.get_by_test_id("cash-up-total")).to_have_text(re.compile("50,00"))
    audit(page)
    screenshot(page, "counter-cash-up")
    assert _height(page.get_by_test_id("cash-up-csv")) >= 24
    csv = page.request.get(page.get_by_test_id("cash-up-csv").get_attribute("href"))
    assert csv.ok and "Espèces;2;65,00;15,00;50,00" in csv.text()
    page.locator("summary", has_text="Clôturer la journée").click()
    page.get_by_label(re.compile("Je confirme : ")).check()
    page.get_by_role("button", name="Clôturer").click()
    expect(page.get_by_test_id("day-closed")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Retour au point de vente").click()
    expect(page.get_by_test_id("day-closed")).to_be_visible()
    expect(page.get_by_test_id("counter-sale-form")).to_have_count(0)
    with live_app.app_context():
        assert counters.ledger_takings(counter_id, counters.today()) == {"cash": 5_000, "cheque": 0, "card": 0}
