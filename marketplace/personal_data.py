"""What Halle holds about an account, in one JSON file for its holder (RGPD: the rights of access
and portability), downloaded from the profile page.

Amounts are integer cents with the euros beside them as text; dates are ISO 8601 (UTC for
moments, the territory's day for days). Everything the account's own pages show is here: the
profile, the cards and their movements, the orders and their lines, the products awaited, the
gift cards bought, the teams the account belongs to.
"""
import json

from flask import current_app
from sqlalchemy import select

from loyalty.models import Card
from loyalty.queries import card_balance, card_history
from marketplace.card_holders import history_label
from marketplace.extensions import db
from marketplace.models import (AssociationManager, CardCounterMember, CommuneManager, CreditPurchase, Order, Shop,
                                StockAlert, User)


def download(user: User, filename: str):
    """The export as a JSON file to save (never kept by a cache on the way)."""
    response = current_app.response_class(json.dumps(export(user), ensure_ascii=False, indent=2),
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def export(user: User) -> dict:
    return {
        "format": "halle-personal-data/1",
        "account": {"email": user.email, "first_name": user.first_name, "last_name": user.last_name,
                    "home_commune": user.home_commune.name if user.home_commune else None,
                    "language": user.locale, "created_at": _moment(user.created_at),
                    "email_confirmed_at": _moment(user.email_confirmed_at)},
        "cards": [_card(card) for card in db.session.scalars(
            select(Card).where(Card.holder_user_id == user.id).order_by(Card.id))],
        "orders": [_order(order) for order in db.session.scalars(
            select(Order).where(Order.user_id == user.id).order_by(Order.id))],
        "awaited_products": [alert.product.name for alert in db.session.scalars(
            select(StockAlert).where(StockAlert.user_id == user.id).order_by(StockAlert.id))],
        "gift_cards_bought": [_purchase(purchase) for purchase in db.session.scalars(
            select(CreditPurchase).where(CreditPurchase.buyer_user_id == user.id).order_by(CreditPurchase.id))],
        "teams": teams(user),
    }


def _moment(value):
    return value.isoformat(timespec="seconds") + "Z" if value else None


def _money(cents: int) -> dict:
    return {"cents": cents, "euros": f"{cents / 100:.2f}"}


def _card(card: Card) -> dict:
    lines = card_history(db.session, card.id)[::-1]  # oldest first
    shops = dict(db.session.execute(select(Shop.id, Shop.name).where(Shop.id.in_({line.shop_id for line in lines})))
                 .all())
    return {"number": card.number, "status": card.status, "balance": _money(card_balance(db.session, card.id)),
            "movements": [{"at": _moment(line.created_at), "what": str(history_label(line)),
                           "amount": _money(line.amount_cents), "shop": shops.get(line.shop_id)} for line in lines]}


def _order(order: Order) -> dict:
    return {"reference": order.reference, "at": _moment(order.created_at), "status": order.status,
            "total": _money(order.total_cents),
            "shops": [{"shop": sub.shop.name, "status": sub.status, "subtotal": _money(sub.subtotal_cents),
                       "lines": [{"product": line.name, "unit": line.unit, "quantity": line.quantity,
                                  "unit_price": _money(line.unit_price_cents)} for line in sub.lines]}
                      for sub in order.shops]}


def _purchase(purchase: CreditPurchase) -> dict:
    return {"at": _moment(purchase.created_at), "kind": purchase.kind, "status": purchase.status,
            "amount": _money(purchase.amount_cents), "buyer_name": purchase.buyer_name,
            "buyer_email": purchase.buyer_email,
            "cards": [{"recipient_name": item.recipient_name, "recipient_email": item.recipient_email,
                       "amount": _money(item.amount_cents)} for item in purchase.items]}


def teams(user: User) -> list[dict]:
    """The teams the account belongs to: kind (shop, hr, union, commune, counter), name and role."""
    found = [{"kind": "shop", "name": m.shop.name, "role": m.role} for m in user.shop_memberships]
    found += [{"kind": "hr", "name": m.employer.name, "role": m.role} for m in user.employer_memberships]
    for model, kind, name in ((AssociationManager, "union", lambda m: m.association.name),
                              (CommuneManager, "commune", lambda m: m.commune.name),
                              (CardCounterMember, "counter", lambda m: m.counter.name)):
        found += [{"kind": kind, "name": name(m), "role": "manager" if kind != "counter" else "seller"}
                  for m in db.session.scalars(select(model).where(model.user_id == user.id))]
    return found
