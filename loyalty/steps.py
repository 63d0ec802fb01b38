"""Steps shared by the money operations (ledger.py, holds.py)."""
from collections.abc import Callable
from datetime import date, datetime
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from loyalty.accounts import shop_payable_account, shop_payable_code
from loyalty.cards import PIN_LOCK_MINUTES, lock_card, pin_attempt, require_active
from loyalty.clock import as_naive_utc, utc_now
from loyalty.errors import (
    InsufficientBalance,
    InvalidAmount,
    LedgerError,
    ShopRefusesCard,
)
from loyalty.grants import (
    card_grants,
    live_balance,
    spendable_grants,
    take_in_order,
)
from loyalty.models import Account, Card, Entry, Grant, Posting
from loyalty.results import LedgerResult, result_of
from loyalty.terms import AcceptanceTerms
from loyalty.transactions import (
    existing_entry,
    idempotent,
    replay_or_refuse,
)


def run_once(session: Session, key: str, fingerprint: str, work: Callable) -> LedgerResult:
    return idempotent(session, key, fingerprint, work, lambda entry: result_of(session, entry, replayed=True))


def replay_if_done(session: Session, key: str, fingerprint: str) -> LedgerResult | None:
    """Inside the transaction, once the locks are held: the first result of this key, if any."""
    entry = existing_entry(session, key)
    if entry is None:
        return None
    return replay_or_refuse(entry, fingerprint, lambda e: result_of(session, e, replayed=True))


def run_payment(session: Session, key: str, fingerprint: str, card_id: int, pin: str | None,
                pay: Callable[[Card], LedgerResult], *, amount_cents: int | None = None,
                pin_required_above_cents: int | None = None, pin_lock_minutes: int = PIN_LOCK_MINUTES,
                holder_signed_in: bool = False) -> LedgerResult:
    """A payment (redeem, hold) in one transaction: lock the card, answer a request already
    done as the first time, check the PIN of a card that has one (a wrong PIN is counted: the
    attempt is committed, then refused) unless the holder pays online, signed in to their
    account (`holder_signed_in`: the PIN guards the physical card at a till), then `pay(card)`."""
    def work() -> LedgerResult | LedgerError:
        card = lock_card(session, card_id)
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        refusal = None if holder_signed_in else pin_attempt(
            card, pin, amount_cents=amount_cents, pin_required_above_cents=pin_required_above_cents,
            lock_minutes=pin_lock_minutes)
        return refusal or pay(card)

    outcome = run_once(session, key, fingerprint, work)
    if isinstance(outcome, LedgerError):
        raise outcome
    return outcome


def check_positive(amount_cents: int) -> None:
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise InvalidAmount()


def stamp(now: datetime | None) -> datetime:
    return as_naive_utc(now or utc_now())


def purse_amounts(session: Session, entry_ids: list[int]) -> dict[Grant, int]:
    """Per grant, the sum of the postings of these entries on its purse."""
    if not entry_ids:
        return {}
    rows = session.execute(
        select(Posting.account_id, func.sum(Posting.amount_cents))
        .where(Posting.entry_id.in_(entry_ids)).group_by(Posting.account_id)
    ).all()
    sums = dict(rows)
    grants = session.scalars(select(Grant).where(Grant.account_id.in_(sums))).all()
    return {grant: int(sums[grant.account_id]) for grant in grants if sums[grant.account_id]}


class Taking:
    """What a redemption or a hold takes from each grant of a card, for whom (computed with the
    card and the accounts locked)."""

    def __init__(self, grants: list[Grant], payee: Account, taken: dict[int, int], today: date):
        self.grants = grants
        self.payee = payee
        self.taken = taken
        self.today = today
        self.total = sum(taken.values())

    def movements(self) -> dict[int, int]:
        by_id = {g.id: g for g in self.grants}
        movements = {by_id[grant_id].account_id: -cents for grant_id, cents in self.taken.items()}
        movements[self.payee.id] = self.total
        return movements

    def accounts(self) -> dict[int, Account]:
        """For accounts.post's `known`: the purses (locked), and the payee if it may go negative
        (it is then not locked, only incremented before commit)."""
        purses = {g.account_id: g.account for g in self.grants}
        return purses | {self.payee.id: self.payee} if self.payee.may_go_negative else purses

    def balance_after(self) -> int:
        return live_balance(self.grants, self.today)

    def result(self, entry: Entry, hold_id: int | None = None) -> LedgerResult:
        """The result of the entry that took it (what result_of would read back)."""
        return LedgerResult(entry_id=entry.id, kind=entry.kind, amount_cents=entry.amount_cents,
                            card_id=entry.card_id, card_balance_cents=entry.card_balance_after_cents,
                            grant_amounts={grant_id: -cents for grant_id, cents in self.taken.items()},
                            hold_id=hold_id, created_at=entry.created_at)


def shop_payable(session: Session, shop_id: int) -> Account:
    """The shop's payable account in one query; created when missing (see accounts.shop_payable_account)."""
    account = session.execute(_payable_statement(), {"code": shop_payable_code(shop_id)}).scalar()
    return account if account is not None else shop_payable_account(session, shop_id)


@cache
def _payable_statement():
    """Built once (see accounts._SET_BALANCE)."""
    return select(Account).where(Account.code == bindparam("code"))


def take_from_card(session: Session, card: Card, terms: AcceptanceTerms, amount_cents: int, allow_partial: bool,
                   today: date, *, payee: Account) -> Taking:
    """Inside a ledger transaction, the card locked: lock the card's purses, then say which
    grants pay at the shop of `terms` and how much each."""
    require_active(card)
    if not terms.takes_card:
        raise ShopRefusesCard()
    grants = card_grants(session, card.id, lock=True)
    usable = spendable_grants(grants, terms, today)
    balances = {g.id: g.account.balance_cents for g in usable}
    available = sum(balances.values())
    if available == 0 or (available < amount_cents and not allow_partial):
        raise InsufficientBalance(available)
    taken = take_in_order(usable, balances, min(amount_cents, available))
    return Taking(grants, payee, taken, today)
