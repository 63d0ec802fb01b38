"""GET /api/v1/openapi.json: the POS API's contract (tests/till/test_pos_schema.py checks the
implementation against it with schemathesis)."""
from marketplace.access import PUBLIC, access
from marketplace.api.blueprint import bp
from marketplace.api.pos import MAX_REASON_LENGTH
from marketplace.api.products import BATCH, PRODUCT, PRODUCT_UPDATE, openapi_schema
from marketplace.till.service import MAX_PAYMENT_CENTS


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


_ERRORS = {
    "400": _error("Caractères de contrôle (un octet nul…) dans l'adresse, la requête ou le corps JSON "
                  "(code invalid_request)"),
    "401": _error("Clé d'API absente, invalide ou révoquée"),
    "403": _error("Carte refusée (code card_or_pin_invalid) : numéro inconnu, code PIN manquant, erroné ou "
                  "verrouillé, ou carte inutilisable (bloquée, en attente, désactivée). Une seule réponse pour "
                  "tous ces cas : l'API ne dit pas si un numéro existe"),
    "429": {"description": "Trop de requêtes (limite par commerce, toutes ses clés), ou trop de codes PIN "
                           "erronés dans ce commerce, toutes cartes confondues (code shop_pin_tries_exhausted) : "
                           "les essais de code PIN reprennent plus tard"},
}
# Text fields: no control characters (the API answers 400 to them, marketplace/request_guard.py).
_TEXT = {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"}
# A required text: besides, one character at least that is not a space (the API reads "  " or a
# lone no-break space as missing: 422, marketplace/api/pos.py).
_FILLED_TEXT = {"type": "string", "minLength": 1, "pattern": (
    "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\s][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$")}
_AMOUNT = {"type": "integer", "minimum": 1, "maximum": MAX_PAYMENT_CENTS}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": True,
                "description": "Propre au commerce, quelle que soit sa clé d'API : la même clé envoyée par deux "
                               "caisses du même commerce est une seule opération (la seconde reçoit le résultat "
                               "de la première) ; deux commerces peuvent utiliser la même clé sans se gêner.",
                "schema": {**_FILLED_TEXT, "maxLength": 100}}
_ENTRY_ID = {"name": "entry_id", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
_ENTRY_RESPONSES = {
    "201": {"description": "Opération enregistrée (ou rejouée à l'identique)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Entry"}}}},
    "402": _error("Solde insuffisant"),
    "404": _error("Paiement introuvable"),
    "409": _error("Clé d'idempotence déjà utilisée pour une autre requête"),
    "422": _error("Requête invalide"),
    **_ERRORS,
}

_PRODUCT_RESPONSES = {
    "400": _ERRORS["400"], "401": _ERRORS["401"],
    "409": _error("Clé d'idempotence déjà utilisée pour une autre requête (code idempotency_conflict)"),
    "422": _error("Requête invalide : le champ fautif est nommé dans error.field (« products[3].price_cents »)"),
}
_PRODUCT_PATHS = {
    "/products/{sku}": {"put": {
        "summary": "Stock, prix ou mise en ligne d'un produit du commerce (par sa référence)",
        "parameters": [{"name": "sku", "in": "path", "required": True, "schema": {**_TEXT, "minLength": 1}},
                       {**_IDEMPOTENCY, "required": False}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": openapi_schema(PRODUCT_UPDATE)}}},
        "responses": {"200": {"description": "Le produit tel qu'il est maintenant", "content": {"application/json": {
            "schema": {"type": "object", "required": ["product"],
                       "properties": {"product": openapi_schema(PRODUCT)}}}}},
                      "404": _error("Aucun produit de ce commerce avec cette référence (code unknown_sku)"),
                      **_PRODUCT_RESPONSES},
    }},
    "/products:batch": {"post": {
        "summary": "Plusieurs produits à la fois (tous ou aucun)",
        "parameters": [_IDEMPOTENCY],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": openapi_schema(BATCH)}}},
        "responses": {"200": {"description": "Les produits tels qu'ils sont maintenant", "content": {
            "application/json": {"schema": {
                "type": "object", "required": ["updated", "unchanged", "products"],
                "properties": {"updated": {"type": "integer"}, "unchanged": {"type": "integer"},
                               "products": {"type": "array", "items": openapi_schema(PRODUCT)}}}}}},
            "404": _error("Une référence inconnue dans ce commerce (code unknown_sku, error.field la situe) : "
                          "rien n'est modifié"), **_PRODUCT_RESPONSES},
    }},
}

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Halle — API de caisse", "version": "1.0.0",
             "description": "Encaisser la carte du territoire depuis un logiciel de caisse, et tenir à jour "
                            "le stock, les prix et la mise en ligne des produits. Les messages "
                            "d'erreur sont en français, ou en anglais avec ?lang=en ou l'en-tête "
                            "Accept-Language: en (le champ code, lui, ne change pas)."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"apiKey": []}],
    "components": {
        "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Entry": {"type": "object", "additionalProperties": False,
                      "required": ["id", "kind", "amount_cents", "card_balance_cents", "created_at"],
                      "properties": {"id": {"type": "integer"}, "kind": {"type": "string"},
                                     "amount_cents": {"type": "integer"},
                                     "card_balance_cents": {"type": "integer", "nullable": True},
                                     "created_at": {"type": "string", "format": "date-time"}}},
        },
    },
    "paths": {
        "/cards/{card_ref}/balance": {"get": {
            "summary": "Solde utilisable de la carte dans ce commerce",
            "parameters": [
                {"name": "card_ref", "in": "path", "required": True,
                 "description": "Numéro (16 chiffres) ou contenu du QR code", "schema": _TEXT},
                {"name": "X-Card-Pin", "in": "header", "required": False, "schema": _TEXT},
            ],
            "responses": {"200": {"description": "Solde", "content": {"application/json": {"schema": {
                "type": "object", "required": ["card", "spendable_cents", "currency"],
                "properties": {"card": {"type": "object", "properties": {"last4": {"type": "string"},
                                                                         "status": {"type": "string"}}},
                               "spendable_cents": {"type": "integer", "minimum": 0},
                               "currency": {"type": "string", "enum": ["EUR"]}}}}}},
                          "404": _error("Référence de carte illisible"), **_ERRORS},
        }},
        "/redemptions": {
            "post": {
                "summary": "Encaisser avec la carte",
                "parameters": [_IDEMPOTENCY],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": False, "required": ["card", "amount_cents"],
                    "properties": {"card": _FILLED_TEXT, "pin": _TEXT,
                                   "amount_cents": _AMOUNT,
                                   "allow_partial": {"type": "boolean"}}}}}},
                "responses": _ENTRY_RESPONSES,
            },
            "get": {
                "summary": "Paiements par carte d'un jour",
                "parameters": [{"name": "date", "in": "query", "required": False,
                                "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": {"description": "Le jour", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["date", "total_cents", "redemptions"],
                    "properties": {"date": {"type": "string"}, "total_cents": {"type": "integer"},
                                   "redemptions": {"type": "array", "items": {"type": "object"}}}}}}},
                              "422": _error("Date invalide ou vide (code invalid_parameter)"), **_ERRORS},
            },
        },
        "/redemptions/{entry_id}/void": {"post": {
            "summary": "Annuler un paiement du jour",
            "parameters": [_ENTRY_ID, _IDEMPOTENCY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False, "required": ["reason"],
                "properties": {"reason": {**_FILLED_TEXT, "maxLength": MAX_REASON_LENGTH}}}}}},
            "responses": {**_ENTRY_RESPONSES, "422": _error(
                "Requête invalide, ou annulation refusée (code void_not_allowed) : paiement d'un autre jour, "
                "déjà annulé ou remboursé")},
        }},
        "/redemptions/{entry_id}/refunds": {"post": {
            "summary": "Rembourser une partie d'un paiement",
            "parameters": [_ENTRY_ID, _IDEMPOTENCY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False, "required": ["amount_cents"],
                "properties": {"amount_cents": _AMOUNT}}}}},
            "responses": {**_ENTRY_RESPONSES, "422": _error(
                "Requête invalide, ou remboursement refusé (code refund_not_allowed) : montant au-delà de ce "
                "qui reste du paiement (déjà remboursé en partie), ou paiement annulé")},
        }},
        **_PRODUCT_PATHS,
    },
}


@bp.route("/openapi.json")
@access(PUBLIC)
def openapi():
    return SPEC
