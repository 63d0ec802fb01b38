"""Browser journey of issue 22's businesses without a catalogue: a resident of Semur-en-Auxois
searches "plombier", "usinage" and "réparation tondeuse" and finds the demo's artisans and small
industries next to the products, with distance, opening hours and contact, then opens one's page
(services, area served, hours). Desktop and phone, axe-core on every page."""
from urllib.parse import urlencode

from playwright.sync_api import expect

from tests.e2e.axe import audit
from tests.e2e.conftest import screenshot

SEMUR = "21603"


def test_a_resident_finds_a_plumber_and_a_machining_workshop(page):
    for words, slug in (("plombier", "plomberie-renaud-semur"), ("usinage", "usinage-precision-auxois"),
                        ("réparation tondeuse", "motoculture-service-venarey")):
        page.goto("/recherche?" + urlencode({"q": words, "commune": SEMUR, "radius_km": 40}))
        card = page.locator(f'[data-testid=business][data-shop-slug="{slug}"]')
        expect(card).to_be_visible()
        expect(card.get_by_test_id("business-place")).to_contain_text("km")
        expect(card.get_by_test_id("business-opening")).not_to_be_empty()
        expect(card.get_by_role("link", name="03 80", exact=False)).to_be_visible()
        audit(page)
    screenshot(page, "search-businesses")
    page.locator('[data-testid=business] a.business-name').first.click()
    expect(page.get_by_test_id("shop-services")).to_contain_text("Réparation et entretien de tondeuses")
    expect(page.get_by_test_id("shop-area")).to_contain_text("dans un rayon de 30 km")
    screenshot(page, "business-page")
