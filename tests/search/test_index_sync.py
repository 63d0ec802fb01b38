"""The index follows the database: outbox written in the same transaction, one indexer at a time,
several processes editing at once, an indexer killed and restarted, reindex and check commands."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

import search
from marketplace.extensions import db
from marketplace.models import Product, Shop
from search.models import IndexOutbox
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def ids_for(app, ask, text):
    return {hit.id for hit in ask(q=text).hits}


def outbox_kinds(app):
    with app.app_context():
        return sorted((row.kind, row.entity_id) for row in IndexOutbox.query.all())


@pytest.mark.whoosh_only
def test_orm_changes_write_outbox_rows_in_the_same_transaction(app, ask):
    with app.app_context():
        semur = f.commune()
        shop = f.shop("Miellerie Dupont", semur)
        db.session.add(Product(shop=shop, category=shop.category, name="Miel de lavande", price_cents=900))
        db.session.rollback()  # a transaction that does not commit leaves no outbox row
        shop = f.shop("Miellerie Dupont", f.commune(insee="21604", slug="x", name="X"))
        product = Product(shop=shop, category=shop.category, name="Miel de lavande", price_cents=900)
        db.session.add(product)
        db.session.commit()
        product_id, shop_id = product.id, shop.id
    assert outbox_kinds(app) == [("product", product_id), ("shop", shop_id)]
    with app.app_context():
        assert search.drain_outbox() == 2
    assert outbox_kinds(app) == []
    assert ids_for(app, ask, "lavande") == {product_id}

    with app.app_context():  # update
        db.session.get(Product, product_id).name = "Miel de châtaignier"
        db.session.commit()
        search.drain_outbox()
    assert ids_for(app, ask, "lavande") == set() and ids_for(app, ask, "chataignier") == {product_id}

    with app.app_context():  # deactivate
        db.session.get(Product, product_id).active = False
        db.session.commit()
        search.drain_outbox()
    assert ids_for(app, ask, "chataignier") == set()

    with app.app_context():  # reactivate, then suspend the shop
        db.session.get(Product, product_id).active = True
        db.session.commit()
        search.drain_outbox()
        assert search.check().in_step
        db.session.get(Shop, shop_id).status = "suspended"
        db.session.commit()
        search.drain_outbox()
    assert ids_for(app, ask, "chataignier") == set()

    with app.app_context():  # approve again, then delete the product
        db.session.get(Shop, shop_id).status = "approved"
        db.session.commit()
        search.drain_outbox()
        assert ids_for(app, ask, "chataignier") == {product_id}
        db.session.delete(db.session.get(Product, product_id))
        db.session.commit()
        search.drain_outbox()
        assert search.check().in_step
    assert ids_for(app, ask, "chataignier") == set()


@pytest.mark.whoosh_only
def test_bulk_inserts_are_enqueued_explicitly(app, ask):
    from sqlalchemy import insert

    with app.app_context():
        shop = f.shop("Cave Bernard", f.commune())
        db.session.commit()
        search.rebuild()
        db.session.execute(insert(Product), [
            {"shop_id": shop.id, "category_id": shop.category_id, "name": f"Crémant de Bourgogne {n}",
             "price_cents": 1200 + n} for n in range(3)])
        new_ids = db.session.execute(select(Product.id)).scalars().all()
        db.session.commit()
        assert sorted(search.check().missing) == sorted(new_ids)
        search.enqueue_products(db.session, new_ids)
        db.session.commit()
        search.drain_outbox()
        assert search.check().in_step
    assert len(ids_for(app, ask, "cremant")) == 3


@pytest.mark.whoosh_only
def test_the_nightly_optimise_merges_the_segments_of_incremental_commits(app, ask):
    from marketplace import periodic

    with app.app_context():
        shop = f.shop("Miellerie Dupont", f.commune())
        for name in ("Miel de lavande", "Miel de sapin", "Miel de tilleul"):
            db.session.add(Product(shop=shop, category=shop.category, name=name, price_cents=900))
            db.session.commit()
            search.drain_outbox()  # one commit per change, as the indexer does
        backend = search.get_backend()
        assert backend.segment_count() > 1
        periodic.optimize_search_index()
        assert backend.segment_count() == 1
    assert len(ids_for(app, ask, "miel")) == 3


@pytest.mark.whoosh_only
def test_prices_and_facets_follow_each_commit_merge_and_deletion(app, ask):
    """The columns behind price order and facets are kept per index segment and reused by the
    next generation: after each incremental commit, a deactivation (a deletion in an old
    segment) and the nightly merge, they still describe every document; and the results show each
    product as its last commit left it (stored fields are kept per generation)."""
    from marketplace import periodic

    def seen():
        results, browsed = ask(q="miel", sort="price_asc"), ask(sort="price_asc")  # with and without words
        assert [hit.name for hit in browsed.hits] == [hit.name for hit in results.hits]
        return ([(hit.name, hit.price_cents) for hit in results.hits],
                {value.label: value.count for value in results.facets["commune"]})

    with app.app_context():
        semur, arnay = f.commune(), f.commune(**f.ARNAY)
        upper, lower = f.shop("Miellerie Dupont", semur), f.shop("Rucher d'Arnay", arnay)
        products = {}
        for shop, name, price in ((upper, "Miel de lavande", 900), (lower, "Miel de sapin", 500),
                                  (upper, "Miel de tilleul", 700)):
            product = Product(shop=shop, category=shop.category, name=name, price_cents=price)
            db.session.add(product)
            db.session.commit()
            products[name] = product.id
            search.drain_outbox()  # one commit (one new segment) per change, as the indexer does
            ask(q="miel")  # a search reads this generation's columns
    assert seen() == ([("Miel de sapin", 500), ("Miel de tilleul", 700), ("Miel de lavande", 900)],
                      {"Semur-en-Auxois": 2, "Arnay-le-Duc": 1})
    with app.app_context():
        db.session.get(Product, products["Miel de sapin"]).active = False
        db.session.commit()
        search.drain_outbox()
    assert seen() == ([("Miel de tilleul", 700), ("Miel de lavande", 900)], {"Semur-en-Auxois": 2})
    with app.app_context():
        periodic.optimize_search_index()
        assert search.get_backend().segment_count() == 1
    assert seen() == ([("Miel de tilleul", 700), ("Miel de lavande", 900)], {"Semur-en-Auxois": 2})
    with app.app_context():
        db.session.get(Product, products["Miel de lavande"]).price_cents = 300
        db.session.get(Product, products["Miel de tilleul"]).name = "Miel de tilleul bio"
        db.session.commit()
        search.drain_outbox()
    assert seen() == ([("Miel de lavande", 300), ("Miel de tilleul bio", 700)], {"Semur-en-Auxois": 2})


def test_a_typo_that_found_nothing_finds_the_word_a_shop_lists_next(app, ask):
    """Corrections are remembered for the catalogue's words as they are: once a product brings a
    new word, the same typo is corrected to it."""
    with app.app_context():
        shop = f.shop("Miellerie Dupont", f.commune())
        db.session.add(Product(shop=shop, category=shop.category, name="Miel de lavande", price_cents=900))
        db.session.commit()
        search.drain_outbox()
    for _ in range(2):  # asked again: the same answer
        nothing = ask(q="chocolta")
        assert (nothing.total, nothing.suggestion) == (0, None)
    with app.app_context():
        shop = db.session.scalar(select(Shop))
        db.session.add(Product(shop=shop, category=shop.category, name="Chocolat noir", price_cents=450))
        db.session.commit()
        search.drain_outbox()
    found = ask(q="chocolta")
    assert (found.total, found.suggestion, [hit.name for hit in found.hits]) == (1, "chocolat", ["Chocolat noir"])


@pytest.mark.whoosh_only
def test_check_and_reindex_commands(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "concordent" in result.output
    with app.app_context():  # a change the indexer has not seen yet: the index is stale
        product = db.session.get(Product, world.products["Miel de fleurs"])
        product.price_cents += 10
        db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"1 produits périmés dans l'index : {world.products['Miel de fleurs']}" in result.output
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "46 produits indexés" in result.output, result.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    with app.app_context():
        assert search.check().pending == 0  # the rebuild covered the outbox rows


@pytest.mark.whoosh_only
def test_schema_version_change_triggers_a_rebuild(app, world, monkeypatch):
    from search import whoosh_backend

    with app.app_context():
        engine = search.get_backend()
        assert not engine.needs_rebuild()
        monkeypatch.setattr(whoosh_backend, "SCHEMA_VERSION", whoosh_backend.SCHEMA_VERSION + 1)
        assert engine.needs_rebuild()
        result = app.test_cli_runner().invoke(args=["search", "worker", "--once"])
        assert result.exit_code == 0, result.output
        assert not engine.needs_rebuild()
        assert search.check().in_step


def _spawn(app, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.search.edit_worker", app.config["SQLALCHEMY_DATABASE_URI"],
         app.config["SEARCH_INDEX_DIR"], *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.whoosh_only
def test_concurrent_editors_and_a_killed_indexer_lose_nothing(app, ask):
    workers, per_worker, rounds = 4, 5, 6
    with app.app_context():
        shop = f.shop("Bazar Martin", f.commune())
        for worker in range(workers):
            for n in range(per_worker):
                db.session.add(Product(shop=shop, category=shop.category, name="Produit neuf",
                                       sku=f"W{worker}-{n}", price_cents=100))
        db.session.commit()
        search.rebuild()

    indexer = _spawn(app, "index")
    editors = [_spawn(app, "edit", str(worker), str(rounds)) for worker in range(workers)]
    try:
        time.sleep(1.0)
        indexer.send_signal(signal.SIGKILL)  # mid-way: some rows drained, some not
        indexer.wait()
        for editor in editors:
            output, _ = editor.communicate(timeout=90)
            assert editor.returncode == 0, output
            assert "LockError" not in output
    finally:  # a failure here leaves no editor running behind the suite
        for process in (indexer, *editors):
            if process.poll() is None:
                process.kill()
                process.communicate()

    with app.app_context():
        pending = db.session.execute(select(func.count()).select_from(IndexOutbox)).scalar_one()
    restarted = _spawn(app, "index")  # drains what the killed one left
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.app_context():
                left = db.session.execute(select(func.count()).select_from(IndexOutbox)).scalar_one()
                db.session.rollback()
            if left == 0:
                break
            time.sleep(0.2)
    finally:
        restarted.send_signal(signal.SIGTERM)
        output, _ = restarted.communicate(timeout=30)
    assert "LockError" not in output
    with app.app_context():
        report = search.check()
        assert report.in_step, (report, pending)
    last = f"tour{rounds - 1}"
    assert ask(q=last, per_page=100).total == workers * per_worker


@pytest.mark.postgres_only
def test_postgres_sees_every_change_at_once_without_an_outbox(app, ask):
    """Triggers keep search_products in step in the writing transaction, ORM or bulk SQL."""
    from sqlalchemy import insert

    from marketplace.models import Category

    with app.app_context():
        shop = f.shop("Miellerie Dupont", f.commune())
        product = Product(shop=shop, category=shop.category, name="Miel de lavande", price_cents=900)
        db.session.add(product)
        db.session.commit()
        product_id, shop_id = product.id, shop.id
        assert db.session.execute(select(func.count()).select_from(IndexOutbox)).scalar_one() == 0
    assert ids_for(app, ask, "lavande") == {product_id}

    with app.app_context():  # rename, out of stock, then deactivate
        db.session.get(Product, product_id).name = "Miel de châtaignier"
        db.session.commit()
    assert ids_for(app, ask, "lavande") == set() and ids_for(app, ask, "chataignier") == {product_id}
    with app.app_context():
        db.session.get(Product, product_id).stock = 0
        db.session.commit()
    assert ask(q="chataignier", in_stock=1).total == 0
    with app.app_context():
        db.session.get(Product, product_id).active = False
        db.session.commit()
    assert ids_for(app, ask, "chataignier") == set()

    with app.app_context():  # a suspended shop hides its products; approved again, they are back
        db.session.get(Product, product_id).active = True
        db.session.get(Shop, shop_id).status = "suspended"
        db.session.commit()
    assert ids_for(app, ask, "chataignier") == set()
    with app.app_context():
        db.session.get(Shop, shop_id).status = "approved"
        db.session.get(Shop, shop_id).name = "Ruchers Dupont"
        db.session.commit()
    assert ids_for(app, ask, "chataignier") == {product_id} and ids_for(app, ask, "ruchers") == {product_id}

    with app.app_context():  # a category renamed: its products are found by the new name
        category = db.session.get(Category, db.session.get(Product, product_id).category_id)
        category.name = "Apiculture"
        db.session.commit()
    assert ids_for(app, ask, "apiculture") == {product_id}

    with app.app_context():  # bulk SQL, bypassing the ORM
        shop = db.session.get(Shop, shop_id)
        db.session.execute(insert(Product), [
            {"shop_id": shop.id, "category_id": shop.category_id, "name": f"Crémant de Bourgogne {n}",
             "price_cents": 1200 + n} for n in range(3)])
        db.session.commit()
        assert search.check().in_step
    assert len(ids_for(app, ask, "cremant")) == 3

    with app.app_context():
        db.session.delete(db.session.get(Product, product_id))
        db.session.commit()
        assert search.check().in_step and search.check().pending == 0
    assert ids_for(app, ask, "chataignier") == set()


@pytest.mark.postgres_only
def test_postgres_drops_outbox_rows_it_does_not_need(app):
    """Rows written under the Whoosh backend before a switch, or by a migration, would wait forever
    in the outbox's depth (/readyz, metrics): the PostgreSQL backend's drain drops them unread."""
    with app.app_context():
        db.session.add_all([IndexOutbox(kind="shop", entity_id=1), IndexOutbox(kind="product", entity_id=2)])
        db.session.commit()
        assert search.drain_outbox() == 0
        assert db.session.execute(select(func.count()).select_from(IndexOutbox)).scalar_one() == 0


@pytest.mark.postgres_only
def test_postgres_check_finds_a_stale_row_and_reindex_repairs_it(app, world):
    from sqlalchemy import text

    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    with app.app_context():  # a row damaged behind the triggers' back
        db.session.execute(text("UPDATE search_products SET source_hash = 'x' WHERE product_id = :id"),
                           {"id": world.products["Miel de fleurs"]})
        db.session.execute(text("DELETE FROM search_products WHERE product_id = :id"),
                           {"id": world.products["Miel d'acacia"]})
        db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"1 produits périmés dans l'index : {world.products['Miel de fleurs']}" in result.output
    acacia = world.products["Miel d'acacia"]
    assert f"1 produits absents de l'index : {acacia}" in result.output
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "46 produits indexés" in result.output, result.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0


@pytest.mark.postgres_only
def test_postgres_reindex_leaves_no_dead_rows_for_searches_to_wade_through(app, world):
    """Reindexing rewrites every row; it vacuums, so searches do not read the old versions."""
    from sqlalchemy import text

    def vacuums() -> int:
        count = db.session.execute(text(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'search_products'")).scalar() or 0
        db.session.rollback()
        return count

    with app.app_context():
        before = vacuums()
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    with app.app_context():
        deadline = time.monotonic() + 10  # the statistics reach pg_stat a moment later
        while vacuums() == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert vacuums() == before + 1


@pytest.mark.postgres_only
def test_reindex_gives_the_catalogue_tables_fresh_statistics(app, world):
    """After a bulk load the planner must not take 300,000 products for an empty table: the
    reindex (seed, bench, `flask search reindex`) analyzes the catalogue tables first."""
    from sqlalchemy import text

    def analyzes() -> int:
        count = db.session.execute(text(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'products'")).scalar() or 0
        db.session.rollback()
        return count

    with app.app_context():
        before = analyzes()
        search.rebuild()
        deadline = time.monotonic() + 10  # the statistics reach pg_stat a moment later
        while analyzes() == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert analyzes() == before + 1
