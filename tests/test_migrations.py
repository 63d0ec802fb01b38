"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import os

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db
from search.postgres_backend import include_object


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own: the migrations must start from nothing."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    # Named after the test database, so that two runs on two test databases never share it.
    name = f"{make_url(base).database}_migrations"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_migrations_produce_the_models_schema(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                  "include_object": include_object})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_hidden_reasons_stored_as_french_labels_become_codes(empty_database_url):
    from marketplace.models import Product
    from tests import factories as f

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        shop = f.shop("Fournil", f.commune())
        labelled = f.product(shop, "Couteau", hidden_reason="Produit interdit ou dangereux")
        typed = f.product(shop, "Briquet", hidden_reason="Contrefaçon")
        db.session.commit()
        ids = labelled.id, typed.id
        db.session.remove()  # no transaction left open: a downgrade drops an index of products (a lock)
        flask_migrate.downgrade(revision="e5b1d7c3a9f2")  # what the database held before the codes
        flask_migrate.upgrade()
        db.session.expire_all()
        assert [db.session.get(Product, i).hidden_reason for i in ids] == ["illegal", "Contrefaçon"]
        db.session.remove()
        db.engine.dispose()


def test_migrated_halle_redeem_is_the_codes(empty_database_url):
    """After `flask db upgrade`, PostgreSQL's halle_redeem is the one loyalty/pg_redeem.py
    describes, word for word (the migration froze its own copy), and only that one."""
    from loyalty.pg_redeem import REDEEM_FUNCTION, REDEEM_VERSION, deployed_version

    if not empty_database_url.startswith("postgresql"):
        pytest.skip("halle_redeem exists on PostgreSQL only")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    definition = text("SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.proname = 'halle_redeem'")
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            migrated = connection.execute(definition).scalars().all()
            assert deployed_version(connection) == REDEEM_VERSION
            connection.execute(REDEEM_FUNCTION)  # CREATE OR REPLACE with the code's text, not committed
            assert connection.execute(definition).scalars().all() == migrated
            connection.rollback()
        flask_migrate.downgrade(revision="c5e7a9b1d3f6")  # before the shops' limits: the fifth version, alone
        with db.engine.connect() as connection:
            assert deployed_version(connection) == "halle-redeem-5"
            assert len(connection.execute(definition).scalars().all()) == 1
        flask_migrate.downgrade(revision="c5e7a9b1d3f2")  # before the shop's commune: the fourth version, alone
        with db.engine.connect() as connection:
            assert deployed_version(connection) == "halle-redeem-4"
            assert len(connection.execute(definition).scalars().all()) == 1
        flask_migrate.downgrade(revision="d2b6f8a4c0e9")
        with db.engine.connect() as connection:
            assert deployed_version(connection) is None  # the second version carries none
            assert len(connection.execute(definition).scalars().all()) == 1
        db.engine.dispose()


def test_order_tenders_survive_the_move_to_rows_and_back(empty_database_url):
    """b8d2f4a6c0e1 moves the card / bank card columns of orders, sub-orders and refunds into
    order_payments and order_refund_parts; down and up again, every amount is where it was."""
    from marketplace.models import Order, OrderPayment, OrderRefund, OrderRefundPart, OrderShop
    from tests import factories as f

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        shop = f.shop("Fournil", f.commune())
        resident = f.user("client@example.fr")
        order = Order(user_id=resident.id, checkout_key="k", status="paid", total_cents=1_780)
        sub = OrderShop(shop_id=shop.id, subtotal_cents=1_780, status="refused", payments=[
            OrderPayment(means="card", amount_cents=550, refunded_cents=550),
            OrderPayment(means="stripe", amount_cents=1_230, refunded_cents=1_230)])
        order.shops.append(sub)
        db.session.add(order)
        db.session.flush()
        refund = OrderRefund(order_shop_id=sub.id, key="order-shop:1:refused", parts=[
            OrderRefundPart(payment=sub.payments[0], amount_cents=550),
            OrderRefundPart(payment=sub.payments[1], amount_cents=1_230, stripe_refund_id="re_1")])
        db.session.add(refund)
        db.session.commit()
        db.session.remove()

        flask_migrate.downgrade(revision="c2e4a6b8d0f1")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT card_cents, stripe_cents FROM orders")).one() == (550, 1_230)
            assert connection.execute(text(
                "SELECT card_cents, stripe_cents, refunded_card_cents, refunded_stripe_cents FROM order_shops"
            )).one() == (550, 1_230, 550, 1_230)
            assert connection.execute(text("SELECT card_cents, stripe_cents, stripe_refund_id FROM order_refunds")
                                      ).one() == (550, 1_230, "re_1")
        flask_migrate.upgrade()
        db.session.expire_all()
        order = db.session.scalar(db.select(Order))
        assert (order.card_cents, order.stripe_cents) == (550, 1_230)
        sub = order.shops[0]
        assert (sub.refunded_by("card"), sub.refunded_by("stripe")) == (550, 1_230)
        refund = db.session.scalar(db.select(OrderRefund))
        assert (refund.refunded_by("card"), refund.refunded_by("stripe")) == (550, 1_230)
        assert {p.stripe_refund_id for p in refund.parts} == {None, "re_1"}
        db.engine.dispose()


def test_a_services_business_s_products_left_on_sale_go_off_sale(empty_database_url):
    """c4e6a8b0d2f4: a shop that became a services business before its catalogue tools closed kept
    products on sale out of its reach. The revision takes them off sale, pauses its active feeds,
    says so in the audit log and tells the search index; a shop selling products keeps its own."""
    from marketplace.models import AuditEvent, CatalogueFeed, Product
    from search.models import IndexOutbox
    from tests import factories as f

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        semur = f.commune()
        plumber = f.shop("Plomberie Moreau", semur, kind="services")
        bakery = f.shop("Fournil", semur)
        taps = [f.product(plumber, "Robinet"), f.product(plumber, "Joint")]
        off = f.product(plumber, "Siphon", active=False)
        bread = f.product(bakery, "Pain")
        feeds = [CatalogueFeed(shop_id=shop.id, url=f"https://example.fr/{shop.id}.csv", status="active")
                 for shop in (plumber, bakery)]
        db.session.add_all(feeds)
        db.session.commit()
        ids = {"plumber": plumber.id, "taps": [p.id for p in taps], "off": off.id, "bread": bread.id,
               "feeds": [feed.id for feed in feeds]}
        db.session.execute(db.delete(IndexOutbox))
        db.session.commit()
        db.session.remove()
        flask_migrate.downgrade(revision="a7c9e1f3b5d8")  # the database as it was before the revision
        flask_migrate.upgrade()

        active = dict(db.session.execute(db.select(Product.id, Product.active)).all())
        assert [active[i] for i in ids["taps"]] == [False, False] and not active[ids["off"]]
        assert active[ids["bread"]]
        assert [db.session.get(CatalogueFeed, i).status for i in ids["feeds"]] == ["paused", "active"]
        [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "shop.services_off_sale"))
        assert (event.target_type, event.target_id, event.actor) == ("Shop", ids["plumber"], "system")
        assert event.before == {"on_sale": ids["taps"], "active_feeds": ids["feeds"][:1]}
        assert "2 produit(s) retiré(s) de la vente, 1 flux mis en pause" in event.summary
        assert [(row.kind, row.entity_id) for row in db.session.scalars(db.select(IndexOutbox))] == [
            ("shop", ids["plumber"])]
        db.session.remove()
        db.engine.dispose()


def test_accounts_from_before_the_e_mail_check_start_unconfirmed(empty_database_url):
    """e7a9c1b3d5f8: no account of before ever opened a link mailed to its address."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="c4e6a8b0d2f4")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (email, password_hash, first_name, last_name, locale, is_admin, "
                "is_active_account, created_at) VALUES ('ancien@example.fr', 'x', '', '', 'fr', false, true, "
                "CURRENT_TIMESTAMP)"))
        db.session.remove()
        flask_migrate.upgrade()
        assert db.session.execute(text("SELECT email_confirmed_at FROM users")).all() == [(None,)]
        db.session.remove()
        db.engine.dispose()

