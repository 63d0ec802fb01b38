"""The resident's search on a phone (390×844): a postal code offers its communes, the results come
first as product cards with pictures, the filters open from the "Filtres" button by keyboard."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_postal_code_then_cards_first_and_filters_behind_a_button(phone):
    page = phone
    page.goto("/")
    menu = page.get_by_role("button", name="Menu")  # the header folds on a phone
    if menu.is_visible() and menu.get_attribute("aria-expanded") == "false":
        menu.click()
    commune = page.get_by_placeholder("Nom ou code postal").locator("visible=true").first
    commune.fill("21140")  # Semur-en-Auxois' postal code, shared by its neighbours (Champignolles' INSEE code)
    commune.press("Enter")
    expect(page.get_by_role("heading", name="Quelle commune ?")).to_be_visible()
    choice = page.get_by_role("button", name="Semur-en-Auxois (21140)")
    expect(choice).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Champignolles"))).to_have_count(0)
    choice.click()
    expect(page.get_by_test_id("current-commune")).to_have_text("Semur-en-Auxois")

    page.goto("/recherche?q=miel")
    cards = page.get_by_test_id("result")
    expect(cards.first).to_be_visible()
    first = cards.first
    expect(first.locator("img")).to_have_attribute("src", re.compile(r"^/medias/thumb/[0-9a-f]{64}\.webp$"))
    assert first.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")  # the illustration loads
    expect(first.get_by_test_id("result-price")).to_contain_text("€")
    expect(first.get_by_test_id("result-place")).to_contain_text(re.compile(r"km|Semur"))

    toggle = page.get_by_role("button", name=re.compile("^Filtres"))
    panel = page.get_by_test_id("filters-panel")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    assert first.bounding_box()["y"] < 844  # the first results are on the first screen
    assert fits_the_screen(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-cards-phone.png"), full_page=True)

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    expect(page.get_by_label("Ouvert maintenant")).to_be_visible()
    expect(page.get_by_test_id("facet-price")).to_be_visible()
    assert fits_the_screen(page)
    page.screenshot(path=str(ARTIFACTS / "search-filters-open-phone.png"), full_page=True)
    page.keyboard.press("Enter")  # the focus stayed on the button: it folds them again
    expect(panel).to_be_hidden()


def test_on_a_wide_screen_the_filters_sit_beside_the_cards(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto("/recherche?q=miel")
        expect(page.get_by_test_id("result").first).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("^Filtres"))).to_be_hidden()
        expect(page.get_by_test_id("filters-panel")).to_be_visible()
        panel, card = page.get_by_test_id("filters-panel").bounding_box(), page.get_by_test_id("result").first.bounding_box()
        assert panel["x"] + panel["width"] <= card["x"]  # side by side
        page.screenshot(path=str(ARTIFACTS / "search-cards-desktop.png"), full_page=True)
    finally:
        context.close()
