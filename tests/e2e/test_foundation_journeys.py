import re

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot


def test_home_page_shows_the_territory_map_and_figures(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Auxois Morvan")
    expect(page.locator("#map")).to_be_visible()
    # map.js adds one marker per commune once the GeoJSON is loaded.
    expect(page.locator("#map")).to_have_attribute("data-markers", re.compile(r"^[1-9]\d{2}$"))
    assert page.locator(".leaflet-interactive").count() > 200
    assert int(page.get_by_test_id("count-shops").inner_text()) >= 100
    screenshot(page, "home")


def test_commune_selector_by_postal_code(page):
    page.goto("/")
    page.get_by_role("combobox", name="Ma commune").fill("21230")
    page.get_by_role("button", name="Choisir").click()
    # Several communes share 21230: the visitor picks theirs.
    page.get_by_role("button", name="Arnay-le-Duc (21230)").click()
    expect(page.get_by_test_id("current-commune")).to_have_text("Arnay-le-Duc")
    page.get_by_test_id("current-commune").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Arnay-le-Duc")
    expect(page.get_by_text("21230")).to_be_visible()
    screenshot(page, "commune-arnay")


def test_sign_up_log_out_log_in(phone_page):
    page = phone_page
    page.goto("/inscription")
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label("Nom", exact=True).fill("Lefebvre")
    page.get_by_label("Adresse e-mail").fill("ines.lefebvre@example.fr")
    page.get_by_label("Mot de passe", exact=True).fill("une-phrase-solide")
    page.get_by_label("Confirmez le mot de passe").fill("une-phrase-solide")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_test_id("role-home")).to_have_text("Mon compte")
    screenshot(page, "account-phone")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    log_in(page, "ines.lefebvre@example.fr", "une-phrase-solide")
    expect(page.get_by_text("Bonjour Inès Lefebvre !")).to_be_visible()


def test_each_demo_role_lands_on_its_page(browser, live_server):
    landings = {
        "resident@demo.halle.fr": ("/compte/", "Mon compte"),
        "commercant@demo.halle.fr": ("/boutique/", "Boulangerie"),
        "caissier@demo.halle.fr": ("/caisse/", "Caisse"),
        "rh@demo.halle.fr": ("/entreprise/", ""),
        "admin@demo.halle.fr": ("/admin/", "Administration du territoire"),
    }
    for email, (path, heading) in landings.items():
        context = browser.new_context(base_url=live_server)
        page = context.new_page()
        log_in(page, email)
        page.wait_for_url(re.compile(re.escape(live_server + path)))
        expect(page.get_by_test_id("role-home")).to_contain_text(heading)
        screenshot(page, "home-" + email.split("@")[0])
        context.close()


def test_keyboard_user_can_skip_to_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
