"""What waits for a shop today, on its dashboard: the orders to accept, prepare and hand over,
the products sold out, the catalogue feeds whose last reading failed, the card payments taken
today, and for its owner the next transfer. One look on a phone, instead of a tour of the pages."""
from dataclasses import dataclass

from sqlalchemy import func, select

from loyalty.clock import paris_day, utc_now
from loyalty.queries import shop_redemptions
from marketplace import settlement_schedule, stock_alerts
from marketplace.extensions import db
from marketplace.feeds import shop_feeds
from marketplace.models import OrderShop, Product, Shop


@dataclass(frozen=True)
class ShopOverview:
    new_orders: int  # paid: to accept or refuse
    preparing: int  # accepted: to prepare
    waiting_pickup: int  # ready: not collected yet
    sold_out: int  # online products with no stock left
    awaited: int  # residents waiting for one of its products to be back
    failed_feeds: int  # running feeds whose last reading failed
    card_count: int  # card payments taken today (voided ones left out)
    card_cents: int  # what they brought, less voids and refunds
    next_payment: settlement_schedule.NextPayment | None  # for the owner; None otherwise or by hand

    @property
    def waiting(self) -> int:
        """How many things wait for someone of the shop to act."""
        return self.new_orders + self.preparing + self.waiting_pickup + self.sold_out + self.failed_feeds


def overview(shop: Shop, *, owner: bool) -> ShopOverview:
    orders = dict(db.session.execute(
        select(OrderShop.status, func.count()).where(OrderShop.shop_id == shop.id,
                                                     OrderShop.status.in_(("paid", "accepted", "ready")))
        .group_by(OrderShop.status)).all())
    sold_out = db.session.scalar(select(func.count()).select_from(Product).where(
        Product.shop_id == shop.id, Product.active.is_(True), Product.stock == 0))
    failed = sum(1 for feed, run in shop_feeds(shop.id) if feed.status == "active" and run and run.status == "failed")
    today = shop_redemptions(db.session, shop.id, paris_day(utc_now()))
    return ShopOverview(
        new_orders=orders.get("paid", 0), preparing=orders.get("accepted", 0), waiting_pickup=orders.get("ready", 0),
        sold_out=sold_out, awaited=stock_alerts.awaited(shop.id), failed_feeds=failed, card_count=sum(1 for line in today.lines if not line.voided),
        card_cents=today.total_cents, next_payment=settlement_schedule.next_payment(shop) if owner else None)
