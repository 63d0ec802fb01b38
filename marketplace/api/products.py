"""The products API: till software keeps Halle's stock, prices and online switch in step after each
sale, with the shop's API key (the same keys as the POS API; a key reaches only its shop's products).

Writes are idempotent by the shop's Idempotency-Key (required on the batch, optional on PUT, which
is idempotent anyway): the same key with the same body gets the first answer again, with another
body a 409. Bodies are checked against the JSON schemas below, which the OpenAPI document also
publishes (marketplace/api/openapi.py); each refusal names the field ("products[3].price_cents").
"""
import hashlib
import json

import jsonschema_rs
from flask import g, request
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.access import SHOP_API_KEY, access
from marketplace.api.blueprint import bp, error_response, json_object
from marketplace.catalogue import MAX_STOCK
from marketplace.extensions import db
from marketplace.models import Product, ProductApiRequest

MAX_KEY_LENGTH = 100
MAX_BATCH = 1000
_CHANGES = {
    "stock": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_STOCK,
              "description": "Quantité en stock ; null : sur commande"},
    "price_cents": {"type": "integer", "minimum": 1, "maximum": 100_000_000, "description": "Prix TTC en centimes"},
    "online": {"type": "boolean", "description": "En ligne (visible et commandable) ou non"},
}
PRODUCT_UPDATE = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": _CHANGES}
BATCH = {"type": "object", "additionalProperties": False, "required": ["products"], "properties": {
    "products": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": {
        "type": "object", "additionalProperties": False, "required": ["sku"], "minProperties": 2,
        "properties": {"sku": {"type": "string", "minLength": 1, "maxLength": 60,
                               "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"}, **_CHANGES}}}}}
PRODUCT = {"type": "object", "additionalProperties": False,
           "required": ["sku", "name", "stock", "price_cents", "online"],
           "properties": {"sku": {"type": "string"}, "name": {"type": "string"},
                          "stock": {"type": "integer", "nullable": True}, "price_cents": {"type": "integer"},
                          "online": {"type": "boolean"}}}


def openapi_schema(schema):
    """The schema as OpenAPI 3.0 writes it (`nullable` rather than a "null" type)."""
    if isinstance(schema, dict):
        converted = {k: openapi_schema(v) for k, v in schema.items()}
        if isinstance(schema.get("type"), list):
            types = [t for t in schema["type"] if t != "null"]
            converted["type"], converted["nullable"] = types[0], "null" in schema["type"]
        return converted
    return schema


_VALIDATORS = {id(schema): jsonschema_rs.validator_for(schema) for schema in (PRODUCT_UPDATE, BATCH)}


def _field_name(path) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _schema_error(schema: dict, body):
    """The first refusal of `body` (an object) against `schema` as a 422 naming the field, or None."""
    error = next(iter(_VALIDATORS[id(schema)].iter_errors(body)), None)
    if error is None:
        return None
    kind = type(error.kind).__name__
    field = _field_name(error.instance_path) or "body"
    if kind == "AdditionalProperties":
        extra = sorted(set(error.instance) - set(_properties(schema, error.instance_path)))
        field = _field_name([*error.instance_path, extra[0]]) if extra else field
        message = gettext("Champ inconnu : « %(name)s ».", name=field)
    elif kind == "Required":
        field = _field_name([*error.instance_path, "sku" if error.instance_path else "products"])
        message = gettext("Le champ « %(name)s » est obligatoire.", name=field)
    elif kind in ("MinProperties", "MinItems"):
        message = gettext("« %(name)s » ne contient aucune modification (stock, price_cents ou online).",
                          name=field)
    elif kind == "MaxItems":
        message = gettext("« %(name)s » : %(n)s produits au plus par requête.", name=field, n=MAX_BATCH)
    elif kind in ("Minimum", "Maximum"):
        message = gettext("« %(name)s » est hors des limites permises.", name=field)
    elif kind in ("MinLength", "MaxLength"):
        message = gettext("« %(name)s » doit faire de 1 à 60 caractères.", name=field)
    else:
        message = gettext("« %(name)s » n'a pas le bon type.", name=field)
    return error_response("invalid_field", message, 422, field=field)


def _properties(schema: dict, path) -> dict:
    node = schema
    for part in path:
        node = node["items"] if isinstance(part, int) else node["properties"][part]
    return node.get("properties", {})


def _idempotency_key(required: bool):
    key = request.headers.get("Idempotency-Key", "").strip()
    if (required and not key) or len(key) > MAX_KEY_LENGTH:
        return None, error_response("invalid_header", gettext(
            "L'en-tête « Idempotency-Key » est obligatoire (%(max)s caractères au plus).", max=MAX_KEY_LENGTH),
            422, field="Idempotency-Key")
    return key or None, None


def _replay(key: str | None, digest: str):
    """The answer already given to this key of the shop (or a 409 for another body), else None."""
    if key is None:
        return None
    done = db.session.scalar(select(ProductApiRequest).where(ProductApiRequest.shop_id == g.api_key.shop_id,
                                                             ProductApiRequest.key == key))
    if done is None:
        return None
    if done.request_hash != digest:
        return error_response("idempotency_conflict", gettext(
            "Cette clé d'idempotence a déjà servi pour une autre requête."), 409)
    return done.response, done.status_code


def _write(key: str | None, digest: str, apply):
    """Run `apply()` (returns the JSON answer) and keep its answer under the key, in one transaction.
    A concurrent request with the same key loses the unique constraint and replays the winner."""
    answer = apply()
    if not isinstance(answer, dict):  # a refusal (its response): nothing written, nothing kept
        db.session.rollback()
        return answer
    if key is not None:
        db.session.add(ProductApiRequest(shop_id=g.api_key.shop_id, key=key, request_hash=digest,
                                         status_code=200, response=answer))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _replay(key, digest)
    return answer, 200


def _digest(body) -> str:
    return hashlib.sha256(f"{request.path}\n{json.dumps(body, sort_keys=True)}".encode()).hexdigest()


def _product_json(product: Product) -> dict:
    return {"sku": product.sku, "name": product.name, "stock": product.stock, "price_cents": product.price_cents,
            "online": product.active}


def _apply(product: Product, changes: dict) -> bool:
    """Set the changed values; True if anything changed. The territory's hiding holds."""
    values = {"stock": changes.get("stock", product.stock), "price_cents": changes.get("price_cents",
                                                                                       product.price_cents),
              "active": changes.get("online", product.active)}
    if values["active"] and product.hidden_by_admin:
        values["active"] = False
    changed = {k: v for k, v in values.items() if getattr(product, k) != v}
    for column, value in changed.items():
        setattr(product, column, value)
    return bool(changed)


def _unknown_sku(field: str, sku: str):
    return error_response("unknown_sku", gettext("Aucun produit de ce commerce avec la référence « %(sku)s ».",
                                                 sku=sku), 404, field=field)


@bp.route("/products/<path:sku>", methods=["PUT"])
@access(SHOP_API_KEY)
def put_product(sku: str):
    key, error = _idempotency_key(required=False)
    if error:
        return error
    body, error = json_object()
    error = error or _schema_error(PRODUCT_UPDATE, body)
    if error:
        return error
    digest = _digest({"sku": sku, **body})
    replayed = _replay(key, digest)
    if replayed is not None:
        return replayed

    def apply():
        product = db.session.scalar(select(Product).where(Product.shop_id == g.api_key.shop_id, Product.sku == sku))
        if product is None:
            return _unknown_sku("sku", sku)
        _apply(product, body)
        return {"product": _product_json(product)}

    return _write(key, digest, apply)


@bp.route("/products:batch", methods=["POST"])
@access(SHOP_API_KEY)
def batch_products():
    """All the lines or none: an unknown reference refuses the whole batch (a reference given twice:
    the last line wins)."""
    key, error = _idempotency_key(required=True)
    if error:
        return error
    body, error = json_object()
    error = error or _schema_error(BATCH, body)
    if error:
        return error
    digest = _digest(body)
    replayed = _replay(key, digest)
    if replayed is not None:
        return replayed

    def apply():
        lines = body["products"]
        skus = [line["sku"] for line in lines]
        products = {p.sku: p for p in db.session.scalars(select(Product).where(
            Product.shop_id == g.api_key.shop_id, Product.sku.in_(set(skus))))}
        for index, sku in enumerate(skus):
            if sku not in products:
                return _unknown_sku(f"products[{index}].sku", sku)
        updated = sum(_apply(products[line["sku"]], line) for line in lines)
        return {"updated": updated, "unchanged": len(lines) - updated,
                "products": [_product_json(products[sku]) for sku in skus]}

    return _write(key, digest, apply)
