"""A resident of Semur-en-Auxois searches the territory's shops, with a typo, nearest first; on a
phone a postal code offers its communes, the results come first as product cards with pictures, the
filters open from the "Filtres" button by keyboard; on a wide screen they sit beside the cards."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import audit
from tests.e2e.conftest import open_menu, screenshot


def kilometres(text: str) -> float:
    if "< 1 km" in text:
        return 0.0
    return float(re.search(r"à (\d+) km", text).group(1))


def test_resident_finds_nearby_products_despite_a_typo(page):
    page.goto("/")
    audit(page)
    open_menu(page)
    page.get_by_placeholder("Nom ou code postal").first.fill("Semur-en-Auxois")
    page.get_by_role("button", name="Choisir").first.click()
    audit(page)
    open_menu(page)
    expect(page.get_by_test_id("current-commune")).to_have_text("Semur-en-Auxois")
    page.wait_for_load_state()
    commune_link = page.get_by_test_id("current-commune").get_by_role("link")
    assert commune_link.bounding_box()["height"] >= 24  # a finger's target

    page.goto("/recherche")
    audit(page)
    # Nothing asked yet: the top categories to start from, no « Filtres » button opening onto nothing.
    expect(page.get_by_test_id("browse-categories").get_by_role("link", name="Alimentation")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Filtres"))).to_have_count(0)
    page.get_by_label("Que cherchez-vous ?").fill("confiure")
    page.get_by_role("button", name="Rechercher").click()

    expect(page.get_by_test_id("suggestion")).to_contain_text("Vouliez-vous dire « confiture »")
    results = page.get_by_test_id("result")
    expect(results.first).to_be_visible()
    places = page.get_by_test_id("result-place").all_inner_texts()
    distances = [kilometres(text) for text in places]
    assert distances and max(distances) <= 20  # the default radius: 20 km around Semur
    assert distances[0] <= min(distances[1:] or [distances[0]]) + 10  # the nearest come first
    assert re.search(r"à (\d+ km|< 1 km) · \S", places[0])
    category_facet = page.get_by_test_id("facet-category")
    expect(category_facet.locator("li").first).to_contain_text(re.compile(r"\(\d+\)"))
    total_before = page.get_by_test_id("results-count").inner_text()
    screenshot(page, "search-typo-results")
    # By keyboard, the facets' links are skipped in one go: the next Tab reaches the first result.
    page.get_by_test_id("skip-to-results").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(".results :focus").first).to_be_visible()

    show_filters(page)
    open_facet(category_facet)
    category_facet.locator("li a").first.click()
    expect(page).to_have_url(re.compile(r"category="))
    audit(page)
    show_filters(page)
    expect(category_facet.locator("[aria-current=true]")).to_be_visible()  # the facet in use stays open

    page.get_by_label("Autour de Semur-en-Auxois").select_option("10")
    expect(page).to_have_url(re.compile(r"radius_km=10"))
    show_filters(page)
    expect(page.get_by_test_id("results-count")).to_contain_text("à moins de 10 km de Semur-en-Auxois")
    assert page.get_by_test_id("results-count").inner_text() != total_before
    for text in page.get_by_test_id("result-place").all_inner_texts():
        assert kilometres(text) <= 10
    expect(page.locator("#search-map")).to_have_attribute("data-markers", re.compile(r"[1-9]"))
    assert_map_controls_keep_leaflets_look(page, "#search-map")
    screenshot(page, "search-narrowed")

    first = page.get_by_test_id("result").first
    product_id = first.get_attribute("data-product-id")
    first.locator("a.result-name").click()
    expect(page).to_have_url(re.compile(rf"/produits/{product_id}$"))
    page.wait_for_load_state()  # its style sheets: sizes measured before them are the browser's defaults
    shop_link = page.get_by_test_id("product-place").locator("xpath=..").locator("a.quiet-link")
    assert shop_link.bounding_box()["height"] >= 24
    screenshot(page, "search-product")


def assert_map_controls_keep_leaflets_look(page, map_selector: str) -> None:
    """Leaflet gives its pins and zoom links role=button: the site's button style must not reach them
    (each pin sat on a blue box, the zoom links were 44 px tall with their sign pushed aside)."""
    pin = page.locator(f"{map_selector} .leaflet-marker-icon").first
    expect(pin).to_be_visible()
    assert pin.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert pin.evaluate("e => getComputedStyle(e).paddingLeft") == "0px"
    zoom = page.locator(f"{map_selector} .leaflet-control-zoom-in")
    box = zoom.bounding_box()
    assert 24 <= box["width"] <= 34 and 24 <= box["height"] <= 34, box
    assert zoom.evaluate("e => getComputedStyle(e).paddingLeft") == "0px"


def show_filters(page):
    """On a phone the filters may fold behind a "Filtres" button: unfold them."""
    toggle = page.get_by_role("button", name="Filtres")
    if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


def open_facet(facet):
    """On a phone a facet opens from its title (static/js/search.js): open it when it is shut."""
    if facet.get_attribute("open") is None:
        facet.locator("summary").click()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("screen", ["phone"])
def test_postal_code_then_cards_first_and_filters_behind_a_button(page):
    page.goto("/")
    audit(page)
    open_menu(page)
    commune = page.get_by_placeholder("Nom ou code postal").locator("visible=true").first
    commune.fill("21140")  # Semur-en-Auxois' postal code, shared by its neighbours (Champignolles' INSEE code)
    commune.press("Enter")
    expect(page.get_by_role("heading", name="Quelle commune ?")).to_be_visible()
    choice = page.get_by_role("button", name="Semur-en-Auxois (21140)")
    expect(choice).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Champignolles"))).to_have_count(0)
    audit(page)
    choice.click()
    audit(page)
    open_menu(page)
    expect(page.get_by_test_id("current-commune")).to_have_text("Semur-en-Auxois")

    page.goto("/recherche?q=miel")
    cards = page.get_by_test_id("result")
    expect(cards.first).to_be_visible()
    first = cards.first
    expect(first.locator("img")).to_have_attribute("src", re.compile(r"^/medias/thumb/[0-9a-f]{64}\.webp$"))
    # The illustration loads (decode() waits for it: read at once, a lazy image may still be on its way).
    assert first.locator("img").evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
    expect(first.get_by_test_id("result-price")).to_contain_text("€")
    expect(first.get_by_test_id("result-place")).to_contain_text(re.compile(r"km|Semur"))
    page.wait_for_load_state()
    assert first.locator(".result-shop a").bounding_box()["height"] >= 24  # the shop's link: a finger's target

    toggle = page.get_by_role("button", name=re.compile("^Filtres"))
    panel = page.get_by_test_id("filters-panel")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    assert first.bounding_box()["y"] < 844  # the first results are on the first screen
    assert fits_the_screen(page)
    screenshot(page, "search-cards")

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    expect(page.get_by_label("Ouvert maintenant")).to_be_visible()
    # The facets by their titles; one opens from its title, by keyboard too.
    for name in ("category", "commune", "shop", "price"):
        expect(page.get_by_test_id(f"facet-{name}").locator("summary")).to_be_visible()
        expect(page.get_by_test_id(f"facet-{name}").locator("li").first).to_be_hidden()
    assert panel.bounding_box()["height"] < 844  # the whole panel on one screen
    page.get_by_test_id("facet-price").locator("summary").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("facet-price").get_by_role("link").first).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "search-filters-open")
    toggle.focus()
    page.keyboard.press("Enter")  # the button folds them again
    expect(panel).to_be_hidden()


@pytest.mark.parametrize("screen", ["desktop"])
def test_on_a_wide_screen_the_filters_sit_beside_the_cards(page):
    page.goto("/recherche?q=miel")
    expect(page.get_by_test_id("result").first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Filtres"))).to_be_hidden()
    expect(page.get_by_test_id("filters-panel")).to_be_visible()
    expect(page.get_by_test_id("facet-commune").locator("li").first).to_be_visible()  # open beside the cards
    panel, card = page.get_by_test_id("filters-panel").bounding_box(), page.get_by_test_id("result").first.bounding_box()
    assert panel["x"] + panel["width"] <= card["x"]  # side by side
    screenshot(page, "search-cards")
