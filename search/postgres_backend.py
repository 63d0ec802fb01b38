"""The PostgreSQL backend (SEARCH_BACKEND=postgres): full-text search inside the database, so
every web server sees the same results and there is no index to copy or indexer to run.

- `search_products`: one row per searchable product (active, approved shop) with a weighted
  tsvector (name A, category and shop B, description C, commune D) in the `halle_fr`
  configuration (unaccent + french_stem), under a GIN index. Triggers on products, shops,
  categories and communes keep it in step in the writing transaction itself, for ORM and bulk
  SQL writes alike: no outbox (`uses_outbox = False`). A reindex writes the rows in name order
  (see halle_search_refresh).
- `search_words`: the folded words of names (products, categories, shops, communes), under a
  trigram index: typo correction (pg_trgm, verified by the same edit budget as Whoosh) and
  completion. Insert-only (no hot counters); `rebuild` prunes the words nothing uses any more.
- Filters, facets (GROUPING SETS), distance (the communes in reach from search.reference,
  passed as arrays) and ordering are SQL; one round trip answers the page and the facets.

All PostgreSQL-only DDL is in `ensure_schema` (used by the Alembic revision and on first use).
"""
import hashlib
import json

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from marketplace.extensions import db
from marketplace.models import Product, Shop
from marketplace.models.shops import public_product_clause
from search.analysis import folded_words, highlight, stem
from search.backend import SearchBackend
from search.query import FILTERS, PRICE_RANGES, AnyOf, Equals, FacetValue, Hit, Range, SearchQuery, SearchResults, conditions
from search.spelling import max_edits, one_edit_variants, osa_distance
from search.synonyms import expand

SCHEMA_VERSION = "halle-search-8"
TABLES = ("search_products", "search_words")  # outside the models: see migrations/env.py
CONFIG = "halle_fr"
# ts_rank weights {D, C, B, A}: commune, description, category/shop, name (Whoosh's field boosts / 4).
WEIGHTS = "{0.25,0.075,0.5,1.0}"
DISTANCE_DECAY_KM = 15.0
FACET_SIZE = 12
FOUND_CAP = 1000  # typo correction: among candidates finding more, the alphabetical first
# The search_products column of each document field a filter reads (search.query), and its type.
COLUMNS_OF_FILTERS = {"commune": ("d.commune_insee", "varchar"), "shop": ("d.shop_id", "integer"),
                      "category": ("d.category_id", "integer"), "in_stock": ("d.in_stock", "boolean"),
                      "card": ("d.accepts_card", "boolean"), "price": ("d.price_cents", "integer")}
_LOCK_KEY = 4_242_001  # advisory lock: one process runs the DDL at a time

_DDL = r"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'halle_fr') THEN
    CREATE TEXT SEARCH CONFIGURATION halle_fr (COPY = french);
    ALTER TEXT SEARCH CONFIGURATION halle_fr
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'halle_simple_fr') THEN
    CREATE TEXT SEARCH DICTIONARY halle_simple_fr (TEMPLATE = simple, STOPWORDS = french);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'halle_words') THEN
    CREATE TEXT SEARCH CONFIGURATION halle_words (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION halle_words
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, hword, hword_part, word
      WITH unaccent, halle_simple_fr;
  END IF;
END $$;

CREATE TABLE IF NOT EXISTS search_products (
  product_id integer PRIMARY KEY,
  shop_id integer NOT NULL,
  category_id integer NOT NULL,
  commune_insee varchar(5) NOT NULL,
  price_cents integer NOT NULL,
  in_stock boolean NOT NULL,
  accepts_card boolean NOT NULL,
  document tsvector NOT NULL,
  source_hash text NOT NULL
);
CREATE INDEX IF NOT EXISTS search_products_document ON search_products USING gin (document);
CREATE INDEX IF NOT EXISTS search_products_commune ON search_products (commune_insee);
CREATE INDEX IF NOT EXISTS search_products_shop ON search_products (shop_id);
CREATE TABLE IF NOT EXISTS search_words (word text PRIMARY KEY);
CREATE INDEX IF NOT EXISTS search_words_trgm ON search_words USING gin (word gin_trgm_ops);

-- The searchable rows of these products, recomputed from the catalogue tables.
CREATE OR REPLACE FUNCTION halle_search_refresh(ids integer[]) RETURNS void
LANGUAGE plpgsql AS $f$
BEGIN
  DELETE FROM search_products WHERE product_id = ANY(ids);
  WITH RECURSIVE paths(id, slug, names) AS (
    SELECT id, slug, name::text FROM categories WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, c.slug, paths.names || ' ' || c.name FROM categories c JOIN paths ON c.parent_id = paths.id
  ), fresh AS (
    SELECT p.id, p.shop_id, p.category_id, p.name, coalesce(p.description, '') AS description,
           p.price_cents, coalesce(p.unit, '') AS unit, (p.stock IS NULL OR p.stock > 0) AS in_stock,
           s.accepts_card, s.slug AS shop_slug, s.name AS shop_name, s.commune_insee,
           c.name AS commune_name, paths.slug AS category_slug, paths.names AS category_text
    -- Driven by the ids, primary-key look-ups all the way (OFFSET 0 keeps the planner from
    -- reordering: during a bulk load the statistics are stale and it would loop over shops).
    FROM unnest(ids) AS x(id)
    CROSS JOIN LATERAL (SELECT * FROM products WHERE products.id = x.id OFFSET 0) p
    CROSS JOIN LATERAL (SELECT * FROM shops WHERE shops.id = p.shop_id OFFSET 0) s
    CROSS JOIN LATERAL (SELECT name FROM communes WHERE communes.insee = s.commune_insee OFFSET 0) c
    JOIN paths ON paths.id = p.category_id
    WHERE {searchable}
  ), inserted AS (
    INSERT INTO search_products
    SELECT id, shop_id, category_id, commune_insee, price_cents, in_stock, accepts_card,
           setweight(to_tsvector('halle_fr', name), 'A')
           || setweight(to_tsvector('halle_fr', category_text || ' ' || shop_name), 'B')
           || setweight(to_tsvector('halle_fr', description), 'C')
           || setweight(to_tsvector('halle_fr', commune_name), 'D'),
           md5(concat_ws(E'\x1f', name, description, category_slug, category_text, shop_slug, shop_name,
                         commune_insee, commune_name, price_cents, unit, in_stock::text, accepts_card::text))
    FROM fresh
    -- Rows in name order (a reindex writes them all): the matches of a word then share a few
    -- heap pages instead of one page each ('ceinture cuir' at 100k: 1,579 pages -> 69). Rows
    -- written later by the triggers land where there is room, until the next reindex.
    ORDER BY name
    RETURNING product_id
  )
  INSERT INTO search_words (word)
  SELECT DISTINCT w FROM fresh,
    unnest(tsvector_to_array(to_tsvector('halle_words',
      name || ' ' || category_text || ' ' || shop_name || ' ' || commune_name))) AS w
  WHERE length(w) >= 2
  ORDER BY w
  ON CONFLICT (word) DO NOTHING;
END $f$;

CREATE OR REPLACE FUNCTION halle_search_products_changed() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE search_products;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM search_products WHERE product_id IN (SELECT id FROM old_rows);
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM halle_search_refresh(ARRAY(SELECT id FROM new_rows));
  ELSE  -- UPDATE: only what the search sees (not updated_at, nor a stock that stays above zero)
    PERFORM halle_search_refresh(ARRAY(
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.name, n.description, n.price_cents, n.unit, n.active, n.hidden_by_admin_at, n.shop_id,
             n.category_id, n.stock IS NULL OR n.stock > 0)
            IS DISTINCT FROM
            (o.name, o.description, o.price_cents, o.unit, o.active, o.hidden_by_admin_at, o.shop_id,
             o.category_id, o.stock IS NULL OR o.stock > 0)));
  END IF;
  RETURN NULL;
END $f$;

CREATE OR REPLACE FUNCTION halle_search_shops_changed() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM halle_search_refresh(ARRAY(
    SELECT p.id FROM products p JOIN new_rows n ON n.id = p.shop_id JOIN old_rows o ON o.id = n.id
    WHERE (n.name, n.slug, n.status, n.accepts_card, n.commune_insee)
          IS DISTINCT FROM (o.name, o.slug, o.status, o.accepts_card, o.commune_insee)));
  RETURN NULL;
END $f$;

CREATE OR REPLACE FUNCTION halle_search_categories_changed() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM halle_search_refresh(ARRAY(
    WITH RECURSIVE below(id) AS (
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.name, n.slug, n.parent_id) IS DISTINCT FROM (o.name, o.slug, o.parent_id)
      UNION SELECT c.id FROM categories c JOIN below ON c.parent_id = below.id
    )
    SELECT p.id FROM products p JOIN below ON below.id = p.category_id));
  RETURN NULL;
END $f$;

CREATE OR REPLACE FUNCTION halle_search_communes_changed() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM halle_search_refresh(ARRAY(
    SELECT p.id FROM products p JOIN shops s ON s.id = p.shop_id
    JOIN new_rows n ON n.insee = s.commune_insee JOIN old_rows o ON o.insee = n.insee
    WHERE n.name IS DISTINCT FROM o.name));
  RETURN NULL;
END $f$;

DROP TRIGGER IF EXISTS halle_search_ins ON products;
DROP TRIGGER IF EXISTS halle_search_upd ON products;
DROP TRIGGER IF EXISTS halle_search_del ON products;
DROP TRIGGER IF EXISTS halle_search_trunc ON products;
CREATE TRIGGER halle_search_ins AFTER INSERT ON products REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION halle_search_products_changed();
CREATE TRIGGER halle_search_upd AFTER UPDATE ON products REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION halle_search_products_changed();
CREATE TRIGGER halle_search_del AFTER DELETE ON products REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION halle_search_products_changed();
CREATE TRIGGER halle_search_trunc AFTER TRUNCATE ON products
  FOR EACH STATEMENT EXECUTE FUNCTION halle_search_products_changed();
DROP TRIGGER IF EXISTS halle_search_upd ON shops;
CREATE TRIGGER halle_search_upd AFTER UPDATE ON shops REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION halle_search_shops_changed();
DROP TRIGGER IF EXISTS halle_search_upd ON categories;
CREATE TRIGGER halle_search_upd AFTER UPDATE ON categories REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION halle_search_categories_changed();
DROP TRIGGER IF EXISTS halle_search_upd ON communes;
CREATE TRIGGER halle_search_upd AFTER UPDATE ON communes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION halle_search_communes_changed();

COMMENT ON TABLE search_products IS '{version}';
"""

_DROP = """
DROP TRIGGER IF EXISTS halle_search_ins ON products;
DROP TRIGGER IF EXISTS halle_search_upd ON products;
DROP TRIGGER IF EXISTS halle_search_del ON products;
DROP TRIGGER IF EXISTS halle_search_trunc ON products;
DROP TRIGGER IF EXISTS halle_search_upd ON shops;
DROP TRIGGER IF EXISTS halle_search_upd ON categories;
DROP TRIGGER IF EXISTS halle_search_upd ON communes;
DROP FUNCTION IF EXISTS halle_search_products_changed();
DROP FUNCTION IF EXISTS halle_search_shops_changed();
DROP FUNCTION IF EXISTS halle_search_categories_changed();
DROP FUNCTION IF EXISTS halle_search_communes_changed();
DROP FUNCTION IF EXISTS halle_search_refresh(integer[]);
DROP TABLE IF EXISTS search_products;
DROP TABLE IF EXISTS search_words;
DROP TEXT SEARCH CONFIGURATION IF EXISTS halle_words;
DROP TEXT SEARCH DICTIONARY IF EXISTS halle_simple_fr;
DROP TEXT SEARCH CONFIGURATION IF EXISTS halle_fr;
"""

_IN_STEP = text("""
SELECT obj_description(to_regclass('search_products'), 'pg_class') = :version
   AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'halle_search_ins' AND tgrelid = 'products'::regclass)
""")


def include_object(object, name, type_, reflected, compare_to) -> bool:
    """For Alembic's autogenerate: the search tables are not models (they hold a tsvector and
    are filled by triggers), so they are no difference between the models and the database."""
    if type_ == "table":
        return name not in TABLES
    table = getattr(object, "table", None)
    return table is None or table.name not in TABLES


def _run(connection, ddl: str) -> None:
    # exec_driver_sql: the DDL holds colons and percent signs that are not parameters
    connection.exec_driver_sql(ddl.replace("%", "%%"))


def ensure_schema(bind) -> bool:
    """Create or update every PostgreSQL-only search object (idempotent); returns True when it
    had to, after which `search_products` is refilled from the catalogue.

    `bind` is an Engine (the backend, tests) or a Connection (the Alembic revision). When the
    products table was re-created (its triggers gone) the derived rows cannot be trusted, so
    they are recomputed too.
    """
    if hasattr(bind, "begin") and not hasattr(bind, "in_transaction"):  # an Engine
        with bind.begin() as connection:
            return ensure_schema(connection)
    if bind.dialect.name != "postgresql":
        return False
    if bind.execute(_IN_STEP, {"version": SCHEMA_VERSION}).scalar():
        return False
    bind.execute(text("SET LOCAL lock_timeout = '10s'"))
    bind.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    if bind.execute(_IN_STEP, {"version": SCHEMA_VERSION}).scalar():
        return False
    _run(bind, _DDL.replace("{version}", SCHEMA_VERSION).replace("{searchable}", _searchable_sql()))
    _refill(bind)
    return True


def _searchable_sql() -> str:
    """marketplace.models.shops.public_product_clause as SQL on the refresh's `p` (product) and `s` (shop)."""
    clause = public_product_clause(aliased(Product, name="p"), aliased(Shop, name="s"))
    return str(clause.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def drop_schema(bind) -> None:
    """Remove the objects ensure_schema creates (the extensions stay: others may use them)."""
    if bind.dialect.name == "postgresql":
        _run(bind, _DROP)


def _refill(connection) -> int:
    """Recompute every row of search_products and the vocabulary (readers keep the old rows
    until the transaction commits: no TRUNCATE, no empty results meanwhile)."""
    connection.execute(text("DELETE FROM search_products"))
    connection.execute(text("DELETE FROM search_words"))
    connection.execute(text("SELECT halle_search_refresh(ARRAY(SELECT id FROM products))"))
    return connection.execute(text("SELECT count(*) FROM search_products")).scalar_one()


def source_hash(doc) -> str:
    """What search_products.source_hash holds for an up-to-date row of this document."""
    parts = (doc.name, doc.description, doc.category_slug, doc.category_text, doc.shop_slug, doc.shop_name,
             doc.commune_insee, doc.commune_name, str(doc.price_cents), doc.unit,
             "true" if doc.in_stock else "false", "true" if doc.accepts_card else "false")
    return hashlib.md5("\x1f".join(parts).encode()).hexdigest()


# --- the query ---------------------------------------------------------------------------------

_TSQUERY = f"websearch_to_tsquery('{CONFIG}', %({{name}})s)"


def _tsquery_sql(units, params: dict) -> str:
    """AND over the units; each unit an OR over its alternatives (synonyms), each alternative
    the websearch query of its words."""
    ands = []
    for unit in units:
        ors = []
        for alternative in unit:
            name = f"w{len(params)}"
            params[name] = " ".join(alternative)
            ors.append(_TSQUERY.format(name=name))
        ands.append("(" + " || ".join(ors) + ")")
    return " && ".join(ands)


def _text_array(values) -> str:
    """A text[] parameter as one quoted literal ('{"a","b"}'), for the same reason as _array: the
    ~500 one-edit variants of a word cost ~1 ms to parse as ARRAY['…', …]."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _array(values) -> str:
    """An array parameter as one literal ('{a,b}'): psycopg2 sends a list as ARRAY[...], one
    constant per element for PostgreSQL to parse and fold (~0.5 ms for a radius's 100 communes).
    For codes, ids and floats (repr reads back exactly), none of which needs quoting."""
    return "{" + ",".join(map(str, values)) + "}"


class _Maps:
    """Ids <-> slugs of one Reference (shops and categories), derived once per Reference."""

    def __init__(self, ref):
        self.ref = ref
        self.shop_slug = {s.id: s.slug for s in ref.shops.values()}
        self.category_slug = {c.id: c.slug for c in ref.categories.values()}


# The matches in each price range of the facet (bounds included, as the price filters).
def _price_count(low: int | None, high: int | None) -> str:
    bounds = ([f"price_cents >= {int(low)}"] if low is not None else []) + (
        [f"price_cents <= {int(high)}"] if high is not None else [])
    return f"count(*) FILTER (WHERE {' AND '.join(bounds)})"


PRICE_COUNTS = ", ".join(_price_count(low, high) for low, high in PRICE_RANGES)


class PostgresBackend(SearchBackend):
    uses_outbox = False

    def __init__(self, engine):
        self.engine = engine
        ensure_schema(engine)
        self._maps = None

    def maps(self, ref) -> _Maps:
        if self._maps is None or self._maps.ref is not ref:
            self._maps = _Maps(ref)
        return self._maps

    # --- keeping in step: the triggers do it ----------------------------------------------

    def needs_rebuild(self) -> bool:
        """True when the search objects are missing or of another version (read-only: /readyz)."""
        with self.engine.connect() as connection:
            return not connection.execute(_IN_STEP, {"version": SCHEMA_VERSION}).scalar()

    def apply(self, upserts, removals) -> None:
        """Nothing to do: the triggers updated search_products in the writing transaction."""

    def rebuild(self, documents, progress=None) -> int:
        ensure_schema(self.engine)
        count = _refill(db.session.connection())
        db.session.commit()
        # Every row was just rewritten: the old versions would stay in the GIN index (each search
        # reading and rejecting them, twice the heap pages) until autovacuum passes. VACUUM
        # cannot run in a transaction: its own autocommit connection.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE search_products, search_words"))
        if progress is not None:
            progress(count)
        return count

    def fingerprints(self) -> dict[int, str]:
        """A product's fingerprint when its row matches the catalogue, else a marker of staleness."""
        from search.documents import all_documents

        rows = dict(db.session.execute(text("SELECT product_id, source_hash FROM search_products")).all())
        found = {}
        for doc in all_documents(db.session):
            if doc.id in rows:
                found[doc.id] = doc.fingerprint if rows.pop(doc.id) == source_hash(doc) else "stale"
        found.update((product_id, "extra") for product_id in rows)
        return found

    # --- search -----------------------------------------------------------------------------

    def search(self, query: SearchQuery, ref) -> SearchResults:
        words = folded_words(query.text)
        results = self._search(query, ref, words)
        if results.total == 0 and words:
            # One word alone, with no filter nor place, found nothing: no need to ask again.
            alone = len(set(words)) == 1 and not query.commune and not any(f.is_on(query) for f in FILTERS)
            corrected = self._correct(words, ref, missing=frozenset(words) if alone else frozenset())
            if corrected != words:
                results = self._search(query, ref, corrected)
                results.suggestion, results.corrected = " ".join(corrected), True
        return results

    def _search(self, query: SearchQuery, ref, words: list[str]) -> SearchResults:
        units = expand(words, ref.synonyms)
        params: dict = {}
        where = []
        has_text = bool(units)
        tsq = f"CROSS JOIN (SELECT {_tsquery_sql(units, params)} AS tsq) q" if has_text else ""
        if has_text:
            where.append("d.document @@ q.tsq")
        distances = ref.communes_within(query.commune, query.radius_km) if query.commune else None
        if distances is not None:
            # The matches are filtered by commune code and their distances joined to the page
            # only: joined in the matching scan, the planner looped over the communes, reading
            # the GIN index once for each ('bois' within 20 km: 75 times, 35 ms). With words, the
            # filter is on an expression: the planner then neither estimates each of the ~100
            # codes against the column's statistics (1 ms of planning) nor ANDs the text matches
            # with the commune index's bitmap (tens of thousands of rows for a few hundred matches).
            params["codes"], params["kms"] = _array(distances), _array(distances.values())
            commune = "d.commune_insee || ''" if has_text else "d.commune_insee"
            where.append(f"{commune} = ANY(CAST(%(codes)s AS varchar[]))")
            near = ("JOIN unnest(CAST(%(codes)s AS varchar[]), CAST(%(kms)s AS float8[])) AS g(insee, km) "
                    "ON g.insee = m.commune_insee")
            km = "g.km"
        else:
            near, km = "", "0.0"
        for number, condition in enumerate(conditions(query, ref)):
            where.append(self._filter_sql(condition, ref, params, f"f{number}"))

        relevance = has_text and query.sort == "relevance"
        rank = f"ts_rank('{WEIGHTS}', d.document, q.tsq)" if relevance else "0.0"
        score = f"m.rank / (1.0 + g.km / {DISTANCE_DECAY_KM})" if relevance and distances is not None else "m.rank"
        order = {
            "price_asc": "{t}price_cents, {t}km, {t}product_id",
            "price_desc": "{t}price_cents DESC, {t}km, {t}product_id",
        }.get(query.sort, "{t}score DESC, {t}product_id" if relevance else "{t}km, {t}price_cents, {t}product_id")
        params["limit"], params["offset"] = query.per_page, (query.page - 1) * query.per_page
        sql = f"""
            WITH m AS MATERIALIZED (
              SELECT d.product_id, d.shop_id, d.category_id, d.commune_insee, d.price_cents, {rank} AS rank
              FROM search_products d {tsq}
              {'WHERE ' + ' AND '.join(where) if where else ''}
            )
            SELECT
              (SELECT coalesce(json_agg(json_build_array(
                         page.product_id, page.km, page.score, p.name, p.price_cents, p.unit, p.stock, s.slug,
                         s.name, s.commune_insee,
                         (SELECT i.key FROM product_images i WHERE i.product_id = p.id
                          ORDER BY i.position, i.id LIMIT 1))
                       ORDER BY {order.format(t="page.")}), '[]')
               FROM (SELECT m.product_id, m.price_cents, {km} AS km, {score} AS score FROM m {near}
                     ORDER BY {order.format(t="")} LIMIT %(limit)s OFFSET %(offset)s) page
               JOIN products p ON p.id = page.product_id JOIN shops s ON s.id = p.shop_id),
              (SELECT coalesce(json_agg(json_build_array(bits, category_id, shop_id, commune_insee, n)), '[]')
               FROM (SELECT *, rank() OVER (PARTITION BY bits ORDER BY n DESC) AS place
                     FROM (SELECT grouping(category_id, shop_id, commune_insee) AS bits, category_id, shop_id,
                                  commune_insee, count(*) AS n FROM m
                           GROUP BY GROUPING SETS ((category_id), (shop_id), (commune_insee), ())) g) f
               WHERE place <= {FACET_SIZE}),
              (SELECT json_build_array({PRICE_COUNTS}) FROM m)
        """
        # Straight to the driver's cursor (its own parameter style): text() cost 0.1 ms of compiling
        # and caching a search, exec_driver_sql another 0.1 ms of result handling. JIT off for this
        # transaction, in the same round trip: above jit_above_cost (a common word in a large
        # catalogue) PostgreSQL spent ~20 ms compiling a query that then ran in milliseconds.
        cursor = db.session.connection().connection.cursor()
        try:
            cursor.execute("SELECT set_config('jit', 'off', true); " + sql, params)
            page, groups, prices = cursor.fetchone()
        finally:
            cursor.close()
        if isinstance(page, str):
            page, groups, prices = json.loads(page), json.loads(groups), json.loads(prices)
        total, facets = self._facets(groups, ref)
        stems = frozenset(stem(w) for unit in units for alternative in unit for w in alternative)
        hits = self._hits(page, ref, distances, stems)
        return SearchResults(query=query, total=total, hits=hits, facets=facets,
                             price_counts=dict(zip(PRICE_RANGES, prices)))

    @staticmethod
    def _filter_sql(condition, ref, params: dict, name: str) -> str:
        """The WHERE clause of a filter's condition (search.query.FILTERS) on search_products."""
        column, sql_type = COLUMNS_OF_FILTERS[condition.field]
        if isinstance(condition, Range):
            bounds = [f"{column} >= %({name}_low)s" if condition.low is not None else None,
                      f"{column} <= %({name}_high)s" if condition.high is not None else None]
            params[f"{name}_low"], params[f"{name}_high"] = condition.low, condition.high
            return " AND ".join(b for b in bounds if b)
        values = condition.values if isinstance(condition, AnyOf) else (condition.value,)
        if sql_type == "boolean":
            return " OR ".join(column if value else f"NOT {column}" for value in set(values)) or "false"
        if condition.field == "shop":
            values = [ref.shops[slug].id for slug in values if slug in ref.shops]
        elif condition.field == "category":  # its sub-categories too
            values = [c.id for c in ref.categories.values() if any(slug in c.path for slug in values)]
        if isinstance(condition, Equals) and len(values) == 1:
            params[name] = values[0]
            return f"{column} = %({name})s"
        params[name] = _array(sorted(values))
        return f"{column} = ANY(CAST(%({name})s AS {sql_type}[]))"

    # grouping(category_id, shop_id, commune_insee) of each GROUPING SETS row: the facet it counts.
    _FACET_OF_BITS = {3: "category", 5: "shop", 6: "commune"}

    def _facets(self, groups, ref) -> tuple[int, dict]:
        """(total, facets) from the GROUPING SETS rows. The database sends, for each facet, only the
        values counting at least as much as its FACET_SIZE-th (rank() keeps the ties): a common word
        in a large catalogue matches thousands of shops, which cost more to send and read here than
        to rank there."""
        maps = self.maps(ref)
        counts = {"category": {}, "commune": {}, "shop": {}}
        total = 0
        for bits, category_id, shop_id, commune, n in groups:
            facet = self._FACET_OF_BITS.get(bits)
            if facet == "category":
                counts["category"][maps.category_slug.get(category_id, str(category_id))] = n
            elif facet == "shop":
                counts["shop"][maps.shop_slug.get(shop_id, str(shop_id))] = n
            elif facet == "commune":
                counts["commune"][commune] = n
            else:
                total = n
        labels = {
            "category": lambda v: ref.categories[v].name if v in ref.categories else v,
            "commune": lambda v: ref.communes[v].name if v in ref.communes else v,
            "shop": lambda v: ref.shops[v].name if v in ref.shops else v,
        }
        facets = {}
        for name, values in counts.items():
            label = labels[name]
            top = sorted(values.items(), key=lambda item: (-item[1], label(item[0]), item[0]))[:FACET_SIZE]
            facets[name] = [FacetValue(value, label(value), count) for value, count in top]
        return total, facets

    def _hits(self, page, ref, distances, stems) -> list[Hit]:
        hits = []
        for product_id, km, score, name, price, unit, stock, shop_slug, shop_name, insee, image_key in page:
            commune = ref.communes.get(insee)
            hits.append(Hit(
                id=product_id, name=name, name_html=highlight(name, stems), price_cents=price, unit=unit or "",
                in_stock=stock is None or stock > 0, shop_slug=shop_slug, shop_name=shop_name,
                commune_insee=insee, commune_name=commune.name if commune else "",
                latitude=commune.latitude if commune else None, longitude=commune.longitude if commune else None,
                distance_km=round(km, 1) if distances is not None else None, score=score or 0.0,
                image_key=image_key,
            ))
        return hits

    # --- typos ------------------------------------------------------------------------------

    def _correct(self, words: list[str], ref, missing: frozenset = frozenset()) -> list[str]:
        """The words with those that find nothing replaced by the likeliest catalogue word
        within the edit budget: the closest, then the one that finds the most products.
        `missing`: words already known to find nothing."""
        unknown = [w for w in dict.fromkeys(words)
                   if max_edits(w) and not w.isdigit() and w not in ref.synonym_words]
        if not unknown:
            return words
        finds = dict.fromkeys(missing, 0)
        finds.update(self._found([w for w in unknown if w not in missing], cap=1))  # finds any?
        fixes = {}
        for word in (w for w in unknown if not finds[w]):
            # One edit first, by primary key: the closest words win, so a word of 8 letters or
            # more (two edits) needs the trigram search only when no word one edit away finds
            # anything (a typo is most often one edit).
            fix = self._closest(word, self._candidates(word, 1), 1)
            if fix is None and max_edits(word) == 2:
                fix = self._closest(word, self._candidates(word, 2), 2)
            if fix is not None:
                fixes[word] = fix
        return [fixes.get(w, w) for w in words]

    def _closest(self, word: str, candidates: list[str], budget: int) -> str | None:
        """Among `candidates`, the closest to `word` within `budget` edits that finds something,
        the one that finds the most (up to FOUND_CAP) when several are as close."""
        close = {c: osa_distance(word, c, budget) for c in candidates}
        for distance in sorted({d for d in close.values() if d <= budget}):
            group = [c for c, d in close.items() if d == distance]
            # Alone at its distance, a word only has to find something: no count of its matches.
            frequency = self._found(group, cap=FOUND_CAP if len(group) > 1 else 1)
            ranked = sorted((-n, c) for c, n in frequency.items() if n)
            if ranked:
                return ranked[0][1]
        return None

    @staticmethod
    def _candidates(word: str, budget: int) -> list[str]:
        """Catalogue words that may lie within the edit budget. One edit: every variant of the
        word (a letter dropped, swapped, replaced or added: a few hundred) looked up by primary
        key, exact and ~1 ms (a LATERAL look-up per variant: as `word = ANY(variants)` or a join
        the planner expects a row per variant and reads the whole table instead, 5 to 11 ms at
        56,000 words), where a trigram search must accept a similarity of 0.1 for short
        words ("imel"/"miel") and recheck ~10,000 of 56,000 words. Two edits (8 letters or
        more, which share more trigrams with their corrections): pg_trgm, its threshold set in
        the same round trip (psycopg2 sends both statements in one message; the last answers)."""
        if budget == 1:
            return db.session.execute(
                text("SELECT w.word FROM unnest(CAST(:variants AS text[])) v "
                     "CROSS JOIN LATERAL (SELECT word FROM search_words WHERE word = v LIMIT 1) w"),
                {"variants": _text_array(sorted(one_edit_variants(word)))}).scalars().all()
        return db.session.execute(text(
            "SELECT set_config('pg_trgm.similarity_threshold', '0.25', true); "
            "SELECT word FROM search_words WHERE word % :w AND length(word) BETWEEN :lo AND :hi "
            "ORDER BY similarity(word, :w) DESC LIMIT 500"),
            {"w": word, "lo": len(word) - budget, "hi": len(word) + budget}).scalars().all()

    @staticmethod
    def _found(words: list[str], cap: int = FOUND_CAP) -> dict[str, int]:
        """How many products each word finds, up to `cap` (counting all of "miel"'s 6,700 took
        20 ms; 1 says whether it finds any), in one statement: a correlated count per word still
        reads the GIN index."""
        if not words:
            return {}
        return dict(db.session.execute(text(
            f"SELECT w, (SELECT count(*) FROM (SELECT 1 FROM search_products WHERE document @@ "
            f"websearch_to_tsquery('{CONFIG}', w) LIMIT {int(cap)}) found) "
            "FROM unnest(CAST(:words AS text[])) AS w"), {"words": list(words)}).all())

    # --- completion ---------------------------------------------------------------------------

    def complete(self, text_: str, limit: int) -> list[str]:
        words = folded_words(text_)
        if not words or len(words[-1]) < 2:
            return []
        prefix = words[-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        expansions = db.session.execute(text(
            "SELECT word FROM search_words WHERE word LIKE :p ORDER BY length(word), word LIMIT 15"),
            {"p": prefix + "%"}).scalars().all()
        if not expansions:
            return []
        units = [[(w,)] for w in words[:-1]] + [[(e,) for e in expansions]]
        params = {"limit": limit}
        rows = db.session.connection().exec_driver_sql(f"""
            SELECT p.name FROM search_products d JOIN products p ON p.id = d.product_id
            CROSS JOIN (SELECT {_tsquery_sql(units, params)} AS tsq) q
            WHERE d.document @@ q.tsq
            GROUP BY p.name ORDER BY max(ts_rank('{WEIGHTS}', d.document, q.tsq)) DESC, p.name
            LIMIT %(limit)s""", params).scalars().all()
        return list(rows)

