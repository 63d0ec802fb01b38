"""The small tables a search needs on every request, kept in memory: communes (with their
coordinates), shops, categories and synonyms.

They hold hundreds to a few thousand rows and change rarely, so each process reloads them at
most every SEARCH_CACHE_SECONDS (0 under test: always fresh) or when told to (`invalidate`).
"""
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from flask import current_app
from sqlalchemy import select

from marketplace.extensions import db
from marketplace import opening_hours
from marketplace.models import Category, Commune, Shop, ShopClosure
from marketplace.territory import EARTH_RADIUS_KM, haversine_km
from search.analysis import folded_words
from search.businesses import BusinessInfo, Businesses
from search.models import SynonymGroup



@dataclass(frozen=True)
class CommuneInfo:
    insee: str
    name: str
    slug: str
    latitude: float
    longitude: float
    population: int


@dataclass(frozen=True)
class ShopInfo:
    id: int
    slug: str
    name: str
    commune_insee: str
    accepts_card: bool
    opening_hours: dict
    public: bool
    closures: tuple = ()  # (first day, last day) of the closures that are not over


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    slug: str
    name: str
    parent_id: int | None
    path: tuple  # slugs from the root down to this category
    position: int = 0  # among its siblings, as the admin ordered them


@dataclass
class Reference:
    communes: dict = field(default_factory=dict)  # insee -> CommuneInfo
    shops: dict = field(default_factory=dict)  # slug -> ShopInfo
    categories: dict = field(default_factory=dict)  # slug -> CategoryInfo
    synonyms: list = field(default_factory=list)  # [[("pull",), ("chandail",)], …] folded words
    loaded_at: float = 0.0
    words: frozenset = frozenset()  # folded words of the names of categories, shops, communes
    businesses: Businesses = field(default_factory=Businesses)  # without a catalogue (search.businesses)
    _reach: dict = field(default_factory=dict)

    @cached_property
    def synonym_words(self) -> frozenset:
        """Every folded word of the synonym groups: a word a group knows is no typo to correct."""
        return frozenset(w for group in self.synonyms for expression in group for w in expression)

    @cached_property
    def top_categories(self) -> tuple:
        """The categories at the root of the taxonomy, in the admin's order: where an empty search starts."""
        return tuple(sorted((c for c in self.categories.values() if c.parent_id is None),
                            key=lambda c: (c.position, c.name)))

    def communes_within(self, insee: str, radius_km: float | None) -> dict[str, float]:
        """{INSEE code: distance in km} of the communes within the radius (all when None)."""
        key = (insee, radius_km)
        if key not in self._reach:
            origin = self.communes[insee]
            candidates = self.communes.values() if radius_km is None else _in_box(self.communes.values(), origin,
                                                                                  radius_km)
            distances = {c.insee: haversine_km(origin.latitude, origin.longitude, c.latitude, c.longitude)
                         for c in candidates}
            self._reach[key] = {
                code: d for code, d in distances.items() if radius_km is None or d <= radius_km
            }
        return self._reach[key]

    def open_shop_slugs(self, at: datetime | None = None) -> set[str]:
        """Shops open at a moment (now, in the territory's time zone), exceptional closures included."""
        at = opening_hours.local_time(at)
        return {shop.slug for shop in self.shops.values()
                if opening_hours.is_open_at(shop.opening_hours, shop.closures, at)}


def _in_box(communes, origin: CommuneInfo, radius_km: float):
    """The communes inside the latitude/longitude box around `origin` that holds every point within
    `radius_km` of it: the distance is then computed for a few dozen communes, not the hundreds of
    a département (1.5 ms, paid by each commune's first radius search). On a sphere, a point
    within angular distance δ lies within δ of latitude and asin(sin δ / cos φ) of longitude."""
    delta = radius_km / EARTH_RADIUS_KM
    lat_margin = math.degrees(delta) + 1e-9
    cos_lat = math.cos(math.radians(origin.latitude))
    lon_margin = 180.0 if delta >= math.pi / 2 or math.sin(delta) >= cos_lat else (
        math.degrees(math.asin(math.sin(delta) / cos_lat)) + 1e-9)
    return [c for c in communes
            if abs(c.latitude - origin.latitude) <= lat_margin
            and abs((c.longitude - origin.longitude + 180.0) % 360.0 - 180.0) <= lon_margin]


_lock = threading.Lock()
_cache: dict[str, Reference] = {}


def reference_data() -> Reference:
    """The reference data of the current app, reloaded when older than the cache lifetime."""
    app = current_app._get_current_object()
    lifetime = app.config.get("SEARCH_CACHE_SECONDS", 0 if app.testing else 30)
    key = app.import_name + str(id(app))
    cached = _cache.get(key)
    if cached is None or time.monotonic() - cached.loaded_at > lifetime:
        with _lock:
            cached = _load()
            _cache[key] = cached
    return cached


def invalidate() -> None:
    _cache.clear()


def _load() -> Reference:
    ref = Reference(loaded_at=time.monotonic())
    for c in db.session.execute(select(Commune)).scalars():
        ref.communes[c.insee] = CommuneInfo(c.insee, c.name, c.slug, c.latitude, c.longitude, c.population)
    rows = db.session.execute(
        select(Shop.id, Shop.slug, Shop.name, Shop.commune_insee, Shop.accepts_card,
               Shop.opening_hours, Shop.status)
    ).all()
    closures: dict[int, list] = {}
    yesterday = opening_hours.local_time().date() - timedelta(days=1)
    for closure in db.session.execute(select(ShopClosure.shop_id, ShopClosure.starts_on, ShopClosure.ends_on)
                                      .where(ShopClosure.ends_on >= yesterday)):
        closures.setdefault(closure.shop_id, []).append((closure.starts_on, closure.ends_on))
    for row in rows:
        ref.shops[row.slug] = ShopInfo(row.id, row.slug, row.name, row.commune_insee, row.accepts_card,
                                       row.opening_hours or {}, row.status == "approved",
                                       tuple(closures.get(row.id, ())))
    categories = {c.id: c for c in db.session.execute(select(Category)).scalars()}
    for c in categories.values():
        path, node = [], c
        while node is not None:
            path.insert(0, node.slug)
            node = categories.get(node.parent_id)
        ref.categories[c.slug] = CategoryInfo(c.id, c.slug, c.name, c.parent_id, tuple(path), c.position)
    for shop in db.session.execute(select(Shop).where(Shop.kind == "services", Shop.status == "approved")).scalars():
        category = categories[shop.category_id]
        parent = categories.get(category.parent_id)
        ref.businesses.add(BusinessInfo.of(shop, f"{category.name} {parent.name if parent else ''}"))
    names = [c.name for c in ref.communes.values()] + [c.name for c in ref.categories.values()]
    names += [shop.name for shop in ref.shops.values() if shop.public]
    ref.words = frozenset(word for name in names for word in folded_words(name))
    for group in db.session.execute(select(SynonymGroup)).scalars():
        expressions = [tuple(folded_words(e)) for e in group.expressions]
        expressions = [e for e in expressions if e]
        if len(expressions) > 1:
            ref.synonyms.append(expressions)
    return ref
