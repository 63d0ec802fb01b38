"""Local first, filters, facets, sorting, pagination, completion, unmet demand."""
import pytest

import search
from marketplace.extensions import db
from marketplace.models import Product, Shop
from search.models import UnmetSearch
from search.query import InvalidParameter
from tests.search.conftest import CATALOGUE

SEMUR = "21603"


def names(world, results):
    return world.names(hit.id for hit in results.hits)


def test_radius_restricts_and_distances_rank(app, world, ask):
    # From Semur: Précy ~12 km, Arnay-le-Duc ~40 km; "pain d'épices" is sold in Semur and Précy.
    nearby = ask(q="miel", commune=SEMUR, radius_km=20)
    assert set(names(world, nearby)) == {"Miel de fleurs", "Miel d'acacia", "Pain d'épices au miel"}
    honey = {hit.name: hit for hit in nearby.hits}
    assert honey["Pain d'épices au miel"].distance_km == 0
    assert 10 < honey["Miel de fleurs"].distance_km < 15
    assert honey["Miel de fleurs"].commune_name == "Précy-sous-Thil"

    confiture_near = ask(q="confiture", commune=SEMUR, radius_km=20)
    assert confiture_near.total == 0  # Arnay-le-Duc is ~40 km away
    everywhere = ask(q="confiture", commune=SEMUR, radius_km=0)
    assert everywhere.total == 2 and everywhere.hits[0].distance_km > 35


def test_relevance_decays_with_distance(app, world, ask):
    results = ask(q="pain d'épices", commune=SEMUR, radius_km=0)
    # Both match equally well; the one made in Semur comes before the one from Précy.
    assert names(world, results)[:2] == ["Pain d'épices au miel", "Pain d'épices artisanal"]
    from_precy = ask(q="pain d'épices", commune=world.communes["Précy-sous-Thil"], radius_km=0)
    assert names(world, from_precy)[0] == "Pain d'épices artisanal"


def test_sorts(app, world, ask):
    by_distance = ask(q="laine", commune=SEMUR, radius_km=0, sort="distance")
    distances = [hit.distance_km for hit in by_distance.hits]
    assert distances == sorted(distances)
    cheap_first = ask(category="epicerie", sort="price_asc")
    prices = [hit.price_cents for hit in cheap_first.hits]
    assert prices == sorted(prices) and len(prices) == 11
    dear_first = ask(category="epicerie", sort="price_desc")
    assert [hit.price_cents for hit in dear_first.hits] == sorted(prices, reverse=True)


def test_filters_combine(app, world, ask):
    assert ask(category="chaussures").total == 5
    assert ask(category="chaussures", max_price_cents=8000).total == 4
    assert ask(category="chaussures", min_price_cents=8000, max_price_cents=9000).total == 1
    assert ask(q="chaussures", category="chaussures", min_price_cents=2000, in_stock=1).total == 4
    # Chaussons en feutre are out of stock; "sur commande" (stock None) counts as available.
    assert "Chaussons en feutre" not in names(world, ask(q="chaussons", in_stock=1))
    assert "Pain de campagne" in names(world, ask(q="pain", in_stock=1))
    # Épicerie du Duc does not take the territorial card.
    assert ask(q="confiture", card=1).total == 0
    # Only the bakery is open (always) in this catalogue.
    assert set(names(world, ask(q="pain", open_now=1))) == {"Pain de campagne", "Pain d'épices au miel"}
    assert ask(q="miel", shop="rucher-de-precy").total == 2
    assert ask(q="miel", commune_filter=SEMUR).total == 1


def test_category_filter_includes_subcategories(app, world, ask):
    food = ask(category="alimentation", per_page=100)
    assert food.total == 6 + 5 + 7 + 4
    assert ask(q="pain", category="boulangerie-patisserie").total == 2


def test_facets_count_the_results(app, world, ask):
    results = ask(q="miel")
    facets = {name: {f.label: f.count for f in values} for name, values in results.facets.items()}
    assert facets["category"] == {"Épicerie": 2, "Boulangerie, pâtisserie": 1}
    assert facets["commune"] == {"Précy-sous-Thil": 2, "Semur-en-Auxois": 1}
    assert facets["shop"] == {"Rucher de Précy": 2, "Boulangerie Moreau": 1}


def test_facets_show_the_twelve_largest_values_and_count_every_match(app, world, ask):
    """Fifteen shops sell nougat, most of them a different number: the shop facet lists the twelve
    that sell most, ties by name (C and D tie for the twelfth place: C), and the commune facet
    counts all of a commune's shops, including those beyond the shop facet's twelve."""
    from marketplace.models import Category

    COUNTS = [1, 2, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 13]  # shop A sells 1, B 2, C 4…
    semur_shops = []
    with app.app_context():
        category = db.session.scalar(db.select(Category).filter_by(slug="epicerie"))
        for n in range(15):
            commune = SEMUR if n < 5 else world.communes["Montbard"]
            shop = Shop(name=f"Confiserie {chr(ord('A') + n)}", slug=f"confiserie-{n}", commune_insee=commune,
                        category=category, status="approved", accepts_card=True, opening_hours={})
            db.session.add(shop)
            db.session.flush()
            semur_shops += [shop.name] if commune == SEMUR else []
            for i in range(COUNTS[n]):
                db.session.add(Product(shop=shop, category_id=category.id, name=f"Nougat {i}", price_cents=500))
        db.session.commit()
        search.rebuild()
        search.invalidate_reference()
    results = ask(q="nougat")
    assert results.total == sum(COUNTS)
    shops = [(f.label, f.count) for f in results.facets["shop"]]
    assert shops == [("Confiserie M", 13), ("Confiserie N", 13), ("Confiserie O", 13), ("Confiserie L", 12),
                     ("Confiserie K", 11), ("Confiserie J", 10), ("Confiserie I", 9), ("Confiserie H", 8),
                     ("Confiserie G", 7), ("Confiserie F", 6), ("Confiserie E", 5), ("Confiserie C", 4)]
    communes = {f.label: f.count for f in results.facets["commune"]}
    assert communes == {"Semur-en-Auxois": sum(COUNTS[:5]), "Montbard": sum(COUNTS[5:])}
    assert {"Confiserie A", "Confiserie B", "Confiserie D"} <= set(semur_shops)  # counted above, not listed


def test_price_ranges_count_the_results(app, world, ask):
    """The price facet's counts (bounds included, as the filters): honey at 6,50, 8,90 and 10,90 €."""
    assert ask(q="miel").price_counts == {(None, 500): 0, (500, 1000): 2, (1000, 2000): 1, (2000, 5000): 0,
                                          (5000, None): 0}
    assert ask(q="miel", min_price_cents=1000, max_price_cents=2000).price_counts[(1000, 2000)] == 1


def test_pagination(app, world, ask):
    first = ask(category="alimentation", per_page=5, sort="price_asc")
    second = ask(category="alimentation", per_page=5, sort="price_asc", page=2)
    assert first.total == second.total == 22 and first.pages == 5
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert first.hits[-1].price_cents <= second.hits[0].price_cents


def test_highlight_marks_the_matched_words(app, world, ask):
    hit = ask(q="confitures abricot").hits[0]
    assert str(hit.name_html) == "<mark>Confiture</mark> d&#39;<mark>abricot</mark>"


def test_highlight_escapes_what_a_shop_typed():
    from search.analysis import highlight, stem

    marked = highlight("<b>Miel</b> & pain d'épices", {stem("miel")})
    assert marked == "&lt;b&gt;<mark>Miel</mark>&lt;/b&gt; &amp; pain d&#39;épices"
    assert marked.__html__() == marked  # Markup: Jinja shows it as it is


def test_synonyms_are_edited_in_the_database(app, world, ask):
    from search.models import SynonymGroup

    assert ask(q="galoche").total == 0
    with app.app_context():
        db.session.add(SynonymGroup(terms="galoche, bottes"))
        db.session.commit()
    assert names(world, ask(q="galoche")) == ["Bottes en caoutchouc"]


def test_unmet_searches_are_recorded_without_personal_data(app, world, ask):
    ask(q="Tronçonneuse", commune=SEMUR, radius_km=10, record_unmet=True)
    ask(q="miel", commune=SEMUR, radius_km=20, record_unmet=True)
    with app.app_context():
        rows = UnmetSearch.query.all()
        assert [(r.text, r.commune_insee, r.radius_km) for r in rows] == [("tronçonneuse", SEMUR, 10)]
        assert set(UnmetSearch.__table__.columns.keys()) == {"id", "text", "commune_insee", "radius_km",
                                                             "created_at"}


def test_the_search_page_records_an_unmet_search_off_the_request_path(app, world, monkeypatch):
    """The page answers without writing: a background job (here a thread) records the search."""
    import threading

    from sqlalchemy import event

    monkeypatch.setitem(app.config, "JOBS_BACKEND", "thread")
    writes = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT") and threading.current_thread() is request_thread:
            writes.append(statement)

    request_thread = threading.current_thread()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        page = app.test_client().get("/recherche?q=tronçonneuse")
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert page.status_code == 200 and writes == []
    for thread in threading.enumerate():
        if thread.name == "job-record_unmet_search":
            thread.join(timeout=30)
    with app.app_context():
        assert [r.text for r in UnmetSearch.query.all()] == ["tronçonneuse"]


def test_a_search_that_finds_nothing_still_answers_when_redis_is_down(app, world, monkeypatch, caplog):
    """With Redis, an unmet search waits there to be recorded: without Redis the resident still gets
    the page, and the log says what the report misses."""
    import logging

    monkeypatch.setitem(app.config, "JOBS_BACKEND", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.delitem(app.extensions, "jobs_redis", raising=False)
    with caplog.at_level(logging.WARNING, logger="search.unmet"):
        page = app.test_client().get("/recherche?q=tronçonneuse")
    app.extensions.pop("jobs_redis", None)
    assert page.status_code == 200 and 'data-testid="empty-state"' in page.get_data(as_text=True)
    assert any("Redis is unreachable" in record.getMessage() for record in caplog.records)


def test_a_search_emptied_by_opening_hours_or_radius_is_not_unmet_demand(app, world, ask):
    """Only the bakery is open now, and Montbard is farther than 5 km from Semur: these searches
    find nothing, but the territory sells what they ask for."""
    assert ask(q="Époisses", open_now=1, record_unmet=True).total == 0
    assert ask(q="chaussures de randonnée", commune=SEMUR, radius_km=5, record_unmet=True).total == 0
    assert ask(q="chaussures de randonnée", commune=SEMUR, radius_km=5, open_now=1, record_unmet=True).total == 0
    assert ask(q="parapluie", commune=SEMUR, radius_km=5, open_now=1, record_unmet=True).total == 0
    with app.app_context():
        assert [(r.text, r.radius_km) for r in UnmetSearch.query.all()] == [("parapluie", 5)]


def test_unmet_searches_group_their_spellings(app, world, ask):
    from search.unmet import unmet_report

    for text in ("creme brulee", "Crème brûlée", "crème-brûlée", "Crème  brûlée", "tronçonneuse"):
        assert ask(q=text, record_unmet=True).total == 0
    with app.app_context():
        # one search typed four ways, shown as most often typed
        assert [(row.text, row.count) for row in unmet_report()] == [("crème brûlée", 4), ("tronçonneuse", 1)]


def test_completion_offers_products_categories_shops_and_communes(app, world):
    with app.test_request_context():
        found = {(s.kind, s.label) for s in search.suggest("fro")}
        assert ("product", "Fromage blanc fermier") in found
        assert ("category", "Fromagerie, crèmerie") in found
        assert ("shop", "Fromagerie Perrin") in found
        communes = [s.label for s in search.suggest("semu") if s.kind == "commune"]
        assert communes[0] == "Semur-en-Auxois"  # the most populated first
        assert [s.label for s in search.suggest("confiture d'ab")] == ["Confiture d'abricot"]


@pytest.mark.parametrize("args, parameter", [
    ({"commune": "99999"}, "commune"),
    ({"radius_km": "dix", "commune": SEMUR}, "radius_km"),
    ({"radius_km": "10"}, "radius_km"),
    ({"category": "nope"}, "category"),
    ({"min_price_cents": "-1"}, "min_price_cents"),
    ({"min_price_cents": "900", "max_price_cents": "100"}, "max_price_cents"),
    ({"in_stock": "maybe"}, "in_stock"),
    ({"sort": "distance"}, "sort"),
    ({"page": "0"}, "page"),
    ({"per_page": "1000"}, "per_page"),
])
def test_invalid_parameters_name_the_parameter(app, world, args, parameter):
    with app.test_request_context():
        with pytest.raises(InvalidParameter) as error:
            search.parse_search_args(args, search.reference_data())
    assert error.value.parameter == parameter


@pytest.mark.whoosh_only
def test_results_do_not_depend_on_the_word_cache(app, world, ask, monkeypatch):
    """Whoosh keeps the scores of recently searched words; evicting them changes no result."""
    from search import whoosh_backend

    texts = ["miel", "pain d'épices", "fromagerie perrin", "chaussures lambert", "saulieu", "pull", "miel precy"]

    def answers():
        return [(r.total, [(h.id, h.score) for h in r.hits]) for r in (ask(q=t) for t in texts)]

    first, again = answers(), answers()  # words read from the index, then from the cache
    monkeypatch.setattr(whoosh_backend, "WORD_CACHE_POSTINGS", 1)  # every word read again
    assert first == again == answers()
    assert all(hits for _, hits in first)


@pytest.mark.whoosh_only
def test_a_words_scores_are_whooshs_own_over_several_segments_and_a_deletion(app, world):
    """The backend scores a word's postings itself (BM25F, each field's lengths read once per
    segment): the same documents and scores as Whoosh's own search of `word_query`, across the
    segments that commits add and without the products taken off sale."""
    from search.analysis import stem
    from search.whoosh_backend import word_query

    with app.app_context():
        shop = db.session.get(Shop, world.shops["Rucher de Précy"])
        for name, description in (("Miel de châtaignier", "Un miel corsé, miel de forêt"),
                                  ("Bougie au miel", "")):
            db.session.add(Product(shop=shop, category=shop.category, name=name, price_cents=700,
                                   description=description))
            db.session.commit()
            search.drain_outbox()  # one segment each
        db.session.get(Product, world.products["Miel d'acacia"]).active = False
        db.session.commit()
        search.drain_outbox()
        backend = search.get_backend()
        with backend._searcher() as searcher:
            assert len(searcher.leaf_searchers()) > 1
            cache = backend._cache_for(searcher, search.reference_data())
            for word in ("miel", "pain", "precy", "chaussures", "semur", "corse"):
                ours = cache.word_scores(searcher, stem(word))
                whoosh = {hit.docnum: hit.score for hit in searcher.search(word_query(word), limit=None)}
                assert ours == pytest.approx(whoosh, rel=1e-12), word
            assert world.products["Miel d'acacia"] not in {
                int(searcher.stored_fields(docnum)["id"]) for docnum in cache.word_scores(searcher, stem("miel"))}


@pytest.mark.whoosh_only
def test_a_warmed_up_worker_has_read_what_its_first_searches_need(app, world, ask):
    """gunicorn.conf.py warms each new worker up: the index's columns, every segment's field
    lengths and the typo corrector are read before a visitor's search needs them."""
    with app.app_context():
        backend = search.get_backend()
        backend.close()  # a new worker: nothing read yet
        search.warm_up()
        cache = backend._cache
        with backend._searcher() as searcher:
            assert cache.generation == searcher.reader().generation()
            segments = {leaf.segment().segment_id() for leaf, _ in searcher.reader().leaf_readers()}
        assert cache.speller is not None
        assert set(cache._lengths) == {(segment, field) for segment in segments for field in ("name", "description")}
    assert ask(q="miel").total == 3 and ask(q="mile").suggestion == "miel"
    assert backend._cache is cache  # the searches used what the warm-up read


def test_warming_up_an_empty_index_does_nothing(app, ask):
    with app.app_context():
        search.warm_up()
    assert ask(q="miel").total == 0


def test_open_now_honours_an_exceptional_closure_like_the_shop_page(app, world, ask):
    """Search's "Ouvert maintenant" and the shop page read one rule: a shop closed today is closed."""
    from datetime import datetime

    from marketplace import shops
    from marketplace.models import Shop
    from marketplace.opening_hours import TIMEZONE

    today = datetime.now(TIMEZONE).date()
    with app.app_context():
        bakery = db.session.get(Shop, world.shops["Boulangerie Moreau"])
        assert shops.opening_status(bakery).is_open
        shops.add_closure(bakery, today, today, "Inventaire")
        db.session.commit()
        assert not shops.opening_status(bakery).is_open
        search.invalidate_reference()
    assert ask(q="pain", open_now=1).total == 0
    assert "Pain de campagne" in names(world, ask(q="pain"))  # still listed, just not open now


def test_every_filter_narrows_on_both_backends_and_round_trips_through_the_url(app, world, ask):
    """One entry of search.query.FILTERS is the whole filter: the URL argument, the query field, its
    "off" value and both backends' conditions. Each filter, asked alone, keeps exactly the
    products its rule says (computed here from the catalogue, not from a backend)."""
    from search.query import FILTERS, SearchQuery

    catalogue = {name: (shop, commune, category, card, price, stock)
                 for shop, commune, category, card, products in CATALOGUE for name, price, stock in products}
    expected = {
        "category": ("fromagerie", lambda p: p[2] == "fromagerie"),
        "commune_filter": (SEMUR, lambda p: p[1] == "Semur-en-Auxois"),
        "shop": ("rucher-de-precy", lambda p: p[0] == "Rucher de Précy"),
        "min_price_cents": (5000, lambda p: p[4] >= 5000),
        "max_price_cents": (500, lambda p: p[4] <= 500),
        "in_stock": (1, lambda p: p[5] is None or p[5] > 0),
        "card": (1, lambda p: p[3]),
        "open_now": (1, lambda p: p[0] == "Boulangerie Moreau"),  # the only shop with hours
    }
    assert {f.name for f in FILTERS} == set(expected)
    for each in FILTERS:
        value, rule = expected[each.name]
        results = ask(per_page=100, **{each.name: value})
        wanted = {name for name, product in catalogue.items() if rule(product)}
        assert 0 < len(wanted) < len(catalogue), each.name
        assert set(names(world, results)) == wanted, each.name
        with app.test_request_context():
            query = search.parse_search_args({each.name: str(value)}, search.reference_data())
            assert each.is_on(query) and query.url_args()[each.name] == value
            assert not each.is_on(query.but(**{each.name: each.off}))
            assert SearchQuery().url_args() == {}


def test_the_search_page_offers_every_yes_no_filter_and_keeps_the_others_in_the_form(app, world, client):
    from search.query import CHECKBOX_FILTERS

    page = client.get("/recherche", query_string={"q": "pain", "shop": "boulangerie-moreau", "card": 1}).get_data(True)
    for each in CHECKBOX_FILTERS:
        assert f'name="{each.name}"' in page
    assert '<input type="hidden" name="shop" value="boulangerie-moreau">' in page
    assert "Filtres (2)" in page
