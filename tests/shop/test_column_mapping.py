"""The column-mapping screen (issue 21): a file whose headers say nothing Halle knows; the shop
says what each column holds, once, for its feed (every next run) and for its uploads with the
same headers; a run whose chosen column is gone fails naming it, with a link to the screen."""
import pytest

from marketplace import feeds, mail, product_import
from marketplace.extensions import db
from marketplace.models import CatalogueFeed, CatalogueFeedRun, Product, Shop
from marketplace.models.catalogue_sources import ShopColumnMapping
from tests.conftest import login
from tests.shop.test_feeds import FeedServer
from tests.shop.test_import import upload

# A till's export: no header Halle knows for the name or the price.
TILL = "Dénomination commerciale;PV public;Dispo;Code interne\nPain d'épeautre;4,80;6;EP1\nFougasse;3,20;;FO2\n"


@pytest.fixture
def server():
    running = FeedServer()
    yield running
    running.close()


def test_choices_are_checked_and_named():
    mapping, problems = product_import.mapping_from_columns({0: "", 1: "price", 2: "stock", 3: "price"})
    assert problems == ["Aucune colonne n'est marquée « Nom » : choisissez celle qui le contient.",
                        "Les colonnes B, D sont toutes marquées « Prix » : gardez-en une seule."]
    mapping, problems = product_import.mapping_from_columns({0: "name", 1: "price", 2: "stock", 3: "sku"})
    assert problems == [] and mapping == {"sku": 3, "name": 0, "category": None, "price": 1, "unit": None,
                                          "stock": 2, "ean": None, "description": None, "active": None,
                                          "image": None}


def test_a_kept_choice_follows_its_columns_by_their_headers():
    headers = ["Dénomination commerciale", "PV public", "Dispo", ""]
    choice = product_import.column_choice(headers, {"name": 0, "price": 1, "stock": 2, "unit": 3})
    moved = ["Dispo", "Nouvelle colonne", "PV public", "Dénomination commerciale", ""]
    with pytest.raises(product_import.ColumnsNeeded) as refused:  # the column without header moved: gone
        product_import.apply_column_choice(choice, moved)
    assert str(refused.value) == ("La colonne « D » (Unité) n'est plus dans le fichier. "
                                  "Choisissez à nouveau ses colonnes.")
    del choice["unit"]
    assert {k: v for k, v in product_import.apply_column_choice(choice, moved).items() if v is not None} == {
        "name": 3, "price": 2, "stock": 0}
    with pytest.raises(product_import.ColumnsNeeded, match="La colonne « PV public » \\(Prix\\) n'est plus"):
        product_import.apply_column_choice(choice, ["Dénomination commerciale", "Prix public", "Dispo"])


def test_samples_are_the_first_different_values():
    table = product_import.Table(headers=["A", "B"], header_line=1, rows=[
        (2, ["x", ""]), (3, ["x", ""]), (4, ["y", "1"]), (5, ["z", ""]), (6, ["w", ""])])
    assert product_import.column_samples(table) == [["x", "y", "z"], ["1"]]


def table_of(text: str) -> product_import.Table:
    return product_import.read_table(text.encode(), "caisse.csv")


def test_the_name_and_price_columns_are_guessed_from_their_values():
    # The till's export: "4,80" and "3,20" are amounts, "6" only a count; the names are words.
    assert product_import.guess_from_values(table_of(TILL), product_import.detect_format(
        ["Dénomination commerciale", "PV public", "Dispo", "Code interne"])[1]) == {"name": 0, "price": 1}
    # A cost price is no sale price; a category repeats itself where names differ; the name column
    # comes before a description whose texts differ as much.
    table = table_of("Achat HT;Rayon;Libellé caisse;Texte;Vente\n"
                     "2,10;Boulangerie;Pain de mie;Un pain moelleux;3,50 €\n"
                     "1,20;Boulangerie;Baguette tradition;Farine Label rouge;1,20 €\n")
    assert product_import.guess_from_values(table, {name: None for name in product_import.FIELDS}) == {
        "price": 4, "name": 2}
    # What the headers gave is kept; nothing to guess from columns of digits alone.
    assert product_import.guess_from_values(table, {**{name: None for name in product_import.FIELDS},
                                                    "name": 3, "price": 4}) == {}
    digits = table_of("A;B\n12;6\n13;7\n")
    assert product_import.guess_from_values(digits, {name: None for name in product_import.FIELDS}) == {}
    # Barcodes by their check digit (a 13-digit number whose last digit is wrong is none).
    codes = table_of("Art;Code;GTIN;Nom\n1;3017620422003;3017620422004;Pâte à tartiner\n"
                     "2;3560070894222;3560070894222;Confiture d'abricot\n")
    assert product_import.guess_from_values(codes, {name: None for name in product_import.FIELDS}) == {
        "ean": 1, "name": 3}
    assert product_import.guessed_note(["Dénomination", "PV"], {"price": 1, "name": 0}) == (
        "Proposé d'après les valeurs du fichier (colonne A · Dénomination : Nom, colonne B · PV : Prix) : "
        "vérifiez, puis enregistrez.")


def test_a_feed_with_unknown_headers_asks_its_columns_once(app, client, shop_world, server):
    server.files["/caisse.csv"] = (200, {"Content-Type": "text/csv"}, TILL.encode())
    login(client, shop_world["emails"]["owner"])
    base = f"/boutique/{shop_world['bakery']}/flux"
    feed_url = client.post(base, data={"url": server.url("/caisse.csv")}).headers["Location"]
    response = client.get(feed_url)  # no name nor price recognised: straight to the screen
    assert response.status_code == 302 and response.headers["Location"] == f"{feed_url}/colonnes"
    page = client.get(f"{feed_url}/colonnes").get_data(as_text=True)
    assert "Colonne B · PV public" in page and "Exemples : 4,80 · 3,20" in page
    assert page.count("Cette colonne contient :") == 4 and 'name="column_3"' in page
    # The name and the price proposed from the values, selected; the shop checks and confirms.
    assert 'data-testid="columns-guessed"' in page and "colonne A · Dénomination commerciale : Nom" in page
    assert 'data-testid="columns-reason"' not in page  # the name and the price are no longer missing
    assert '<option value="name" selected>' in page and '<option value="price" selected>' in page
    with app.app_context():
        assert CatalogueFeed.query.one().column_choice is None  # proposed, not chosen
    # Two prices and no name: refused, saying so, nothing kept.
    response = client.post(f"{feed_url}/colonnes", data={"column_0": "", "column_1": "price", "column_2": "price",
                                                         "column_3": "sku"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Aucune colonne n&#39;est marquée « Nom »" in page
    assert "Les colonnes B, C sont toutes marquées « Prix »" in page
    response = client.post(f"{feed_url}/colonnes", data={"column_0": "name", "column_1": "price", "column_2": "frais"})
    assert response.status_code == 422 and "Colonne C : choix inconnu." in response.get_data(as_text=True)
    with app.app_context():
        assert CatalogueFeed.query.one().column_choice is None
    # Chosen: the first reading uses it, then every run with no question.
    response = client.post(f"{feed_url}/colonnes", data={"column_0": "name", "column_1": "price", "column_2": "stock",
                                                         "column_3": "sku"})
    assert response.headers["Location"].endswith(feed_url)
    page = client.get(f"{feed_url}/colonnes").get_data(as_text=True)  # seen again: the choice, nothing proposed
    assert 'data-testid="columns-guessed"' not in page and '<option value="stock" selected>' in page
    page = client.get(feed_url).get_data(as_text=True)
    assert "Format reconnu : Tableur (colonnes choisies par le commerce)." in page
    assert "2 lignes valides : 2 nouveaux produits" in page
    client.post(f"{feed_url}/activer")
    with app.app_context():
        assert {p.sku: (p.name, p.price_cents, p.stock) for p in Product.query.filter(Product.sku.in_(["EP1", "FO2"]))
                } == {"EP1": ("Pain d'épeautre", 480, 6), "FO2": ("Fougasse", 320, None)}
    # The till moves its columns: still read by their headers.
    server.files["/caisse.csv"] = (200, {}, "Code interne;Dispo;Dénomination commerciale;PV public\nEP1;5;Pain "
                                   "d'épeautre;4,90\nFO2;;Fougasse;3,20\n".encode())
    with app.app_context():
        feed_id = CatalogueFeed.query.one().id
        assert feeds.run_feed(feed_id).status == "done"
        assert Product.query.filter_by(sku="EP1").one().price_cents == 490
        sent = len(mail.outbox())
    # A header renamed: the run fails naming the column, changes nothing, links to the screen.
    server.files["/caisse.csv"] = (200, {}, "Code interne;Dispo;Dénomination commerciale;Prix public\nEP1;5;Pain "
                                   "d'épeautre;5,10\n".encode())
    with app.app_context():
        run = feeds.run_feed(feed_id)
        assert run.status == "failed" and run.counts == {"columns": True}
        assert run.error == ("La colonne « PV public » (Prix) n'est plus dans le fichier. "
                             "Choisissez à nouveau ses colonnes.")
        assert Product.query.filter_by(sku="EP1").one().price_cents == 490
        assert f"{feed_url}/colonnes" in mail.outbox()[sent].get_content()
    page = client.get(feed_url).get_data(as_text=True)
    assert "La colonne « PV public » (Prix) n&#39;est plus dans le fichier." in page
    assert f'href="{feed_url}/colonnes">Choisir les colonnes</a>' in page
    # The screen shows the new file; once answered, the next run reads it (even unchanged).
    page = client.get(f"{feed_url}/colonnes").get_data(as_text=True)
    assert "Colonne D · Prix public" in page and "La colonne « PV public » (Prix) n&#39;est plus" in page
    client.post(f"{feed_url}/colonnes", data={"column_0": "sku", "column_1": "stock", "column_2": "name",
                                              "column_3": "price"})  # an active feed runs at once
    with app.app_context():
        assert CatalogueFeedRun.query.order_by(CatalogueFeedRun.id.desc()).first().status == "done"
        assert Product.query.filter_by(sku="EP1").one().price_cents == 510


def test_an_upload_with_unknown_headers_is_asked_once_per_shop(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    review_url = upload(client, shop_world["bakery"], TILL, "caisse.csv")
    response = client.get(review_url)
    assert response.headers["Location"] == f"{review_url}/colonnes"
    page = client.get(f"{review_url}/colonnes").get_data(as_text=True)
    assert "Exemples : Pain d&#39;épeautre · Fougasse" in page
    # Both proposed from the values: nothing is said missing.
    assert "colonne B · PV public : Prix" in page and "Indiquez la colonne" not in page
    response = client.post(f"{review_url}/colonnes", data={"column_1": "price", "column_3": "sku"})
    assert response.status_code == 422
    assert "Aucune colonne n&#39;est marquée « Nom »" in response.get_data(as_text=True)
    response = client.post(f"{review_url}/colonnes", data={"column_0": "name", "column_1": "price", "column_2": "stock",
                                                           "column_3": "sku"})
    assert response.headers["Location"] == review_url
    page = client.get(review_url).get_data(as_text=True)
    assert "2 lignes valides : 2 nouveaux produits" in page
    # The shop's next file with the same headers: no question, the same columns.
    next_url = upload(client, shop_world["bakery"], TILL.replace("4,80", "5,00"), "caisse-2.csv")
    page = client.get(next_url).get_data(as_text=True)
    assert "2 lignes valides : 2 nouveaux produits" in page and "5,00" in page
    with app.app_context():
        assert ShopColumnMapping.query.count() == 1
        shop = db.session.get(Shop, shop_world["bakery"])
        assert product_import.saved_mapping(shop, ["Dénomination commerciale", "PV public", "Dispo", "Code interne"])[
            "price"] == 1
        cheese = db.session.get(Shop, shop_world["cheese"])  # another shop's file is not this one's
        assert product_import.saved_mapping(cheese, ["Dénomination commerciale", "PV public", "Dispo",
                                                     "Code interne"]) is None
    # The review links to the screen for a shop that wants to change its columns.
    assert f'href="{next_url}/colonnes"' in page
