"""What search engines read: robots.txt (the public pages; not the back offices, the private links
or the search results, which are endless variations of the catalogue) and the sitemaps listing
every public page, so that a shop's products are found from a web search without anyone
submitting them.

The sitemap is an index of files of at most SITEMAP_URLS addresses (the protocol allows 50,000):
the territory's pages, the shops, then the products in slices of their ids, so that a region's
million products is some twenty files, each one query. Every address is absolute, on PUBLIC_URL.
"""
from flask import Response, abort, current_app, render_template
from sqlalchemy import func, select

from marketplace.access import PUBLIC, access
from marketplace.extensions import db
from marketplace.models import Association, Category, Commune, Product, Shop
from marketplace.models.shops import public_product_clause
from marketplace.public.blueprint import bp
from marketplace.urls import public_url_for

SITEMAP_URLS = 40_000  # addresses per sitemap file (SITEMAP_URLS in the app's config overrides it)
# Back offices, private links (a gift card's, an invitation's, a payment's), the cart, the API and
# the search results: nothing there for a search engine.
NOT_CRAWLED = ("/admin/", "/api/", "/boutique/", "/caisse/", "/carte-cadeau/", "/carte/", "/commandes/",
               "/commune-gestion/", "/compte/", "/consigne/", "/entreprise/", "/guichet/", "/panier", "/stripe/",
               "/union/", "/recherche", "/connexion", "/deconnexion", "/inscription", "/mot-de-passe-oublie",
               "/reinitialiser/", "/adresse-email/", "/invitation-commune/", "/invitation-union/", "/ma-commune",
               "/produits/*/signaler", "/metrics", "/readyz", "/healthz")
PAGES = ("public.home", "territory_stats.headline", "gifts.buy", "union.public_list", "public.legal_notice",
         "public.privacy", "public.terms")
CACHE_SECONDS = 3600


def _cached(response: Response) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response


def _sitemap(urls: list[tuple[str, str | None]]) -> Response:
    return _cached(Response(render_template("public/sitemap.xml", urls=urls), mimetype="application/xml"))


def _slice_size() -> int:
    return current_app.config.get("SITEMAP_URLS", SITEMAP_URLS)


def _product_slices() -> int:
    return (db.session.scalar(select(func.max(Product.id))) or 0) // _slice_size() + 1


@bp.route("/robots.txt")
@access(PUBLIC)
def robots():
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in NOT_CRAWLED),
             f"Sitemap: {public_url_for('public.sitemap_index')}"]
    return _cached(Response("\n".join(lines) + "\n", mimetype="text/plain"))


@bp.route("/sitemap.xml")
@access(PUBLIC)
def sitemap_index():
    files = [public_url_for("public.sitemap", section=section) for section in ("pages", "commerces")]
    files += [public_url_for("public.sitemap_products", part=n) for n in range(1, _product_slices() + 1)]
    return _cached(Response(render_template("public/sitemap_index.xml", files=files), mimetype="application/xml"))


@bp.route("/sitemaps/<any(pages, commerces):section>.xml")
@access(PUBLIC)
def sitemap(section: str):
    """The territory's own pages, its communes, categories and unions; or its approved shops."""
    if section == "commerces":
        return _sitemap([(public_url_for("public.shop", slug=slug), None) for slug in db.session.scalars(
            select(Shop.slug).where(Shop.status == "approved").order_by(Shop.id))])
    urls = [public_url_for(endpoint) for endpoint in PAGES]
    urls += [public_url_for("public.commune", slug=slug)
             for slug in db.session.scalars(select(Commune.slug).order_by(Commune.name))]
    urls += [public_url_for("public.category", slug=slug)
             for slug in db.session.scalars(select(Category.slug).order_by(Category.position, Category.name))]
    urls += [public_url_for("union.public_page", slug=slug)
             for slug in db.session.scalars(select(Association.slug).order_by(Association.name))]
    return _sitemap([(url, None) for url in urls])


@bp.route("/sitemaps/produits-<int:part>.xml")
@access(PUBLIC)
def sitemap_products(part: int):
    """The public products whose ids fall in slice `part` (1: the first SITEMAP_URLS ids…), with the
    day each last changed, for a crawler to fetch again only what changed."""
    if not 1 <= part <= _product_slices():
        abort(404)
    size = _slice_size()
    rows = db.session.execute(
        select(Product.id, Product.updated_at).join(Shop, Shop.id == Product.shop_id)
        .where(public_product_clause(), Product.id > (part - 1) * size, Product.id <= part * size)
        .order_by(Product.id)).all()
    return _sitemap([(public_url_for("public.product", product_id=product_id), changed.date().isoformat())
                     for product_id, changed in rows])
