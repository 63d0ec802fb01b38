"""The cart: anonymous in the session, merged at login, grouped by shop, stock checked."""
import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import CartItem
from tests.conftest import login

from .conftest import add


def cart_link(client, path="/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<a [^>]*data-testid="cart-link">([^<]*)</a>', page).group(1)


def test_anonymous_cart_is_grouped_by_shop_and_merged_at_login(app, client, shop_world):
    assert cart_link(client) == "Panier"
    assert add(client, shop_world["bread"], 2).status_code == 302
    assert cart_link(client) == "Panier (2)"  # every page's header counts the items
    add(client, shop_world["comte"])
    add(client, shop_world["bread"])
    page = client.get("/panier").get_data(as_text=True)
    assert "Boulangerie Moreau" in page and "Fromagerie Perrin" in page
    assert "13,50" in page  # 3 × 4,50 €
    assert "8,90" in page
    assert "22,40" in page
    login(client, "resident@example.fr")
    with app.app_context():
        items = {i.product_id: i.quantity for i in db.session.scalars(select(CartItem))}
    assert items == {shop_world["bread"]: 3, shop_world["comte"]: 1}
    assert "22,40" in client.get("/panier").get_data(as_text=True)
    assert cart_link(client, "/recherche?q=pain") == "Panier (4)"


def test_stock_is_checked_when_adding_with_a_clear_message(client, shop_world):
    add(client, shop_world["tart"])
    answer = add(client, shop_world["tart"])
    assert answer.status_code == 302
    page = client.get("/panier").get_data(as_text=True)
    assert "Il ne reste que 1 « Tarte aux pommes » en stock." in page


def test_a_quantity_in_letters_is_refused_naming_the_quantity(client, shop_world):
    add(client, shop_world["bread"], "abc")
    page = client.get("/panier").get_data(as_text=True)
    assert "La quantité va de 0 à 99." in page and "entier valide" not in page
    assert "Votre panier est vide" in page


def test_quantity_change_and_removal(client, shop_world):
    add(client, shop_world["bread"])
    client.post(f"/panier/{shop_world['bread']}", data={"quantity": 4})
    assert "18,00" in client.get("/panier").get_data(as_text=True)
    client.post(f"/panier/{shop_world['bread']}", data={"quantity": 0})
    assert "Votre panier est vide" in client.get("/panier").get_data(as_text=True)
    client.post(f"/panier/{shop_world['bread']}", data={"quantity": -2})
    assert "Votre panier est vide" in client.get("/panier").get_data(as_text=True)


def test_checkout_requires_an_account(client, shop_world):
    add(client, shop_world["bread"])
    answer = client.get("/panier/commande")
    assert answer.status_code == 302 and "/connexion" in answer.headers["Location"]
