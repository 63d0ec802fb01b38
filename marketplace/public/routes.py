import re

from flask_wtf.csrf import CSRFError
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import text

from marketplace.access import PUBLIC, access
from marketplace.api.blueprint import error_response
from marketplace.extensions import db
from marketplace.formatting import number
from marketplace.http_cache import sessionless_csrf
from marketplace.models import Category, Commune, Product, Shop
from marketplace.public.blueprint import bp
from marketplace.public import structured_data
from marketplace.public.forms import CommuneChoiceForm
from marketplace.request_guard import int_arg
from marketplace.territory import find_communes, matching_communes, remember_commune, territory_summary
from marketplace.urls import safe_local_target
CHOICES_SHOWN = 20  # communes offered when a typed name or postal code means several


@bp.route("/")
@access(PUBLIC)
def home():
    communes = Commune.query.order_by(Commune.name).all()
    return render_template(
        "public/home.html",
        summary=territory_summary(),
        communes=communes,
    )


@bp.route("/communes/<slug>")
@access(PUBLIC)
def commune(slug: str):
    commune = Commune.query.filter_by(slug=slug).first_or_404()
    shops = Shop.query.filter_by(commune_insee=commune.insee, status="approved").order_by(Shop.name).all()
    return render_template("public/commune.html", commune=commune, shops=shops)


def _back_url() -> str:
    """Where to return after choosing a commune: `next` (a local path) or the page it came from."""
    target = safe_local_target(request.args.get("next"), "")
    if target:
        return target
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url) and "/ma-commune" not in referrer:
        return referrer
    return url_for("public.home")


@bp.route("/ma-commune", methods=["POST"])
@access(PUBLIC)
@sessionless_csrf  # its form is in every page's header, which opens no session
def choose_commune():
    form = CommuneChoiceForm()
    back = _back_url()
    if not form.validate_on_submit():
        for error in form.commune.errors:
            flash(str(error), "error")
        return redirect(back)
    matches = matching_communes(form.commune.data)
    if not matches:
        flash(gettext("Aucune commune du territoire ne correspond à « %(q)s ».", q=form.commune.data), "error")
        return redirect(back)
    if len(matches) > 1:
        # Several communes share a postal code or a name: let the visitor pick one.
        back_path = back[len(request.host_url) - 1:] if back.startswith(request.host_url) else back
        return render_template("public/choose_commune.html", query=form.commune.data,
                               matches=matches[:CHOICES_SHOWN], more=len(matches) > CHOICES_SHOWN, back=back_path)
    commune = matches[0]
    remember_commune(commune)
    flash(gettext("Votre commune : %(name)s.", name=commune.name), "success")
    return redirect(back)


@bp.route("/communes/suggestions")
@access(PUBLIC)
def commune_suggestions():
    query = request.args.get("q", "")[:80]
    return jsonify(
        [
            {"insee": c.insee, "name": c.name, "postal_codes": c.postal_code_list, "label": c.label}
            for c in find_communes(query, limit=10)
        ]
    )


@bp.route("/communes.json")
@access(PUBLIC)
def communes_geojson():
    """The territory's communes as GeoJSON points for the home page map."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [c.longitude, c.latitude]},
            "properties": {
                "insee": c.insee,
                "name": c.name,
                "population": c.population,
                "url": url_for("public.commune", slug=c.slug),
            },
        }
        for c in Commune.query.order_by(Commune.insee).all()
    ]
    return jsonify({"type": "FeatureCollection", "features": features})


@bp.route("/favicon.ico")
@access(PUBLIC)
def favicon():
    """Where browsers look for the icon of a page that names none (a JSON or PDF answer)."""
    return current_app.send_static_file("favicon.ico")


@bp.route("/healthz")
@access(PUBLIC)
def healthz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - health reports any failure
        checks["database"] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return jsonify({"status": "ok" if healthy else "error", "checks": checks}), (200 if healthy else 503)


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def _api_error(code: str, message: str, status: int):
    return error_response(code, message, status)


@bp.app_errorhandler(403)
def forbidden(error):
    if _is_api_request():
        return _api_error("forbidden", gettext("Accès refusé."), 403)
    return render_template("errors/403.html"), 403


@bp.app_errorhandler(404)
def not_found(error):
    if _is_api_request():
        return _api_error("not_found", gettext("Ressource introuvable."), 404)
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(405)
def method_not_allowed(error):
    if _is_api_request():
        response = _api_error("method_not_allowed", gettext("Méthode non autorisée sur cette adresse."), 405)
        response.headers["Allow"] = ", ".join(error.valid_methods or [])  # required with a 405 (RFC 9110)
        return response
    return error


@bp.app_errorhandler(429)
def too_many_requests(error):
    if _is_api_request():
        return _api_error("rate_limited", gettext("Trop de requêtes : réessayez dans une minute."), 429)
    return render_template("errors/429.html"), 429


@bp.app_errorhandler(413)
def request_too_large(error):
    """A body above MAX_CONTENT_LENGTH (a file too big to import), refused before it is read."""
    limit = number(current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))
    if _is_api_request():
        return _api_error("request_too_large", gettext("Requête trop volumineuse (%(limit)s Mo au plus).",
                                                       limit=limit), 413)
    return render_template("errors/413.html", limit=limit), 413


@bp.route("/recherche")
@access(PUBLIC)
def search():
    from search.views import render_search_page

    return render_search_page()


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    return render_template("errors/400.html", reason=gettext("Le formulaire a expiré. Rechargez la page et réessayez.")), 400


# --- Shops, products and categories (public pages) ---


def _can_preview(shop: Shop) -> bool:
    """Before approval, a shop's team and the admins see its pages as residents will (a preview)."""
    from flask_login import current_user

    return current_user.is_authenticated and (current_user.is_admin or bool(current_user.shop_role(shop.id)))


def _visible_shop(slug: str) -> Shop:
    """An approved shop, or a pending one for those who may preview it."""
    shop = Shop.query.filter_by(slug=slug).first_or_404()
    if not shop.is_public and not _can_preview(shop):
        abort(404)
    return shop


@bp.route("/commerces/<slug>")
@access(PUBLIC)
def shop(slug: str):
    from marketplace import catalogue, shops

    shop = _visible_shop(slug)
    category_id = int_arg("categorie")
    statement = catalogue.public_products(shop_id=shop.id, category_ids=[category_id] if category_id else None)
    if not shop.is_public:  # preview for the shopkeeper: the products as they will appear
        statement = db.select(Product).where(Product.shop_id == shop.id, Product.on_sale).order_by(Product.name)
    products = db.paginate(statement, page=int_arg("page", 1), per_page=24,
                           error_out=False)
    if _beyond_last_page(products):
        return _redirect_to_page(products.pages)
    categories = db.session.scalars(
        db.select(Category).where(Category.id.in_(
            db.select(Product.category_id).where(Product.shop_id == shop.id, Product.on_sale)))
        .order_by(Category.name)).all()
    from marketplace.businesses import area_label

    return render_template("public/shop.html", shop=shop, products=products, categories=categories,
                           category_id=category_id, status=shops.opening_status(shop), area=area_label(shop),
                           closures=shops.upcoming_closures(shop), days=shops.DAYS,
                           format_day_hours=shops.format_day_hours, distance=_distance_to(shop.commune),
                           structured=structured_data.shop(shop) if shop.is_public else None)


def _beyond_last_page(pagination) -> bool:
    return pagination.page > max(pagination.pages, 1)


def _redirect_to_page(page: int):
    """A page number past the end (an old link, a typed URL) leads to the last page."""
    args = request.args.to_dict() | {"page": max(page, 1)}
    return redirect(url_for(request.endpoint, **request.view_args, **args))


def _distance_to(commune) -> float | None:
    from marketplace.territory import commune_distance_km, current_commune

    here = current_commune()
    return commune_distance_km(here, commune) if here is not None and commune is not None else None


@bp.route("/produits/<int:product_id>")
@access(PUBLIC)
def product(product_id: int):
    from marketplace import catalogue

    product = db.get_or_404(Product, product_id)
    preview = not product.shop.is_public and product.on_sale and _can_preview(product.shop)
    if not (product.is_public or preview):
        abort(404)
    others_statement = (db.select(Product).where(Product.shop_id == product.shop_id, Product.on_sale)
                        .order_by(Product.name) if preview else catalogue.public_products(shop_id=product.shop_id))
    others = db.session.scalars(others_statement.where(Product.id != product.id).limit(8)).all()
    return render_template("public/product.html", product=product, shop=product.shop, others=others,
                           distance=_distance_to(product.shop.commune),
                           structured=None if preview else structured_data.product(product))


@bp.route("/categories/<slug>")
@access(PUBLIC)
def category(slug: str):
    from marketplace import catalogue

    category = db.session.scalar(db.select(Category).filter_by(slug=slug))
    if category is None:
        from marketplace.taxonomy import merged_into

        successor = merged_into(db.session, slug) or abort(404)
        return redirect(url_for("public.category", slug=successor.slug, **request.args), 301)
    statement = catalogue.public_products(category_ids=catalogue.category_and_descendants(category))
    products = db.paginate(statement, page=int_arg("page", 1), per_page=24,
                           error_out=False)
    if _beyond_last_page(products):
        return _redirect_to_page(products.pages)
    return render_template("public/category.html", category=category, products=products)


@bp.route("/medias/<any(thumb, large):size>/<key>.webp")
@access(PUBLIC)
def media(size: str, key: str):
    """A stored photo. Its name is the hash of its content, so it can be cached for a year."""
    from flask import send_file

    from marketplace.images import media_path

    if not re.fullmatch(r"[0-9a-f]{64}", key):
        abort(404)
    path = media_path(key, size)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/webp", max_age=31_536_000, etag=True, conditional=True)
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response
