"""The territory's barcode reference (issue 22): a code another shop listed pre-fills a new product;
a shop that opts out is never used; only a photo the reference offers is taken; photos reorder."""
import io
from datetime import timedelta

import pytest

from marketplace import product_reference
from marketplace.extensions import db
from marketplace.images import store_image
from marketplace.models import Category, Product, ProductImage, Shop
from marketplace.models.base import utcnow
from tests import factories as f
from tests.conftest import login
from tests.shop.conftest import image_bytes

MUSTARD = "3012345678902"  # a valid EAN-13
UPC_A = "036000291452"


def _photo(color) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), color).save(buffer, "PNG")
    return store_image(buffer.getvalue())


@pytest.fixture
def listings(app, shop_world):
    """The cheese shop lists the mustard twice over time (an old listing with a photo, a newer one
    without, a newest one hidden by the territory); a third shop lists it with a photo, earlier."""
    with app.app_context():
        cheese = db.session.get(Shop, shop_world["cheese"])
        grocery_category = db.session.get(Category, shop_world["categories"]["epicerie"])
        grocery = f.shop("Épicerie du Marché", cheese.commune, category=grocery_category)
        now = utcnow()
        with_photo = f.product(cheese, "Moutarde de Dijon 210 g", 290, ean=MUSTARD, unit="le pot",
                               category=grocery_category, updated_at=now - timedelta(days=2))
        with_photo.images = [ProductImage(key=_photo((200, 180, 0)), position=0)]
        f.product(cheese, "Moutarde (sans photo)", 300, ean=MUSTARD, sku="F002", updated_at=now)
        hidden = f.product(cheese, "Moutarde signalée", 300, ean=MUSTARD, sku="F003", updated_at=now,
                           hidden_by_admin_at=now)
        hidden.images = [ProductImage(key=_photo((255, 0, 0)), position=0)]
        older = f.product(grocery, "Moutarde forte", 280, ean=MUSTARD, updated_at=now - timedelta(days=30))
        older.images = [ProductImage(key=_photo((0, 0, 200)), position=0)]
        db.session.commit()
        return {"photo": with_photo.images[0].key, "older_photo": older.images[0].key, "grocery": grocery.id}


def reference_url(world, code):
    return f"/boutique/{world['bakery']}/reference/{code}"


def test_a_known_barcode_pre_fills_from_the_best_listing(app, client, shop_world, listings):
    login(client, shop_world["emails"]["staff"])
    body = client.get(reference_url(shop_world, MUSTARD)).get_json()
    # the most recent listing with a photo, not the newer one without, nor the one the territory hid
    assert body["found"] is True, body
    assert (body["name"], body["unit"], body["category_id"], body["photo_key"]) == (
        "Moutarde de Dijon 210 g", "le pot", shop_world["categories"]["epicerie"], listings["photo"])
    assert body["photo_url"].endswith(f"/{listings['photo']}.webp")
    assert "prix" in body["message"] and "price" not in body and "stock" not in body
    assert "own_product" not in body


def test_an_unknown_barcode_says_so(app, client, shop_world, listings):
    login(client, shop_world["emails"]["owner"])
    body = client.get(reference_url(shop_world, "4006381333931")).get_json()
    assert body == {"ean": "4006381333931", "found": False,
                    "message": "Aucun autre commerce du territoire n'a encore ce code-barres (4006381333931) : "
                               "complétez la fiche."}


def test_a_wrong_check_digit_is_refused_with_the_import_s_message(app, client, shop_world, listings):
    login(client, shop_world["emails"]["owner"])
    response = client.get(reference_url(shop_world, "3012345678903"))
    assert response.status_code == 400
    assert response.get_json()["error"] == "Le code-barres EAN « 3012345678903 » n'est pas valide."
    assert client.get(reference_url(shop_world, "abc")).status_code == 400


def test_upc_a_and_its_ean_13_form_are_the_same_product(app, shop_world, listings):
    with app.app_context():
        cheese = db.session.get(Shop, shop_world["cheese"])
        f.product(cheese, "Sauce barbecue", 450, ean="0" + UPC_A, sku="F009")
        db.session.commit()
        assert product_reference.lookup(UPC_A, shop_world["bakery"]).name == "Sauce barbecue"


def test_a_shop_that_opts_out_is_never_used(app, client, shop_world, listings):
    login(client, shop_world["emails"]["other"])  # the cheese shop's owner ticks the setting
    page = client.get(f"/boutique/{shop_world['cheese']}/parametres")
    assert "Ne pas partager mes fiches produits avec les autres commerces" in page.get_data(as_text=True)
    with app.app_context():
        cheese = db.session.get(Shop, shop_world["cheese"])
        data = {"name": cheese.name, "category": str(cheese.category_id), "commune": cheese.commune_insee,
                "address": "1 place du Marché", "siret": "55210055400013", "private_listings": "y",
                "accepts_card": "y"}
    assert client.post(f"/boutique/{shop_world['cheese']}/parametres", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Shop, shop_world["cheese"]).private_listings is True
    client = app.test_client()
    login(client, shop_world["emails"]["owner"])
    body = client.get(reference_url(shop_world, MUSTARD)).get_json()
    assert (body["name"], body["photo_key"]) == ("Moutarde forte", listings["older_photo"])  # the grocery's
    with app.app_context():
        db.session.get(Shop, listings["grocery"]).private_listings = True
        db.session.commit()
    assert client.get(reference_url(shop_world, MUSTARD)).get_json()["found"] is False


def test_pending_shops_are_not_a_reference(app, shop_world, listings):
    with app.app_context():
        for shop_id in (shop_world["cheese"], listings["grocery"]):
            db.session.get(Shop, shop_id).status = "pending"
        db.session.commit()
        assert product_reference.lookup(MUSTARD, shop_world["bakery"]) is None


def test_the_shop_s_own_product_is_pointed_to(app, client, shop_world, listings):
    with app.app_context():
        bread = db.session.get(Product, shop_world["bread"])
        bread.ean = "4006381333931"
        db.session.commit()
    login(client, shop_world["emails"]["owner"])
    body = client.get(reference_url(shop_world, "4006381333931")).get_json()
    assert body["found"] is False
    assert body["own_product"]["url"] == f"/boutique/{shop_world['bakery']}/produits/{shop_world['bread']}"
    assert "Pain de campagne" in body["own_product"]["label"]


def test_only_the_shop_s_team_may_look_up(app, client, shop_world, listings):
    url = reference_url(shop_world, MUSTARD)
    assert "/connexion" in client.get(url).headers["Location"]
    for role in ("cashier", "other", "resident"):
        client = app.test_client()
        login(client, shop_world["emails"][role])
        assert client.get(url).status_code == 403, role


def test_look_ups_are_rate_limited_per_person(app, client, shop_world, listings, monkeypatch):
    monkeypatch.setitem(app.config, "REFERENCE_LOOKUP_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    login(client, shop_world["emails"]["staff"])
    codes = [client.get(reference_url(shop_world, MUSTARD)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_saving_takes_the_reference_photo_and_never_another(app, client, shop_world, listings, media_dir):
    login(client, shop_world["emails"]["staff"])
    with app.app_context():
        stranger = _photo((10, 200, 10))  # stored, but no listing of this barcode shows it
    base = {"name": "Moutarde de Dijon 210 g", "price": "3,20", "unit": "le pot", "stock": "6", "active": "y",
            "category": str(shop_world["categories"]["epicerie"]), "ean": MUSTARD}
    url = f"/boutique/{shop_world['bakery']}/produits/nouveau"
    assert client.post(url, data={**base, "sku": "M1", "reference_photo": listings["photo"]}).status_code == 302
    assert client.post(url, data={**base, "sku": "M2", "reference_photo": stranger}).status_code == 302
    # A tampered key of any length: the product is saved, without it (no refusal on a field nobody sees).
    assert client.post(url, data={**base, "sku": "M4", "reference_photo": "x" * 300}).status_code == 302
    camera = {**base, "sku": "M3", "reference_photo": listings["photo"],
              "camera_photo": (io.BytesIO(image_bytes()), "image.jpg")}
    assert client.post(url, data=camera, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        photos = {p.sku: [i.key for i in p.images]
                  for p in Product.query.filter(Product.sku.in_(["M1", "M2", "M3", "M4"]))}
        assert photos["M1"] == [listings["photo"]]
        assert photos["M2"] == [] == photos["M4"]
        assert len(photos["M3"]) == 2 and photos["M3"][1] == listings["photo"]  # the shop's own photo first
        assert Product.query.filter_by(sku="M1").one().price_cents == 320


def test_photos_move_up_and_down(app, client, shop_world, media_dir):
    with app.app_context():
        bread = db.session.get(Product, shop_world["bread"])
        keys = [_photo(color) for color in ((1, 1, 1), (2, 2, 2), (3, 3, 3))]
        bread.images = [ProductImage(key=key, position=i) for i, key in enumerate(keys)]
        db.session.commit()
        ids = [image.id for image in bread.images]
        before = bread.updated_at
    login(client, shop_world["emails"]["staff"])
    base = f"/boutique/{shop_world['bakery']}/produits/{shop_world['bread']}/photos"
    page = client.get(f"/boutique/{shop_world['bakery']}/produits/{shop_world['bread']}").get_data(as_text=True)
    assert page.count('value="up"') == 2 and page.count('value="down"') == 2
    response = client.post(f"{base}/{ids[2]}/deplacer", data={"direction": "up"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#photos")
    client.post(f"{base}/{ids[2]}/deplacer", data={"direction": "up"})
    client.post(f"{base}/{ids[2]}/deplacer", data={"direction": "up"})  # already first: nothing
    client.post(f"{base}/{ids[0]}/deplacer", data={"direction": "down"})
    client.post(f"{base}/{ids[1]}/deplacer", data={"direction": "sideways"})
    with app.app_context():
        bread = db.session.get(Product, shop_world["bread"])
        assert [image.key for image in bread.images] == [keys[2], keys[1], keys[0]]
        assert [image.position for image in bread.images] == [0, 1, 2]
        assert bread.updated_at > before  # the first photo shows in search results
    assert client.post(f"/boutique/{shop_world['bakery']}/produits/{shop_world['comte']}/photos/{ids[0]}/deplacer",
                       data={"direction": "up"}).status_code == 404  # another shop's product
    assert client.post(f"{base}/999999/deplacer", data={"direction": "up"}).status_code == 404


def test_saving_again_does_not_add_the_reference_photo_twice(app, client, shop_world, listings):
    login(client, shop_world["emails"]["staff"])
    data = {"name": "Moutarde de Dijon 210 g", "price": "3,20", "unit": "le pot", "stock": "6", "active": "y",
            "category": str(shop_world["categories"]["epicerie"]), "ean": MUSTARD, "sku": "M1",
            "reference_photo": listings["photo"]}
    assert client.post(f"/boutique/{shop_world['bakery']}/produits/nouveau", data=data).status_code == 302
    with app.app_context():
        product_id = Product.query.filter_by(sku="M1").one().id
    edit = f"/boutique/{shop_world['bakery']}/produits/{product_id}"
    assert client.post(edit, data={**data, "stock": "5"}).status_code == 302  # the form still holds the key
    with app.app_context():
        product = db.session.get(Product, product_id)
        assert ([image.key for image in product.images], product.stock) == ([listings["photo"]], 5)
