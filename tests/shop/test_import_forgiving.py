"""The import forgives what it can (issue 21 item 3): a wrong barcode, a .tsv file, category
texts that are not the site's (matched by words and synonyms, else the shop's answer, kept)."""
import io
import re

from marketplace import product_import
from marketplace.extensions import db
from marketplace.models import Product, Shop, ShopCategoryAlias
from search.models import SynonymGroup
from tests.conftest import login


def plan_of(text: str, shop_id: int, filename: str = "catalogue.csv"):
    table = product_import.read_table(text.encode(), filename)
    return product_import.check_import(table, product_import.propose_mapping(table.headers),
                                       db.session.get(Shop, shop_id))


def test_a_hardware_shops_own_code_in_the_barcode_column_keeps_the_product(app_ctx, shop_world):
    plan = plan_of("Réf;Désignation;Prix;Code-barres\nQ1;Vis à bois 4x40;3,90;Q-105\n"
                   "Q2;Cheville;1,20;3017620422003\n", shop_world["bakery"])
    assert plan.errors == []
    assert [(w.line, w.message) for w in plan.warnings] == [
        (2, "Le code-barres EAN « Q-105 » n'est pas valide. Produit importé sans code-barres.")]
    product_import.apply_import(plan, db.session.get(Shop, shop_world["bakery"]))
    products = {p.sku: p for p in Product.query.filter_by(shop_id=shop_world["bakery"])}
    assert products["Q1"].ean is None and products["Q1"].name == "Vis à bois 4x40"
    assert products["Q2"].ean == "3017620422003"


def test_a_tsv_file_is_read_by_its_tabs_and_offered_by_the_file_picker(app, client, shop_world):
    with app.app_context():
        # Commas and semicolons inside cells: only the name .tsv says the separator is the tab.
        table = product_import.read_table("Désignation\tPrix\nPain, graines; bio\t2,40\n".encode(), "flux.tsv")
        assert table.headers == ["Désignation", "Prix"] and table.rows[0][1] == ["Pain, graines; bio", "2,40"]
    login(client, shop_world["emails"]["owner"])
    page = client.get(f"/boutique/{shop_world['bakery']}/import").get_data(as_text=True)
    assert re.search(r'accept="[^"]*\.tsv', page)
    response = client.post(f"/boutique/{shop_world['bakery']}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO("Désignation\tPrix\nPain\t2,40\n".encode()), "flux.tsv")})
    assert "/import/" in response.headers["Location"]


def test_categories_are_matched_by_their_words_and_synonyms(app_ctx, shop_world):
    db.session.add(SynonymGroup(terms="gâteau, pâtisserie"))
    db.session.commit()
    plan = plan_of("Désignation;Prix;Catégorie\nÉclair;2,40;Pâtisserie\nFraisier;24,00;Gâteaux\n"
                   "Tarte;18,00;Alimentation > Pâtisseries\nPomme;0,50;Fruits\nBaguette;1,10;Pain\n",
                   shop_world["bakery"])
    bakery_category = shop_world["categories"]["boulangerie-patisserie"]
    assert [line.values.get("category_id") for line in plan.lines] == [
        bakery_category, bakery_category, bakery_category, shop_world["categories"]["fruits-legumes"], None]
    assert plan.unknown_categories == ["Pain"]
    bakery_name = db.session.get(Shop, shop_world["bakery"]).category.name
    assert [w.message for w in plan.warnings] == [
        f"Catégorie « Pain » inconnue du territoire : le produit est rangé dans celle du commerce ({bakery_name})."]


def test_the_shops_answer_is_kept_for_its_next_imports(app, client, shop_world):
    login(client, shop_world["emails"]["staff"])
    base = f"/boutique/{shop_world['bakery']}"
    response = client.post(f"{base}/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO("Désignation;Prix;Rayon\nBaguette;1,10;Pain\nBrioche;4,00;Viennoiserie\n".encode()),
                 "a.csv")})
    review_url = response.headers["Location"]
    page = client.get(review_url).get_data(as_text=True)
    assert "Catégories à préciser" in page and 'name="category_text_0" value="Pain"' in page
    food = shop_world["categories"]["alimentation"]
    response = client.post(review_url, data={"save_categories": "1", "category_text_0": "Pain",
                                             "category_0": str(food), "category_text_1": "Viennoiserie",
                                             "category_1": "", "map_name": "0", "map_price": "1",
                                             "map_category": "2"})
    assert response.status_code == 302 and "map_category=2" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Catégorie « Pain » inconnue" not in page and "Catégorie « Viennoiserie » inconnue" in page
    with app.app_context():
        assert [(a.text_key, a.category_id) for a in ShopCategoryAlias.query] == [("pain", food)]
        # The next file of this shop (any spelling of the text) knows it; another shop does not.
        assert plan_of("Désignation;Prix;Rayon\nFicelle;0,90;PAIN\n", shop_world["bakery"]).lines[0].values[
            "category_id"] == food
        assert plan_of("Désignation;Prix;Rayon\nFicelle;0,90;PAIN\n", shop_world["cheese"]).unknown_categories == [
            "PAIN"]


def test_a_merged_category_takes_the_shops_answers_along(app_ctx, shop_world):
    from marketplace.models import Category
    from marketplace.taxonomy import merge_category

    bakery = db.session.get(Shop, shop_world["bakery"])
    product_import.remember_categories(bakery, {"Pain": shop_world["categories"]["epicerie"]})
    merge_category(db.session, db.session.get(Category, shop_world["categories"]["epicerie"]),
                   db.session.get(Category, shop_world["categories"]["alimentation"]))
    assert ShopCategoryAlias.query.one().category_id == shop_world["categories"]["alimentation"]
