"""Taking the territorial card at the till (the page and the POS API share these functions).

Every money movement goes through loyalty's ledger functions; this module only turns what a
cashier typed into their arguments, scopes idempotency keys to the shop, counts each shop's wrong
PINs (SHOP_WRONG_PIN_LIMIT: all its tills, keys and cards together; beyond it, its PIN tries are
refused for the rest of the window), and tells the holder when their card's PIN gets locked.
"""
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from limits import parse as parse_limit
from sqlalchemy import func, select

from loyalty import ledger
from loyalty.cards import check_pin, find_card
from loyalty.errors import (N_, CardNotActive, CardNotFound, LedgerError, PinLocked, PinLockout, PinRequired,
                            WrongPin)
from loyalty.models import Card, Entry
from loyalty.clock import paris_day, utc_now
from loyalty.queries import ShopDay, shop_redemptions, spendable_balance
from loyalty.results import LedgerResult
from marketplace.card_holders import holder_of
from marketplace.extensions import db, limiter
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.observability import count_redemption
from marketplace.models import Shop
from marketplace.settings import card_settings


MAX_ID = 2**31 - 1  # the database's integer range: anything above cannot exist
MAX_PAYMENT_CENTS = 100_000_000  # one card payment or refund through the POS API (1 000 000 €); its schema says so
log = logging.getLogger(__name__)


# One answer, at the till and in the POS API, for an unknown card, a missing or wrong PIN, a locked
# PIN and a card that cannot pay: a shop cannot learn which numbers exist or lock cards knowingly.
CARD_REFUSALS = (CardNotFound, CardNotActive, WrongPin, PinRequired, PinLocked)
CARD_REFUSED = lazy_gettext(
    "Carte refusée : numéro inconnu, code PIN manquant ou erroné, ou carte inutilisable pour le moment.")


class ShopPinTriesExhausted(LedgerError):
    """This shop typed too many wrong PINs lately (whatever the cards): no PIN is tried for now."""

    code = "shop_pin_tries_exhausted"
    template = N_("Trop de codes PIN erronés dans ce commerce : les paiements avec code PIN reprendront dans "
                  "un moment.")


@dataclass(frozen=True)
class Quote:
    """What the card can pay of an amount at this shop, before anything moves."""

    card: Card
    amount_cents: int
    spendable_cents: int

    @property
    def takes_cents(self) -> int:
        return min(self.amount_cents, self.spendable_cents)

    @property
    def rest_cents(self) -> int:
        return self.amount_cents - self.takes_cents

    @property
    def is_partial(self) -> bool:
        return 0 < self.spendable_cents < self.amount_cents


def lookup_card(card_text: str) -> Card:
    """The card typed (number) or scanned (signed QR token); raises CardNotFound."""
    return find_card(db.session, card_text, secret=current_app.config["SECRET_KEY"])


def quote(shop: Shop, card: Card, amount_cents: int) -> Quote:
    return Quote(card, amount_cents, spendable_balance(db.session, card.id, shop.id))


def idempotency_key(shop_id: int, client_key: str) -> str:
    """Keys come from the till form or the POS client: scope them to the shop."""
    return f"till:{shop_id}:{client_key}"


def take_payment(shop: Shop, card: Card, amount_cents: int, *, pin: str | None, client_key: str,
                 actor: str, allow_partial: bool) -> LedgerResult:
    settings = card_settings(for_till=True)
    with _pin_tries(shop.id, pin, card.id):
        result = ledger.redeem(db.session, card_id=card.id, shop_id=shop.id, amount_cents=amount_cents,
                               key=idempotency_key(shop.id, client_key), actor=actor,
                               allow_partial=allow_partial, pin=pin,
                               pin_required_above_cents=settings.pin_required_above_cents,
                               pin_lock_minutes=settings.pin_lock_minutes)
    if not result.replayed:
        count_redemption(result.amount_cents)
    return result


def check_card_pin(shop: Shop, card: Card, pin: str | None) -> None:
    """A PIN checked before anything about the card is shown (balance look-up, the till's quote):
    wrong attempts count, as at payment."""
    with _pin_tries(shop.id, pin, card.id):
        check_pin(db.session, card.id, pin, lock_minutes=card_settings(for_till=True).pin_lock_minutes)


@contextmanager
def _pin_tries(shop_id: int, pin: str | None, card_id: int):
    """Around a PIN check: refuse it when the shop has no wrong PINs left, count a wrong one (or
    one tried on a locked PIN) against the shop, tell the holder when it locks their PIN."""
    if pin and not _shop_wrong_pins("test", shop_id):
        raise ShopPinTriesExhausted()
    try:
        yield
    except (WrongPin, PinLocked) as refusal:
        _shop_wrong_pins("hit", shop_id)
        if isinstance(refusal, PinLockout):
            notify_holder_of_lock(card_id, refusal.minutes)
        raise


def _shop_wrong_pins(action: str, shop_id: int) -> bool:
    """`test` (may the shop try a PIN?) or `hit` (one more wrong) in the rate limiter's storage
    (Redis in production), shared by every worker. Without limits (RATELIMIT_ENABLED=0) or while
    the storage is unreachable the shop is not held back: a till must not fail because Redis
    restarts, and each card's own lock still counts in the database."""
    if not limiter.enabled:
        return True
    limit = parse_limit(current_app.config["SHOP_WRONG_PIN_LIMIT"])
    try:
        return getattr(limiter.limiter, action)(limit, "wrong-pins", f"shop:{shop_id}")
    except Exception as error:  # noqa: BLE001 - any storage failure: see the docstring
        log.warning("shop wrong-PIN count unavailable: %s", error)
        return True


def void_payment(shop: Shop, entry_id: int, *, reason: str, client_key: str, actor: str) -> LedgerResult:
    return ledger.void(db.session, redemption_id=entry_id, shop_id=shop.id,
                       key=idempotency_key(shop.id, client_key), actor=actor, reason=reason)


def refund_payment(shop: Shop, entry_id: int, amount_cents: int, *, client_key: str, actor: str) -> LedgerResult:
    return ledger.refund(db.session, purchase_id=entry_id, shop_id=shop.id, amount_cents=amount_cents,
                         key=idempotency_key(shop.id, client_key), actor=actor)


def shop_payment(shop_id: int, entry_id: int) -> Entry | None:
    """A card payment taken by this shop (None for another shop's or another kind of entry)."""
    if not 0 < entry_id <= MAX_ID:
        return None
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.shop_id != shop_id or entry.kind not in ("redeem", "capture"):
        return None
    return entry


def notify_holder_of_lock(card_id: int, minutes: int) -> None:
    """Five wrong PINs locked the card's PIN: tell its holder (it may be someone else trying)."""
    card = db.session.get(Card, card_id)
    email = holder_of(card).email if card is not None else None
    if email:
        send_mail(email, lazy_gettext("Le code PIN de votre carte du territoire est verrouillé"),
                  lazy_gettext("Bonjour,\n\nLe code PIN de votre carte %(card)s vient d'être verrouillé pour "
                               "%(minutes)s minutes après 5 codes erronés en caisse.\nSi c'était vous, vous pouvez "
                               "le déverrouiller depuis votre compte Halle ; sinon, bloquez la carte depuis votre "
                               "compte ou contactez l'administration du territoire.\n\nHalle",
                               card=card.masked_number, minutes=minutes))


def day_report(shop_id: int, day: date) -> ShopDay:
    return shop_redemptions(db.session, shop_id, day)


def actors(report: ShopDay) -> dict[int, str]:
    """Who took each payment of a day report ("user:12", "apikey:3")."""
    ids = [line.entry_id for line in report.lines]
    if not ids:
        return {}
    return dict(db.session.execute(select(Entry.id, Entry.actor).where(Entry.id.in_(ids))).all())


def totals_by_cashier(report: ShopDay) -> dict[str, int]:
    """Net card takings per cashier (or API key) for the day."""
    who = actors(report)
    totals: dict[str, int] = {}
    for line in report.lines:
        net = 0 if line.voided else line.amount_cents - line.refunded_cents
        totals[who[line.entry_id]] = totals.get(who[line.entry_id], 0) + net
    return totals


def history(shop_id: int, start: date, end: date, *, cashier_user_id: int | None = None) -> list[ShopDay]:
    """Day reports from `start` to `end` (newest first), optionally for one cashier only."""
    days = []
    day = end
    while day >= start:
        report = day_report(shop_id, day)
        if cashier_user_id is not None:
            who = actors(report)
            report = ShopDay(day, [line for line in report.lines
                                   if who[line.entry_id] == f"user:{cashier_user_id}"])
        if report.lines:
            days.append(report)
        day -= timedelta(days=1)
    return days


@dataclass(frozen=True)
class PaymentStatus:
    voided: bool
    refunded_cents: int
    voidable_today: bool
    refundable_cents: int


def payment_status(entry: Entry) -> PaymentStatus:
    voided = db.session.scalar(select(Entry.id).where(Entry.voided_entry_id == entry.id)) is not None
    refunded = db.session.scalar(
        select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(Entry.refunded_entry_id == entry.id)
    )
    same_day = paris_day(entry.created_at) == paris_day(utc_now())
    return PaymentStatus(
        voided=voided,
        refunded_cents=int(refunded),
        voidable_today=entry.kind == "redeem" and same_day and not voided and not refunded,
        refundable_cents=0 if voided else entry.amount_cents - int(refunded),
    )


