"""A resident who finds a product sold out asks to be told when it is back; the shop restocks as it
always does (by hand, a spreadsheet, a feed, an order given back) and the scheduler mails each
waiting resident once, within minutes, then forgets the request. The shop sees on its dashboard
how many residents wait for its sold-out products."""
import logging

from flask_babel import gettext
from sqlalchemy import delete, func, select

from marketplace import mail
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models import Product, Shop, StockAlert, User
from marketplace.models.shops import public_product_clause
from marketplace.urls import public_url_for

log = logging.getLogger(__name__)
MAX_ALERTS_PER_RESIDENT = 50


class AlertRefused(ValueError):
    """Why the alert is not set (in the reader's language)."""


def alert_of(user_id: int, product_id: int) -> StockAlert | None:
    return db.session.scalar(select(StockAlert).where(StockAlert.user_id == user_id,
                                                      StockAlert.product_id == product_id))


def ask(user_id: int, product: Product) -> StockAlert:
    """Set the resident's alert on a public sold-out product (once: asking again finds it)."""
    if (existing := alert_of(user_id, product.id)) is not None:
        return existing
    if product.in_stock:
        raise AlertRefused(gettext("Ce produit est disponible : commandez-le ou passez au commerce."))
    count = db.session.scalar(select(func.count()).select_from(StockAlert).where(StockAlert.user_id == user_id))
    if count >= MAX_ALERTS_PER_RESIDENT:
        raise AlertRefused(gettext("Vous attendez déjà %(n)s produits : retirez-en un d'abord.",
                                   n=MAX_ALERTS_PER_RESIDENT))
    alert = StockAlert(user_id=user_id, product_id=product.id)
    db.session.add(alert)
    db.session.commit()
    return alert


def forget(user_id: int, product_id: int) -> None:
    db.session.execute(delete(StockAlert).where(StockAlert.user_id == user_id, StockAlert.product_id == product_id))
    db.session.commit()


def alerts_of(user_id: int) -> list[StockAlert]:
    return list(db.session.scalars(select(StockAlert).where(StockAlert.user_id == user_id)
                                   .order_by(StockAlert.created_at.desc(), StockAlert.id.desc())))


def awaited(shop_id: int) -> int:
    """How many residents wait for one of the shop's online products sold out."""
    return db.session.scalar(select(func.count(func.distinct(StockAlert.user_id))).join(
        Product, Product.id == StockAlert.product_id).where(Product.shop_id == shop_id, Product.active.is_(True),
                                                            Product.stock == 0))


def notify_back_in_stock() -> int:
    """Mail every resident whose product can be bought again, once; the number of mails. The mail
    goes before the row is deleted: a crash in between sends it twice, never loses it."""
    due = db.session.execute(
        select(StockAlert.id, User.email, Product, Shop).join(User, User.id == StockAlert.user_id)
        .join(Product, Product.id == StockAlert.product_id).join(Shop, Shop.id == Product.shop_id)
        .where(public_product_clause(), Product.stock.is_(None) | (Product.stock > 0))
        .order_by(StockAlert.id)).all()
    for alert_id, email, product, shop in due:
        mail.send_mail(
            email,
            lazy_gettext("De retour chez %(shop)s : %(product)s", shop=shop.name, product=product.name),
            lazy_gettext("Bonjour,\n\n« %(product)s » est de nouveau disponible chez %(shop)s (%(commune)s), "
                         "%(price)s.\n\n%(link)s\n\nVous aviez demandé à être prévenu(e) de son retour : "
                         "ce message est le seul.\n\nHalle", product=product.name, shop=shop.name,
                         commune=shop.commune.name, price=mail.amount(product.price_cents),
                         link=public_url_for("public.product", product_id=product.id)))
        db.session.execute(delete(StockAlert).where(StockAlert.id == alert_id))
        db.session.commit()
    if due:
        log.info("%d resident(s) told a product is back in stock", len(due))
    return len(due)
