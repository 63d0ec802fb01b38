"""Products in the back office: the form, duplicate, delete, bulk actions, list; who may do what."""
import html
import io

import pytest

from marketplace import catalogue
from marketplace.catalogue import InvalidValue
from marketplace.extensions import db
from marketplace.models import Product
from tests.conftest import login
from tests.shop.conftest import image_bytes


def product_form(world, **overrides):
    data = {"name": "Brioche au beurre", "price": "12,50", "unit": "la pièce",
            "category": str(world["categories"]["boulangerie-patisserie"]), "stock": "8",
            "description": "Beurre de Bourgogne.", "sku": "B010", "ean": "", "active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("typed, cents", [("12,50", 1250), ("12.50", 1250), ("12,5 €", 1250), ("1 250", 125000),
                                          ("1.234,56", 123456), ("€ 3", 300), ("0,99", 99)])
def test_prices_are_read_as_people_type_them(typed, cents):
    assert catalogue.parse_price(typed) == cents


@pytest.mark.parametrize("typed, message", [("", "obligatoire"), ("-3", "négatif"), ("gratuit", "n'est pas un nombre"),
                                            ("0", "supérieur à zéro"), ("1,234", "plus de deux décimales"),
                                            ("1.2.3", "n'est pas un nombre")])
def test_unreadable_prices_are_refused(typed, message):
    with pytest.raises(InvalidValue, match=message):
        catalogue.parse_price(typed)


def test_stock_and_ean_parsers():
    assert catalogue.parse_stock("") is None
    assert catalogue.parse_stock("Sur commande") is None
    assert catalogue.parse_stock("12") == 12 and catalogue.parse_stock("3,0") == 3
    for bad in ("-1", "beaucoup", "2,5"):
        with pytest.raises(InvalidValue):
            catalogue.parse_stock(bad)
    assert catalogue.parse_stock("1000000") == catalogue.MAX_STOCK == 1_000_000  # the products API's maximum too
    with pytest.raises(InvalidValue, match="« 1000001 » dépasse le maximum"):
        catalogue.parse_stock("1000001")
    assert catalogue.normalize_ean("3017620422003") == "3017620422003"
    assert catalogue.normalize_ean(" ") is None
    with pytest.raises(InvalidValue, match="n'est pas valide"):
        catalogue.normalize_ean("3017620422004")
    with pytest.raises(InvalidValue, match="notation scientifique"):
        catalogue.normalize_ean("3,01762E+12")


def test_staff_creates_a_product_with_a_photo(app, client, shop_world, media_dir):
    login(client, shop_world["emails"]["staff"])
    data = product_form(shop_world, price="12.50", stock="", photos=(io.BytesIO(image_bytes()), "brioche.jpg"))
    response = client.post(f"/boutique/{shop_world['bakery']}/produits/nouveau", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        product = Product.query.filter_by(sku="B010").one()
        assert (product.price_cents, product.stock, product.unit, product.active) == (1250, None, "la pièce", True)
        assert len(product.images) == 1
        key = product.images[0].key
    photo = client.get(f"/medias/thumb/{key}.webp")
    assert photo.status_code == 200 and photo.mimetype == "image/webp"
    assert "max-age=31536000" in photo.headers["Cache-Control"] and "immutable" in photo.headers["Cache-Control"]


def test_the_category_lists_name_the_choice_alone_under_its_top_category(app, client, shop_world):
    """A phone shows a closed list box's choice on one line: « Boulangerie, pâtisserie » under an
    « Alimentation » group, not « Alimentation › Boulangerie, pâtisserie » cut at the screen's edge.
    The same lists on the product form, the products' filter and their bulk action."""
    from lxml import html as lxml_html

    login(client, shop_world["emails"]["owner"])
    bakery = shop_world["bakery"]
    lists = ((f"/boutique/{bakery}/produits/nouveau", "category"), (f"/boutique/{bakery}/produits", "categorie"),
             (f"/boutique/{bakery}/produits", "category"))
    for url, name in lists:
        box = lxml_html.fromstring(client.get(url).get_data(as_text=True)).xpath(f"//select[@name='{name}']")[0]
        groups = {group.get("label"): [o.text for o in group.xpath("option")] for group in box.xpath("optgroup")}
        assert groups["Alimentation"][:3] == ["Alimentation", "Boulangerie, pâtisserie", "Boucherie, charcuterie"], url
        assert groups["Carburant"] == ["Carburant"], url
        assert not [o.text for o in box.xpath(".//option") if "›" in (o.text or "")], url
    # The choice is still read by its identifier, wherever it sits in the groups.
    data = product_form(shop_world, category=str(shop_world["categories"]["fromagerie"]))
    assert client.post(f"/boutique/{bakery}/produits/nouveau", data=data).status_code == 302
    with app.app_context():
        assert Product.query.filter_by(sku="B010").one().category.slug == "fromagerie"


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Indiquez le nom du produit."),
    ("price", "douze", "n&#39;est pas un nombre"),
    ("price", "-4", "est négatif"),
    ("stock", "-2", "Le stock « -2 » est négatif."),
    ("stock", "99999999999", "Le stock « 99999999999 » dépasse le maximum : 1"),
    ("category", "", "Catégorie : choisissez dans la liste."),
    ("category", "abc", "Catégorie : choisissez dans la liste."),
    ("ean", "123", "n&#39;est pas valide"),
    ("sku", "B001", "La référence « B001 » est déjà celle d&#39;un autre de vos produits."),
    ("name", "x" * 201, "200 caractères au plus."),
])
def test_product_form_says_what_is_wrong(app, client, shop_world, field, value, message):
    login(client, shop_world["emails"]["owner"])
    response = client.post(f"/boutique/{shop_world['bakery']}/produits/nouveau", data=product_form(shop_world, **{field: value}))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    with app.app_context():
        assert Product.query.filter_by(shop_id=shop_world["bakery"]).count() == 1


def test_a_reference_used_by_another_shop_is_fine(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    response = client.post(f"/boutique/{shop_world['bakery']}/produits/nouveau", data=product_form(shop_world, sku="F001"))
    assert response.status_code == 302


def test_edit_keeps_the_product_and_its_reference(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    url = f"/boutique/{shop_world['bakery']}/produits/{shop_world['bread']}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="2,40"' in page and 'value="12"' in page
    assert client.post(url, data=product_form(shop_world, name="Pain de campagne", sku="B001", price="2,60")).status_code == 302
    with app.app_context():
        assert db.session.get(Product, shop_world["bread"]).price_cents == 260


def test_duplicate_then_delete(app, client, shop_world):
    login(client, shop_world["emails"]["staff"])
    base = f"/boutique/{shop_world['bakery']}/produits"
    response = client.post(f"{base}/{shop_world['bread']}/dupliquer")
    copy_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        copy = db.session.get(Product, copy_id)
        assert (copy.name, copy.sku, copy.active, copy.price_cents) == ("Pain de campagne (copie)", None, False, 240)
    assert client.post(f"{base}/{copy_id}/supprimer").status_code == 302
    with app.app_context():
        assert db.session.get(Product, copy_id) is None


def test_a_product_once_ordered_cannot_be_deleted(app, client, shop_world, monkeypatch):
    monkeypatch.setattr(catalogue, "was_ever_ordered", lambda product: True)
    login(client, shop_world["emails"]["owner"])
    response = client.post(f"/boutique/{shop_world['bakery']}/produits/{shop_world['bread']}/supprimer",
                           follow_redirects=True)
    assert "retirez-le plutôt de la vente" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Product, shop_world["bread"]) is not None


def test_bulk_actions_touch_only_this_shops_products(app, client, shop_world):
    login(client, shop_world["emails"]["staff"])
    url = f"/boutique/{shop_world['bakery']}/produits/actions"
    ids = [str(shop_world["bread"]), str(shop_world["comte"])]
    client.post(url, data={"action": "deactivate", "product_ids": ids})
    client.post(url, data={"action": "stock", "stock": "5", "product_ids": ids})
    client.post(url, data={"action": "category", "category": str(shop_world["categories"]["epicerie"]),
                           "product_ids": ids})
    with app.app_context():
        bread, comte = db.session.get(Product, shop_world["bread"]), db.session.get(Product, shop_world["comte"])
        assert (bread.active, bread.stock, bread.category_id) == (False, 5, shop_world["categories"]["epicerie"])
        assert (comte.active, comte.stock, comte.category.slug) == (True, None, "fromagerie")
    response = client.post(url, data={"action": "stock", "stock": "beaucoup", "product_ids": ids}, follow_redirects=True)
    assert "n&#39;est pas un nombre entier" in response.get_data(as_text=True)
    response = client.post(url, data={"action": "activate"}, follow_redirects=True)
    assert "Cochez au moins un produit." in response.get_data(as_text=True)
    response = client.post(url, data={"action": "supprimer", "product_ids": ids}, follow_redirects=True)
    assert "Action : choisissez dans la liste." in response.get_data(as_text=True)


def test_the_weekly_count_is_typed_in_the_list_and_saved_at_once(app, client, shop_world):
    """Stocks are typed in the list's cells; only those that changed are written, a stock an order
    moved meanwhile is left for a new count, another shop's product is ignored, and one value not
    understood saves nothing and keeps what was typed."""
    with app.app_context():
        from marketplace.models import Shop
        from tests import factories as f

        bakery = db.session.get(Shop, shop_world["bakery"])
        brioche = f.product(bakery, "Brioche", 450, stock=3).id
        tarte = f.product(bakery, "Tarte aux pommes", 1200).id  # made to order
        db.session.commit()
    bread, comte = shop_world["bread"], shop_world["comte"]
    login(client, shop_world["emails"]["staff"])
    url = f"/boutique/{shop_world['bakery']}/produits"
    page = client.get(url).get_data(as_text=True)
    assert f'name="stock-{bread}" value="12"' in page and f'name="shown-{bread}" value="12"' in page

    refused = client.post(f"{url}/stocks?tri=stock", data={
        f"stock-{bread}": "douze", f"shown-{bread}": "12", f"stock-{tarte}": "9", f"shown-{tarte}": ""})
    body = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "Rien n'a été enregistré." in body
    assert f'name="stock-{bread}" value="douze"' in body and f'name="stock-{tarte}" value="9"' in body
    assert "Le stock « douze » n'est pas un nombre entier" in body
    refused = client.post(f"{url}/stocks", data={f"stock-{bread}": "99999999999", f"shown-{bread}": "12"})
    assert "Le stock « 99999999999 » dépasse le maximum" in html.unescape(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Product, tarte).stock is None

    with app.app_context():
        db.session.get(Product, brioche).stock = 2  # an order took one since the page was shown
        db.session.commit()
    saved = client.post(f"{url}/stocks?tri=stock", data={
        f"stock-{bread}": "20", f"shown-{bread}": "12", f"stock-{tarte}": "4", f"shown-{tarte}": "",
        f"stock-{brioche}": "10", f"shown-{brioche}": "3", f"stock-{comte}": "7", f"shown-{comte}": ""})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/produits?tri=stock")
    body = html.unescape(client.get(saved.headers["Location"]).get_data(as_text=True))
    assert "Stock enregistré pour 2 produits." in body
    assert "Le stock de « Brioche » a changé depuis l'affichage de la page (une commande ?) : il est de 2" in body
    with app.app_context():
        stocks = {pid: db.session.get(Product, pid).stock for pid in (bread, tarte, brioche, comte)}
    assert stocks == {bread: 20, tarte: 4, brioche: 2, comte: None}


def test_list_search_sort_and_pagination(app, client, shop_world):
    from tests import factories as f
    from marketplace.models import Shop

    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        for n in range(60):
            f.product(shop, f"Croissant {n:02d}", 100 + n, sku=f"C{n:02d}")
        db.session.commit()
    login(client, shop_world["emails"]["owner"])
    url = f"/boutique/{shop_world['bakery']}/produits"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="product-count">61 produits</p>' in page and "Page 1 sur 2" in page
    page = client.get(url, query_string={"q": "croissant 05"}).get_data(as_text=True)
    assert 'data-testid="product-count">1 produit</p>' in page and "Croissant 05" in page
    page = client.get(url, query_string={"q": "C5", "tri": "-prix"}).get_data(as_text=True)
    assert page.index("Croissant 59") < page.index("Croissant 50")
    # The same search box rule as the staff list's: % and _ are letters, not wildcards.
    for typed in ("%", "C_5"):
        page = client.get(url, query_string={"q": typed}).get_data(as_text=True)
        assert "Aucun produit ne correspond." in page, typed


def test_a_shopkeeper_finds_a_product_typing_without_accents(app, client, shop_world):
    from tests import factories as f
    from marketplace.models import Shop

    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        f.product(shop, "Pâté en croûte", 850, sku="P001")
        f.product(shop, "Cœur de Neufchâtel", 520, sku="P002")
        db.session.commit()
    login(client, shop_world["emails"]["owner"])
    url = f"/boutique/{shop_world['bakery']}/produits"
    for typed, found in (("pate", "Pâté en croûte"), ("PATE croute", "Pâté en croûte"), ("pâté", "Pâté en croûte"),
                         ("coeur neufchatel", "Cœur de Neufchâtel")):
        page = client.get(url, query_string={"q": typed}).get_data(as_text=True)
        assert 'data-testid="product-count">1 produit</p>' in page and found in page, typed
    page = client.get(url, query_string={"q": "pate feuilletee"}).get_data(as_text=True)
    assert "Aucun produit ne correspond." in page


def test_the_pager_keeps_the_sort_and_filters_and_bulk_actions_touch_the_rows_shown(app, client, shop_world):
    import re
    from html import unescape

    from tests import factories as f
    from marketplace.models import Shop

    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        croissants = [f.product(shop, f"Croissant {n:02d}", 100 + n, sku=f"C{n:02d}", stock=n + 1)
                      for n in range(60)]
        db.session.commit()
        ids = [product.id for product in croissants]
    login(client, shop_world["emails"]["staff"])
    url = f"/boutique/{shop_world['bakery']}/produits"
    category = shop_world["categories"]["boulangerie-patisserie"]
    first = client.get(url, query_string={"tri": "stock", "categorie": category}).get_data(as_text=True)
    assert first.count('name="product_ids"') == 50
    nav = re.search(r'<nav aria-label="Pages" class="pager">(.*?)</nav>', first, re.S).group(1)
    assert unescape(re.search(r'href="([^"]+)"', nav).group(1)) == f"{url}?tri=stock&categorie={category}&page=2"
    second = client.get(f"{url}?tri=stock&categorie={category}&page=2").get_data(as_text=True)
    shown = [int(value) for value in re.findall(r'name="product_ids" value="(\d+)"', second)]
    assert len(shown) == 11 and "Page 2 sur 2" in second and "Précédent" in second
    action = unescape(re.search(r'action="([^"]+/produits/actions[^"]*)"', second).group(1))
    done = client.post(action, data={"action": "stock", "stock": "0", "product_ids": [str(i) for i in shown[:2]]})
    assert done.headers["Location"] == f"{url}?tri=stock&categorie={category}&page=2"
    with app.app_context():
        stocks = {p.id: p.stock for p in db.session.scalars(db.select(Product).where(Product.id.in_(ids)))}
        assert [stocks[i] for i in shown[:2]] == [0, 0] and sum(stock == 0 for stock in stocks.values()) == 2
    other = shop_world["categories"]["fromagerie"]
    empty = client.get(url, query_string={"categorie": other}).get_data(as_text=True)
    assert "Aucun produit ne correspond." in empty and "Aucun produit pour l&#39;instant" not in empty


@pytest.mark.parametrize("role", ["cashier", "other"])
def test_cashiers_and_other_shops_cannot_touch_the_catalogue(app, client, shop_world, role):
    login(client, shop_world["emails"][role])
    base = f"/boutique/{shop_world['bakery']}"
    for path in ("/produits", "/produits/nouveau", f"/produits/{shop_world['bread']}", "/import", "/export.csv"):
        assert client.get(base + path).status_code == 403, path
    assert client.post(base + "/produits/nouveau", data=product_form(shop_world)).status_code == 403
    assert client.post(f"{base}/produits/{shop_world['bread']}/supprimer").status_code == 403
    assert client.post(f"{base}/produits/actions", data={"action": "deactivate",
                                                         "product_ids": [str(shop_world["bread"])]}).status_code == 403
    with app.app_context():
        assert db.session.get(Product, shop_world["bread"]).active is True


def test_another_shops_product_is_not_found_through_my_shop(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    base = f"/boutique/{shop_world['bakery']}/produits/{shop_world['comte']}"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/supprimer").status_code == 404
    assert client.post(f"{base}/dupliquer").status_code == 404
    with app.app_context():
        assert db.session.get(Product, shop_world["comte"]) is not None
