"""A spreadsheet import cannot put back online a product the territory hid (its other columns apply)."""
from marketplace import product_import
from marketplace.extensions import db
from marketplace.models import Product, Shop
from marketplace.models.base import utcnow


def test_an_import_does_not_put_a_hidden_product_back_online(app_ctx, shop_world):
    shop = db.session.get(Shop, shop_world["bakery"])
    bread = db.session.get(Product, shop_world["bread"])
    bread.active, bread.hidden_by_admin_at, bread.hidden_reason = False, utcnow(), "illegal"
    db.session.commit()
    data = "Référence;Désignation;Prix TTC;En ligne\nB001;Pain de campagne;2,60;oui\n".encode()
    table = product_import.read_table(data, "catalogue.csv")
    plan = product_import.check_import(table, product_import.propose_mapping(table.headers), shop)
    assert plan.errors == []
    product_import.apply_import(plan, shop)
    bread = db.session.get(Product, shop_world["bread"])
    assert (bread.price_cents, bread.active, bread.hidden_by_admin) == (260, False, True)
