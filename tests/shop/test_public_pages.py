"""The public shop, product and category pages."""
from marketplace.extensions import db
from marketplace.models import Category, Product, Shop
from tests import factories as f
from tests.conftest import login


def test_shop_page_shows_hours_contact_card_map_and_products(app, client, shop_world):
    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        shop.phone, shop.description = "03 80 97 00 00", "Pain au levain cuit au feu de bois."
        for n in range(30):
            f.product(shop, f"Viennoiserie {n:02d}", 120)
        f.product(shop, "Confiture", 450, category=db.session.get(Category, shop_world["categories"]["epicerie"]))
        f.product(shop, "Retirée", 450, active=False)
        db.session.commit()
    page = client.get("/commerces/boulangerie-moreau").get_data(as_text=True)
    for text in ("Boulangerie Moreau", "Pain au levain", "3 rue Buffon", "03 80 97 00 00", "Carte du territoire acceptée",
                 "7h-12h30, 15h-19h", 'id="shop-map"', "(32)", "Page 1 sur 2", "Semur-en-Auxois"):
        assert text in page, text
    assert "Retirée" not in page
    assert 'data-testid="opening-status"' in page
    # Each card's button says which product it adds, for whoever hears the page button by button.
    assert 'Ajouter au panier<span class="visually-hidden"> : Viennoiserie 00</span>' in page
    filtered = client.get("/commerces/boulangerie-moreau", query_string={"categorie": shop_world["categories"]["epicerie"]})
    assert "(1)" in filtered.get_data(as_text=True)
    past_the_end = client.get("/commerces/boulangerie-moreau?page=999")  # an old link: the last page
    assert past_the_end.status_code == 302 and past_the_end.headers["Location"] == "/commerces/boulangerie-moreau?page=2"
    assert "Page 2 sur 2" in client.get(past_the_end.headers["Location"]).get_data(as_text=True)


def test_pending_shops_are_hidden_except_from_their_team(app, client, shop_world):
    with app.app_context():
        db.session.get(Shop, shop_world["bakery"]).status = "pending"
        db.session.commit()
    assert client.get("/commerces/boulangerie-moreau").status_code == 404
    assert client.get(f"/produits/{shop_world['bread']}").status_code == 404
    login(client, shop_world["emails"]["staff"])
    assert "Aperçu" in client.get("/commerces/boulangerie-moreau").get_data(as_text=True)


def test_a_pending_shops_team_previews_its_product_pages(app, client, shop_world):
    """The shopkeeper clicks a product of the preview of the shop: its page, marked as a preview;
    a visitor and the member of another shop still get 404, and nobody can buy it yet."""
    with app.app_context():
        db.session.get(Shop, shop_world["bakery"]).status = "pending"
        db.session.commit()
    product_url = f"/produits/{shop_world['bread']}"
    assert client.get(product_url).status_code == 404
    login(client, shop_world["emails"]["other"])  # owner of the cheese shop
    assert client.get(product_url).status_code == 404
    owner = app.test_client()
    login(owner, shop_world["emails"]["owner"])
    shop_page = owner.get("/commerces/boulangerie-moreau").get_data(as_text=True)
    assert f'href="{product_url}"' in shop_page
    response = owner.get(product_url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pain de campagne" in page and "Aperçu" in page
    assert "Ajouter au panier" not in page
    with app.app_context():
        db.session.get(Product, shop_world["bread"]).active = False
        db.session.commit()
    assert owner.get(product_url).status_code == 404  # off sale: not in the preview either


def test_product_page_shows_price_stock_shop_and_distance(app, client, shop_world):
    client.post("/ma-commune", data={"commune": "21023"})  # the visitor lives in Arnay-le-Duc
    page = client.get(f"/produits/{shop_world['bread']}").get_data(as_text=True)
    for text in ("Pain de campagne", "2,40", "En stock (12)", "Boulangerie Moreau", "Semur-en-Auxois", "à 41"):
        assert text in page, text
    with app.app_context():
        db.session.get(Product, shop_world["bread"]).active = False
        db.session.commit()
    assert client.get(f"/produits/{shop_world['bread']}").status_code == 404


def test_category_page_lists_products_of_its_subcategories_across_shops(app, client, shop_world):
    page = client.get("/categories/alimentation").get_data(as_text=True)
    assert "Pain de campagne" in page and "Comté 18 mois" in page and "2 produit(s)" in page
    page = client.get("/categories/fromagerie").get_data(as_text=True)
    assert "Comté 18 mois" in page and "Pain de campagne" not in page
    assert client.get("/categories/nulle-part").status_code == 404
    past_the_end = client.get("/categories/fromagerie?page=999")
    assert past_the_end.status_code == 302 and past_the_end.headers["Location"] == "/categories/fromagerie?page=1"


def test_commune_page_links_its_shops(app, client, shop_world):
    page = client.get("/communes/semur-en-auxois").get_data(as_text=True)
    assert 'href="/commerces/boulangerie-moreau"' in page
