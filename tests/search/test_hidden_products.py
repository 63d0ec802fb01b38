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
