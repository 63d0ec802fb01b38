"""Issue 21's column-mapping screen in a browser: the demo shopkeeper gives the address of a till's
export whose headers Halle does not know, finds the name and the price proposed from the values,
says with the keyboard what the other columns hold (a mistake first: two prices), confirms the
reading, and chooses to have it read once a day. Desktop and phone, axe-core on every page,
screenshots."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from marketplace import feeds
from marketplace.extensions import db
from marketplace.models import CatalogueFeed
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, screenshot, shopkeeper_shop_id
from tests.shop.test_feeds import FeedServer

TILL = ("Dénomination commerciale;PV public;Dispo;Code interne\r\n"
        "Pain d'épeautre;4,80;6;EP-{label}-1\r\nFougasse aux olives;3,20;;FO-{label}-2\r\n")


def test_shopkeeper_says_what_each_column_holds(open_page, screen, live_app):
    label = "bureau" if screen == "desktop" else "mobile"
    server = FeedServer()
    server.files["/caisse.csv"] = (200, {"Content-Type": "text/csv"}, TILL.format(label=label).encode("cp1252"))
    feed_url = server.url("/caisse.csv")
    page = open_page()
    try:
        log_in(page, "commercant@demo.halle.fr")
        with live_app.app_context():
            shop_id = shopkeeper_shop_id()
        page.goto(f"/boutique/{shop_id}/flux")
        audit(page)
        page.get_by_label("Adresse du fichier (https://…)").fill(feed_url)
        page.get_by_role("button", name="Lire ce fichier").click()
        # Halle knows none of these headers: the column-mapping screen, each column with its values.
        expect(page).to_have_url(re.compile(r"/flux/\d+/colonnes$"))
        expect(page.get_by_role("heading", name="Les colonnes de votre fichier")).to_be_visible()
        expect(page.get_by_test_id("column-1")).to_contain_text("Exemples : 4,80 · 3,20")
        # The name and the price proposed from the values ("4,80" is an amount, "6" a count).
        name = page.get_by_label("Cette colonne contient : (colonne A · Dénomination commerciale)")
        expect(name).to_have_value("name")
        expect(page.get_by_label("Cette colonne contient : (colonne B · PV public)")).to_have_value("price")
        expect(page.get_by_test_id("columns-guessed")).to_contain_text("vérifiez, puis enregistrez")
        screenshot(page, "columns-asked")

        # With the keyboard: from one select to the next (Tab), the form sent with Enter.
        name.focus()
        page.keyboard.press("Tab")
        expect(page.get_by_label("Cette colonne contient : (colonne B · PV public)")).to_be_focused()
        page.get_by_label("Cette colonne contient : (colonne C · Dispo)").select_option(label="Prix")  # a mistake
        page.get_by_role("button", name="Enregistrer ces colonnes").focus()
        page.keyboard.press("Enter")
        problems = page.get_by_test_id("columns-problems")
        expect(problems).to_contain_text("Les colonnes B, C sont toutes marquées « Prix » : gardez-en une seule.")
        # What was chosen is still selected.
        expect(page.get_by_label("Cette colonne contient : (colonne C · Dispo)")).to_have_value("price")
        expect(name).to_have_value("name")
        screenshot(page, "columns-refused")

        for column, content in (("C · Dispo", "Stock"), ("D · Code interne", "Référence")):
            page.get_by_label(f"Cette colonne contient : (colonne {column})").select_option(label=content)
        page.get_by_role("button", name="Enregistrer ces colonnes").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_text("Colonnes enregistrées : elles serviront à chaque mise à jour.")).to_be_visible()
        expect(page.get_by_test_id("feed-format")).to_have_text(
            "Format reconnu : Tableur (colonnes choisies par le commerce).")
        expect(page.get_by_test_id("feed-summary")).to_contain_text("2 lignes valides : 2 nouveaux produits")
        screenshot(page, "columns-first-reading")
        page.get_by_role("button", name="Confirmer et mettre à jour mon catalogue").click()
        expect(page.get_by_test_id("feed-status")).to_contain_text("Actif : relu toutes les heures.")
        expect(page.get_by_test_id("feed-next-run")).to_contain_text("Prochaine lecture :")
        audit(page)

        page.get_by_label("Lire ce fichier").select_option(label="une fois par jour")
        page.get_by_role("button", name="Enregistrer la fréquence").click()
        expect(page.get_by_test_id("feed-status")).to_contain_text("Actif : relu une fois par jour.")
        screenshot(page, "feed-interval")
    finally:
        server.close()
        with live_app.app_context():  # the demo shop keeps at most five feeds: leave room for the others
            feed = db.session.scalar(select(CatalogueFeed).where(CatalogueFeed.url == feed_url))
            if feed is not None:
                feeds.delete_feed(feed)
