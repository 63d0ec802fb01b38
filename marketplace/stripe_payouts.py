"""Stripe's payouts and fees in the books.

Stripe pays out what it collected less its fees. The ledger books the charges gross (an online
sale, a gift card, a campaign paid by card: the Stripe clearing account `territory:stripe`, or
`external:stripe` for the campaigns, goes negative by them), so each fee is booked as an expense
of the territory (`fee` entries: the bank fees account, PCG 627 in the chart) and the clearing
account is zero once the payout has landed:

- where the fee is known per charge (the charge's balance transaction), it is booked when the
  payment succeeds (`book_charge_fee`, once per charge);
- when a payout arrives — Stripe's `payout.paid` event or the bank statement's line —, what the
  ledger expected Stripe to pay (what it owed for the charges booked before the end of the day the
  payout lands, less the payouts and fees already booked) is compared with what it paid: a positive difference within
  the tolerance (`STRIPE_FEE_TOLERANCE_BPS` of what was expected) is booked as fees with the
  payout, in one transaction; any other difference is left for the admin with what it is. Both
  are dated the day the payout landed (`payout_moment`), in that month's books unless it is closed.

Entries are never edited: the fees are new entries, idempotent on the charge or on the payout id
(`stripe-payout:po_…`). A payout is recorded once whichever comes first, the event or the bank
line: the line keeps the payout's id (`BankLine.stripe_payout_id`), and a line without one is
matched to a payout the event recorded by its amount.
"""
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, or_, select

from loyalty import accounts as acc
from loyalty import sales
from loyalty.closing import closed_month_of
from loyalty.clock import paris_day, paris_day_bounds, stored_now
from loyalty.models import Account, Entry, Posting
from loyalty.money import euros as money
from loyalty.transactions import existing_entry
from marketplace import audit
from marketplace.extensions import db
from marketplace.models.bank import BankLine

PAYOUT_ID = re.compile(r"\bpo_[A-Za-z0-9]{6,60}\b")
PAYOUT_KEY = "stripe-payout:"


@dataclass(frozen=True)
class PayoutBooked:
    entry_id: int
    expected_cents: int  # what the ledger expected Stripe to pay, before any fee of this payout
    fee_cents: int  # fees booked with the payout
    already: bool = False  # recorded before (same payout id, or the line/event of the same payout)
    message: str = ""  # for the admin: empty when nothing is left to look at

    @property
    def settled(self) -> bool:
        return not self.message


def payout_id_in(text: str) -> str | None:
    """The Stripe payout id (po_…) a bank line's text carries, if any."""
    found = PAYOUT_ID.search(text or "")
    return found.group(0) if found else None


def tolerance_cents(expected_cents: int) -> int:
    """The largest difference taken as fees: STRIPE_FEE_TOLERANCE_BPS of what was expected (5 % by
    default: Stripe's European card fees are 1.5 % + 0.25 €)."""
    return max(expected_cents, 0) * int(current_app.config["STRIPE_FEE_TOLERANCE_BPS"]) // 10_000


def expected_cents(cutoff: datetime) -> int:
    """What Stripe owes the territory for the charges booked before `cutoff` (stored naive UTC), less
    every payout and fee already booked: minus the postings on Stripe's two accounts."""
    codes = (acc.STRIPE_CLEARING, "external:stripe")
    total = db.session.scalar(
        select(func.coalesce(func.sum(Posting.amount_cents), 0))
        .join(Entry, Entry.id == Posting.entry_id).join(Account, Account.id == Posting.account_id)
        .where(Account.code.in_(codes), or_(Entry.kind.in_(("payout", "fee")), Entry.created_at < cutoff)))
    return -int(total)


def payout_moment(landed_on: date) -> datetime | None:
    """When a payout that reached the bank on `landed_on` goes in the books: the last second of
    that Paris day (after the charges it pays out), so that a statement imported the next morning
    still puts the month's last payout in that month; never later than now. None (now) when that
    day's month is closed: the entry then goes in the first open month."""
    moment = min(landing_cutoff(landed_on) - timedelta(seconds=1), stored_now())
    return None if closed_month_of(db.session, moment) is not None else moment


def landing_cutoff(day: date) -> datetime:
    """The charges a payout landing on `day` (Paris) is compared with: those booked before that day ends."""
    return paris_day_bounds(day)[1]


def book_payout(amount_cents: int, *, key: str, memo: str, landed_on: date, actor: str) -> PayoutBooked:
    """Record a payout of `amount_cents` that reached the bank on `landed_on` (a Paris day),
    idempotent on `key`, with the fees it explains, both dated that day (see payout_moment)."""
    if entry := existing_entry(db.session, key):
        return PayoutBooked(entry.id, 0, 0, already=True)
    expected = expected_cents(landing_cutoff(landed_on))
    difference = expected - amount_cents
    fee = difference if 0 < difference <= tolerance_cents(expected) else 0
    result = sales.record_stripe_payout(db.session, amount_cents=amount_cents, payout_ref=memo, key=key,
                                        actor=actor, fee_cents=fee, now=payout_moment(landed_on))
    return PayoutBooked(result.entry_id, expected, fee, message=_difference_message(amount_cents, expected, fee))


def _difference_message(paid: int, expected: int, fee: int) -> str:
    difference = expected - paid - fee
    if difference > 0:
        return gettext(
            "Stripe a versé %(paid)s, le grand livre attendait %(expected)s : l'écart de %(difference)s dépasse la "
            "tolérance des frais (%(tolerance)s). Le versement est inscrit, pas l'écart : voyez ce versement dans le "
            "tableau de bord Stripe (frais, remboursements, ventes pas encore versées), puis notez ce qu'il en est.",
            paid=money(paid), expected=money(expected), difference=money(difference),
            tolerance=money(tolerance_cents(expected)))
    if difference < 0:
        return gettext(
            "Stripe a versé %(paid)s, %(surplus)s de plus que le grand livre n'attendait (%(expected)s) : le "
            "versement est inscrit ; voyez dans le tableau de bord Stripe quel paiement Halle n'a pas enregistré, "
            "puis notez ce qu'il en est.", paid=money(paid), surplus=money(-difference), expected=money(expected))
    return ""


def recorded_payout(payout_id: str | None, amount_cents: int) -> tuple[Entry, str] | None:
    """The payout entry Stripe's event recorded for this payout (by its id; without one, the first
    of this amount that no bank line shows yet), with the payout's id."""
    if payout_id:
        entry = existing_entry(db.session, f"{PAYOUT_KEY}{payout_id}")
        return (entry, payout_id) if entry is not None else None
    shown = select(BankLine.ledger_entry_id).where(BankLine.ledger_entry_id.is_not(None))
    entry = db.session.scalar(select(Entry).where(
        Entry.kind == "payout", Entry.idempotency_key.startswith(PAYOUT_KEY), Entry.amount_cents == amount_cents,
        Entry.id.not_in(shown)).order_by(Entry.id).limit(1))
    return (entry, entry.idempotency_key.removeprefix(PAYOUT_KEY)) if entry is not None else None


def record_paid_payout(payout: dict) -> PayoutBooked | None:
    """Stripe says a payout was paid (`payout`: the object, as retrieved from Stripe). Recorded
    once: not again when a bank line recorded it already (by its id, or the first line of its
    amount that no payout id explains yet, which then gets this id). None: not a paid euro payout."""
    if payout.get("status") != "paid" or payout.get("currency") != "eur" or not payout.get("amount"):
        return None
    payout_id, cents = payout["id"], int(payout["amount"])
    if line_id := db.session.scalar(select(BankLine.id).where(BankLine.stripe_payout_id == payout_id)):
        return PayoutBooked(db.session.get(BankLine, line_id).ledger_entry_id or 0, 0, 0, already=True)
    if entry := existing_entry(db.session, f"{PAYOUT_KEY}{payout_id}"):
        return PayoutBooked(entry.id, 0, 0, already=True)
    line = db.session.scalar(select(BankLine).where(
        BankLine.match == "stripe_payout", BankLine.ledger_entry_id.is_not(None),
        BankLine.stripe_payout_id.is_(None), BankLine.amount_cents == cents).order_by(BankLine.id).limit(1))
    if line is not None:
        line.stripe_payout_id = payout_id
        db.session.commit()
        return PayoutBooked(line.ledger_entry_id, 0, 0, already=True)
    booked = book_payout(cents, key=f"{PAYOUT_KEY}{payout_id}", memo=f"Stripe {payout_id}",
                         landed_on=paris_day(datetime.fromtimestamp(int(payout["arrival_date"]), UTC)),
                         actor="stripe")
    if booked.message:
        audit.record("stripe.payout_difference", None, summary=f"Versement Stripe {payout_id} : {booked.message}"[:500])
        db.session.commit()
    return booked


def book_charge_fee(charge_id: str, fee_cents: int) -> int | None:
    """The fee Stripe took on a charge, booked once (key per charge); None when there is none."""
    if not charge_id or fee_cents <= 0:
        return None
    return sales.record_stripe_fee(db.session, amount_cents=fee_cents, memo=f"Stripe {charge_id}",
                                   key=f"stripe-fee:{charge_id}", actor="stripe").entry_id
