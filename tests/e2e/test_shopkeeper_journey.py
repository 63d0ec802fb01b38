"""The one-person shop's journey, timed: from nothing to 50 products on its public page, approved by
the territory, then its first order (the demo resident pays with their territorial card) taken."""
import io
import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import OrderShop
from tests.e2e.axe import audit, screen_of as axe_screen
from tests.e2e.conftest import expect_rows_as_cards, log_in, open_menu, screenshot, shopkeeper_shop_id


def catalogue_csv(path, lines=50):
    """A French Excel export: cp1252, `;`, decimal commas, a title line above the headers."""
    rows = ["Tarifs 2025;;;;", "Réf;Désignation;Famille;Prix TTC;Stock"]
    rows += [f"EP{n:03d};Confiture maison n°{n};Épicerie;{3 + n % 7},{n % 100:02d} €;{n % 9 or 'sur commande'}"
             for n in range(1, lines + 1)]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    return path


def product_photo(path):
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (190, 90, 30)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_shopkeeper_from_sign_up_to_fifty_products_online(page, open_page, screen, tmp_path, live_app):
    shop_name = f"Épicerie de Nadia ({'bureau' if screen == 'desktop' else 'mobile'})"
    started = time.perf_counter()
    steps = []

    def step(name):
        steps.append((name, time.perf_counter() - started))

    page.goto("/inscription")
    audit(page)
    page.get_by_label("Prénom").fill("Nadia")
    page.get_by_label("Nom", exact=True).fill("Roux")
    page.get_by_label("Adresse e-mail").fill(f"nadia.roux.{screen}@example.fr")
    page.get_by_label("Mot de passe", exact=True).fill("une-phrase-solide")
    page.get_by_label("Confirmez le mot de passe").fill("une-phrase-solide")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_test_id("role-home")).to_have_text("Mon compte")
    audit(page)
    step("compte créé")

    open_menu(page)
    page.get_by_role("link", name="Inscrire mon commerce").click()
    audit(page)
    page.get_by_label("Nom du commerce").fill(shop_name)
    page.get_by_label("Activité").select_option(label="Épicerie")
    page.get_by_label("Commune", exact=True).select_option(label="Semur-en-Auxois (21140)")
    page.get_by_label("Adresse", exact=True).fill("8 rue de l'Horloge")
    page.get_by_label("Mardi").fill("9h-12h30, 14h30-19h")
    page.get_by_label("Samedi").fill("8h-13h")
    page.get_by_label("SIRET").fill("732 829 320 00075")  # one digit wrong
    page.get_by_role("button", name="Inscrire mon commerce").click()
    expect(page.get_by_label("SIRET")).to_be_focused()  # the long form comes back on what to fix
    audit(page)
    # One registration per SIRET: each screen's run registers its own shop.
    page.get_by_label("SIRET").fill("732 829 320 00074" if screen == "desktop" else "552 100 554 00013")
    page.get_by_role("button", name="Inscrire mon commerce").click()
    expect(page.get_by_test_id("shop-status")).to_contain_text("En attente de validation")
    screenshot(page, "shop-pending")
    shop_url = page.url
    step("commerce inscrit")

    admin_page = open_page()
    log_in(admin_page, "admin@demo.halle.fr")
    audit(admin_page)
    admin_page.goto("/admin/commerces")
    audit(admin_page)
    expect_rows_as_cards(admin_page.get_by_test_id("pending-shops"))  # « Inscrit le » no longer off-screen
    admin_page.get_by_role("link", name=shop_name).click()
    if screen == "phone":  # each fact's label above its value, told apart from it (once the stylesheet applies)
        expect(admin_page.locator(".facts dt").first).to_have_css("font-weight", "600")
        label, value = admin_page.locator(".facts").evaluate(
            "dl => [dl.querySelector('dt'), dl.querySelector('dd')].map(e => getComputedStyle(e).fontWeight)")
        assert int(label) >= 600 > int(value), (label, value)
    screenshot(admin_page, "admin-shop-review")
    admin_page.get_by_role("button", name="Valider le commerce").click()
    expect(admin_page.get_by_text(f"Commerce validé : {shop_name}")).to_be_visible()
    audit(admin_page)
    step("validé par le territoire")

    page.goto(shop_url)
    expect(page.get_by_test_id("shop-status")).to_have_text("Votre commerce est en ligne.")
    audit(page)
    # The dashboard asks for the consumer mediator the law has the shop give its customers.
    page.get_by_test_id("mediator-missing").get_by_role("link", name="Le renseigner").click()
    expect(page.get_by_label("Médiateur de la consommation", exact=True)).to_be_focused()
    page.get_by_label("Médiateur de la consommation", exact=True).fill("Médiation de la consommation de l'artisanat")
    page.get_by_label("Site du médiateur").fill("www.mediateur-artisanat.example")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Informations enregistrées.")).to_be_visible()
    audit(page)
    page.goto(shop_url)
    expect(page.get_by_test_id("mediator-missing")).to_have_count(0)
    page.get_by_role("button", name="Ajouter un produit").click()
    audit(page)
    page.get_by_label("Nom du produit").fill("Miel de châtaignier 500 g")
    page.get_by_label("Prix TTC (€)").fill("8,50")
    page.get_by_label("Unité").fill("le pot")
    page.get_by_label("Stock").fill("12")
    page.get_by_label("Photos").set_input_files(str(product_photo(tmp_path / "miel.jpg")))
    page.get_by_role("button", name="Enregistrer le produit").click()
    expect(page.get_by_text("« Miel de châtaignier 500 g » est ajouté")).to_be_visible()
    audit(page)
    step("produit avec photo")

    page.get_by_role("link", name="Importer", exact=True).first.click()
    audit(page)
    page.get_by_label(re.compile(r"^Fichier CSV")).set_input_files(str(catalogue_csv(tmp_path / "tarifs.csv")))
    page.get_by_role("button", name="Lire le fichier").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("50 lignes valides : 50 nouveaux produits")
    expect_rows_as_cards(page.get_by_test_id("import-preview"))  # on a phone, each price on screen
    screenshot(page, "shop-import-review")
    page.get_by_role("button", name="Importer les 50 lignes valides").click()
    expect(page.get_by_text("Import terminé : 50 produits ajoutés")).to_be_visible()  # written by a job
    audit(page)
    page.get_by_role("button", name="Voir mes produits").click()
    expect(page.get_by_test_id("product-count")).to_have_text("51 produits")
    products = page.locator(".product-table")
    expect_rows_as_cards(products)
    if screen == "phone":  # fifty cards a page: each shows its figures two by two
        heights = products.evaluate("t => [...t.tBodies[0].rows].map(r => r.getBoundingClientRect().height)")
        assert max(heights) < 160, heights
    screenshot(page, "shop-products")
    step("50 produits importés")

    # Two products' stock at once: the action asks only for what it needs.
    for name in ("Confiture maison n°1", "Confiture maison n°10"):
        page.get_by_label(f"Sélectionner {name}", exact=True).check()
    stock, category = page.get_by_label("Nouveau stock"), page.get_by_label("Nouvelle catégorie")
    expect(stock).to_be_hidden()
    expect(category).to_be_hidden()
    page.get_by_label("Action", exact=True).select_option(label="Changer le stock")
    expect(stock).to_be_visible()
    expect(category).to_be_hidden()
    stock.fill("12")
    page.get_by_role("button", name="Appliquer").click()
    expect(page.get_by_text("2 produits modifiés.")).to_be_visible()
    expect(page.get_by_label("Stock de Confiture maison n°1", exact=True)).to_have_value("12")
    audit(page)

    # The weekly count: stocks typed in the list itself, saved at once.
    page.get_by_label("Stock de Confiture maison n°2", exact=True).fill("7")
    page.get_by_label("Stock de Confiture maison n°3", exact=True).fill("0")
    page.get_by_test_id("save-stocks").click()
    expect(page.get_by_text("Stock enregistré pour 2 produits.")).to_be_visible()
    expect(page.get_by_label("Stock de Confiture maison n°2", exact=True)).to_have_value("7")
    audit(page)

    page.get_by_role("link", name="Ma page publique").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(shop_name)
    expect(page.get_by_test_id("shop-product-count")).to_have_text("(51)")
    expect(page.get_by_role("link", name="Confiture maison n°1", exact=True)).to_be_visible()
    expect(page.get_by_test_id("shop-legal")).to_contain_text("Médiation de la consommation de l'artisanat")
    screenshot(page, "shop-public-page")
    page.get_by_role("link", name="Suivant").click()
    audit(page)
    page.get_by_role("link", name="Suivant").click()
    audit(page)
    expect(page.get_by_role("link", name="Miel de châtaignier 500 g")).to_be_visible()
    expect(page.locator(".product-card img").first).to_be_visible()
    page.get_by_role("link", name="Miel de châtaignier 500 g").click()
    expect(page.get_by_test_id("product-price")).to_contain_text("8,50")
    expect(page.get_by_test_id("stock-status")).to_contain_text("En stock (12)")
    screenshot(page, "shop-product")
    step("visible sur la page publique")

    # The demo resident orders the honey, paid with the credit of their territorial card.
    product_id = int(page.url.rsplit("/", 1)[1])
    shop_id = int(shop_url.rstrip("/").rsplit("/", 1)[1])
    resident = open_page()
    log_in(resident, "resident@demo.halle.fr")
    resident.goto(f"/produits/{product_id}")
    resident.get_by_test_id(f"add-to-cart-{product_id}").click()
    expect(resident.get_by_text("ajouté au panier")).to_be_visible()
    audit(resident)
    resident.get_by_test_id("cart-link").click()
    screenshot(resident, "shop-first-order-cart")
    resident.get_by_test_id("checkout").click()
    resident.get_by_test_id(f"pickup-shop-{shop_id}").check()
    expect(resident.get_by_test_id("card-amount")).to_have_value("8,50")
    audit(resident)
    resident.get_by_test_id("place-order").click()
    expect(resident.get_by_text("Commande payée avec votre carte territoriale.")).to_be_visible()
    expect(resident.get_by_test_id(f"status-{shop_id}")).to_have_text("payée")
    audit(resident)
    with live_app.app_context():
        sub_id = db.session.scalar(select(OrderShop.id).where(OrderShop.shop_id == shop_id))

    # The shopkeeper takes it: accepted, then ready at the counter, then collected.
    open_menu(page)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Commandes", exact=True).click()
    expect(page.get_by_test_id("new-orders")).to_contain_text("1 nouvelle commande")
    expect(page.get_by_test_id(f"order-{sub_id}")).to_contain_text("Miel de châtaignier 500 g")
    screenshot(page, "shop-first-order")
    page.get_by_test_id(f"accept-{sub_id}").click()
    expect(page.get_by_text("acceptée.")).to_be_visible()
    audit(page)
    page.get_by_test_id(f"ready-{sub_id}").click()
    expect(page.get_by_text("le client est prévenu")).to_be_visible()
    audit(page)
    page.get_by_test_id(f"collected-{sub_id}").click()
    expect(page.get_by_role("status").filter(has_text="retirée.")).to_be_visible()
    audit(page)
    step("première commande prise")

    print("\nParcours commerçant (temps machine, hors saisie humaine) :")
    for name, elapsed in steps:
        print(f"  {elapsed:6.1f} s  {name}")
    assert steps[-1][1] < 600


@pytest.mark.parametrize("screen", ["desktop"])  # a behaviour of the page, not of the layout
def test_the_import_page_follows_its_job_without_reloading_until_it_is_done(page, live_app):
    """A queued import (the worker busy): the page stays put while it waits (no reload that would
    move a keyboard user's focus), then shows the outcome once the job wrote the lines."""
    from marketplace import product_import, uploads
    from marketplace.models import PendingUpload

    with live_app.app_context():
        shop_id = shopkeeper_shop_id()
        data = "Réf;Désignation;Prix TTC\nE2E-1;Sablés au beurre;3,20\nE2E-2;Croquants;4,10\n".encode()
        token = uploads.save(product_import.UPLOAD_KIND, shop_id, data, "biscuits.csv")
        upload = PendingUpload.query.filter_by(token=token).one()
        upload.status, upload.mapping = "queued", {"sku": 0, "name": 1, "price": 2}
        db.session.commit()
        upload_id = upload.id
    log_in(page, "commercant@demo.halle.fr")
    page.goto(f"/boutique/{shop_id}/import/{token}/suivi")
    expect(page.get_by_text("Import de « biscuits.csv » en cours")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Actualiser").focus()
    page.evaluate("window.stillTheSamePage = true")
    page.wait_for_timeout(2_500)  # one polling round: the page was not reloaded, the focus stayed
    assert page.evaluate("window.stillTheSamePage === true")
    assert page.evaluate("document.activeElement.textContent") == "Actualiser"
    with live_app.app_context():
        product_import.run_import(upload_id)
    expect(page.get_by_text("Import terminé : 2 produits ajoutés, 0 mis à jour, 0 inchangé")).to_be_visible()
    audit(page)


@pytest.mark.parametrize("screen", ["desktop"])  # a behaviour of the page, not of the layout
def test_a_double_click_sends_a_creation_form_once_and_a_declined_confirmation_sends_nothing(page, live_app):
    """halle.js holds a POST form's buttons for a few seconds once it is sent: a double click on
    « Créer la clé » makes one request and one key; a refused data-confirm question holds nothing."""
    from marketplace.models import ApiKey

    with live_app.app_context():
        shop_id = shopkeeper_shop_id()
    log_in(page, "commercant@demo.halle.fr")
    page.goto(f"/caisse/{shop_id}/cles-api")
    audit(page)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.get_by_label("Nom de la clé").fill("Caisse double clic")
    page.get_by_role("button", name="Créer la clé").evaluate(  # a person's double click: the second one
        "button => { button.click(); setTimeout(() => button.click(), 40); }")  # once the first is on its way
    expect(page.get_by_test_id("new-api-key")).to_be_visible()
    audit(page)
    assert len(posts) == 1
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiKey)
                                 .where(ApiKey.name == "Caisse double clic")) == 1
    revoke = page.get_by_role("row").filter(has_text="Caisse double clic").get_by_role("button", name="Révoquer")
    page.once("dialog", lambda dialog: dialog.dismiss())
    revoke.click()
    page.wait_for_timeout(300)
    expect(revoke).to_be_enabled()
    assert len(posts) == 1
    page.once("dialog", lambda dialog: dialog.accept())
    revoke.click()
    expect(page.get_by_text("Clé « Caisse double clic » révoquée")).to_be_visible()
    audit(page)
    assert len(posts) == 2


def test_the_demo_bakery_counts_its_stocks_in_the_list_on_a_phone_and_a_desktop(page, live_app):
    """The demo bakery's 41 products: each empty stock box shows « sur commande » whole; every card
    is laid out alike on a phone; the bulk action's list and « Appliquer » stand apart; the table
    fits its page on a desktop; and once a stock near the top is changed, « Enregistrer les stocks »
    is on the screen (not 40 cards below), until it is typed back."""
    with live_app.app_context():
        shop_id = shopkeeper_shop_id()
    log_in(page, "commercant@demo.halle.fr")
    page.goto(f"/boutique/{shop_id}/produits")
    table = page.locator(".product-table")
    expect_rows_as_cards(table)
    screenshot(page, "shop-stock-count")
    cut = page.evaluate("""() => {
        const context = document.createElement('canvas').getContext('2d');
        return [...document.querySelectorAll('.stock-cell')].filter(input => !input.value).filter(input => {
            const style = getComputedStyle(input);
            context.font = style.font;
            const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return context.measureText(input.placeholder).width > room;
        }).map(input => input.getAttribute('aria-label'));
    }""")
    assert not cut, f"placeholders cut: {cut[:3]}"
    select, apply = page.get_by_label("Action", exact=True), page.get_by_role("button", name="Appliquer")
    a, b = select.bounding_box(), apply.bounding_box()
    assert b["y"] >= a["y"] + a["height"] + 4 or b["x"] >= a["x"] + a["width"] + 4, (a, b)
    if axe_screen(page) == "phone":
        layout = table.evaluate("""t => [...t.tBodies[0].rows].map(row => {
            const [box, name, reference, price] = [...row.cells].map(c => c.getBoundingClientRect());
            const unit = row.cells[3].querySelector('small'), amount = document.createRange();
            if (unit) amount.selectNodeContents(unit.previousSibling);
            const middle = (box.top + box.bottom) / 2;
            return {name: row.cells[1].textContent.trim(),
                    boxBesideName: box.right <= name.left && middle > name.top && middle < name.bottom,
                    referenceBelow: reference.top >= name.bottom - 1,
                    unitOnItsLine: !unit || Math.abs(unit.getBoundingClientRect().bottom
                                                     - amount.getBoundingClientRect().bottom) <= 3};
        })""")
        odd = [row for row in layout if not (row["boxBesideName"] and row["referenceBelow"] and row["unitOnItsLine"])]
        assert not odd, odd[:3]
    else:
        region = page.get_by_role("region", name="Produits")
        widths = region.evaluate("r => [r.scrollWidth, r.clientWidth]")
        assert widths[0] <= widths[1], f"the table is {widths[0]} px wide in its {widths[1]} px box"

    first = table.locator(".stock-cell").first
    saved = first.input_value()
    save = page.get_by_test_id("save-stocks")
    expect(save).not_to_be_in_viewport()
    first.fill("5" if saved != "5" else "6")
    expect(save).to_be_in_viewport(ratio=1)
    first.fill(saved)
    expect(save).not_to_be_in_viewport()
    audit(page)


def test_shopkeeper_reads_closures_team_associations_and_till_history(page, open_page, screen, live_app):
    """The owner's pages the other journeys pass by: closures, team (an invitation, as the invited
    person sees it, signs up and accepts it), the shop's unions, the till's history, each reached by
    its link, at both sizes, axe-core on each."""
    log_in(page, "commercant@demo.halle.fr")
    nav = page.get_by_role("navigation", name="Gestion du commerce")
    nav.get_by_role("link", name="Fermetures").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "shop-closures")
    nav.get_by_role("link", name="Équipe").click()
    invited = f"vendeur.{screen}@example.fr"
    page.get_by_label("Adresse e-mail").fill(invited)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text(f"Invitation envoyée à {invited}.")).to_be_visible()
    screenshot(page, "shop-team")
    with live_app.app_context():
        mail = [m for m in outbox() if m["To"] == invited][-1]
    newcomer = open_page()
    newcomer.goto(re.search(r"https?://\S+", mail.get_content()).group(0))
    expect(newcomer.locator("main").get_by_role("button", name="Créer un compte")).to_be_visible()
    screenshot(newcomer, "shop-invitation")
    newcomer.locator("main").get_by_role("button", name="Créer un compte").click()
    expect(newcomer.get_by_label("Adresse e-mail")).to_have_value(invited)
    newcomer.get_by_label("Prénom").fill("Léa")
    newcomer.get_by_label("Nom", exact=True).fill("Garnier")
    newcomer.get_by_label("Mot de passe", exact=True).fill("une-phrase-solide")
    newcomer.get_by_label("Confirmez le mot de passe").fill("une-phrase-solide")
    screenshot(newcomer, "shop-invitation-sign-up")
    newcomer.get_by_role("button", name="Créer mon compte").click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Rejoindre l'équipe de Boulangerie Moreau")
    expect(newcomer.get_by_text(f"Vous êtes connecté avec l'adresse {invited}.")).to_be_visible()
    screenshot(newcomer, "shop-invitation-accept")
    newcomer.get_by_role("button", name="Accepter l'invitation").click()
    expect(newcomer.get_by_text("Vous avez rejoint l'équipe de Boulangerie Moreau.")).to_be_visible()
    audit(newcomer)
    nav.get_by_role("link", name="Tableau de bord").click()
    audit(page)
    page.get_by_role("button", name="Unions commerciales").click()
    screenshot(page, "shop-associations")
    back = page.locator("main").get_by_role("link", name=re.compile("Boulangerie Moreau")).first
    assert back.bounding_box()["height"] >= 24  # alone on its line: a finger's target
    shop_id = re.search(r"/boutique/(\d+)/", page.url).group(1)
    page.goto(f"/caisse/{shop_id}/")
    audit(page)
    page.get_by_role("link", name="Historique").click()
    expect(page.get_by_role("heading", name="Historique des paiements par carte")).to_be_visible()
    screenshot(page, "till-history")
