"""The territory's shared barcode reference, built from the shops' own listings.

A shop that scans a barcode another shop of the territory already listed gets that listing's name,
unit, category and photo to start from, so a product already known takes a price and a stock only.
No separate catalogue is kept: the reference is the listings themselves, read at look-up time, so
it is always as current as the shops keep them. A shop can keep its listings out
(`Shop.private_listings`, "Ne pas partager mes fiches produits avec les autres commerces"); only
approved shops' listings that the territory has not hidden are shared.
"""
from dataclasses import dataclass

from marketplace.catalogue import normalize_ean
from marketplace.extensions import db
from marketplace.models import Product, ProductImage, Shop


@dataclass(frozen=True)
class Reference:
    """What a listing of another shop offers to pre-fill (no price, stock or shop: those are each shop's)."""

    ean: str
    name: str
    unit: str
    category_id: int
    photo_key: str | None


def same_codes(ean: str) -> list[str]:
    """The ways one product's code can be written: a UPC-A (12 digits) is the EAN-13 with a leading 0."""
    if len(ean) == 12:
        return [ean, "0" + ean]
    if len(ean) == 13 and ean.startswith("0"):
        return [ean, ean[1:]]
    return [ean]


def _shared_listings(ean: str, shop_id: int):
    """The listings with this barcode that other shops share, best first: one with a photo, then
    the most recently updated."""
    has_photo = db.select(ProductImage.id).where(ProductImage.product_id == Product.id).exists()
    return (db.select(Product).join(Shop, Shop.id == Product.shop_id)
            .where(Product.ean.in_(same_codes(ean)), Product.shop_id != shop_id, Product.hidden_by_admin_at.is_(None),
                   Shop.status == "approved", Shop.private_listings.is_(False))
            .order_by(has_photo.desc(), Product.updated_at.desc(), Product.id.desc()))


def lookup(code: str, shop_id: int) -> Reference | None:
    """The reference for a scanned or typed barcode, None when no other shop shares it.
    Raises catalogue.InvalidValue (a French message) for a code that is not a valid EAN/UPC."""
    ean = normalize_ean(code)
    if ean is None:
        return None
    product = db.session.scalars(_shared_listings(ean, shop_id).limit(1)).first()
    if product is None:
        return None
    return Reference(ean=ean, name=product.name, unit=product.unit, category_id=product.category_id,
                     photo_key=product.images[0].key if product.images else None)


def own_product(code: str, shop_id: int) -> Product | None:
    """This shop's own product with that barcode, if it listed it already (to edit it, not list it twice)."""
    ean = normalize_ean(code)
    if ean is None:
        return None
    return db.session.scalars(db.select(Product).where(Product.shop_id == shop_id, Product.ean.in_(same_codes(ean)))
                              .order_by(Product.id).limit(1)).first()


def shared_photo(ean: str | None, key: str | None, shop_id: int) -> str | None:
    """`key` if it is the photo of a listing that shares this barcode with this shop, else None: a
    photo key sent back by the form is taken only from what the reference could have offered."""
    if not ean or not key:
        return None
    listings = _shared_listings(ean, shop_id).with_only_columns(Product.id).order_by(None)
    found = db.session.scalar(db.select(ProductImage.id).where(ProductImage.key == key,
                                                               ProductImage.product_id.in_(listings)).limit(1))
    return key if found else None
