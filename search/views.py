"""The search page (rendered for public.search) and the admin pages of search."""
from functools import lru_cache
from urllib.parse import quote, urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired

import search
from marketplace.access import ADMIN, access
from marketplace.extensions import db
from marketplace.i18n import N_, lazy_gettext
from marketplace.territory import current_commune
from search.models import SynonymGroup
from search.query import (CHECKBOX_FILTERS, FILTERS, PRICE_RANGE_LABELS, RADII_KM, SORTS, VALUE_FILTERS,
                          InvalidParameter, SearchQuery, parse_search_args)
from search.unmet import unmet_report

FILTERS_BY_NAME = {each.name: each for each in FILTERS}
# Translated by the page (its _() is a dictionary look-up, a lazy text's costs ten times more).
SORT_LABELS = {"relevance": N_("Pertinence"), "distance": N_("Distance"),
               "price_asc": N_("Prix croissant"), "price_desc": N_("Prix décroissant")}


def _parse(args, ref, default_commune):
    """Parse the page's arguments; a bad one (an old link, an edited URL) is dropped with a message
    instead of failing. A bad sort is dropped silently: the page's "Trier par" shows the one applied."""
    args = args.to_dict()
    for _ in range(len(args) + 1):
        try:
            return parse_search_args(args, ref, default_commune)
        except InvalidParameter as error:
            if error.parameter != "sort":
                flash(error.message, "error")
            args.pop(error.parameter, None)
            if error.parameter == "commune":
                default_commune = None
    return parse_search_args({}, ref, None)


def _alternatives(query):
    """For an empty result: a wider radius and the filters to drop, with what they would find."""
    options = []
    if query.commune and query.radius_km is not None:
        wider = [r for r in RADII_KM if r > query.radius_km] + [None]
        for radius in wider:
            candidate = query.but(radius_km=radius)
            total = search.search(candidate, record_unmet=False).total
            if total:
                label = (gettext("Élargir à %(km)s km", km=radius) if radius
                         else gettext("Chercher dans tout le territoire"))
                options.append((label, candidate, total))
                break
    for each in FILTERS:
        if each.is_on(query):
            candidate = query.but(**{each.name: each.off})
            total = search.search(candidate, record_unmet=False).total
            if total:
                options.append((gettext("Sans le filtre « %(filter)s »", filter=each.label), candidate, total))
    return options


@lru_cache(maxsize=100)
def _link_prefixes(script_root: str) -> tuple:
    """The beginnings of the page's links as url_for writes them for the current request, whose
    script root (the site's path prefix) is `script_root`: the key they depend on."""
    return (url_for("public.search"), url_for("public.product", product_id=0).removesuffix("0"),
            url_for("public.shop", slug="-").removesuffix("-"),
            tuple(url_for("public.media", size="thumb", key="0" * 64).split("0" * 64)))


class PageLinks:
    """The page's links, as url_for writes them. A page of results holds about a hundred (results,
    their shops, facets, pages) and url_for costs 7 to 15 µs a call: each endpoint's URL is built
    once per script root by url_for and completed here with Werkzeug's own escaping, each URL
    argument encoded once per process (tests/search/test_api_and_pages.py compares them with
    url_for's). The lists (results, facet values, price ranges) get theirs in one call: a call from
    the template costs as much as the link."""
    PATH_SEGMENT_SAFE = "!$&'()*+,/:;=@"  # werkzeug.routing.BaseConverter.to_url
    QUERY_SAFE = "!$'()*,/:;?@"  # werkzeug.urls._urlencode

    def __init__(self):
        self._search, self._product, self._shop, self._image = _link_prefixes(request.script_root)

    def search(self, query: SearchQuery, **changes) -> str:
        """The link to `query`, or with `changes` to query.but(**changes) (so page 1 unless given)."""
        return self._link((query.but(**changes) if changes else query).url_args())

    def _link(self, args: dict) -> str:
        if not args:
            return self._search
        return f"{self._search}?{'&'.join(_encoded_pair(*item) for item in args.items())}"

    def choices(self, query: SearchQuery, name: str, values) -> list[tuple]:
        """(facet value, link to `query` filtered on it) for each value. The links differ only by
        the value of `name` (a filter whose URL argument is its name, never left out for a facet's
        value): the query's other arguments are computed once, for the first value."""
        values = list(values)
        if not values:
            return []
        args = query.but(**{name: values[0].value}).url_args()
        if name not in args:  # not a value the link carries: each link on its own
            return [(value, self.search(query, **{name: value.value})) for value in values]
        url_value = FILTERS_BY_NAME[name].url_value
        pairs = [_encoded_pair(*item) for item in args.items()]
        at = list(args).index(name)  # the value's place in the URL, the same for every value
        before, after = "&".join(pairs[:at]), "&".join(pairs[at + 1:])
        links = []
        for value in values:
            parts = (before, _encoded_pair(name, url_value(value.value)), after)
            links.append((value, f"{self._search}?{'&'.join(part for part in parts if part)}"))
        return links

    def price_choices(self, query: SearchQuery, counts: dict) -> list[tuple]:
        """(label, matches, link, chosen) of the price ranges offered: the chosen one, its link
        taking the price filter off, and those holding matches, their link filtering on them."""
        choices = []
        for (low, high), label in PRICE_RANGE_LABELS.items():
            chosen = query.min_price_cents == low and query.max_price_cents == high
            count = counts.get((low, high), 0)
            if chosen or count:
                link = self.search(query, min_price_cents=None if chosen else low,
                                   max_price_cents=None if chosen else high)
                choices.append((label, count, link, chosen))
        return choices

    def results(self, hits) -> list[tuple]:
        """(hit, link to its product, link to its shop, its thumbnail or None) for each hit."""
        return [(hit, self.product(hit.id), self.shop(hit.shop_slug), hit.image_key and self.image(hit.image_key))
                for hit in hits]

    def product(self, product_id: int) -> str:
        return f"{self._product}{int(product_id)}"

    def image(self, key: str) -> str:
        """The thumbnail of a photo (keys are hex digests: nothing to escape)."""
        return key.join(self._image)

    def shop(self, slug: str) -> str:
        return self._shop + _path_segment(slug)


@lru_cache(maxsize=10_000)  # the territory's shops: each page links to several
def _path_segment(value: str) -> str:
    return quote(value, safe=PageLinks.PATH_SEGMENT_SAFE)


# typed: 1 and True are equal keys, not equal arguments.
@lru_cache(maxsize=20_000, typed=True)  # the same sorts, filters, pages and often words, page after page
def _encoded_pair(name: str, value) -> str:
    """A URL argument as encoded for links, shared by the pages."""
    return urlencode(((name, value),), safe=PageLinks.QUERY_SAFE)


def _business_cards(results) -> list:
    """(hit, shop, opening status) of the businesses found: the page shows their contact and hours."""
    from marketplace.models import Shop
    from marketplace.shops import opening_status

    if results is None or not results.businesses:
        return []
    shops = {shop.id: shop for shop in db.session.scalars(
        db.select(Shop).where(Shop.id.in_([hit.id for hit in results.businesses])))}
    return [(hit, shops[hit.id], opening_status(shops[hit.id])) for hit in results.businesses if hit.id in shops]


def render_search_page():
    ref = search.reference_data()
    commune = current_commune()
    query = _parse(request.args, ref, commune.insee if commune else None)
    asked = bool(query.text or query.category or query.shop or query.commune_filter)
    results = search.search(query) if asked else None
    if results is not None and query.page > results.pages:
        return redirect(PageLinks().search(query, page=results.pages))  # an old link past the last page
    alternatives = _alternatives(query) if results is not None and results.total == 0 else []
    links = PageLinks()
    # Nothing asked yet: the territory's top categories to start from (reference data, no SQL).
    browse = [(category, links.search(query, category=category.slug)) for category in ref.top_categories] \
        if results is None else []
    shops_on_map = {}
    for hit in results.hits if results else []:
        if hit.latitude is not None:
            shops_on_map.setdefault(hit.shop_slug, {
                "name": hit.shop_name, "commune": hit.commune_name, "lat": hit.latitude,
                "lon": hit.longitude, "url": links.shop(hit.shop_slug), "products": 0})
            shops_on_map[hit.shop_slug]["products"] += 1
    return render_template(
        "search/page.html", query=query, results=results, ref=ref, businesses=_business_cards(results),
        origin=ref.communes.get(query.commune) if query.commune else None,
        radii=RADII_KM, sorts=[(s, SORT_LABELS[s]) for s in SORTS], alternatives=alternatives, browse=browse,
        shops_on_map=list(shops_on_map.values()), links=links, value_filters=VALUE_FILTERS,
        checkbox_filters=CHECKBOX_FILTERS, active_filters=sum(f.is_on(query) for f in FILTERS),
    )


# --- admin ------------------------------------------------------------------------------------

admin_bp = Blueprint("search_admin", __name__, url_prefix="/admin/recherche")


class SynonymForm(FlaskForm):
    terms = StringField(lazy_gettext("Synonymes"),
                        validators=[DataRequired(lazy_gettext("Tapez au moins deux expressions."))],
                        render_kw={"placeholder": "pull, chandail, tricot"})


@admin_bp.route("/", methods=["GET", "POST"])
@access(ADMIN)
def synonyms():
    from search.synonyms import parse_group

    form = SynonymForm()
    if form.validate_on_submit():
        try:
            terms = parse_group(form.terms.data)
        except ValueError as error:
            form.terms.errors.append(str(error))
        else:
            db.session.add(SynonymGroup(terms=terms))
            db.session.commit()
            search.invalidate_reference()
            flash(gettext("Synonymes ajoutés : %(terms)s.", terms=terms), "success")
            return redirect(url_for("search_admin.synonyms"))
    groups = db.session.execute(select(SynonymGroup).order_by(SynonymGroup.terms)).scalars().all()
    unmet = unmet_report(limit=50)
    return render_template("search/admin.html", form=form, groups=groups, unmet=unmet)


@admin_bp.route("/synonymes/<int:group_id>/supprimer", methods=["POST"])
@access(ADMIN)
def delete_synonyms(group_id: int):
    group = db.get_or_404(SynonymGroup, group_id)
    db.session.delete(group)
    db.session.commit()
    search.invalidate_reference()
    flash(gettext("Synonymes supprimés : %(terms)s.", terms=group.terms), "success")
    return redirect(url_for("search_admin.synonyms"))


@admin_bp.route("/synonymes/par-defaut", methods=["POST"])
@access(ADMIN)
def default_synonyms():
    from search.synonyms import install_defaults

    added = install_defaults(db.session)
    search.invalidate_reference()
    flash(gettext("%(count)s groupes de synonymes ajoutés.", count=added) if added
          else gettext("La liste n'est pas vide : rien n'a été ajouté."), "success" if added else "info")
    return redirect(url_for("search_admin.synonyms"))
