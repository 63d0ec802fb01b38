"""The resident's cart: in the session while anonymous, in `cart_items` once logged in (the
session cart is merged into the account at login). Lines are grouped by shop."""
from dataclasses import dataclass, field

from flask import session
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import CartItem, Product, Shop

SESSION_KEY = "cart"
MAX_QUANTITY = 99


class CartError(Exception):
    """A change the cart refuses; the message is French and names the product."""


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def total_cents(self) -> int:
        return self.product.price_cents * self.quantity

    @property
    def problem(self) -> str | None:
        """Why this line cannot be ordered as it is (None when it can)."""
        return availability_problem(self.product, self.quantity)


@dataclass
class CartGroup:
    shop: Shop
    lines: list[CartLine] = field(default_factory=list)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)


def availability_problem(product: Product, quantity: int) -> str | None:
    if not product.is_public:
        return gettext("« %(name)s » n'est plus en vente.", name=product.name)
    if product.stock is not None and product.stock < quantity:
        if product.stock <= 0:
            return gettext("« %(name)s » est épuisé.", name=product.name)
        return gettext("Il ne reste que %(n)s « %(name)s » en stock.", n=product.stock, name=product.name)
    return None


def _quantities() -> dict[int, int]:
    if current_user.is_authenticated:
        rows = db.session.execute(select(CartItem.product_id, CartItem.quantity)
                                  .filter_by(user_id=current_user.id)).all()
        return dict(rows)
    return {int(k): v for k, v in session.get(SESSION_KEY, {}).items()}


def _store(product_id: int, quantity: int) -> None:
    if current_user.is_authenticated:
        item = db.session.scalar(select(CartItem).filter_by(user_id=current_user.id, product_id=product_id))
        if quantity <= 0:
            if item is not None:
                db.session.delete(item)
        elif item is None:
            db.session.add(CartItem(user_id=current_user.id, product_id=product_id, quantity=quantity))
        else:
            item.quantity = quantity
        db.session.commit()
        return
    stored = dict(session.get(SESSION_KEY, {}))
    if quantity <= 0:
        stored.pop(str(product_id), None)
    else:
        stored[str(product_id)] = quantity
    session[SESSION_KEY] = stored


def add(product: Product, quantity: int = 1) -> int:
    """Add to the cart; CartError when it is not for sale or the stock is short."""
    wanted = _quantities().get(product.id, 0) + quantity
    return set_quantity(product, wanted)


def set_quantity(product: Product, quantity: int) -> int:
    if quantity > 0:
        quantity = min(quantity, MAX_QUANTITY)
        if problem := availability_problem(product, quantity):
            raise CartError(problem)
    _store(product.id, quantity)
    return max(quantity, 0)


def remove(product_id: int) -> None:
    _store(product_id, 0)


def count() -> int:
    return sum(_quantities().values())


def groups() -> list[CartGroup]:
    """The cart's lines grouped by shop (shops and lines in a stable order)."""
    quantities = _quantities()
    if not quantities:
        return []
    products = db.session.scalars(select(Product).where(Product.id.in_(quantities)).order_by(Product.id)).all()
    by_shop: dict[int, CartGroup] = {}
    for product in products:
        group = by_shop.setdefault(product.shop_id, CartGroup(shop=product.shop))
        group.lines.append(CartLine(product, quantities[product.id]))
    return sorted(by_shop.values(), key=lambda g: g.shop.name)


def clear(product_ids) -> None:
    """Remove these products from the logged-in resident's cart (after an order)."""
    for item in db.session.scalars(select(CartItem).filter_by(user_id=current_user.id)):
        if item.product_id in product_ids:
            db.session.delete(item)
    db.session.commit()


def merge_session_cart(user) -> None:
    """At login: the anonymous cart's lines join the account's cart (quantities add up)."""
    stored = session.pop(SESSION_KEY, None)
    if not stored:
        return
    existing = {item.product_id: item for item in db.session.scalars(select(CartItem).filter_by(user_id=user.id))}
    for key, quantity in stored.items():
        product = db.session.get(Product, int(key))
        if product is None:
            continue
        if product.id in existing:
            existing[product.id].quantity = min(existing[product.id].quantity + quantity, MAX_QUANTITY)
        else:
            db.session.add(CartItem(user_id=user.id, product_id=product.id, quantity=min(quantity, MAX_QUANTITY)))
    db.session.commit()
