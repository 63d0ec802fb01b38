"""Search benchmark: synthetic catalogues over the real communes of Côte-d'Or.

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--queries 200] [--mix plain] [--keep DIR]
                                     [--backend whoosh|postgres]

For each size: build the catalogue (bulk SQL), build the index (`search.rebuild`, as
`flask search reindex` does), report build time and index size, then the p50/p95 latency of a
realistic query mix through `search.search` (facets always computed), cold (each query's words
seen for the first time by a fresh backend, right after an index commit, as a new worker or a
worker after a shopkeeper's edit sees them) and warm, and the same queries answered by a plain
SQL LIKE scan (count + first page), with the machine's load average.

The catalogue (`--catalogue realistic`, the default) makes each product a variant of its own:
varieties, producers and places drawn from France's commune names give tens of thousands of
distinct words, and every description differs; `--catalogue demo` repeats the demo's names.

With DATABASE_URL=postgresql://… the catalogue is written in a schema of its own in that
database (halle_bench_<pid>_<random>, dropped at the end) and both backends (whoosh, postgres) answer the
same queries on it, side by side (`--backend postgres` skips Whoosh and its index build);
otherwise a SQLite file and Whoosh only.

To iterate on the Whoosh backend: `--keep DIR` keeps the SQLite catalogue and the index in
DIR/<size> and reuses them on the next run (the index is rebuilt only when its schema version
changed; the build line then says "reused"), and `--mix plain` runs only the query mixes whose
label contains "plain". The query mixes are drawn from their own seed, so they are the same
whether the catalogue was written or reused.
"""
import argparse
import atexit
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.loadkit import load_average  # noqa: E402

DEPARTEMENT = "21"
PRODUCTS_PER_SHOP = 60


# Words of a real vocabulary: the names of France's communes (data/communes.csv.gz) give ~25,000
# distinct place words; French derivational endings on their roots give varieties and producers.
VARIETY_ENDINGS = ("ette", "ine", "oise", "elle", "ière", "ane", "ade", "otte")
QUALIFIERS = (
    "fermier", "artisanal", "bio", "fumé", "affiné", "vieilli", "doux", "corsé", "rustique", "fondant",
    "croquant", "parfumé", "épicé", "léger", "intense", "fruité", "boisé", "tendre", "robuste", "fin",
    "traditionnel", "maison", "sauvage", "paysan", "nouveau", "primeur", "ancien", "local", "réserve",
    "grand cru", "extra", "demi-sec", "brut", "nature", "miellé", "truffé", "poivré", "salé", "sucré",
)
SENTENCES = (
    "Récolté près de {place} par {producer}, {q1} et {q2}.",
    "Une recette de {producer} à {place} : {variety}, {q1}.",
    "Notes de {variety} et de {variety2}, finale {q1}.",
    "Élevé à {place}, {q1}, à servir avec {variety2}.",
    "Fabriqué en petite série à {place} ; goût {q1}, texture {q2}.",
    "Sélection {q1} de {producer}, variété {variety}.",
)
_SMALL = frozenset({"le", "la", "les", "de", "des", "du", "en", "sur", "sous", "et", "aux", "au", "lès",
                    "lez", "d", "l", "saint", "sainte", "st", "ste"})


def vocabulary() -> dict[str, list[str]]:
    """Places (commune names), place words, varieties and producers, all from data/communes.csv.gz."""
    import csv
    import gzip

    from marketplace.territory import fold

    root = Path(__file__).resolve().parents[1]
    with gzip.open(root / "data" / "communes.csv.gz", "rt", encoding="utf-8") as handle:
        places = [row["name"] for row in csv.DictReader(handle)]
    words = sorted({w for name in places for w in name.replace("'", " ").replace("-", " ").split()
                    if len(w) > 3 and w.lower() not in _SMALL})
    roots = sorted({fold(w)[:-1] for w in words if w.isalpha() and len(w) >= 5})
    varieties = [f"{r}{e}" for r, e in zip(roots, itertools.cycle(VARIETY_ENDINGS))]
    producers = [f"{kind} {w}" for w, kind in zip(words, itertools.cycle(
        ("Maison", "Ferme", "Domaine", "Atelier", "Moulin", "Chez")))]
    return {"places": places, "varieties": varieties, "producers": producers}


def realistic_item(item: dict, words: dict, rng: random.Random) -> dict:
    """A catalogue item made one product of many: a variety, a place, a producer, a qualifier in its
    name, and a description of its own."""
    name = item["name"]
    if rng.random() < 0.7:
        name += " " + rng.choice(words["varieties"])
    if rng.random() < 0.4:
        name += " " + rng.choice(QUALIFIERS)
    if rng.random() < 0.5:
        name += " de " + rng.choice(words["places"])
    fill = {"place": rng.choice(words["places"]), "producer": rng.choice(words["producers"]),
            "variety": rng.choice(words["varieties"]), "variety2": rng.choice(words["varieties"]),
            "q1": rng.choice(QUALIFIERS), "q2": rng.choice(QUALIFIERS)}
    description = " ".join([item["description"] or ""] + [
        template.format(**fill) for template in rng.sample(SENTENCES, 2)]).strip()
    return item | {"name": name[:200], "description": description}


def make_catalogue(session, size: int, rng: random.Random, realistic: bool = True) -> list[str]:
    """Shops spread over the communes by population, each with products of its type; realistic:
    each product a variant of its own (tens of thousands of distinct words, descriptions that
    differ), else the demo catalogue's few thousand names repeated."""
    from marketplace import demo, demo_data
    from marketplace.models import Commune, Product, Shop
    from marketplace.taxonomy import ensure_default_taxonomy
    from search import analyze_catalogue

    categories = ensure_default_taxonomy(session)
    communes = session.execute(select(Commune)).scalars().all()
    weights = [max(c.population, 50) ** 0.8 for c in communes]
    catalogues = {key: demo.expand_catalogue(t, rng) for key, t in demo_data.SHOP_TYPES.items()}
    types = list(demo_data.SHOP_TYPES)
    shop_rows = []
    for number in range(size // PRODUCTS_PER_SHOP + 1):
        commune = rng.choices(communes, weights)[0]
        key = rng.choice(types)
        shop_type = demo_data.SHOP_TYPES[key]
        name = rng.choice(shop_type.names).format(
            nom=rng.choice(demo_data.SURNAMES), prenom=rng.choice(demo_data.FIRST_NAMES),
            commune=commune.name, de_commune=demo.de(commune.name), pays="de l'Auxois")
        shop_rows.append({"slug": f"bench-{number}", "name": name, "commune_insee": commune.insee,
                          "category_id": categories[shop_type.category].id, "status": "approved",
                          "accepts_card": rng.random() < 0.9, "opening_hours": demo.opening_hours(shop_type, rng),
                          "type": key})
    session.execute(insert(Shop), [{k: v for k, v in row.items() if k != "type"} for row in shop_rows])
    shop_ids = dict(session.execute(select(Shop.slug, Shop.id)).all())
    words = vocabulary() if realistic else None
    rows = []
    while len(rows) < size:
        for shop in shop_rows:
            item = rng.choice(catalogues[shop["type"]])
            if words is not None:
                item = realistic_item(item, words, rng)
            rows.append({"shop_id": shop_ids[shop["slug"]], "category_id": categories[item["category"]].id,
                         "name": item["name"], "description": item["description"],
                         "price_cents": demo.round_price(item["price"]), "unit": item["unit"],
                         "stock": demo.stock_level(item["stock"], rng), "active": True})
            if len(rows) == size:
                break
    for start in range(0, len(rows), 5000):
        session.execute(insert(Product), rows[start:start + 5000])
    analyze_catalogue(session)  # a bulk load: the planner's statistics now, not when autovacuum passes
    session.commit()
    return [row["name"] for row in rows]


def typo(word: str, rng: random.Random) -> str:
    """One edit: a letter dropped, doubled or two swapped."""
    i = rng.randrange(1, len(word) - 1)
    return rng.choice([word[:i] + word[i + 1:], word[:i] + word[i] + word[i:],
                       word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]])


def query_mix(names: list[str], communes: list[str], count: int, rng: random.Random) -> dict:
    from search.analysis import STOP_WORDS
    from search.query import SearchQuery

    def words(name):
        return [w for w in name.lower().replace("'", " ").split() if len(w) > 3 and w not in STOP_WORDS
                and w.isalpha()]

    samples = [w for w in (words(rng.choice(names)) for _ in range(count * 4)) if len(w) >= 2]
    mix = {"plain (2 words)": [], "typo (1 word)": [], "radius 20 km + price + facets": [],
           "radius 20 km, 1 word": []}
    for i in range(count):
        w = samples[i]
        mix["plain (2 words)"].append(SearchQuery(text=" ".join(w[:2])))
        long_words = [x for x in w if len(x) >= 6] or w
        mix["typo (1 word)"].append(SearchQuery(text=typo(long_words[0], rng)))
        low = rng.choice([0, 500, 1000, 2000])
        mix["radius 20 km + price + facets"].append(SearchQuery(
            text=w[0], commune=rng.choice(communes), radius_km=20, min_price_cents=low,
            max_price_cents=low + rng.choice([1000, 3000, 10000])))
        mix["radius 20 km, 1 word"].append(SearchQuery(text=w[-1], commune=rng.choice(communes), radius_km=20))
    return mix


def like_scan(session, query, ref):
    """The naive alternative: every word as name ILIKE '%word%', count + first page."""
    from marketplace.models import Product, Shop

    statement = select(Product.id, Product.name).join(Shop).where(Shop.status == "approved", Product.active.is_(True))
    for word in query.text.split():
        statement = statement.where(Product.name.ilike(f"%{word}%"))
    if query.commune:
        statement = statement.where(Shop.commune_insee.in_(ref.communes_within(query.commune, query.radius_km)))
    if query.min_price_cents is not None:
        statement = statement.where(Product.price_cents >= query.min_price_cents)
    if query.max_price_cents is not None:
        statement = statement.where(Product.price_cents <= query.max_price_cents)
    total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    page = session.execute(statement.order_by(Product.name).limit(20)).all()
    return total, page


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def index_megabytes(folder: Path) -> float:
    return sum(p.stat().st_size for p in (folder / "index").iterdir() if p.is_file()) / 1e6


# PostgreSQL: the run's own schema (a unique name: two runs on one server never meet), dropped at exit.
BENCH_SCHEMA = f"halle_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def _drop_bench_schema(database_url: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE"))
    admin.dispose()


def make_app(folder: Path, database_url: str | None):
    """A SQLite file in a temporary folder, or a schema of its own in DATABASE_URL's database."""
    from marketplace import create_app

    options = {"SEARCH_INDEX_DIR": str(folder / "index"), "SEARCH_CACHE_SECONDS": 3600}
    if not database_url:
        return create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}", **options)
    from sqlalchemy import create_engine, text

    from marketplace.extensions import db

    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {BENCH_SCHEMA}"))
        # In public, not in the run's schema: created there, they would go with it at the end,
        # and a second run at the same time would find them existing but out of its path.
        for extension in ("unaccent", "pg_trgm"):
            connection.execute(text(f"CREATE EXTENSION IF NOT EXISTS {extension} SCHEMA public"))
    admin.dispose()
    atexit.register(_drop_bench_schema, database_url)
    # The tables are created with the bench schema alone in the path (public may hold the same
    # tables); the app also sees public, where the extensions' functions live.
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **options, SQLALCHEMY_ENGINE_OPTIONS={
        "connect_args": {"options": f"-csearch_path={BENCH_SCHEMA},public"}})
    only_bench = create_engine(database_url, connect_args={"options": f"-csearch_path={BENCH_SCHEMA}"})
    db.metadata.create_all(only_bench)
    only_bench.dispose()
    return app


def use_backend(app, name: str):
    import search

    engine = app.extensions.pop("search_backend", None)
    if engine is not None:
        engine.close()
    app.config["SEARCH_BACKEND"] = name
    return search.get_backend()


def timed(queries) -> tuple[list[float], int]:
    import search

    timings, found = [], 0
    for query in queries:
        started = time.perf_counter()
        results = search.search(query, record_unmet=False)
        timings.append((time.perf_counter() - started) * 1000)
        found += results.total > 0
    return timings, found


def commit_one_product(app) -> None:
    """A shopkeeper adds a product: Whoosh's indexer commits it (a new segment and generation)."""
    import search
    from marketplace.extensions import db
    from marketplace.models import Product

    model = db.session.scalars(select(Product).limit(1)).one()
    db.session.add(Product(shop_id=model.shop_id, category_id=model.category_id, name=f"{model.name} (nouveau)",
                           price_cents=model.price_cents, active=True))
    db.session.commit()
    if app.config["SEARCH_BACKEND"] == "whoosh":
        search.drain_outbox()


def after_a_commit(app, mix) -> float:
    """The first search of the new generation after a one-product commit (ms)."""
    import search

    use_backend(app, "whoosh")
    query = next(iter(mix.values()))[0]
    search.search(query, record_unmet=False)  # the web process has read this generation
    commit_one_product(app)
    started = time.perf_counter()
    search.search(query, record_unmet=False)
    return (time.perf_counter() - started) * 1000


def cold_timings(app, name: str, queries) -> list[float]:
    """Each query's words seen for the first time by this backend instance (a fresh worker),
    right after an index commit: the queries that repeat an earlier word are left out."""
    from search.analysis import folded_words

    use_backend(app, name)
    commit_one_product(app)
    seen, fresh = set(), []
    for query in queries:
        words = set(folded_words(query.text))
        if not words & seen:
            fresh.append(query)
        seen |= words
    return timed(fresh)[0]


def run(size: int, query_count: int, database_url: str | None, mixes: str = "", keep: Path | None = None,
        only: str = "", catalogue: str = "realistic") -> None:
    import search
    from marketplace.extensions import db
    from marketplace.territory_import import import_territory
    from search.reference import reference_data

    if keep is not None:
        folder = keep / str(size)
        folder.mkdir(parents=True, exist_ok=True)
        reuse = (folder / "bench.db").exists()
    else:
        folder, reuse = Path(tempfile.mkdtemp(prefix=f"halle-bench-{size}-")), False
    app = make_app(folder, database_url)
    backends = ["whoosh", "postgres"] if database_url else ["whoosh"]
    backends = [name for name in backends if only in ("", name)]
    rng = random.Random(size)
    with app.test_request_context():
        if reuse:
            from marketplace.models import Product

            names = list(db.session.execute(select(Product.name).order_by(Product.id)).scalars())
            print(f"\n== {size:,} products over the communes of département {DEPARTEMENT} "
                  f"(catalogue reused from {folder})")
        else:
            db.create_all()
            if database_url:
                use_backend(app, "postgres")  # its triggers fill search_products as the catalogue is written
            import_territory(departements=[DEPARTEMENT])
            started = time.perf_counter()
            names = make_catalogue(db.session, size, rng, realistic=catalogue == "realistic")
            print(f"\n== {size:,} products over the communes of département {DEPARTEMENT}, {catalogue} "
                  f"catalogue ({len({w for n in names for w in n.lower().split()}):,} distinct name words; "
                  f"written in {time.perf_counter() - started:.1f} s"
                  f"{', PostgreSQL search triggers included' if database_url else ''}), database "
                  f"{db.engine.url.get_backend_name()}")
        if "whoosh" not in backends:
            print("whoosh: not measured (--backend postgres)")
        elif reuse and not use_backend(app, "whoosh").needs_rebuild():
            print(f"whoosh index reused (build not measured), index size {index_megabytes(folder):.1f} MB")
        else:
            use_backend(app, "whoosh")
            started = time.perf_counter()
            search.rebuild()
            build = time.perf_counter() - started
            print(f"whoosh index build: {build:.1f} s ({size / build:,.0f} products/s), "
                  f"index size {index_megabytes(folder):.1f} MB")
        if "postgres" in backends:
            from sqlalchemy import text

            use_backend(app, "postgres")
            started = time.perf_counter()
            search.rebuild()  # what `flask search reindex` does: recompute every row
            build = time.perf_counter() - started
            table_bytes = db.session.execute(text(
                "SELECT pg_total_relation_size('search_products') + pg_total_relation_size('search_words')")).scalar()
            print(f"postgres search_products refill: {build:.1f} s ({size / build:,.0f} products/s), "
                  f"tables + indexes {table_bytes / 1e6:.1f} MB")
        elif not database_url:
            print("DATABASE_URL is not PostgreSQL: the PostgreSQL backend is not measured (set "
                  "DATABASE_URL=postgresql://… to compare both backends on the same catalogue).")

        ref = reference_data()
        communes = sorted(ref.communes, key=lambda c: -ref.communes[c].population)[:60]
        mix = query_mix(names, communes, query_count, random.Random(f"queries-{size}"))
        mix = {label: queries for label, queries in mix.items() if mixes in label}
        for name in backends:
            use_backend(app, name)
            started = time.perf_counter()
            search.search(next(iter(mix.values()))[0], record_unmet=False)
            print(f"{name}: first query (opens searchers, reads columns): "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")
        print(f"p50/p95 in ms; cold: each word seen for the first time by a fresh backend, right after an "
              f"index commit; warm: the same queries again. {load_average()}")
        header = "".join(f" {name + ' cold p50':>17} {'p95':>6} {'warm p50':>9} {'p95':>6}" for name in backends)
        print(f"{'query mix':32}{header} {'LIKE p50':>9} {'p95':>7}   found something")
        for label, queries in mix.items():
            line, found = f"{label:32}", []
            for name in backends:
                c50, c95 = percentiles(cold_timings(app, name, queries))
                timed(queries[:10])  # warm-up
                timings, hits = timed(queries)
                p50, p95 = percentiles(timings)
                line += f" {c50:15.1f}ms {c95:6.1f} {p50:9.1f} {p95:6.1f}"
                found.append(f"{name} {hits}/{len(queries)}")
            like_timings = []
            for query in queries[: max(20, query_count // 4)]:
                started = time.perf_counter()
                like_scan(db.session, query, ref)
                like_timings.append((time.perf_counter() - started) * 1000)
            l50, l95 = percentiles(like_timings)
            print(f"{line} {l50:7.1f}ms {l95:5.1f}ms   {', '.join(found)}")
        print(f"({load_average()} at the end)")
        if "whoosh" in backends:
            print(f"whoosh: first query after a one-product commit: {after_a_commit(app, mix):.0f} ms "
                  f"(the columns of the unchanged segments are reused)")
        db.session.rollback()
    if database_url:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--mix", default="", help="only the query mixes whose label contains this")
    parser.add_argument("--backend", choices=("whoosh", "postgres"), default="",
                        help="measure only this backend (postgres: no Whoosh index build, ~2 min at 100k)")
    parser.add_argument("--catalogue", choices=("realistic", "demo"), default="realistic",
                        help="realistic: every product a variant of its own, tens of thousands of distinct "
                        "words; demo: the demo's few thousand names repeated")
    parser.add_argument("--keep", type=Path, help="keep the catalogue and index in this folder and "
                        "reuse them (SQLite only)")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    database_url = database_url if database_url.startswith("postgresql") else None
    if args.keep is not None and database_url:
        parser.error("--keep works with the SQLite catalogue only (unset DATABASE_URL)")
    if args.backend == "postgres" and not database_url:
        parser.error("--backend postgres needs DATABASE_URL=postgresql://…")
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.queries, database_url, args.mix, args.keep, args.backend, args.catalogue)


if __name__ == "__main__":
    main()
