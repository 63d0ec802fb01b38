"""The territorial card: its number, QR code, PIN and states.

A number is 16 digits: the territory prefix (9…: the ISO 7812 "national use" industry, never a
bank card), random digits from `secrets`, and a Luhn check digit that catches a mistyped digit
at the till. The QR code does not carry the number but a signed random token stored on the
card, so that a photo of the number alone cannot be turned into a QR code, and vice versa.

States: pending → active ⇄ blocked → deactivated (final). Apart from them, five wrong PINs
lock the PIN for a while (`pin_locked_until`): a temporary lock that lifts itself, not a state.
PINs are keyed hashes (loyalty/pins.py). Only an active card's balance
moves, with three exceptions that never hurt the holder: grants may be loaded onto a pending
card (the employer issues before handing it over), expiry sweeps grants whatever the state,
and a lost (blocked) card's balance moves to its replacement.
"""
import secrets
from datetime import datetime, timedelta
from functools import cache

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from loyalty import pins
from loyalty.clock import as_naive_utc, utc_now
from loyalty.errors import (
    CardBlocked,
    CardHeldByAnother,
    CardNotActive,
    CardNotFound,
    InvalidCardTransition,
    LedgerError,
    PinLocked,
    PinLockout,
    PinRequired,
    WrongPin,
)
from loyalty.models import Card, Grant
from loyalty.transactions import in_ledger_transaction

DEFAULT_PREFIX = "9250"
NUMBER_LENGTH = 16
MAX_PIN_ATTEMPTS = 5
PIN_LOCK_MINUTES = 30  # default of the territory's setting
_QR_SALT = "halle-card-qr"


def luhn_check_digit(digits: str) -> str:
    """The digit that makes `digits + it` pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: these sit right before the check digit, every other one
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def is_valid_number(number: str) -> bool:
    return (len(number) == NUMBER_LENGTH and number.isdigit()
            and luhn_check_digit(number[:-1]) == number[-1])


def generate_number(prefix: str = DEFAULT_PREFIX) -> str:
    if not prefix.isdigit() or len(prefix) >= NUMBER_LENGTH - 1:
        raise ValueError(f"invalid card prefix {prefix!r}")
    body_length = NUMBER_LENGTH - 1 - len(prefix)
    body = prefix + "".join(str(secrets.randbelow(10)) for _ in range(body_length))
    return body + luhn_check_digit(body)


def grouped_number(number: str) -> str:
    """'9250 1234 5678 9012', for the printed card and the holder's own page."""
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


def qr_payload(card: Card, secret: str) -> str:
    """What the card's QR code encodes (pass the app's SECRET_KEY)."""
    return URLSafeSerializer(secret, salt=_QR_SALT).dumps(card.qr_token)


def find_card(session: Session, number_or_qr: str, *, secret: str) -> Card:
    """The card a cashier typed (spaces allowed) or scanned. Raises CardNotFound."""
    text = number_or_qr.strip()
    compact = text.replace(" ", "").replace("-", "")
    if compact.isdigit():
        card = is_valid_number(compact) and session.scalar(_card_by("number"), {"value": compact})
    else:
        try:
            token = URLSafeSerializer(secret, salt=_QR_SALT).loads(text)
        except BadSignature:
            raise CardNotFound() from None
        card = session.scalar(_card_by("qr_token"), {"value": token})
    if not card:
        raise CardNotFound()
    return card


def create_card(session: Session, *, holder_user_id: int | None = None, employee_id: int | None = None,
                prefix: str = DEFAULT_PREFIX, active: bool = False, pin: str | None = None,
                now: datetime | None = None) -> Card:
    """A new card (pending unless `active`, with `pin` if given), committed."""
    if pin is not None:
        pins.validate(pin)

    def work() -> Card:
        card = new_card(session, holder_user_id=holder_user_id, employee_id=employee_id, prefix=prefix,
                        status="active" if active else "pending", now=now or utc_now())
        if pin is not None:
            card.pin_hash = pins.hash_pin(card.id, pin)
        return card

    return in_ledger_transaction(session, work)


def new_card(session: Session, *, holder_user_id: int | None, employee_id: int | None, prefix: str,
             status: str, now: datetime, flush: bool = True) -> Card:
    """Inside a ledger transaction. A number collision (one in 10^11) fails the unique insert
    and the transaction is re-run with a new number. `flush=False` leaves the insert to the
    caller's next flush (to insert many cards at once). A PIN's hash needs the card's id: set
    `pin_hash` (pins.hash_pin) once flushed."""
    card = Card(number=generate_number(prefix), qr_token=secrets.token_urlsafe(18), status=status,
                holder_user_id=holder_user_id, employee_id=employee_id,
                created_at=as_naive_utc(now), status_changed_at=as_naive_utc(now))
    session.add(card)
    if flush:
        session.flush()
    return card


@cache
def _card_by(column: str):
    """Built once (see accounts._SET_BALANCE)."""
    return select(Card).where(getattr(Card, column) == bindparam("value"))


def lock_card(session: Session, card_id: int) -> Card:
    """Lock the card row (PostgreSQL: FOR UPDATE) and reload it; every money movement on a card
    takes this lock first, which serialises the card's operations."""
    card = session.scalar(_lock_card_statement(), {"card_id": card_id})
    if card is None:
        raise CardNotFound()
    return card


@cache
def _lock_card_statement():
    """Built once (see accounts._SET_BALANCE)."""
    return (select(Card).where(Card.id == bindparam("card_id")).with_for_update()
            .execution_options(populate_existing=True))


def successor_of(session: Session, grant: Grant, *, lock: bool = True) -> Grant:
    """The grant that holds `grant`'s money now: itself, or the one that took it over when its card
    was replaced (again and again), whose card is locked too with `lock` (after the first card's
    lock: new cards have greater ids, the order every lock here keeps). A revoke or a refund asked
    on a campaign's or a purchase's grant acts on it."""
    while grant.replaced_by_id is not None:
        grant = session.get(Grant, grant.replaced_by_id)
        if lock:
            lock_card(session, grant.card_id)
    return grant


def card_now(session: Session, card: Card) -> Card:
    """The card that pays for `card` now: itself, or the one that replaced it (again and again)."""
    while card.status == "deactivated" and card.replaced_by_id is not None:
        card = session.get(Card, card.replaced_by_id)
    return card


def lock_cards(session: Session, card_ids) -> dict[int, Card]:
    """Lock several cards, by id ascending (the fixed order), and reload them."""
    rows = session.scalars(
        select(Card).where(Card.id.in_(sorted(set(card_ids)))).order_by(Card.id).with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {card.id: card for card in rows}


def require_active(card: Card) -> None:
    if card.status == "blocked":
        raise CardBlocked()
    if card.status != "active":
        raise CardNotActive()


def set_pin(session: Session, card_id: int, pin: str | None, *, always_required: bool = False) -> None:
    """Set (or with None, remove) the card's 4-digit PIN; resets the failed attempts and lifts a
    PIN lock. `always_required`: a PIN printed for the holder (see Card.pin_always_required);
    a PIN the holder chose follows the territory's threshold."""
    if pin is not None:
        pins.validate(pin)

    def work() -> None:
        card = lock_card(session, card_id)
        card.pin_hash = pins.hash_pin(card.id, pin) if pin is not None else None
        card.pin_always_required = always_required and pin is not None
        card.failed_pin_attempts = 0
        card.pin_locked_until = None

    in_ledger_transaction(session, work)


def lift_pin_lock(session: Session, card_id: int) -> Card:
    """The holder or the admin lifts a PIN lock before its end: a fresh count of attempts."""
    def work() -> Card:
        card = lock_card(session, card_id)
        card.pin_locked_until = None
        card.failed_pin_attempts = 0
        return card

    return in_ledger_transaction(session, work)


def pin_locked(card: Card, now: datetime | None = None) -> bool:
    return card.pin_locked_until is not None and card.pin_locked_until > as_naive_utc(now or utc_now())


def check_pin(session: Session, card_id: int, pin: str | None, *, lock_minutes: int = PIN_LOCK_MINUTES) -> None:
    """Accept the PIN of a card that has one (a card without PIN needs none).

    Committed on its own, so that a wrong attempt counts even though the look-up is refused.
    See pin_attempt for the lock.
    """
    card = session.get(Card, card_id)
    has_pin = card is not None and card.pin_hash is not None
    session.rollback()
    if not has_pin:
        return
    refusal = in_ledger_transaction(session, lambda: pin_attempt(lock_card(session, card_id), pin,
                                                                  lock_minutes=lock_minutes))
    if refusal is not None:
        raise refusal


def pin_attempt(card: Card, pin: str | None, *, amount_cents: int | None = None,
                pin_required_above_cents: int | None = None, lock_minutes: int = PIN_LOCK_MINUTES,
                now: datetime | None = None) -> LedgerError | None:
    """On the locked card: None when the PIN is right (or the card has none, or no PIN is given
    for an amount up to `pin_required_above_cents`, the territory's setting, None: always
    required; a printed PIN is always required), else the refusal to raise once the
    transaction, which counts the wrong attempt, is committed.

    The 5th wrong PIN in a row locks the PIN for `lock_minutes` (PinLockout; the card stays
    active: payments that need no PIN go on). Once the lock lifts, the count goes on where it
    was: each further wrong PIN locks it again, until a right one. A right PIN stored with an
    older key or method is stored again with the current key, in the same transaction."""
    if card.pin_hash is None:
        return None
    if card.status == "blocked":
        return CardBlocked()
    needed = (card.pin_always_required or pin_required_above_cents is None or amount_cents is None
              or amount_cents > pin_required_above_cents)
    if not pin and not needed:
        return None
    moment = as_naive_utc(now or utc_now())
    if pin_locked(card, moment):
        return PinLocked()
    if not pin:
        return PinRequired()
    right, new_hash = pins.check(card.pin_hash, card.id, pin)
    if right:
        if new_hash is not None:
            card.pin_hash = new_hash
        if card.failed_pin_attempts or card.pin_locked_until is not None:
            card.failed_pin_attempts, card.pin_locked_until = 0, None
        return None
    card.failed_pin_attempts += 1
    if card.failed_pin_attempts >= MAX_PIN_ATTEMPTS:
        card.pin_locked_until = moment + timedelta(minutes=lock_minutes)
        return PinLockout(lock_minutes)
    return WrongPin(MAX_PIN_ATTEMPTS - card.failed_pin_attempts)


def attach_holder(session: Session, card_id: int, user_id: int) -> Card:
    """Attach the card to a user's account, committed. Idempotent for its holder; raises
    CardHeldByAnother when it belongs to someone else, CardNotActive when deactivated."""
    def work() -> Card:
        card = lock_card(session, card_id)
        if card.status == "deactivated":
            raise CardNotActive()
        if card.holder_user_id not in (None, user_id):
            raise CardHeldByAnother()
        card.holder_user_id = user_id
        card.pin_always_required = False  # activated online: the holder's own card from now on
        return card

    return in_ledger_transaction(session, work)


def activate_card(session: Session, card_id: int) -> Card:
    return _transition(session, card_id, allowed_from=("pending",), to="active")


def block_card(session: Session, card_id: int) -> Card:
    """Lost, stolen or suspicious: nothing moves until unblocked (or replaced)."""
    return _transition(session, card_id, allowed_from=("active",), to="blocked")


def unblock_card(session: Session, card_id: int) -> Card:
    """Back to active, with a fresh count of PIN attempts."""
    return _transition(session, card_id, allowed_from=("blocked",), to="active")


def deactivate_card(session: Session, card_id: int) -> Card:
    """Final. What remains on its grants stays there until they expire and are swept."""
    return _transition(session, card_id, allowed_from=("pending", "active", "blocked"), to="deactivated")


def _transition(session: Session, card_id: int, *, allowed_from: tuple[str, ...], to: str) -> Card:
    def work() -> Card:
        card = lock_card(session, card_id)
        if card.status == to:
            return card
        if card.status not in allowed_from:
            raise InvalidCardTransition(card.status)
        _set_status(card, to, utc_now())
        return card

    return in_ledger_transaction(session, work)


def _set_status(card: Card, status: str, now: datetime) -> None:
    card.status = status
    card.status_changed_at = as_naive_utc(now)
    if status == "active":
        card.failed_pin_attempts = 0
        card.pin_locked_until = None
