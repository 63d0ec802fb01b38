"""Territorial search: French full-text search with distance, facets and typo tolerance.

The one interface the rest of Halle uses:
    search(query) -> SearchResults          suggest(text) -> [Suggestion]
    rebuild(progress) -> count              check() -> CheckReport
    index_products(ids)                     (the indexer; web workers never write)
    enqueue_products(session, ids)          (after bulk SQL writes)
    drain_outbox() -> count                 (the indexer's loop body)

The backend (SEARCH_BACKEND: "whoosh", the default, or "postgres") hides behind
search.backend.SearchBackend. The PostgreSQL backend keeps itself in step with triggers: no
outbox rows are written and there is nothing to drain.
"""
import logging
from dataclasses import dataclass, field

from flask import current_app, url_for
from sqlalchemy import text

from marketplace.extensions import db
from search.businesses import find as find_businesses
from search.outbox import enqueue_products  # noqa: F401  (re-exported)
from search.query import InvalidParameter, SearchQuery, SearchResults, parse_search_args  # noqa: F401
from search.reference import invalidate as invalidate_reference, reference_data

log = logging.getLogger(__name__)
OUTBOX_BATCH = 500


def init_app(app) -> None:
    """Register the outbox session events and, for the development server, the indexer thread."""
    import search.models  # noqa: F401  (registers the tables)
    from search.outbox import register_session_events

    register_session_events()
    app.config.setdefault("SEARCH_INDEXER_THREAD", app.debug and not app.testing and uses_outbox(app))
    if app.config["SEARCH_INDEXER_THREAD"]:
        from search.indexer import start_thread_on_first_request

        start_thread_on_first_request(app)


BACKENDS = ("whoosh", "postgres")


def backend_class(app):
    """The class of the app's SEARCH_BACKEND (without creating it)."""
    name = app.config.get("SEARCH_BACKEND", "whoosh")
    if name == "whoosh":
        from search.whoosh_backend import WhooshBackend

        return WhooshBackend
    if name == "postgres":
        from search.postgres_backend import PostgresBackend

        return PostgresBackend
    raise RuntimeError(f"Unknown SEARCH_BACKEND {name!r} (available: {', '.join(BACKENDS)})")


def uses_outbox(app) -> bool:
    """False for a backend that reads the database itself: then no outbox row is written."""
    return backend_class(app).uses_outbox


def get_backend():
    """The search backend of the current app (created once per app)."""
    app = current_app._get_current_object()
    engine = app.extensions.get("search_backend")
    if engine is None:
        cls = backend_class(app)
        if cls.uses_outbox:
            engine = cls(app.config["SEARCH_INDEX_DIR"])
        else:
            engine = cls(db.engine)
        app.extensions["search_backend"] = engine
    return engine


def warm_up() -> None:
    """Read the index's per-generation data (columns, field lengths, typo corrector) before this
    process serves anyone: at 100,000 products its first search took 2.6 s."""
    get_backend().warm_up(reference_data())


def search(query: SearchQuery, record_unmet: bool = True) -> SearchResults:
    """Answer a search; a text search that the whole territory cannot answer is recorded
    (search.unmet)."""
    from marketplace.observability import timed_search

    with timed_search():
        ref = reference_data()
        results = get_backend().search(query, ref)
        if results.suggestion and not results.total:
            # A correction that finds nothing either leads nowhere: no « Vouliez-vous dire … » for it.
            results.suggestion, results.corrected = None, False
        businesses = find_businesses(query, ref)
        if businesses and results.corrected:
            # The words as typed name what businesses do ("plombier"): no product "corrected" from them.
            results = SearchResults(query=query, total=0, hits=[])
        elif not businesses and not results.total:
            businesses = find_businesses(query, ref, correct=True)  # a typo ("plonbier") that no product fixes
        results.businesses = businesses
    if record_unmet and results.total == 0 and not results.businesses:
        from search.unmet import record_if_unmet

        record_if_unmet(query, results.total)
    return results


@dataclass(frozen=True)
class Suggestion:
    kind: str  # product | category | shop | commune
    label: str
    url: str

    def as_dict(self) -> dict:
        return {"type": self.kind, "label": self.label, "url": self.url}


def _starts_a_word(folded_name_words: list[str], prefix_words: list[str]) -> bool:
    *complete, last = prefix_words
    return all(w in folded_name_words for w in complete) and any(w.startswith(last) for w in folded_name_words)


def suggest(text: str, limit: int = 8) -> list[Suggestion]:
    """Completions of what the resident is typing: products, then categories, shops, communes."""
    from search.analysis import folded_words

    words = folded_words(text)
    if not words:
        return []
    ref = reference_data()
    found = [Suggestion("product", name, url_for("public.search", q=name))
             for name in get_backend().complete(text, limit=5)]
    for category in ref.categories.values():
        if _starts_a_word(folded_words(category.name), words):
            found.append(Suggestion("category", category.name, url_for("public.search", category=category.slug)))
    for shop in ref.shops.values():
        if shop.public and _starts_a_word(folded_words(shop.name), words):
            found.append(Suggestion("shop", shop.name, shop_url(shop.slug)))
    communes = [c for c in ref.communes.values() if _starts_a_word(folded_words(c.name), words)]
    for commune in sorted(communes, key=lambda c: -c.population):
        found.append(Suggestion("commune", commune.name, url_for("public.commune", slug=commune.slug)))
    return found[:limit]


def product_url(product_id: int) -> str:
    if "public.product" in current_app.view_functions:
        return url_for("public.product", product_id=product_id)
    return f"/produits/{product_id}"


def product_image_url(image_key: str | None) -> str | None:
    """The thumbnail of a product's first photo, once the media store serves them."""
    from marketplace import images

    url_of = getattr(images, "image_url", None)
    return url_of(image_key, "thumb") if image_key and url_of else None


def shop_url(slug: str) -> str:
    if "public.shop" in current_app.view_functions:
        return url_for("public.shop", slug=slug)
    return f"/commerces/{slug}"


# --- keeping the index in step -------------------------------------------------------------------


def index_products(product_ids) -> None:
    """Bring these products' index entries in step with the database (the indexer only)."""
    from search.documents import documents_for

    product_ids = set(product_ids)
    documents = documents_for(db.session, product_ids)
    get_backend().apply(list(documents.values()), product_ids - documents.keys())


def pending_changes() -> int | None:
    """How many changes wait in the outbox to be indexed; None for a backend without an outbox."""
    from search.outbox import pending_count

    return pending_count(db.session) if get_backend().uses_outbox else None


def drain_outbox(batch: int = OUTBOX_BATCH) -> int:
    """Index what the outbox holds, batch by batch, until it is empty; returns rows drained.

    Rows are deleted only after the index has committed: a crash in between re-indexes the same
    products on the next run, which is harmless. A backend that reads the database itself (its
    triggers followed the change) drops the rows unread: written under a previous backend or by a
    migration, they would otherwise wait forever in the outbox's depth.
    """
    from search.outbox import acknowledge, drop_all, take_batch

    engine = get_backend()
    if not engine.uses_outbox:
        drop_all(db.session)
        return 0
    drained = 0
    while True:
        db.session.rollback()  # a fresh transaction sees the rows committed meanwhile
        row_ids, product_ids = take_batch(db.session, batch)
        if not row_ids:
            db.session.rollback()
            return drained
        index_products(product_ids)
        # The delete runs in a transaction of its own: on SQLite, turning the read transaction
        # into a write one fails if an editor committed meanwhile.
        db.session.rollback()
        acknowledge(db.session, row_ids)
        drained += len(row_ids)


CATALOGUE_TABLES = ("products", "shops", "communes", "categories", "product_images")


def analyze_catalogue(session) -> None:
    """PostgreSQL: fresh planner statistics for the catalogue tables, after a bulk load (a seed,
    a big import, a bench). Autovacuum gets to them minutes later; meanwhile the planner takes a
    table of 300,000 products for an empty one and picks nested loops that read it whole."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(CATALOGUE_TABLES)}"))


def rebuild(progress=None, echo=None) -> int:
    """Rebuild the whole index from the database; returns the number of products indexed.

    Outbox rows written before the rebuild started are covered by it and dropped.
    """
    from sqlalchemy import delete, func, select

    from search.documents import all_documents
    from search.models import IndexOutbox

    backend = get_backend()  # first: creating its schema locks the tables ANALYZE reads
    analyze_catalogue(db.session)
    db.session.commit()  # the ANALYZE's lock released before the backend's own connection writes
    last_row = db.session.execute(select(func.max(IndexOutbox.id))).scalar()
    count = backend.rebuild(all_documents(db.session), progress=progress)
    if last_row is not None:
        db.session.execute(delete(IndexOutbox).where(IndexOutbox.id <= last_row))
    db.session.commit()
    invalidate_reference()
    if echo is not None:
        echo(f"Index de recherche : {count} produits indexés.")
    return count


def seed_demo(echo=None) -> int:
    """After the demo seed's bulk inserts: default synonyms, the residents' unmet searches and a
    fresh index."""
    from search.synonyms import install_defaults
    from search.unmet import seed_demo_demand

    install_defaults(db.session)
    seed_demo_demand()
    return rebuild(echo=echo)


@dataclass
class CheckReport:
    missing: list = field(default_factory=list)  # searchable products not in the index
    stale: list = field(default_factory=list)  # indexed with outdated content
    extra: list = field(default_factory=list)  # in the index but no longer searchable
    pending: int = 0  # outbox rows not yet drained

    @property
    def in_step(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check() -> CheckReport:
    """Compare the index with the database."""
    from search.documents import all_documents
    from search.outbox import pending_count

    indexed = get_backend().fingerprints()
    report = CheckReport(pending=pending_count(db.session))
    seen = set()
    for doc in all_documents(db.session):
        seen.add(doc.id)
        if doc.id not in indexed:
            report.missing.append(doc.id)
        elif indexed[doc.id] != doc.fingerprint:
            report.stale.append(doc.id)
    report.extra = sorted(set(indexed) - seen)
    db.session.rollback()
    return report
