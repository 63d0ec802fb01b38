"""A search as asked (SearchQuery, parsed and validated from URL arguments) and as answered
(SearchResults): the vocabulary shared by the HTML page, the JSON API and every backend."""
from dataclasses import dataclass, field, fields
from typing import Callable

from flask_babel import gettext

from marketplace.i18n import N_, lazy_gettext

SORTS = ("relevance", "distance", "price_asc", "price_desc")
RADII_KM = (5, 10, 20, 40)  # offered in the page; 0 or None: the whole territory
DEFAULT_RADIUS_KM = 20
# The price facet's ranges in cents (None: open end); bounds included, as the price filters take them.
PRICE_RANGES = ((None, 500), (500, 1000), (1000, 2000), (2000, 5000), (5000, None))
PRICE_RANGE_LABELS = dict(zip(PRICE_RANGES, (N_("Moins de 5 €"), N_("5 à 10 €"), N_("10 à 20 €"), N_("20 à 50 €"),
                                             N_("Plus de 50 €"))))  # translated by the page
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


class InvalidParameter(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    commune: str | None = None  # INSEE code of the resident's commune (origin of distances)
    radius_km: int | None = None  # None: the whole territory
    category: str | None = None  # category slug (its sub-categories included)
    commune_filter: str | None = None  # INSEE code: only products sold in this commune
    shop: str | None = None  # shop slug
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    in_stock: bool = False
    card: bool = False  # the shop accepts the territorial card
    open_now: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def but(self, **changes) -> "SearchQuery":
        """The same search with some parameters changed (back to page 1 unless given).

        A copy of the fields, as dataclasses.replace would make but four times faster (it re-runs
        __init__, which sets each field of a frozen instance through object.__setattr__): the
        search page makes one for each of its ~35 facet and page links."""
        unknown = changes.keys() - _QUERY_FIELDS
        if unknown:
            raise TypeError(f"SearchQuery has no field {', '.join(sorted(unknown))}")
        changed = object.__new__(SearchQuery)
        changed.__dict__.update(self.__dict__, **({"page": 1} | changes))
        return changed

    def url_args(self) -> dict:
        """URL arguments that reproduce this search (defaults left out, so URLs stay short)."""
        args = {
            "q": self.text or None,
            "commune": self.commune,
            "radius_km": (self.radius_km if self.radius_km is not None else 0) if self.commune else None,
            **{f.name: f.url_value(getattr(self, f.name)) for f in FILTERS},
            "sort": self.sort if self.sort != "relevance" else None,
            "page": self.page if self.page != 1 else None,
            "per_page": self.per_page if self.per_page != DEFAULT_PER_PAGE else None,
        }
        return {key: value for key, value in args.items() if value is not None}


_QUERY_FIELDS = frozenset(f.name for f in fields(SearchQuery))


@dataclass
class Hit:
    id: int
    name: str
    name_html: str  # the name with the matching words in <mark>
    price_cents: int
    unit: str
    in_stock: bool
    shop_slug: str
    shop_name: str
    commune_insee: str
    commune_name: str
    latitude: float | None
    longitude: float | None
    distance_km: float | None
    score: float = 0.0
    image_key: str | None = None


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchResults:
    query: SearchQuery
    total: int
    hits: list
    facets: dict = field(default_factory=dict)  # "category" | "commune" | "shop" -> [FacetValue]
    suggestion: str | None = None  # "Vouliez-vous dire …": the query with its typos corrected
    corrected: bool = False  # the hits are those of the suggestion (the words as typed found nothing)
    price_counts: dict = field(default_factory=dict)  # (low, high) of PRICE_RANGES -> matches in it
    businesses: list = field(default_factory=list)  # search.businesses.BusinessHit: artisans, services…

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


# The settings of a search in the resident's words, for the messages about a bad value (the
# filters' are their labels): these values come from old links or edited URLs, never from the form.
SETTING_LABELS = {"radius_km": lazy_gettext("Rayon (km)"), "page": lazy_gettext("Page"),
                  "per_page": lazy_gettext("Résultats par page"),
                  "min_price_cents": lazy_gettext("Prix minimum (en centimes)"),
                  "max_price_cents": lazy_gettext("Prix maximum (en centimes)")}


def _setting(name: str) -> str:
    """The setting's name for a message, capitalized: « Rayon (km) », « Prix minimum »."""
    label = str(SETTING_LABELS.get(name) or next(f.label for f in FILTERS if f.name == name))
    return label[:1].upper() + label[1:]


def _integer(args, name: str, minimum: int, maximum: int) -> int | None:
    raw = (args.get(name) or "").strip()
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(name, gettext("%(setting)s : indiquez un nombre entier.",
                                             setting=_setting(name))) from None
    if not minimum <= value <= maximum:
        raise InvalidParameter(name, gettext("%(setting)s : indiquez un nombre de %(minimum)s à %(maximum)s.",
                                             setting=_setting(name), minimum=minimum, maximum=maximum))
    return value


def _flag(args, name: str) -> bool:
    raw = (args.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "non"):
        return False
    if raw in ("1", "true", "oui", "on"):
        return True
    raise InvalidParameter(name, gettext("%(setting)s : indiquez oui ou non.", setting=_setting(name)))


# --- the filters -------------------------------------------------------------------------------
# A filter narrows the matches by a condition on a field of the search documents: "commune"
# (INSEE code), "shop" (slug), "category" (slug; its sub-categories included), "in_stock", "card"
# and "price" (cents). Each backend applies each kind of condition to each field once
# (WhooshBackend._filter_docs, PostgresBackend._filter_sql); the URL, the page's form, its
# "Sans le filtre" links and the API read FILTERS. A new filter on an existing field is one entry.

@dataclass(frozen=True)
class Equals:
    field: str
    value: object


@dataclass(frozen=True)
class AnyOf:
    field: str
    values: frozenset


@dataclass(frozen=True)
class Range:
    field: str
    low: int | None
    high: int | None


@dataclass(frozen=True)
class Filter:
    name: str  # the URL argument and the SearchQuery field
    label: object  # lazy text: "Sans le filtre « … »", the active filters' count
    parse: Callable  # (args, ref) -> the value, or `off`; raises InvalidParameter
    condition: Callable  # (value, ref) -> Equals | AnyOf | Range
    checkbox: str | None = None  # a yes/no filter offered as a checkbox in the form: its text (N_)
    url_value: Callable = lambda value: value

    @property
    def off(self):
        """The value of the filter when it is not asked for."""
        return False if self.checkbox is not None else None

    def is_on(self, query: "SearchQuery") -> bool:
        return getattr(query, self.name) != self.off


def _checked(name: str):
    return lambda args, ref: _flag(args, name)


def _parse_category(args, ref):
    category = (args.get("category") or "").strip() or None
    if category and category not in ref.categories:
        category = _merged_category_slug(category)  # a search shared before its category was merged
    if category and category not in ref.categories:
        raise InvalidParameter("category", gettext("Catégorie inconnue : « %(category)s ».", category=category))
    return category


def _parse_commune_filter(args, ref):
    commune = (args.get("commune_filter") or "").strip() or None
    if commune and commune not in ref.communes:
        raise InvalidParameter("commune_filter", gettext("Commune inconnue : « %(commune)s ».", commune=commune))
    return commune


def _parse_shop(args, ref):
    shop = (args.get("shop") or "").strip() or None
    if shop and (shop not in ref.shops or not ref.shops[shop].public):
        raise InvalidParameter("shop", gettext("Commerce inconnu : « %(shop)s ».", shop=shop))
    return shop


def _price(name: str):
    return lambda args, ref: _integer(args, name, 0, 100_000_000)


def _flag_url(value: bool):
    return 1 if value else None


FILTERS = (
    Filter("category", lazy_gettext("catégorie"), _parse_category,
           lambda slug, ref: Equals("category", slug)),
    Filter("commune_filter", lazy_gettext("commune"), _parse_commune_filter,
           lambda insee, ref: Equals("commune", insee)),
    Filter("shop", lazy_gettext("commerce"), _parse_shop, lambda slug, ref: Equals("shop", slug)),
    Filter("min_price_cents", lazy_gettext("prix minimum"), _price("min_price_cents"),
           lambda cents, ref: Range("price", cents, None)),
    Filter("max_price_cents", lazy_gettext("prix maximum"), _price("max_price_cents"),
           lambda cents, ref: Range("price", None, cents)),
    Filter("in_stock", lazy_gettext("en stock"), _checked("in_stock"), lambda on, ref: Equals("in_stock", True),
           checkbox=N_("En stock"), url_value=_flag_url),
    Filter("card", lazy_gettext("carte du territoire"), _checked("card"), lambda on, ref: Equals("card", True),
           checkbox=N_("Carte du territoire acceptée"), url_value=_flag_url),
    Filter("open_now", lazy_gettext("ouvert maintenant"), _checked("open_now"),
           lambda on, ref: AnyOf("shop", frozenset(ref.open_shop_slugs())),
           checkbox=N_("Ouvert maintenant"), url_value=_flag_url),
)
CHECKBOX_FILTERS = tuple(f for f in FILTERS if f.checkbox is not None)
VALUE_FILTERS = tuple(f for f in FILTERS if f.checkbox is None)  # carried by hidden inputs in the form


def conditions(query: "SearchQuery", ref) -> list:
    """The conditions of the filters the query asks for, for a backend to apply."""
    return [f.condition(getattr(query, f.name), ref) for f in FILTERS if f.is_on(query)]


def parse_search_args(args, ref, default_commune: str | None = None) -> SearchQuery:
    """Validate URL arguments against the territory's reference data (search.reference)."""
    text = (args.get("q") or "").strip()
    if len(text) > 200:
        raise InvalidParameter("q", gettext("La recherche est limitée à 200 caractères."))
    commune = (args.get("commune") or "").strip() or default_commune
    if commune and commune not in ref.communes:
        raise InvalidParameter("commune", gettext("Commune inconnue : « %(commune)s » (code INSEE attendu).",
                                                       commune=commune))
    radius = _integer(args, "radius_km", 0, 1000)
    if radius is None and commune:
        radius = DEFAULT_RADIUS_KM
    if radius is not None and not commune:
        if "radius_km" in args and radius:
            raise InvalidParameter("radius_km", gettext("%(setting)s : choisissez d'abord une commune.",
                                                        setting=_setting("radius_km")))
    filters = {f.name: f.parse(args, ref) for f in FILTERS}
    low, high = filters["min_price_cents"], filters["max_price_cents"]
    if low is not None and high is not None and low > high:
        raise InvalidParameter("max_price_cents", gettext("Le prix maximum est inférieur au prix minimum."))
    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        raise InvalidParameter("sort", gettext("Tri inconnu : indiquez %(sorts)s.", sorts=", ".join(SORTS)))
    if sort == "distance" and not commune:
        raise InvalidParameter("sort", gettext("Le tri par distance demande une commune (« commune »)."))
    page = _integer(args, "page", 1, 10_000) or 1
    per_page = _integer(args, "per_page", 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE
    return SearchQuery(text=text, commune=commune or None, radius_km=radius or None if commune else None,
                       sort=sort, page=page, per_page=per_page, **filters)


def _merged_category_slug(slug: str) -> str:
    """The slug of the category a merged one now lives in (itself when it was never merged)."""
    from marketplace.extensions import db
    from marketplace.taxonomy import merged_into

    successor = merged_into(db.session, slug)
    return successor.slug if successor else slug


def in_price_range(price_cents: int, low: int | None, high: int | None) -> bool:
    return (low is None or price_cents >= low) and (high is None or price_cents <= high)


def price_range_counts(counts_by_price: dict) -> dict:
    """{(low, high): matches} for PRICE_RANGES, from {price in cents: matches at that price}."""
    return {(low, high): sum(n for price, n in counts_by_price.items() if in_price_range(price, low, high))
            for low, high in PRICE_RANGES}
