"""A product the territory hides leaves the search (both backends) and comes back when restored."""
import search
from marketplace import catalogue, product_reports
from marketplace.extensions import db
from marketplace.models import Product, ProductReport
from tests import factories as f


def test_a_hidden_product_leaves_the_search_and_returns_when_restored(app, world, ask, search_backend):
    product_id, word = world.products["Tarte aux abricots"], "abricots"
    assert product_id in {hit.id for hit in ask(q=word).hits}
    with app.test_request_context():
        admin = f.user("admin@example.fr", is_admin=True)
        report = ProductReport(product_id=product_id, reason="illegal")
        db.session.add(report)
        db.session.commit()
        product_reports.hide_product(report, actor=admin)
        search.drain_outbox()  # Whoosh goes through the outbox; PostgreSQL's triggers already ran
    assert product_id not in {hit.id for hit in ask(q=word).hits}

    with app.test_request_context():  # the shop cannot bring it back through a bulk action
        catalogue.bulk_update(db.session.get(Product, product_id).shop_id, [product_id], "activate")
        search.drain_outbox()
    assert product_id not in {hit.id for hit in ask(q=word).hits}

    with app.test_request_context():
        admin = f.user("admin2@example.fr", is_admin=True)
        product_reports.unhide_product(db.session.get(Product, product_id), actor=admin)
        search.drain_outbox()
        assert search.check().in_step
    assert product_id in {hit.id for hit in ask(q=word).hits}


def test_one_rule_decides_what_is_searchable_on_both_backends(app, world, ask, search_backend):
    """Searchable is Product.is_public (on sale: the shop's switch and not hidden by the territory,
    in an approved shop), however the row got there: the PostgreSQL triggers used `active` alone
    and kept a product hidden by a bare SQL update."""
    product_id, word = world.products["Miel d'acacia"], "acacia"
    assert [hit.id for hit in ask(q=word).hits] == [product_id]
    with app.test_request_context():
        db.session.execute(db.update(Product).where(Product.id == product_id)
                           .values(hidden_by_admin_at=db.func.current_timestamp()))
        db.session.commit()
        product = db.session.get(Product, product_id)
        assert product.active and not product.is_public
        search.index_products([product_id])  # Whoosh: what the outbox would carry; PostgreSQL: its triggers ran
    assert ask(q=word).total == 0
