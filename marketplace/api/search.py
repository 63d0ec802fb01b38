"""GET /api/v1/search and GET /api/v1/suggest (see issue 4 for the contract)."""
from flask import request
from flask_babel import gettext

import search as engine
from marketplace.access import PUBLIC, access
from marketplace.api.blueprint import bp, error_response
from search.query import InvalidParameter


def _result(hit) -> dict:
    return {
        "id": hit.id,
        "name": hit.name,
        "price_cents": hit.price_cents,
        "unit": hit.unit,
        "in_stock": hit.in_stock,
        "url": engine.product_url(hit.id),
        "image_url": engine.product_image_url(hit.image_key),
        "shop": {"slug": hit.shop_slug, "name": hit.shop_name},
        "commune": {"insee": hit.commune_insee, "name": hit.commune_name},
        "distance_km": hit.distance_km,
    }


def _business(hit) -> dict:
    """An artisan, a service or a company whose words match (issue 22): its page has hours and contact."""
    return {
        "slug": hit.slug,
        "name": hit.name,
        "url": engine.shop_url(hit.slug),
        "services": hit.services,
        "commune": {"insee": hit.commune_insee, "name": hit.commune_name},
        "distance_km": hit.distance_km,
    }


@bp.route("/search")
@access(PUBLIC)
def search():
    try:
        query = engine.parse_search_args(request.args, engine.reference_data())
    except InvalidParameter as error:
        return error_response("invalid_parameter", error.message, 422, parameter=error.parameter)
    results = engine.search(query)
    return {
        "total": results.total,
        "page": query.page,
        "per_page": query.per_page,
        "results": [_result(hit) for hit in results.hits],
        "businesses": [_business(hit) for hit in results.businesses],
        "facets": {
            name: [{"value": f.value, "label": f.label, "count": f.count} for f in values]
            for name, values in results.facets.items()
        },
        "suggestion": results.suggestion,
    }


@bp.route("/suggest")
@access(PUBLIC)
def suggest():
    text = request.args.get("q", "")
    if len(text) > 100:
        return error_response("invalid_parameter", gettext("« q » est limité à 100 caractères."), 422,
                              parameter="q")
    return {"query": text, "suggestions": [s.as_dict() for s in engine.suggest(text)]}
