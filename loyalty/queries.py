"""Read-only questions the till, the holder's page and the employer ask of the ledger."""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty import terms
from loyalty.clock import paris_day, paris_day_bounds, utc_now
from loyalty.grants import (
    card_grants,
    live_balance,
    spendable_grants,
    take_in_order,
)
from loyalty.models import Card, Entry, Grant, Posting


def card_balance(session: Session, card_id: int, *, today: date | None = None) -> int:
    """What the card holds: the balances of its grants that have not expired."""
    return live_balance(card_grants(session, card_id), today or paris_day(utc_now()))


def spendable_balance(session: Session, card_id: int, shop_id: int, *, today: date | None = None) -> int:
    """What the card can pay at this shop today (grants allowed there, not expired); 0 when
    the card is not active or the shop does not take the card (see steps.take_from_card)."""
    card = session.get(Card, card_id)
    shop_terms = terms.for_shop(session, shop_id)
    if card is None or card.status != "active" or not shop_terms.takes_card:
        return 0
    usable = spendable_grants(card_grants(session, card_id), shop_terms, today or paris_day(utc_now()))
    return sum(g.account.balance_cents for g in usable)


def spendable_in_turn(session: Session, card_id: int, wanted: dict[int, int], *,
                      today: date | None = None) -> dict[int, int]:
    """Per shop id, in the order given: what the card can pay there towards `wanted[shop]` once the
    shops before it have taken theirs, each from its grants in the ledger's order. A cart across
    shops is held shop after shop: summing each shop's spendable_balance would count twice a grant
    usable in several of them."""
    card = session.get(Card, card_id)
    if card is None or card.status != "active":
        return {shop_id: 0 for shop_id in wanted}
    today = today or paris_day(utc_now())
    grants = card_grants(session, card_id)
    left = {g.id: g.account.balance_cents for g in grants}
    allowance = {}
    for shop_id, wanted_cents in wanted.items():
        shop_terms = terms.for_shop(session, shop_id)
        usable = spendable_grants(grants, shop_terms, today) if shop_terms.takes_card else []
        allowance[shop_id] = min(wanted_cents, sum(left[g.id] for g in usable))
        for grant_id, part in take_in_order(usable, left, allowance[shop_id]).items():
            left[grant_id] -= part
    return allowance


@dataclass(frozen=True)
class HistoryLine:
    entry_id: int
    kind: str
    created_at: datetime  # naive UTC
    amount_cents: int  # effect on the card's grants: negative when money left them
    balance_after_cents: int | None
    shop_id: int | None
    memo: str


def card_history(session: Session, card_id: int) -> list[HistoryLine]:
    """Every entry that moved money on the card's grants, newest first."""
    rows = session.execute(
        select(Entry, func.sum(Posting.amount_cents))
        .join(Posting, Posting.entry_id == Entry.id)
        .join(Grant, Grant.account_id == Posting.account_id)
        .where(Grant.card_id == card_id)
        .group_by(Entry.id)
        .order_by(Entry.created_at.desc(), Entry.id.desc())
    ).all()
    return [HistoryLine(entry.id, entry.kind, entry.created_at, int(effect), entry.card_balance_after_cents,
                        entry.shop_id, entry.memo) for entry, effect in rows]


@dataclass(frozen=True)
class RedemptionLine:
    entry_id: int
    created_at: datetime  # naive UTC
    card_id: int
    masked_number: str
    amount_cents: int
    voided: bool
    refunded_cents: int


@dataclass(frozen=True)
class ShopDay:
    day: date
    lines: list[RedemptionLine]

    @property
    def payment_count(self) -> int:
        """The payments that stand (voided ones left out)."""
        return sum(1 for line in self.lines if not line.voided)

    @property
    def total_cents(self) -> int:
        """What the card brought the shop that day: redemptions, less voids and refunds."""
        return sum(0 if line.voided else line.amount_cents - line.refunded_cents for line in self.lines)


def shop_redemptions(session: Session, shop_id: int, day: date, through: date | None = None) -> ShopDay:
    """The card payments taken at a shop on a Paris day (the till's day report), or from `day` to
    `through` included (a shop's week)."""
    start, end = paris_day_bounds(day)[0], paris_day_bounds(through or day)[1]
    rows = session.execute(
        select(Entry, Card.number)
        .join(Card, Card.id == Entry.card_id)
        .where(Entry.shop_id == shop_id, Entry.kind.in_(("redeem", "capture")),
               Entry.created_at >= start, Entry.created_at < end)
        .order_by(Entry.created_at, Entry.id)
    ).all()
    ids = [entry.id for entry, _ in rows]
    voided = set(session.scalars(select(Entry.voided_entry_id).where(Entry.voided_entry_id.in_(ids))))
    refunded = dict(session.execute(
        select(Entry.refunded_entry_id, func.sum(Entry.amount_cents))
        .where(Entry.refunded_entry_id.in_(ids)).group_by(Entry.refunded_entry_id)
    ).all())
    lines = [RedemptionLine(entry.id, entry.created_at, entry.card_id, f"•••• •••• •••• {number[-4:]}",
                            entry.amount_cents, entry.id in voided, int(refunded.get(entry.id, 0)))
             for entry, number in rows]
    return ShopDay(day, lines)
