"""Businesses without a catalogue in the search (issue 22): an artisan, a service or a small
industry is found by what it does (its name, keywords, services, activity, presentation), next to
the products, with its distance. One matcher for both backends: such businesses are few (tens),
the reference data holds them (search.reference), and they are matched with the products' French
analysis (search.analysis: stop words, folded accents, stems) and typo budget (search.spelling)."""
from dataclasses import dataclass, field

from search.analysis import folded_words, stem
from search.spelling import Speller

MAX_SHOWN = 4  # above the products, on the first page
# What a searched word weighs where it is found: what the business is called or says it does
# counts more than a word of its presentation.
WEIGHTS = (("name", 3), ("keywords", 3), ("services", 2), ("activity", 1), ("description", 1))
# Filters on products only (a business has no price, stock or category of products): with one of
# them on, no business is shown.
PRODUCT_FILTERS = ("category", "shop", "min_price_cents", "max_price_cents", "in_stock")


@dataclass(frozen=True)
class BusinessInfo:
    id: int
    slug: str
    name: str
    commune_insee: str
    services: tuple  # one line each, as the business wrote them
    accepts_card: bool
    area_radius_km: int | None
    area_communes: frozenset
    stems: tuple  # ((weight, frozenset of stems), …), one per field of WEIGHTS
    service_stems: tuple  # frozenset of stems per service line
    words: frozenset  # its folded words (the typo correction's vocabulary)

    @classmethod
    def of(cls, shop, activity: str) -> "BusinessInfo":
        texts = {"name": shop.name, "keywords": shop.keywords, "services": shop.services, "activity": activity,
                 "description": shop.description}
        return cls(shop.id, shop.slug, shop.name, shop.commune_insee, tuple(shop.service_list), shop.accepts_card,
                   shop.area_radius_km, frozenset(shop.area_communes or ()),
                   tuple((weight, _stems(texts[name])) for name, weight in WEIGHTS),
                   tuple(_stems(line) for line in shop.service_list),
                   frozenset(w for text in texts.values() for w in folded_words(text or "")))

    def weight(self, term: str) -> int:
        return max((weight for weight, stems in self.stems if term in stems), default=0)

    def serves(self, origin: str, reach: dict, distance_km: float | None) -> bool:
        """In the resident's reach, or the resident in the area it serves."""
        return (self.commune_insee in reach or origin in self.area_communes
                or (self.area_radius_km is not None and distance_km is not None
                    and distance_km <= self.area_radius_km))


def _stems(text: str) -> frozenset:
    return frozenset(s for s in (stem(w) for w in folded_words(text or "")) if s)


@dataclass
class Businesses:
    """The reference data's businesses by slug, and the vocabulary their words make."""

    by_slug: dict = field(default_factory=dict)
    _speller: Speller | None = None
    _known: frozenset | None = None  # every stem of their words

    def add(self, info: BusinessInfo) -> None:
        self.by_slug[info.slug] = info
        self._known = self._speller = None

    def terms(self, words: list[str], correct: bool) -> list[str]:
        """The stems to look for; with `correct`, a word no business has is corrected within the
        typo budget."""
        if self._known is None:
            self._known = frozenset(term for info in self.by_slug.values() for _, stems in info.stems for term in stems)
        known = self._known
        terms = []
        for word in words:
            term = stem(word)
            if correct and term and term not in known:
                fix = self.speller().correct(word)
                term = stem(fix) if fix else term
            if term:
                terms.append(term)
        return terms

    def speller(self) -> Speller:
        if self._speller is None:
            vocabulary: dict[str, int] = {}
            for info in self.by_slug.values():
                for word in info.words:
                    vocabulary[word] = vocabulary.get(word, 0) + 1
            self._speller = Speller(vocabulary)
        return self._speller


@dataclass
class BusinessHit:
    id: int
    slug: str
    name: str
    commune_insee: str
    commune_name: str
    distance_km: float | None
    services: list  # the services the words match first, then the others
    score: int


def find(query, ref, correct: bool = False) -> list:
    """The businesses whose words hold every searched word (with `correct`, typos corrected), in
    the resident's reach (or serving the resident's commune), best first then nearest; none past
    the first page or with a products-only filter on."""
    words = folded_words(query.text)
    if not words or query.page != 1 or not ref.businesses.by_slug:
        return []
    if any(getattr(query, name) not in (None, False) for name in PRODUCT_FILTERS):
        return []
    terms = ref.businesses.terms(words, correct)
    if not terms:
        return []
    reach = ref.communes_within(query.commune, query.radius_km) if query.commune else None
    distances = ref.communes_within(query.commune, None) if query.commune else {}
    open_now = ref.open_shop_slugs() if query.open_now else None
    hits = []
    for info in ref.businesses.by_slug.values():
        distance = distances.get(info.commune_insee)
        if (query.commune_filter and info.commune_insee != query.commune_filter
                or query.card and not info.accepts_card
                or open_now is not None and info.slug not in open_now
                or reach is not None and not info.serves(query.commune, reach, distance)):
            continue
        weights = [info.weight(term) for term in terms]
        if not all(weights):
            continue
        matching = [line for line, stems in zip(info.services, info.service_stems) if stems & set(terms)]
        commune = ref.communes.get(info.commune_insee)
        hits.append(BusinessHit(info.id, info.slug, info.name, info.commune_insee, commune.name if commune else "",
                                distance, matching + [line for line in info.services if line not in matching],
                                sum(weights)))
    hits.sort(key=lambda hit: (-hit.score, hit.distance_km if hit.distance_km is not None else 0, hit.name))
    return hits[:MAX_SHOWN]
