"""A commune's programme manager (the demo's "mairie" persona, Semur-en-Auxois) on a desktop and on
a phone: lands on the commune's space, creates a programme of the commune (it starts tomorrow, so it
tops up nothing the other journeys buy on this server), reads its live page and raises its budget."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from loyalty.clock import paris_day, utc_now
from marketplace.demo import DEMO_DOMAIN
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, screenshot

MAYOR = f"mairie@{DEMO_DOMAIN}"


def test_a_commune_manager_creates_and_raises_the_communes_programme(page, screen, live_app):
    log_in(page, MAYOR)  # lands on the commune's space
    expect(page.get_by_role("heading", name="Programmes d'abondement de Semur-en-Auxois")).to_be_visible()
    audit(page)

    page.get_by_role("link", name="Nouveau programme").click()
    today = paris_day(utc_now())
    name = f"Semur au cœur ({screen})"
    page.get_by_label("Nom du programme").fill(name)
    page.get_by_label("Budget (€)").fill("800")
    page.get_by_label("Abondement (en pourcentage de ce qui est payé)").fill("20")
    page.get_by_label("Abondement au plus par achat (€)").fill("10")
    page.get_by_label("Abondement au plus par personne (€)").fill("30")
    page.get_by_label("Début", exact=True).fill((today + timedelta(days=1)).isoformat())
    page.get_by_label("Fin", exact=True).fill((today + timedelta(days=60)).isoformat())
    audit(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_test_id("budget")).to_have_text(re.compile("800,00"))
    expect(page.get_by_text("Porteur : Semur-en-Auxois (commune)")).to_be_visible()
    expect(page.get_by_text("Se dépense : Semur-en-Auxois")).to_be_visible()
    audit(page)
    screenshot(page, "commune-programme")

    page.get_by_role("link", name="Modifier").click()
    expect(page.get_by_label("Budget (€)")).to_have_value("800,00")
    audit(page)
    page.get_by_label("Budget (€)").fill("1200")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_test_id("budget")).to_have_text(re.compile("200,00"))
    audit(page)

    page.get_by_role("link", name="Programmes d'abondement").first.click()
    expect(page.get_by_test_id("programme-line").filter(has_text=name)).to_have_count(1)
    audit(page)
