"""Territory administration in a real browser: a resident reports a product by keyboard; the admin renames a category, merges another into it, then hides the reported product
from the dashboard; the statistics map draws the communes."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Category, Product, Shop
from tests.e2e.axe import audit
from tests.e2e.conftest import expect_on_screen, expect_rows_as_cards, log_in, screenshot

# Each screen's run renames a category and merges its sibling into it (the demo is shared).
CATEGORIES = {"desktop": ("vetements", "Vêtements", "maroquinerie", "Maroquinerie", "Vêtements et maroquinerie"),
              "phone": ("bricolage", "Bricolage", "quincaillerie", "Quincaillerie", "Bricolage et quincaillerie")}


@pytest.fixture
def reported(live_app, screen):
    """An active product of an approved shop, with a name that is unique in the demo."""
    with live_app.app_context():
        unique_names = select(Product.name).group_by(Product.name).having(func.count() == 1)
        product = db.session.scalar(select(Product).join(Shop).where(
            Shop.status == "approved", Product.active.is_(True), Product.name.in_(unique_names))
            .order_by(Product.id).offset(list(CATEGORIES).index(screen)).limit(1))
        kept, _, merged, _, _ = CATEGORIES[screen]
        counts = {slug: db.session.scalar(select(func.count()).select_from(Product).join(Category)
                                          .where(Category.slug == slug)) for slug in (kept, merged)}
        return product.id, product.name, counts


def test_admin_renames_merges_a_category_and_hides_a_reported_product(open_page, screen, reported, live_app):
    product_id, name, counts = reported
    kept, kept_name, merged, merged_name, new_name = CATEGORIES[screen]

    # A resident, by keyboard only, reports the product.
    phone = open_page()
    phone.goto(f"/produits/{product_id}")
    audit(phone)
    phone.get_by_test_id("report-product").focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name=re.compile("Signaler"))).to_be_visible()
    audit(phone)
    phone.get_by_label("Produit interdit ou dangereux").focus()
    phone.keyboard.press("Space")
    phone.keyboard.press("Tab")
    expect(phone.get_by_label("Commentaire (facultatif)")).to_be_focused()
    phone.keyboard.type("Vendu sans permis")
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("button", name="Envoyer le signalement")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("status")).to_contain_text("va examiner ce produit")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "admin-journey-report")

    # The admin renames a category, then merges its sibling into it.
    page = open_page()
    log_in(page, "admin@demo.halle.fr")
    expect(page.get_by_test_id("role-home")).to_be_visible()
    audit(page)
    page.get_by_role("link", name=re.compile("Catégories")).click()
    audit(page)
    page.get_by_test_id("categories").get_by_role("row").filter(has_text=re.compile(rf"^\s*{kept_name}")).get_by_role(
        "link", name=re.compile("Modifier")).click()
    audit(page)
    page.get_by_label("Nouveau nom").fill(new_name)
    page.get_by_role("button", name="Renommer").click()
    expect(page.get_by_role("status")).to_contain_text(f"Catégorie renommée « {new_name} »")
    audit(page)
    page.get_by_test_id("categories").get_by_role("row").filter(has_text=merged_name).filter(
        has_not_text=kept_name).get_by_role("link", name=re.compile("Modifier")).click()
    merge_select = page.get_by_label("Fusionner dans")
    option = merge_select.locator("option", has_text=new_name)
    merge_select.select_option(option.get_attribute("value"))
    page.get_by_role("button", name="Fusionner").click()  # not confirmed yet
    expect(page.get_by_text("Cochez la case pour confirmer la fusion.")).to_be_visible()
    audit(page)
    merge_select.select_option(option.get_attribute("value"))
    page.get_by_label(re.compile("Je confirme : cette catégorie sera supprimée")).check()
    page.get_by_role("button", name="Fusionner").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(
        f"Catégorie « {merged_name} » fusionnée dans « {new_name} » : {counts[merged]} produits? déplacés?"))
    row = page.get_by_test_id("categories").get_by_role("row").filter(has_text=new_name)
    total = f"{counts[kept] + counts[merged]:,}".split(",")  # shown as « 1 234 »
    expect(row).to_contain_text(re.compile(r"\s?".join(total)))
    audit(page)
    # A parent counts its sub-categories' products; a sub-category is marked « └ ».
    parent = page.get_by_test_id("categories").get_by_role("row").filter(has_text=re.compile(r"^\s*Alimentation"))
    expect(parent.get_by_role("cell").nth(1)).not_to_have_text("0")
    marker = row.get_by_role("cell").first.evaluate("c => getComputedStyle(c, '::before').content")
    assert "└" in marker, marker
    expect_rows_as_cards(page.get_by_test_id("categories"))  # « Modifier » on screen on a phone
    expect_on_screen(page, row.get_by_role("link", name=re.compile("Modifier")))
    with live_app.app_context():
        assert db.session.scalar(select(Category).filter_by(slug=merged)) is None

    # The communes: one card each on a phone, with their actions on screen; paged; found by postal code.
    page.goto("/admin/communes")
    audit(page)
    communes = page.get_by_test_id("communes")
    expect_rows_as_cards(communes)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.get_by_label(re.compile("Rechercher")).fill("21140")
    page.get_by_role("button", name="Rechercher").click()
    expect(communes.get_by_role("row").filter(has_text="Semur-en-Auxois")).to_be_visible()
    screenshot(page, "admin-communes")

    # The suspensions: a shop is found by its commune; one card each on a phone, « Suspendre » on screen.
    page.goto("/admin/suspensions")
    audit(page)
    shops = page.get_by_test_id("suspension-shops")
    expect_rows_as_cards(shops)
    expect_on_screen(page, shops.locator("summary").first)
    page.get_by_label("Rechercher (nom, commune)").fill("Saulieu")
    page.get_by_role("button", name="Rechercher").click()
    audit(page)
    for row in shops.get_by_role("row").all()[1:]:
        expect(row).to_contain_text("Saulieu")
    expect_on_screen(page, shops.locator("summary").first)
    page.get_by_label("Rechercher (nom, commune)").fill("Nulle part")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_test_id("no-shop")).to_have_text("Aucun commerce ne correspond à « Nulle part ».")
    audit(page)

    # The audit log: on a phone one card per action, its summary and changes on screen.
    page.goto("/admin/journal?q=category.rename")
    audit(page)
    events = page.get_by_test_id("audit-events")
    expect_rows_as_cards(events)
    expect_on_screen(page, events.get_by_test_id("audit-action").first, events.get_by_test_id("audit-changes").first)

    # The administrators: the list fits the screen.
    page.goto("/admin/administrateurs")
    audit(page)
    expect_rows_as_cards(page.get_by_test_id("admins"))
    expect_on_screen(page, page.get_by_test_id("admins").get_by_role("row").last)

    # The dashboard shows the report; the admin hides the product.
    page.goto("/admin/")
    audit(page)
    reports = page.get_by_test_id("reports")
    expect(reports).to_contain_text(name)
    expect(reports).to_contain_text("Vendu sans permis")
    report_row = reports.get_by_role("row").filter(has_text=name)
    report_row.get_by_text("Masquer le produit").click()
    report_row.get_by_label(re.compile("Je confirme : le produit disparaît")).check()
    report_row.get_by_role("button", name="Masquer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("le commerçant est prévenu par e-mail")
    screenshot(page, "admin-journey-dashboard")
    assert page.request.get(f"/produits/{product_id}").status == 404

    # The statistics map draws its communes (the tiles are offline here, the markers are not).
    page.goto("/admin/statistiques")
    page.wait_for_function("() => document.getElementById('spending-map').dataset.markers !== undefined")
    expect(page.get_by_test_id("table-communes").or_(page.get_by_text("Pas encore de dépenses")).first).to_be_visible()
    screenshot(page, "admin-statistics")


def _tall_enough(link) -> None:
    """A link alone on its line is a finger's target: at least 24 px high (WCAG 2.5.8)."""
    link.page.wait_for_load_state()
    assert link.bounding_box()["height"] >= 24, link


def test_admin_settings_pages_work_on_each_screen(page):
    """The admin's pages of settings, reached from the dashboard: unions, points of sale, a commune's
    programme managers, card settings, search synonyms, the Stripe reconciliation. Axe-core on each."""
    log_in(page, "admin@demo.halle.fr")
    unions = page.get_by_role("link", name="Unions commerciales", exact=True)
    _tall_enough(unions)
    unions.click()
    expect(page.get_by_role("link", name="Les Vitrines de Semur").first).to_be_visible()
    screenshot(page, "admin-unions")
    new = page.get_by_role("button", name="Nouvelle union commerciale")
    _tall_enough(new)
    new.click()
    screenshot(page, "admin-union-form")
    back = page.locator("main").get_by_role("link", name="Unions commerciales")
    _tall_enough(back)

    page.goto("/admin/")
    page.get_by_role("link", name="Points de vente de cartes").click()
    screenshot(page, "admin-counters")
    page.goto("/admin/communes/21603/gestionnaires")  # Semur-en-Auxois (the communes page: a journey of its own)
    screenshot(page, "admin-commune-managers")
    _tall_enough(page.locator("main").get_by_role("link", name="Communes", exact=True))

    page.goto("/admin/")
    page.get_by_role("link", name="Réglages de la carte (préfixe, commission)").click()
    screenshot(page, "admin-card-settings")
    page.goto("/admin/")
    page.get_by_role("link", name="Recherche : synonymes et recherches sans résultat").click()
    screenshot(page, "admin-search-synonyms")
    page.goto("/admin/reglements")
    audit(page)
    page.get_by_role("link", name="Rapprochement Stripe des commandes en ligne").click()
    screenshot(page, "admin-stripe-reconciliation")
    page.goto("/admin/")
    page.get_by_role("link", name=re.compile("^Comptes : fermer")).click()
    audit(page)
    page.get_by_label("Adresse e-mail ou nom").fill("resident@demo")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_test_id("found-accounts")).to_contain_text("resident@demo.halle.fr")
    screenshot(page, "admin-accounts")
    page.get_by_test_id("found-accounts").get_by_role("link").first.click()
    expect(page.get_by_test_id("account-facts")).to_contain_text("resident@demo.halle.fr")
    screenshot(page, "admin-account")  # read only: the demo's resident stays open for the other journeys
