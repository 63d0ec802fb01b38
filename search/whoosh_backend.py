"""The Whoosh backend: an index in files under SEARCH_INDEX_DIR (docs/design.md, "Search").

- One writer at a time: `apply` and `rebuild` hold an exclusive lock on a file next to the
  index (flock: the kernel releases it when the process dies, even by SIGKILL), so two
  indexers wait for each other instead of failing with Whoosh's LockError.
- Searchers are opened once and lent to requests from a small pool; one is reopened only when
  the index has changed since it was opened.
- Per index generation, the sortable columns (commune, shop, category, price) are read once into
  arrays, and document sets are cached per commune, shop and category: geography, filters and
  facets are then set operations.
- Text matching and scoring are set operations too: each searched word's documents and their
  score (Whoosh's BM25F, as `word_query` would score them) are read once per generation and
  kept (GenerationCache.word_scores). Whoosh's own matchers walked the postings of five fields per
  word twice per search in Python (once for the total and facets, once to score every match),
  which made two common words 55 ms at 100k products; and the scoring pass (a top-200 search)
  pruned sub-queries once it had enough results, leaving some fields' share out of the scores.
  A word's postings are scored here with Whoosh's BM25F function, each document's field length
  taken from a list read once per segment (Whoosh's scorer read it from the file per posting).
- Price is an integer number of cents; geography is a commune-code field; coordinates are not
  in the index (they come from the communes table, search.reference).
"""
import fcntl
import heapq
import math
import threading
from array import array
from collections import Counter, OrderedDict
from contextlib import contextmanager
from pathlib import Path

from whoosh import index
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Or, Term
from whoosh.scoring import bm25
from whoosh.writing import CLEAR

from search.analysis import folded_words, folding_analyzer, french_analyzer, highlight, stem
from search.backend import SearchBackend
from search.query import AnyOf, FacetValue, Hit, Range, SearchQuery, SearchResults, conditions, price_range_counts
from search.spelling import Speller
from search.synonyms import expand

SCHEMA_VERSION = 2
# The index field of each document field a filter reads (search.query), besides the cache's columns.
FIELDS_OF_FILTERS = {"category": "category_path", "in_stock": "in_stock", "card": "card"}
INDEX_NAME = "products"
TEXT_FIELDS = ("name", "category", "shop_name", "place", "description")
# Text fields that hold the same text for every product of a category, shop or commune (see
# to_fields), with the GenerationCache column that names the group.
GROUP_TEXT_FIELDS = {"category": "category", "shop_name": "shop", "place": "commune"}
# The others, scored with each document's own length (GenerationCache.field_lengths).
LENGTH_TEXT_FIELDS = tuple(field for field in TEXT_FIELDS if field not in GROUP_TEXT_FIELDS)
TOP_SCORED = 200  # relevance: the best-scoring documents re-ranked by distance
DISTANCE_DECAY_KM = 15.0  # relevance × 1 / (1 + distance / DISTANCE_DECAY_KM)
FACET_SIZE = 12
WORD_CACHE_POSTINGS = 2_000_000  # postings kept by GenerationCache.word_scores (12 bytes each)
STORED_CACHE_DOCS = 5_000  # documents' stored fields kept by GenerationCache.stored_fields (~1.6 kB each)


def make_schema() -> Schema:
    french, folding = french_analyzer(), folding_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        name=TEXT(analyzer=french, stored=True, phrase=False, field_boost=4.0),
        category=TEXT(analyzer=french, phrase=False, field_boost=2.0),
        shop_name=TEXT(analyzer=french, phrase=False, field_boost=1.5),
        place=TEXT(analyzer=french, phrase=False, field_boost=1.0),
        description=TEXT(analyzer=french, phrase=False, field_boost=0.3),
        spell=TEXT(analyzer=folding, phrase=False),  # the name's whole words: typos, completion
        category_slug=ID(stored=True, sortable=True),
        category_path=KEYWORD(),
        commune=ID(stored=True, sortable=True),
        shop=ID(stored=True, sortable=True),
        price=NUMERIC(int, bits=32, signed=False, stored=True, sortable=True),
        in_stock=BOOLEAN(stored=True),
        card=BOOLEAN(),
        shop_label=STORED(),
        unit=STORED(),
        image_key=STORED(),
        fingerprint=STORED(),
    )


def to_fields(doc) -> dict:
    return {
        "id": str(doc.id),
        "name": doc.name,
        "category": doc.category_text,
        "shop_name": doc.shop_name,
        "place": doc.commune_name,
        "description": doc.description,
        "spell": doc.name,
        "category_slug": doc.category_slug,
        "category_path": " ".join(doc.category_path),
        "commune": doc.commune_insee,
        "shop": doc.shop_slug,
        "price": doc.price_cents,
        "in_stock": doc.in_stock,
        "card": doc.accepts_card,
        "shop_label": doc.shop_name,
        "unit": doc.unit,
        "image_key": doc.image_key,
        "fingerprint": doc.fingerprint,
    }


def word_query(word: str):
    term = stem(word)
    return Or([Term(field, term) for field in TEXT_FIELDS])


def _sum_common(parts: list[dict]) -> dict:
    """{document: summed score} of the documents present in every part (an And in Whoosh)."""
    if len(parts) == 1:
        return parts[0]
    parts = sorted(parts, key=len)
    smallest, others = parts[0], parts[1:]
    found = {}
    for docnum, score in smallest.items():
        for other in others:
            value = other.get(docnum)
            if value is None:
                break
            score += value
        else:
            found[docnum] = score
    return found


def _sum_any(parts: list[dict]) -> dict:
    """{document: summed score} of the documents present in any part (an Or in Whoosh)."""
    if len(parts) == 1:
        return parts[0]
    parts = sorted(parts, key=len)
    found = dict(parts[-1])
    for part in parts[:-1]:
        for docnum, score in part.items():
            found[docnum] = found.get(docnum, 0.0) + score
    return found


def _best(scores: dict, docs, count: int) -> list:
    """The `count` best-scoring docs, ties to the lower document number (as Whoosh's
    TopCollector). The floor score is found first without a key function: ranking tens of
    thousands of matches by (score, document) tuples cost more than matching them."""
    if len(docs) > count:
        floor = heapq.nlargest(count, map(scores.__getitem__, docs))[-1]
        docs = [d for d in docs if scores[d] >= floor]
    return sorted(docs, key=lambda d: (-scores[d], d))[:count]


class GenerationCache:
    """What is derived once from one generation of the index and shared by all threads."""

    COLUMNS = ("commune", "shop", "category_slug", "price")

    def __init__(self, searcher, previous: "GenerationCache | None", extra_words: frozenset):
        reader = searcher.reader()
        self.generation = reader.generation()
        (self.commune, self.shop, self.category, self.price), self.live, spelling = self._read_segments(
            reader, previous)
        self._sets: dict = {}
        self._words: OrderedDict = OrderedDict()  # term -> (document numbers, scores)
        self._word_postings = 0
        self._words_lock = threading.Lock()
        self._stored: dict[int, dict] = {}
        # (segment id, text field) -> each document's length in it, for the segments still there
        self._lengths: dict[tuple, list] = {} if previous is None else {
            key: lengths for key, lengths in previous._lengths.items() if key[0] in self._segments}
        self._lock = threading.Lock()
        # The words of product names, plus those of categories, shops and communes (few, and
        # the same for many products: kept out of the index to make indexing faster).
        vocabulary = dict.fromkeys(extra_words, 1)
        vocabulary.update(sorted(spelling.items()))  # in term order, as one reader of them all gives them
        if previous is not None and previous.vocabulary.keys() == vocabulary.keys():
            self.speller, self.stems = previous.speller, previous.stems  # the costly part
        else:
            self.speller, self.stems = None, {stem(word) for word in vocabulary}
        self.vocabulary = vocabulary

    def _read_segments(self, reader, previous: "GenerationCache | None"):
        """(the columns' values of every document in document-number order, the live document
        numbers, {spelling word: document frequency}), read segment by segment.

        What the previous generation read of a segment is reused: a segment's values and words
        never change, and its deletions only grow (its live documents are read again when its
        count changed). Reading everything took ~0.4 s at 100k products, paid by the first
        search after every index commit; now that search reads the new segment only."""
        self._segments = {}
        leaves = reader.leaf_readers()  # in document-number order
        columns, live, spelling = [[] for _ in self.COLUMNS], [], Counter()
        for leaf, base in leaves:
            segment = leaf.segment()
            key = segment.segment_id() if segment is not None else None
            known = previous._segments.get(key) if previous is not None and key is not None else None
            count = leaf.doc_count()
            if known is None:
                values = [list(leaf.column_reader(name)) if leaf.doc_count_all() else [] for name in self.COLUMNS]
                words = {(term.decode() if isinstance(term, bytes) else term): info.doc_frequency()
                         for term, info in leaf.iter_field("spell")}
                known = (values, words, None, None)
            values, words, live_count, local_live = known
            if live_count != count:
                local_live = (range(leaf.doc_count_all()) if not leaf.has_deletions()
                              else tuple(leaf.all_doc_ids()))
            if key is not None:
                self._segments[key] = (values, words, count, local_live)
            for column, part in zip(columns, values):
                column.extend(part)
            live.append(local_live if base == 0 else [base + docnum for docnum in local_live])
            spelling.update(words)
        return columns, frozenset(docnum for part in live for docnum in part), spelling

    def word_scores(self, searcher, term: str) -> dict[int, float]:
        """{document: score} of the documents holding the index term in a text field, scored as
        Whoosh scores `word_query` (BM25F over TEXT_FIELDS with their boosts, summed).

        The postings are walked once per generation and kept, as compact arrays, for the most
        recently searched words (WORD_CACHE_POSTINGS in all): the common words, whose postings are
        long, are also the ones searched again and again.
        """
        with self._words_lock:
            kept = self._words.get(term)
            if kept is not None:
                self._words.move_to_end(term)
        if kept is None:
            scores = self._read_word(searcher, term)
            kept = (array("I", scores), array("d", scores.values()))
            with self._words_lock:
                if term not in self._words:  # another thread may have read it meanwhile
                    self._words[term] = kept
                    self._word_postings += len(scores)
                while self._word_postings > WORD_CACHE_POSTINGS and len(self._words) > 1:
                    _, (docnums, _) = self._words.popitem(last=False)
                    self._word_postings -= len(docnums)
            return scores
        return dict(zip(*kept))

    def _read_word(self, searcher, term: str) -> dict[int, float]:
        """The term's postings in every text field, scored and summed per document. Each segment's
        postings are read on their own (its deleted documents left out), scored with the whole
        index's statistics as Whoosh's own search scores them."""
        scores: dict[int, float] = {}
        add = scores.get
        leaves = [(leaf_searcher, leaf_searcher.reader(), base) for leaf_searcher, base in searcher.leaf_searchers()]
        reader = searcher.reader()
        for field in TEXT_FIELDS:
            if (field, term) not in reader:
                continue
            scorer = searcher.weighting.scorer(searcher, field, term)  # BM25F: Whoosh's default weighting
            for leaf_searcher, leaf, base in leaves:
                if (field, term) not in leaf:
                    continue
                matcher = leaf_searcher.postings(field, term)
                is_active, local_docnum, weight, advance = matcher.is_active, matcher.id, matcher.weight, matcher.next
                if field in LENGTH_TEXT_FIELDS:
                    # Whoosh's scorer reads the document's field length from the index file for
                    # each posting, most of the time of a word searched for the first time: the
                    # segment's lengths are read once, and Whoosh's function scores.
                    lengths = self.field_lengths(leaf, field)
                    idf, average, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
                    while is_active():
                        local = local_docnum()
                        docnum = base + local
                        scores[docnum] = add(docnum, 0.0) + bm25(idf, weight(), lengths[local], average, b, k1)
                        advance()
                    continue
                # Same group and weight, same text length, same score: one score per group and
                # weight. (Only while a renamed shop's products are being re-indexed can two of
                # them hold different texts; their score is then approximate.)
                group, group_scores = getattr(self, GROUP_TEXT_FIELDS[field]), {}
                while is_active():
                    docnum = base + local_docnum()
                    key = (group[docnum], weight())
                    score = group_scores.get(key)
                    if score is None:
                        score = group_scores[key] = matcher.score()
                    scores[docnum] = add(docnum, 0.0) + score
                    advance()
        return scores

    def field_lengths(self, leaf, field: str) -> list:
        """The field's length in each document of the segment, as BM25F reads it; read once per
        segment and field (a segment never changes) and kept by the next generations."""
        segment = leaf.segment()
        key = (segment.segment_id() if segment is not None else None, field)
        lengths = self._lengths.get(key)
        if lengths is None:
            lengths = [leaf.doc_field_length(docnum, field, 1) for docnum in range(leaf.doc_count_all())]
            if key[0] is not None:
                self._lengths[key] = lengths
        return lengths

    def stored_fields(self, searcher, docnum: int) -> dict:
        """The document's stored fields. Reading them (a pickled, compressed column) was a tenth of
        a search page's work, for the few thousand products that fill the pages people open;
        cleared when full, like the links' encoded arguments."""
        fields = self._stored.get(docnum)
        if fields is None:
            if len(self._stored) >= STORED_CACHE_DOCS:
                self._stored.clear()
            fields = self._stored[docnum] = searcher.stored_fields(docnum)
        return fields

    def speller_for(self) -> Speller:
        if self.speller is None:
            with self._lock:
                if self.speller is None:
                    self.speller = Speller(self.vocabulary)
        return self.speller

    def docs_by(self, column: str, value: str) -> frozenset:
        key = (column, value)
        if key not in self._sets:
            if not self._sets.get(("grouped", column)):
                groups: dict = {}
                for docnum, v in enumerate(getattr(self, column)):
                    groups.setdefault(v, []).append(docnum)
                for v, docs in groups.items():
                    self._sets[(column, v)] = frozenset(docs) & self.live
                self._sets[("grouped", column)] = True
            return self._sets.get(key, frozenset())
        return self._sets[key]

    def docs_for_term(self, searcher, field: str, value) -> frozenset:
        key = ("term", field, value)
        if key not in self._sets:
            self._sets[key] = frozenset(searcher.docs_for_query(Term(field, value)))
        return self._sets[key]

    def docs_in(self, column: str, values) -> frozenset:
        """Documents whose column holds any of the values (the communes in reach, the shops
        open now), cached: the same resident asks again and again from the same commune."""
        key = ("union", column, frozenset(values))
        if key not in self._sets:
            if len(self._sets) > 5000:
                self._sets = {k: v for k, v in self._sets.items() if k[0] != "union"}
            union = set()
            for value in values:
                union |= self.docs_by(column, value)
            self._sets[key] = frozenset(union)
        return self._sets[key]


class WhooshBackend(SearchBackend):
    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._pool: list = []
        self._pool_lock = threading.Lock()
        self._cache: GenerationCache | None = None
        self._ix = None

    # --- files and locks ----------------------------------------------------------------

    @property
    def _version_file(self) -> Path:
        return self.directory / "schema-version"

    def needs_rebuild(self) -> bool:
        if not index.exists_in(self.directory, indexname=INDEX_NAME):
            return True
        try:
            return int(self._version_file.read_text()) != SCHEMA_VERSION
        except (OSError, ValueError):
            return True

    @contextmanager
    def _writer_lock(self):
        """Only one process writes the index at a time; the others wait their turn."""
        with open(self.directory / "indexer.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _index(self):
        if self._ix is None:
            if not index.exists_in(self.directory, indexname=INDEX_NAME):
                return None
            self._ix = index.open_dir(self.directory, indexname=INDEX_NAME)
        return self._ix

    # --- writing (the indexer only) -------------------------------------------------------

    def apply(self, upserts, removals) -> None:
        removals = list(removals)
        if not upserts and not removals:
            return
        with self._writer_lock():
            ix = self._index()
            if ix is None:
                ix = index.create_in(self.directory, make_schema(), indexname=INDEX_NAME)
                self._ix = ix
                self._version_file.write_text(str(SCHEMA_VERSION))
            writer = ix.writer()
            try:
                for product_id in removals:
                    writer.delete_by_term("id", str(product_id))
                for doc in upserts:
                    writer.update_document(**to_fields(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def optimize(self) -> None:
        """Merge the segments left by incremental commits (10 segments made queries 1.3–6× slower)."""
        with self._writer_lock():
            ix = self._index()
            if ix is not None:
                ix.optimize()

    def segment_count(self) -> int:
        ix = self._index()
        return 0 if ix is None else len(ix._segments())

    def rebuild(self, documents, progress=None) -> int:
        with self._writer_lock():
            schema_changed = self.needs_rebuild()
            if schema_changed:
                self.close()
                ix = index.create_in(self.directory, make_schema(), indexname=INDEX_NAME)
            else:
                ix = self._index()
            writer = ix.writer(limitmb=256)
            count = 0
            try:
                for doc in documents:
                    writer.add_document(**to_fields(doc))
                    count += 1
                    if progress is not None:
                        progress(1)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=CLEAR, optimize=True)
            self._version_file.write_text(str(SCHEMA_VERSION))
            self._ix = ix
            return count

    # --- reading ----------------------------------------------------------------------------

    @contextmanager
    def _searcher(self):
        """An idle searcher from the pool, or a new one when the index changed since it opened.

        Not Searcher.refresh(): in whoosh3 3.54.0 it keeps the readers of segments that a merge
        has replaced (FileIndex._reader extends the new segment list with the old ones), so
        after any merge every document is found twice. Reopening costs ~40 ms at 100k products,
        once per index change and pooled searcher.
        """
        ix = self._index()
        if ix is None:
            yield None
            return
        with self._pool_lock:
            searcher = self._pool.pop() if self._pool else None
        if searcher is not None and searcher.reader().generation() != ix.latest_generation():
            searcher.close()  # idle (it was in the pool): nobody else holds it
            searcher = None
        if searcher is None:
            searcher = ix.searcher()
        try:
            yield searcher
        finally:
            with self._pool_lock:
                self._pool.append(searcher)

    def _cache_for(self, searcher, ref) -> GenerationCache:
        cache = self._cache
        if cache is None or cache.generation != searcher.reader().generation() or \
                cache.extra_words != ref.words:
            cache = GenerationCache(searcher, cache, ref.words)
            cache.extra_words = ref.words
            self._cache = cache
        return cache

    def warm_up(self, ref) -> None:
        with self._searcher() as searcher:
            if searcher is None:
                return
            cache = self._cache_for(searcher, ref)
            cache.speller_for()
            for leaf, _ in searcher.reader().leaf_readers():
                for field in LENGTH_TEXT_FIELDS:
                    cache.field_lengths(leaf, field)

    def close(self) -> None:
        with self._pool_lock:
            for searcher in self._pool:
                searcher.close()
            self._pool.clear()
        self._cache = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def fingerprints(self) -> dict[int, str]:
        with self._searcher() as searcher:
            if searcher is None:
                return {}
            return {int(fields["id"]): fields["fingerprint"] for fields in searcher.reader().all_stored_fields()}

    # --- search -------------------------------------------------------------------------------

    def _text_query(self, text: str, ref, cache: GenerationCache):
        """(requirements or None, stems to highlight, corrected text or None).

        A document matches when it meets every requirement (a searched word or its synonyms); a
        requirement is a tuple of alternatives, each a tuple of index terms that must all be
        present: the query And(Or(And(word_query(w) for w in alternative) ...) ...), scored as
        Whoosh scores it (the sum of its parts' scores, see _text_scores).
        """
        words = folded_words(text)
        if not words:
            return None, frozenset(), None
        corrected, changed = [], False
        for word in words:
            known = word in cache.vocabulary or stem(word) in cache.stems or word in ref.synonym_words
            if not known and not word.isdigit():
                fix = cache.speller_for().correct(word)
                if fix is not None:
                    word, changed = fix, True
            corrected.append(word)
        requirements, stems = [], set()
        for alternatives in expand(corrected, ref.synonyms):
            requirements.append(tuple(tuple(stem(w) for w in alt) for alt in alternatives))
            stems.update(term for alternative in requirements[-1] for term in alternative)
        return requirements, frozenset(stems), " ".join(corrected) if changed else None

    @staticmethod
    def _text_scores(searcher, requirements, cache: GenerationCache) -> dict[int, float]:
        """{document: text score} of the documents that meet every requirement."""
        parts = []
        for alternatives in requirements:
            found = [_sum_common([cache.word_scores(searcher, term) for term in alternative])
                     for alternative in alternatives]
            parts.append(_sum_any(found))
        return _sum_common(parts)

    def search(self, query: SearchQuery, ref) -> SearchResults:
        with self._searcher() as searcher:
            if searcher is None:
                return SearchResults(query=query, total=0, hits=[])
            cache = self._cache_for(searcher, ref)
            requirements, stems, suggestion = self._text_query(query.text, ref, cache)
            distances = ref.communes_within(query.commune, query.radius_km) if query.commune else None

            filters, ranges = [], []
            if distances is not None and query.radius_km is not None:
                filters.append(cache.docs_in("commune", distances))
            for condition in conditions(query, ref):
                if isinstance(condition, Range):
                    ranges.append(condition)
                else:
                    filters.append(self._filter_docs(condition, searcher, cache))
            filters.sort(key=len)

            scores = None
            if requirements is not None:
                scores = self._text_scores(searcher, requirements, cache)
                matched = set(scores)
            else:
                matched = set(filters.pop(0)) if filters else set(cache.live)
            for docs in filters:
                matched &= docs
            for condition in ranges:  # only the price has ranges
                low = condition.low or 0
                high = condition.high if condition.high is not None else math.inf
                price = cache.price
                matched = {d for d in matched if low <= price[d] <= high}

            page_docs, page_scores = self._rank(query, scores, matched, cache, distances)
            hits = [self._hit(cache.stored_fields(searcher, d), d, cache, ref, distances, stems,
                              page_scores.get(d, 0.0)) for d in page_docs]
            return SearchResults(query=query, total=len(matched), hits=hits,
                                 facets=self._facets(matched, cache, ref, distances),
                                 suggestion=suggestion, corrected=suggestion is not None,
                                 price_counts=price_range_counts(Counter(map(cache.price.__getitem__, matched))))

    @staticmethod
    def _filter_docs(condition, searcher, cache) -> frozenset:
        """The documents meeting a filter's Equals or AnyOf condition (search.query.FILTERS)."""
        if condition.field in ("commune", "shop"):  # columns of the generation cache
            if isinstance(condition, AnyOf):
                return cache.docs_in(condition.field, condition.values)
            return cache.docs_by(condition.field, condition.value)
        field = FIELDS_OF_FILTERS[condition.field]
        values = condition.values if isinstance(condition, AnyOf) else (condition.value,)
        return frozenset().union(*(cache.docs_for_term(searcher, field, value) for value in values))

    def _rank(self, query, scores, matched, cache, distances):
        """The document numbers of the requested page, and their text scores (scores: of every
        document the text matches, None without text)."""
        start = (query.page - 1) * query.per_page
        end = start + query.per_page
        commune = cache.commune

        def distance(docnum):
            return distances.get(commune[docnum], math.inf) if distances else 0.0

        if query.sort == "price_asc":
            order = sorted(matched, key=lambda d: (cache.price[d], distance(d)))
            return order[start:end], {}
        if query.sort == "price_desc":
            order = sorted(matched, key=lambda d: (-cache.price[d], distance(d)))
            return order[start:end], {}
        if query.sort == "distance" or scores is None:
            order = sorted(matched, key=lambda d: (distance(d), cache.price[d]))
            return order[start:end], {}
        top = _best(scores, matched, max(TOP_SCORED, end))
        if distances:
            decayed = {d: scores[d] / (1.0 + distance(d) / DISTANCE_DECAY_KM) for d in top}
        else:
            decayed = {d: scores[d] for d in top}
        order = sorted(decayed, key=lambda d: (-decayed[d], d))
        return order[start:end], decayed

    def _hit(self, fields, docnum, cache, ref, distances, stems, score) -> Hit:
        commune = ref.communes.get(fields["commune"])
        distance = distances.get(fields["commune"]) if distances else None
        return Hit(
            id=int(fields["id"]), name=fields["name"], name_html=highlight(fields["name"], stems),
            price_cents=fields["price"], unit=fields.get("unit", ""), in_stock=fields["in_stock"],
            shop_slug=fields["shop"], shop_name=fields["shop_label"], commune_insee=fields["commune"],
            commune_name=commune.name if commune else "",
            latitude=commune.latitude if commune else None, longitude=commune.longitude if commune else None,
            distance_km=round(distance, 1) if distance is not None else None, score=score,
            image_key=fields.get("image_key"),
        )

    def _facets(self, matched, cache, ref, distances) -> dict:
        facets = {}
        for name, column, labels in (
            ("category", cache.category, lambda v: ref.categories[v].name if v in ref.categories else v),
            ("commune", cache.commune, lambda v: ref.communes[v].name if v in ref.communes else v),
            ("shop", cache.shop, lambda v: ref.shops[v].name if v in ref.shops else v),
        ):
            counts = Counter(map(column.__getitem__, matched))
            # Ties of count and label (two shops of the same name) by value: a stable order.
            top = sorted(counts.items(), key=lambda item: (-item[1], labels(item[0]), item[0]))[:FACET_SIZE]
            facets[name] = [FacetValue(value, labels(value), count) for value, count in top]
        return facets

    # --- completion ----------------------------------------------------------------------------

    def complete(self, text: str, limit: int) -> list[str]:
        words = folded_words(text)
        if not words or len(words[-1]) < 2:
            return []
        with self._searcher() as searcher:
            if searcher is None:
                return []
            reader = searcher.reader()
            expansions = []
            for term in reader.expand_prefix("spell", words[-1]):
                term = term.decode() if isinstance(term, bytes) else term
                expansions.append((reader.doc_frequency("spell", term), term))
                if len(expansions) >= 300:
                    break
            expansions = [term for _, term in sorted(expansions, reverse=True)[:15]]
            if not expansions:
                return []
            last = Or([word_query(term) for term in expansions])
            query = And([word_query(w) for w in words[:-1]] + [last]) if words[:-1] else last
            names = []
            for hit in searcher.search(query, limit=limit * 4):
                if hit["name"] not in names:
                    names.append(hit["name"])
                if len(names) == limit:
                    break
            return names
