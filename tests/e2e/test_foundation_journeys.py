import json
import re
from pathlib import Path

from playwright.sync_api import expect

from marketplace.mail import outbox
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, log_out, open_menu, screenshot


def test_home_page_shows_the_territory_map_and_figures(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Auxois Morvan")
    expect(page.locator("#map")).to_be_visible()
    # map.js adds one marker per commune once the GeoJSON is loaded.
    expect(page.locator("#map")).to_have_attribute("data-markers", re.compile(r"^[1-9]\d{2}$"))
    assert page.locator(".leaflet-interactive").count() > 200
    # The map's credit in the page's language, and no 14 px "Leaflet" link beside it.
    expect(page.locator("#map .leaflet-control-attribution")).to_have_text("© contributeurs OpenStreetMap")
    assert int(page.get_by_test_id("count-shops").inner_text()) >= 100
    screenshot(page, "home")


def test_commune_selector_by_postal_code(page):
    page.goto("/")
    open_menu(page)
    page.get_by_role("combobox", name="Ma commune").fill("21230")
    page.get_by_role("button", name="Choisir").click()
    # Several communes share 21230: the visitor picks theirs.
    audit(page)
    page.get_by_role("button", name="Arnay-le-Duc (21230)").click()
    audit(page)
    open_menu(page)
    expect(page.get_by_test_id("current-commune")).to_have_text("Arnay-le-Duc")
    page.get_by_test_id("current-commune").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Arnay-le-Duc")
    expect(page.get_by_text("21230")).to_be_visible()
    screenshot(page, "commune-arnay")


def test_sign_up_log_out_log_in(page, screen, live_app):
    email = f"ines.lefebvre.{screen}@example.fr"
    page.goto("/inscription")
    audit(page)
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label("Nom", exact=True).fill("Lefebvre")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill("une-phrase-solide")
    page.get_by_label("Confirmez le mot de passe").fill("une-phrase-solide")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_test_id("role-home")).to_have_text("Mon compte")
    screenshot(page, "account")
    for name in ("Voir ma carte", "Inscrivez votre entreprise", "Les produits épuisés dont j'attends le retour"):
        link = page.locator("main").get_by_role("link", name=name)
        assert link.bounding_box()["height"] >= 24, name  # alone on its line: a finger's target
    # Ordering waits for the address to be confirmed from the link mailed to it (a new one on demand).
    expect(page.get_by_test_id("email-unconfirmed")).to_contain_text(f"ouvrez le lien envoyé à {email}")
    page.goto("/recherche?q=baguette")
    audit(page)
    page.locator("[data-testid=result] a.result-name").first.click()
    audit(page)
    page.locator("main form.add-to-cart button").first.click()
    page.get_by_test_id("cart-link").click()
    page.get_by_test_id("checkout").click()
    expect(page.get_by_test_id("email-unconfirmed")).to_contain_text("Avant de commander, confirmez votre adresse")
    screenshot(page, "checkout-confirm-first")
    page.get_by_role("button", name="Renvoyer le lien").click()
    expect(page.get_by_text(f"Un nouveau lien vient d'être envoyé à {email}.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/panier/commande$"))
    with live_app.app_context():
        mail = [m for m in outbox() if m["To"] == email][-1]
    assert mail["Subject"] == "Confirmez votre adresse e-mail sur Halle"
    page.goto(re.search(r"https?://\S+", mail.get_content()).group(0))
    screenshot(page, "confirm-address")
    page.get_by_role("button", name="Confirmer cette adresse").click()
    expect(page.get_by_text(f"Adresse e-mail confirmée : {email}.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/panier$"))  # back to the cart, which waited
    audit(page)
    page.get_by_test_id("checkout").click()
    expect(page.get_by_role("button", name="Valider et payer")).to_be_visible()
    audit(page)
    page.goto("/compte/")
    expect(page.get_by_test_id("email-unconfirmed")).to_have_count(0)
    log_out(page)
    open_menu(page)
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    audit(page)
    log_in(page, email, "une-phrase-solide")
    expect(page.get_by_text("Bonjour Inès Lefebvre !")).to_be_visible()
    audit(page)
    # A new password, from the profile page.
    page.goto("/compte/profil")
    audit(page)
    page.get_by_label("Mot de passe actuel").first.fill("une-phrase-solide")
    page.get_by_label("Nouveau mot de passe").fill("une-autre-phrase")
    page.get_by_label("Confirmez le mot de passe").fill("une-autre-phrase")
    page.get_by_role("button", name="Changer le mot de passe").click()
    expect(page.get_by_text("Mot de passe changé. Vos autres appareils sont déconnectés.")).to_be_visible()
    audit(page)
    # A new login address counts once the link mailed to it is opened.
    new_email = f"ines.l.{screen}@example.fr"
    page.get_by_label("Nouvelle adresse e-mail").fill(new_email)
    page.get_by_label("Mot de passe actuel").last.fill("une-autre-phrase")
    page.get_by_role("button", name="Changer d'adresse e-mail").click()
    expect(page.get_by_text(f"Un lien vient d'être envoyé à {new_email}")).to_be_visible()
    with live_app.app_context():
        mail = [m for m in outbox() if m["To"] == new_email][-1]
    page.goto(re.search(r"https?://\S+", mail.get_content()).group(0))
    audit(page)
    page.get_by_role("button", name="Confirmer cette adresse").click()
    expect(page.get_by_text(f"Adresse e-mail changée : connectez-vous désormais avec {new_email}.")).to_be_visible()
    email = new_email
    log_out(page)
    # The address typed on the login page goes with « Mot de passe oublié ? ».
    page.goto("/connexion")
    audit(page)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    expect(page.get_by_label("Adresse e-mail")).to_have_value(email)
    audit(page)
    # Her account closed from the profile page: her password again, a tick, and she is logged out.
    log_in(page, email, "une-autre-phrase")
    page.goto("/compte/profil")
    audit(page)
    with page.expect_download() as download:  # first, what Halle holds about her
        page.get_by_role("link", name="Télécharger mes données").click()
    assert json.loads(Path(download.value.path()).read_text(encoding="utf-8"))["account"]["email"] == email
    page.get_by_role("link", name="Fermer mon compte…").click()
    screenshot(page, "account-close")
    page.get_by_label("Mot de passe actuel").fill("une-autre-phrase")
    page.get_by_label("Je ferme mon compte pour de bon").check()
    page.get_by_role("button", name="Fermer mon compte").click()
    expect(page.get_by_text("Votre compte est fermé.")).to_be_visible()
    audit(page)


def test_the_legal_pages_are_reached_from_every_page_s_footer(page):
    page.goto("/")
    audit(page)
    for name, heading, shot in (("Mentions légales", "Mentions légales", "legal-notice"),
                                ("Confidentialité", "Vos données personnelles", "legal-privacy"),
                                ("Conditions d'utilisation", "Conditions d'utilisation", "legal-terms")):
        link = page.get_by_role("navigation", name="Informations légales").get_by_role("link", name=name)
        page.wait_for_load_state()
        assert link.bounding_box()["height"] >= 24, name  # a finger's target
        link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_text("Communauté de communes de l'Auxois Morvan (démonstration)").first).to_be_visible()
        screenshot(page, shot)


def test_each_demo_role_lands_on_its_page(open_page, live_server):
    landings = {
        "resident@demo.halle.fr": ("/compte/", "Mon compte"),
        "commercant@demo.halle.fr": ("/boutique/", "Boulangerie"),
        "caissier@demo.halle.fr": ("/caisse/", "Caisse"),
        "rh@demo.halle.fr": ("/entreprise/", ""),
        "admin@demo.halle.fr": ("/admin/", "Administration du territoire"),
    }
    for email, (path, heading) in landings.items():
        page = open_page()
        log_in(page, email)
        page.wait_for_url(re.compile(re.escape(live_server + path)))
        expect(page.get_by_test_id("role-home")).to_contain_text(heading)
        screenshot(page, "home-" + email.split("@")[0])


def test_the_short_addresses_open_a_teams_space(page, live_server):
    """A cashier told "ouvrez halle.fr/caisse" types it, logs in and is at the till; a resident who
    tries /boutique/ is told how to get a shop."""
    page.goto("/caisse/")
    audit(page)
    page.get_by_label("Adresse e-mail").fill("caissier@demo.halle.fr")
    page.get_by_label("Mot de passe").fill("halle-demo")
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(re.escape(live_server) + r"/caisse/\d+/$"))
    expect(page.get_by_test_id("role-home")).to_contain_text("Caisse")
    audit(page)
    log_out(page)
    audit(page)
    log_in(page, "resident@demo.halle.fr")
    page.goto("/boutique/")
    expect(page.get_by_test_id("no-place")).to_contain_text("Votre compte ne gère aucun commerce")
    screenshot(page, "short-address-no-shop")
    page.get_by_role("button", name="Inscrire mon commerce").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.endswith("/boutique/nouvelle")
    audit(page)


def test_keyboard_user_can_skip_to_content(page):
    page.goto("/")
    audit(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()


def test_phone_menu_opens_and_closes_by_keyboard(page, screen):
    """On a phone the header is one short row (the menu folds behind its button, opened and closed
    by keyboard); on a desktop the menu shows without a button."""
    log_in(page, "resident@demo.halle.fr")
    expect(page.get_by_test_id("role-home")).to_be_visible()
    toggle = page.get_by_role("button", name="Menu")
    account = page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Mon compte")
    if screen == "desktop":
        expect(toggle).to_be_hidden()
        expect(account).to_be_visible()
        audit(page)
        return
    assert page.locator("header").bounding_box()["height"] < 100
    expect(account).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(account).to_be_visible()
    audit(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("navigation", name="Navigation principale").get_by_role("link").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(account).to_be_hidden()


def test_anyone_reads_the_territory_figures_and_browses_a_category(page):
    """The public figures page and a category's page with its sub-categories, at both sizes."""
    page.goto("/chiffres")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "territory-figures")
    page.goto("/categories/alimentation")
    subcategories = page.get_by_role("navigation", name="Sous-catégories").get_by_role("link")
    expect(subcategories.first).to_be_visible()
    screenshot(page, "category")
    heights = [box["height"] for box in (link.bounding_box() for link in subcategories.all())]
    assert min(heights) >= 24, heights  # a row of finger targets
    subcategories.first.click()
    breadcrumb = page.get_by_role("navigation", name="Fil d'Ariane").get_by_role("link", name="Alimentation")
    expect(breadcrumb).to_be_visible()
    screenshot(page, "subcategory")
    # The breadcrumb's "›" follows its link, not pushed to the far edge of the screen.
    gap = breadcrumb.evaluate("""a => { const range = document.createRange(); range.selectNodeContents(a.parentElement);
        const sign = [...a.parentElement.childNodes].find(n => n.nodeType === 3 && n.textContent.includes('›'));
        range.selectNodeContents(sign); const rects = [...range.getClientRects()].filter(r => r.width);
        return rects[0].left - a.getBoundingClientRect().right; }""")
    assert 0 <= gap < 20, gap
    assert breadcrumb.bounding_box()["height"] >= 24
