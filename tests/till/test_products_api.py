"""The products API (issue 21 item 2): stock, price and online switch from the till software."""

from marketplace.extensions import db
from marketplace.models import Product
from tests import factories as f
from tests.till.test_pos_api import api_key, headers


def products(app, till):
    from marketplace.models import Shop

    with app.app_context():
        shop = db.session.get(Shop, till["shop"])
        other = db.session.get(Shop, till["other_shop"])
        f.product(shop, "Baguette", 110, sku="B1", stock=20)
        f.product(shop, "Croissant", 120, sku="B2", stock=30)
        f.product(other, "Comté", 3290, sku="B1", stock=5)  # the same reference in another shop
        db.session.commit()


def state(app, shop_id, sku):
    with app.app_context():
        p = Product.query.filter_by(shop_id=shop_id, sku=sku).one()
        return p.stock, p.price_cents, p.active


def test_put_sets_stock_price_and_online(app, client, till):
    products(app, till)
    key = api_key(app, till["shop"])
    response = client.put("/api/v1/products/B1", json={"stock": 18, "price_cents": 115}, headers=headers(key))
    assert response.status_code == 200
    assert response.json == {"product": {"sku": "B1", "name": "Baguette", "stock": 18, "price_cents": 115,
                                         "online": True}}
    assert client.put("/api/v1/products/B1", json={"stock": None, "online": False},
                      headers=headers(key)).status_code == 200
    assert state(app, till["shop"], "B1") == (None, 115, False)
    assert state(app, till["other_shop"], "B1") == (5, 3290, True)  # the other shop's B1 is untouched


def test_a_key_reaches_only_its_shops_products(app, client, till):
    products(app, till)
    with app.app_context():
        from marketplace.models import Shop

        f.product(db.session.get(Shop, till["other_shop"]), "Beaufort", 3500, sku="F9")
        db.session.commit()
    key = api_key(app, till["shop"])
    response = client.put("/api/v1/products/F9", json={"stock": 0}, headers=headers(key))
    assert response.status_code == 404 and response.json["error"]["code"] == "unknown_sku"
    assert client.put("/api/v1/products/B1", json={"stock": 0}).status_code == 401


def test_bad_bodies_get_a_422_naming_the_field(app, client, till):
    products(app, till)
    key = api_key(app, till["shop"])
    cases = [
        ({"price_cents": 0}, "price_cents"), ({"stock": -1}, "stock"), ({"stock": "12"}, "stock"),
        ({"online": "oui"}, "online"), ({"colour": "red"}, "colour"), ({}, "body"),
    ]
    for body, field in cases:
        response = client.put("/api/v1/products/B1", json=body, headers=headers(key))
        assert response.status_code == 422, body
        assert response.json["error"]["field"] == field and field in response.json["error"]["message"], body
    response = client.post("/api/v1/products:batch", headers=headers(key, "k1"), json={
        "products": [{"sku": "B1", "stock": 3}, {"sku": "B2", "price_cents": 1.5}]})
    assert response.status_code == 422 and response.json["error"]["field"] == "products[1].price_cents"
    assert response.json["error"]["message"] == "« products[1].price_cents » n'a pas le bon type."
    assert state(app, till["shop"], "B1") == (20, 110, True)  # nothing written


def test_batch_is_all_or_nothing_and_idempotent(app, client, till):
    products(app, till)
    key = api_key(app, till["shop"])
    body = {"products": [{"sku": "B1", "stock": 19}, {"sku": "B2", "stock": 29, "price_cents": 125},
                         {"sku": "NOPE", "stock": 1}]}
    response = client.post("/api/v1/products:batch", json=body, headers=headers(key, "sale-1"))
    assert response.status_code == 404 and response.json["error"]["field"] == "products[2].sku"
    assert state(app, till["shop"], "B1") == (20, 110, True)
    body["products"].pop()
    first = client.post("/api/v1/products:batch", json=body, headers=headers(key, "sale-1"))
    assert first.status_code == 200 and (first.json["updated"], first.json["unchanged"]) == (2, 0)
    assert state(app, till["shop"], "B2") == (29, 125, True)
    # The till sold one more in between, then replays the same request: the same answer, nothing written.
    client.put("/api/v1/products/B1", json={"stock": 18}, headers=headers(key))
    again = client.post("/api/v1/products:batch", json=body,
                        headers=headers(api_key(app, till["shop"]), "sale-1"))  # another key of the shop
    assert again.status_code == 200 and again.json == first.json
    assert state(app, till["shop"], "B1") == (18, 110, True)
    other = client.post("/api/v1/products:batch", json={"products": [{"sku": "B1", "stock": 1}]},
                        headers=headers(key, "sale-1"))
    assert other.status_code == 409
    # Another shop may use the same key for its own products.
    theirs = client.post("/api/v1/products:batch", json={"products": [{"sku": "B1", "stock": 4}]},
                         headers=headers(api_key(app, till["other_shop"]), "sale-1"))
    assert theirs.status_code == 200 and state(app, till["other_shop"], "B1") == (4, 3290, True)
    assert client.post("/api/v1/products:batch", json=body, headers=headers(key)).status_code == 422  # key needed


def test_the_territorys_hiding_holds(app, client, till):
    from marketplace.models.base import utcnow

    products(app, till)
    with app.app_context():
        product = Product.query.filter_by(shop_id=till["shop"], sku="B2").one()
        product.active, product.hidden_by_admin_at = False, utcnow()
        db.session.commit()
    response = client.put("/api/v1/products/B2", json={"online": True}, headers=headers(api_key(app, till["shop"])))
    assert response.status_code == 200 and response.json["product"]["online"] is False
