"""Two-phase card payments for online orders (as TigerBeetle's pending transfers).

`hold` reserves an amount on the card (it leaves the grants for the card's holds account);
then exactly one of `capture` (all or part of it goes to the shop, the rest back to the
grants), `release` (all back) or the expiry of holds older than a set age. An order paid partly
by card holds the card part until Stripe confirms the rest, and releases it if Stripe fails.
Capture and release work whatever the card's state since: the order was accepted while the
card was active.
"""
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import accounts as acc
from loyalty import terms
from loyalty.cards import lock_card
from loyalty.clock import as_naive_utc, paris_day
from loyalty.errors import N_, HoldNotPending, InvalidAmount
from loyalty.grants import card_grants, live_balance, take_in_order
from loyalty.models import Card, Hold
from loyalty.results import LedgerResult, result_of
from loyalty.steps import (
    check_positive,
    purse_amounts,
    replay_if_done,
    run_once,
    run_payment,
    stamp,
    take_from_card,
)
from loyalty.transactions import request_hash, require_clean_session

DEFAULT_HOLD_MAX_AGE = timedelta(minutes=30)


def hold(session: Session, *, card_id: int, shop_id: int, amount_cents: int, key: str, actor: str,
         allow_partial: bool = False, now: datetime | None = None) -> LedgerResult:
    """Reserve `amount_cents` (or, with `allow_partial`, up to it) for an order at `shop_id`,
    taken from the grants as a redemption would. The result carries `hold_id`. An order is
    placed online by the card's holder, signed in to their account: no PIN is asked."""
    check_positive(amount_cents)
    fingerprint = request_hash("hold", card_id=card_id, shop_id=shop_id, amount_cents=amount_cents,
                               allow_partial=allow_partial)
    moment = stamp(now)
    shop_terms = terms.for_shop(session, shop_id)

    def pay(card: Card) -> LedgerResult:
        holds_account = acc.card_holds_account(session, card.id)
        taking = take_from_card(session, card, shop_terms, amount_cents, allow_partial, paris_day(moment),
                                payee=holds_account)
        entry = acc.post(session, taking.movements(), key=key, fingerprint=fingerprint,
                         kind="hold", actor=actor, amount_cents=taking.total, now=moment, card_id=card.id,
                         shop_id=shop_id, card_balance=taking.balance_after, known=taking.accounts())
        the_hold = Hold(card_id=card.id, shop_id=shop_id, amount_cents=taking.total, status="pending",
                        hold_entry_id=entry.id, created_at=moment)
        session.add(the_hold)
        session.flush()
        return taking.result(entry, hold_id=the_hold.id)

    return run_payment(session, key, fingerprint, card_id, None, pay, holder_signed_in=True)


def capture(session: Session, *, hold_id: int, amount_cents: int, key: str, actor: str,
            now: datetime | None = None) -> LedgerResult:
    """Pay the shop `amount_cents` (at most the held amount) and give the rest back. The grants
    that expire soonest pay first, as in a redemption. Raises HoldNotPending once closed."""
    check_positive(amount_cents)
    fingerprint = request_hash("capture", hold_id=hold_id, amount_cents=amount_cents)
    return _close(session, hold_id, amount_cents, key=key, fingerprint=fingerprint, kind="capture",
                  status="captured", actor=actor, now=now)


def release(session: Session, *, hold_id: int, key: str, actor: str, now: datetime | None = None) -> LedgerResult:
    """Give the whole held amount back to the grants it came from."""
    fingerprint = request_hash("release", hold_id=hold_id)
    return _close(session, hold_id, 0, key=key, fingerprint=fingerprint, kind="release",
                  status="released", actor=actor, now=now)


def expire_holds(session: Session, *, now: datetime | None = None, max_age: timedelta = DEFAULT_HOLD_MAX_AGE,
                 actor: str = "system") -> list[LedgerResult]:
    """Release the pending holds created more than `max_age` before `now`. Safe to run again."""
    moment = stamp(now)
    require_clean_session(session)
    due = session.scalars(
        select(Hold.id).where(Hold.status == "pending", Hold.created_at < moment - max_age).order_by(Hold.id)
    ).all()
    results = []
    for hold_id in due:
        fingerprint = request_hash("release", hold_id=hold_id)
        try:
            results.append(_close(session, hold_id, 0, key=f"hold:{hold_id}:expire", fingerprint=fingerprint,
                                  kind="release", status="expired", actor=actor, now=moment))
        except HoldNotPending:  # captured or released meanwhile
            continue
    return results


def _close(session: Session, hold_id: int, captured_cents: int, *, key: str, fingerprint: str, kind: str,
           status: str, actor: str, now: datetime | None) -> LedgerResult:
    moment = stamp(now)

    def work() -> LedgerResult:
        found = session.get(Hold, hold_id)
        if found is None:
            raise HoldNotPending(N_("Réservation inconnue."))
        card = lock_card(session, found.card_id)
        the_hold = _lock_hold(session, hold_id)
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        if the_hold.status != "pending":
            raise HoldNotPending()
        if captured_cents > the_hold.amount_cents:
            raise InvalidAmount(N_("Au plus %(most)s peuvent être encaissés sur cette réservation."),
                                amounts={"most": the_hold.amount_cents})
        held = {grant: -cents for grant, cents in purse_amounts(session, [the_hold.hold_entry_id]).items()}
        soonest_first = sorted(held, key=lambda g: (g.expires_on, g.id))
        paid = take_in_order(soonest_first, {g.id: held[g] for g in soonest_first}, captured_cents)
        grants = card_grants(session, card.id)
        holds_account = acc.card_holds_account(session, card.id)
        payable = acc.shop_payable_account(session, the_hold.shop_id)
        movements = {grant.account_id: cents - paid.get(grant.id, 0) for grant, cents in held.items()}
        movements[holds_account.id] = -the_hold.amount_cents
        movements[payable.id] = captured_cents
        entry = acc.post(session, movements, key=key, fingerprint=fingerprint, kind=kind, actor=actor,
                         amount_cents=captured_cents if kind == "capture" else the_hold.amount_cents,
                         now=moment, card_id=card.id, shop_id=the_hold.shop_id,
                         card_balance=lambda: live_balance(grants, paris_day(moment)))
        the_hold.status = status
        the_hold.captured_cents = captured_cents
        the_hold.close_entry_id = entry.id
        the_hold.closed_at = as_naive_utc(moment)
        session.flush()
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def _lock_hold(session: Session, hold_id: int) -> Hold:
    return session.scalar(
        select(Hold).where(Hold.id == hold_id).with_for_update().execution_options(populate_existing=True)
    )
