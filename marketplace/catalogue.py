"""The catalogue: prices and stocks as people type them, a shop's products, public listings."""
import re
from dataclasses import dataclass

from flask_babel import gettext

from marketplace.extensions import db
from marketplace.formatting import money, number
from marketplace.models import Product, ProductImage, Shop
from marketplace.models.shops import public_product_clause
from marketplace.models.base import utcnow
from marketplace.text_search import each_word_in

PER_PAGE = 20


# --- Money and quantities typed by people (forms and spreadsheet import share these) ---


class InvalidValue(ValueError):
    """A typed value that cannot be read; the message is French and names what is wrong."""


class AmountNotPositive(InvalidValue):
    """A typed amount below zero, or zero where it is not allowed."""


class AmountTooHigh(InvalidValue):
    """A typed amount above MAX_AMOUNT_CENTS."""


MAX_AMOUNT_CENTS = 10_000_000_00  # 10 million euros: any amount typed in a form or a spreadsheet


def too_high(label, most: int = MAX_AMOUNT_CENTS) -> str:
    """The refusal of an amount above the maximum, naming its field: « Budget : 10 000 000,00 € au plus. »"""
    return gettext("%(field)s : %(max)s au plus.", field=label, max=money(most))


_SPACES = str.maketrans("", "", " \u00a0\u202f\t'")
_DECIMAL = re.compile(r"\d+(\.\d*)?|\.\d+")


def parse_price(text, allow_zero: bool = False) -> int:
    """Cents from a price typed by a person or read from a spreadsheet.

    Accepts "12,50", "12.50", "12,5 €", "1 234,50", "1.234,50", "1,234.50", "€12", "12 EUR".
    When both separators appear, the last one is the decimal mark; a lone comma or dot is a
    decimal mark. More than two decimals is refused rather than guessed ("1.234" may mean
    either 1 234 € or 1,234 €). Negative prices are refused, zero too unless `allow_zero`.
    """
    raw = str(text if text is not None else "").strip()
    if not raw:
        raise InvalidValue(gettext("Le prix est obligatoire."))
    cleaned = raw.replace("€", "").replace("EUR", "").replace("eur", "").translate(_SPACES)
    if cleaned.startswith("-") or cleaned.endswith("-"):
        raise AmountNotPositive(gettext("Le prix « %(text)s » est négatif.", text=raw))
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]
    if "," in cleaned and "." in cleaned:
        thousands, decimal = (".", ",") if cleaned.rfind(",") > cleaned.rfind(".") else (",", ".")
        cleaned = cleaned.replace(thousands, "").replace(decimal, ".")
    else:
        cleaned = cleaned.replace(",", ".")
    if not _DECIMAL.fullmatch(cleaned):
        raise InvalidValue(gettext("Le prix « %(text)s » n'est pas un nombre (exemple : 12,50).", text=raw))
    whole, _, fraction = cleaned.partition(".")
    if len(fraction) > 2:
        raise InvalidValue(gettext("Le prix « %(text)s » a plus de deux décimales.", text=raw))
    cents = int(whole or "0") * 100 + int((fraction + "00")[:2])
    if cents == 0 and not allow_zero:
        raise AmountNotPositive(gettext("Le prix doit être supérieur à zéro."))
    if cents > MAX_AMOUNT_CENTS:
        raise AmountTooHigh(gettext("Le prix « %(text)s » est trop élevé (%(max)s au plus).", text=raw,
                                    max=money(MAX_AMOUNT_CENTS)))
    return cents


def price_input(cents: int | None) -> str:
    """The way a price is shown in a form field: 1250 -> "12,50"."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


MADE_TO_ORDER_WORDS = {"", "sur commande", "commande", "sc", "s/c"}


MAX_STOCK = 1_000_000  # forms, spreadsheet import and the products API alike


def parse_stock(text, maximum: int | None = MAX_STOCK) -> int | None:
    """A stock quantity, or None for "sur commande" (made to order, no stock kept); `maximum` None
    reads back a stock already stored."""
    raw = str(text if text is not None else "").strip()
    if raw.lower() in MADE_TO_ORDER_WORDS:
        return None
    cleaned = raw.translate(_SPACES).replace(",", ".")
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if cleaned.startswith("-") and cleaned[1:].isdigit():
        raise InvalidValue(gettext("Le stock « %(text)s » est négatif.", text=raw))
    if not cleaned.isdigit():
        raise InvalidValue(gettext("Le stock « %(text)s » n'est pas un nombre entier (ou « sur commande »).",
                                   text=raw))
    if maximum is not None and int(cleaned) > maximum:
        raise InvalidValue(gettext("Le stock « %(text)s » dépasse le maximum : %(max)s.", text=raw,
                                   max=number(maximum)))
    return int(cleaned)


def normalize_ean(text) -> str | None:
    """A valid EAN-13/EAN-8/UPC code without spaces, None when empty; InvalidValue otherwise."""
    from stdnum import ean
    from stdnum.exceptions import ValidationError

    raw = str(text if text is not None else "").strip()
    if not raw:
        return None
    if "e+" in raw.lower():
        raise InvalidValue(gettext("Le code-barres « %(text)s » a été abîmé par Excel (notation scientifique) : "
                                   "mettez la colonne au format Texte.", text=raw))
    try:
        return ean.validate(raw.removesuffix(".0"))
    except ValidationError:
        raise InvalidValue(gettext("Le code-barres EAN « %(text)s » n'est pas valide.", text=raw)) from None


# --- A shop's own catalogue (back office) ---

SORTS = {
    "nom": (Product.name.asc(),),
    "prix": (Product.price_cents.asc(), Product.name.asc()),
    "-prix": (Product.price_cents.desc(), Product.name.asc()),
    "stock": (Product.stock.asc(), Product.name.asc()),
    "recent": (Product.updated_at.desc(), Product.id.desc()),
    "ref": (Product.sku.asc(), Product.name.asc()),
}
BULK_ACTIONS = ("activate", "deactivate", "category", "stock")


def shop_products(shop_id: int, query: str = "", sort: str = "nom", category_id: int | None = None,
                  active: bool | None = None):
    """The statement listing a shop's products, filtered by words (name or reference) and sorted."""
    statement = db.select(Product).where(Product.shop_id == shop_id)
    statement = statement.where(each_word_in(query, Product.name, Product.sku))
    if category_id:
        statement = statement.where(Product.category_id == category_id)
    if active is not None:
        statement = statement.where(Product.active.is_(active))
    return statement.order_by(*SORTS.get(sort, SORTS["nom"]))


def duplicate_product(product: Product) -> Product:
    """A copy named "… (copie)", inactive and without reference or EAN, so it never clashes."""
    copy = Product(
        shop_id=product.shop_id, category_id=product.category_id, name=f"{product.name} (copie)"[:200],
        description=product.description, price_cents=product.price_cents, unit=product.unit,
        stock=product.stock, sku=None, ean=None, active=False,
    )
    copy.images = [ProductImage(key=image.key, position=image.position) for image in product.images]
    db.session.add(copy)
    db.session.commit()
    return copy


def move_image(product: Product, image_id: int, step: int) -> bool:
    """Move a photo one place earlier (step -1) or later (+1); the first photo is the one residents
    see in lists. Positions are renumbered 0, 1, 2… Returns False if the photo is not the product's
    or is already at that end (nothing changes)."""
    images = sorted(product.images, key=lambda image: (image.position, image.id))
    index = next((i for i, image in enumerate(images) if image.id == image_id), None)
    if index is None or not 0 <= index + step < len(images):
        return False
    images[index], images[index + step] = images[index + step], images[index]
    for position, image in enumerate(images):
        image.position = position
    product.updated_at = utcnow()  # the first photo shows in search results: reindex
    db.session.commit()
    db.session.refresh(product, ["images"])
    return True


def was_ever_ordered(product: Product) -> bool:
    """Whether any order line refers to the product (an ordered product must stay in the
    database for the order history: it can only be deactivated)."""
    from marketplace.models import OrderLine

    return db.session.scalar(db.select(OrderLine.id).where(OrderLine.product_id == product.id).limit(1)) is not None


def delete_product(product: Product) -> bool:
    """Delete a product that was never ordered; return False (and change nothing) otherwise."""
    if was_ever_ordered(product):
        return False
    db.session.delete(product)
    db.session.commit()
    return True


def bulk_update(shop_id: int, product_ids: list[int], action: str, category_id: int | None = None,
                stock: int | None = None) -> int:
    """Apply one action to the selected products of this shop; ids of other shops are ignored."""
    if action not in BULK_ACTIONS:
        raise ValueError(action)
    products = db.session.scalars(
        db.select(Product).where(Product.shop_id == shop_id, Product.id.in_(product_ids))
    ).all()
    if action == "activate":  # a product hidden by the territory stays off line
        products = [product for product in products if not product.hidden_by_admin]
    for product in products:
        if action in ("activate", "deactivate"):
            product.active = action == "activate"
        elif action == "category":
            product.category_id = category_id
        else:
            product.stock = stock
    db.session.commit()
    return len(products)


@dataclass(frozen=True)
class StockCount:
    """What the shopkeeper typed in a product's stock cell, and what the cell showed."""

    product_id: int
    shown: int | None  # the stock when the page was shown (None: made to order)
    counted: int | None  # what they typed


def set_counted_stocks(shop_id: int, counts: list[StockCount]) -> tuple[list[Product], list[Product]]:
    """Write the stocks counted in the shop (this shop's products only, those whose cell changed).
    A product whose stock moved since the page was shown (an order took one) is left as it is and
    returned apart: the count was made against a stock that no longer holds. (changed, moved)"""
    wanted = {count.product_id: count for count in counts if count.counted != count.shown}
    if not wanted:
        return [], []
    products = db.session.scalars(db.select(Product).where(Product.shop_id == shop_id, Product.id.in_(wanted))
                                  .order_by(Product.id).with_for_update()).all()
    changed, moved = [], []
    for product in products:
        count = wanted[product.id]
        if product.stock != count.shown:
            moved.append(product)
        else:
            product.stock = count.counted
            changed.append(product)
    db.session.commit()
    return changed, moved


# --- Public pages ---


def public_products(shop_id: int | None = None, category_ids: list[int] | None = None):
    """Active products of approved shops, optionally one shop's or some categories'."""
    statement = db.select(Product).join(Shop).where(public_product_clause())
    if shop_id is not None:
        statement = statement.where(Product.shop_id == shop_id)
    if category_ids is not None:
        statement = statement.where(Product.category_id.in_(category_ids))
    return statement.order_by(Product.name, Product.id)


def category_and_descendants(category) -> list[int]:
    ids, todo = [], [category]
    while todo:
        node = todo.pop()
        ids.append(node.id)
        todo.extend(node.children)
    return ids
