"""What waits for a shop today, on its dashboard: the orders to accept, prepare and hand over,
the products sold out, the catalogue feeds whose last reading failed, the card payments taken
today, and for its owner the next transfer. One look on a phone, instead of a tour of the pages.
On Monday its owner gets the same by e-mail with the week's takings, so that they need not log in."""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from loyalty.clock import paris_day, paris_day_bounds, utc_now
from loyalty.queries import shop_redemptions
from marketplace import mail, settlement_schedule, stock_alerts
from marketplace.extensions import db
from marketplace.feeds import shop_feeds
from marketplace.i18n import lazy_gettext, lazy_ngettext
from marketplace.models import Order, OrderShop, Product, Shop, ShopMember, User
from marketplace.urls import public_url_for


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
    sold_out = failed = 0  # a business without a catalogue (services) has no stock nor feeds to watch
    if shop.has_catalogue:
        sold_out = db.session.scalar(select(func.count()).select_from(Product).where(
            Product.shop_id == shop.id, Product.active.is_(True), Product.stock == 0))
        failed = sum(1 for feed, run in shop_feeds(shop.id)
                     if feed.status == "active" and run and run.status == "failed")
    today = shop_redemptions(db.session, shop.id, paris_day(utc_now()))
    return ShopOverview(
        new_orders=orders.get("paid", 0), preparing=orders.get("accepted", 0), waiting_pickup=orders.get("ready", 0),
        sold_out=sold_out, awaited=stock_alerts.awaited(shop.id), failed_feeds=failed,
        card_count=today.payment_count,
        card_cents=today.total_cents, next_payment=settlement_schedule.next_payment(shop) if owner else None)


# --- The week's summary, mailed to the owner on Monday ---------------------------------------------


@dataclass(frozen=True)
class ShopWeek:
    starts_on: date  # Monday
    ends_on: date  # Sunday
    card_count: int
    card_cents: int
    orders: int  # online orders paid in the week
    orders_cents: int


def week_of(shop: Shop, monday: date) -> ShopWeek:
    sunday = monday + timedelta(days=6)
    takings = shop_redemptions(db.session, shop.id, monday, through=sunday)
    start, end = paris_day_bounds(monday)[0], paris_day_bounds(sunday)[1]
    orders, cents = db.session.execute(
        select(func.count(), func.coalesce(func.sum(OrderShop.subtotal_cents), 0))
        .join(Order, Order.id == OrderShop.order_id)
        .where(OrderShop.shop_id == shop.id, OrderShop.status.not_in(("pending_payment", "failed")),
               Order.paid_at >= start, Order.paid_at < end)).one()
    return ShopWeek(monday, sunday, takings.payment_count, takings.total_cents, orders, int(cents))


def summary_lines(shop: Shop, week: ShopWeek, today: ShopOverview, wanted) -> list:
    """The summary's lines; none when the week brought nothing and nothing waits."""
    lines = []
    if shop.accepts_card and week.card_count:
        lines.append(lazy_ngettext("- Carte du territoire : %(num)s paiement, %(amount)s",
                                   "- Carte du territoire : %(num)s paiements, %(amount)s", week.card_count,
                                   amount=mail.amount(week.card_cents)))
    if week.orders:
        lines.append(lazy_gettext("- Commandes en ligne reçues : %(n)s, %(amount)s", n=week.orders,
                                  amount=mail.amount(week.orders_cents)))
    waiting = [text for count, text in (
        (today.new_orders, lazy_ngettext("%(num)s commande à accepter", "%(num)s commandes à accepter",
                                         today.new_orders)),
        (today.preparing, lazy_ngettext("%(num)s à préparer", "%(num)s à préparer", today.preparing)),
        (today.waiting_pickup, lazy_ngettext("%(num)s prête, pas encore retirée", "%(num)s prêtes, pas encore retirées",
                                             today.waiting_pickup))) if count]
    if waiting:
        lines.append(lazy_gettext("- Ce matin : %(orders)s", orders=mail.joined(waiting, ", ")))
    if today.sold_out:
        lines.append(mail.joined([
            lazy_ngettext("- %(num)s produit en ligne épuisé", "- %(num)s produits en ligne épuisés", today.sold_out),
            lazy_ngettext(", attendu par %(num)s habitant", ", attendus par %(num)s habitants", today.awaited)
            if today.awaited else ""]))
    if not lines:
        return []
    if today.next_payment and today.next_payment.payout_cents:
        lines.append(lazy_gettext("- Prochain virement de la carte : %(amount)s, demandé à la banque le %(day)s",
                                  amount=mail.amount(today.next_payment.payout_cents),
                                  day=mail.date(today.next_payment.execution_date)))
    if wanted and shop.has_catalogue:  # a business without a catalogue sells nothing searched
        lines.append(lazy_gettext("- Cherché par les habitants, vendu par aucun commerce : %(searches)s",
                                  searches=", ".join(f"{row.text} ({row.count})" for row in wanted)))
    return lines


def send_weekly_summaries(today: date | None = None) -> int:
    """Mail each approved shop's owners the week before (Monday; each week once per shop), unless
    they turned it off or the week brought nothing and nothing waits. The number of shops."""
    from search.unmet import wanted_by_residents

    today = today or paris_day(utc_now())
    monday = today - timedelta(days=today.weekday() + 7)
    shops = db.session.scalars(select(Shop).where(Shop.status == "approved", Shop.weekly_summary.is_(True),
                                                  (Shop.summary_sent_for.is_(None)) | (Shop.summary_sent_for < monday))
                               .order_by(Shop.id)).all()
    wanted = wanted_by_residents() if shops else []
    sent = 0
    for shop in shops:
        lines = summary_lines(shop, week_of(shop, monday), overview(shop, owner=True), wanted)
        owners = db.session.scalars(select(User.email).join(ShopMember, ShopMember.user_id == User.id)
                                    .where(ShopMember.shop_id == shop.id, ShopMember.role == "owner")).all()
        for email in owners if lines else []:
            mail.send_mail(email, lazy_gettext("Votre semaine sur Halle : %(shop)s", shop=shop.name), lazy_gettext(
                "Bonjour,\n\nDu %(start)s au %(end)s, chez %(shop)s :\n%(lines)s\n\n"
                "Votre tableau de bord : %(link)s\n\n"
                "Ce résumé part chaque lundi ; pour ne plus le recevoir, décochez-le dans les informations du "
                "commerce : %(settings)s\n\nHalle", start=mail.date(monday), end=mail.date(monday + timedelta(days=6)),
                shop=shop.name, lines=mail.joined(lines, "\n"),
                link=public_url_for("shop.dashboard", shop_id=shop.id),
                settings=public_url_for("shop.settings", shop_id=shop.id)))
        shop.summary_sent_for = monday
        db.session.commit()
        sent += bool(lines and owners)
    return sent
