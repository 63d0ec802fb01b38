"""Finding, locking and moving money between ledger accounts."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from loyalty.closing import check_open
from loyalty.errors import InsufficientBalance, InsufficientFunds
from loyalty.models import MAY_GO_NEGATIVE, Account, Entry, Posting

_DEFERRED = "loyalty_deferred_increments"


# The hot path's statements, built once (building and keying a statement per call cost more
# than running it).
_accounts, _entries = Account.__table__, Entry.__table__
_SET_BALANCE = (update(_accounts).where(_accounts.c.id == bindparam("account_id"))
                .values(balance_cents=bindparam("balance")))
_ADD_TO_BALANCE = (update(_accounts).where(_accounts.c.id == bindparam("account_id"))
                   .values(balance_cents=_accounts.c.balance_cents + bindparam("cents")))
_INSERT_ENTRY = insert(_entries).returning(_entries.c.id)
_INSERT_POSTINGS = insert(Posting.__table__)


@dataclass(frozen=True)
class PostedEntry:
    """The entry `post` wrote (what results and links need of it, without loading it back)."""

    id: int
    kind: str
    amount_cents: int
    card_id: int | None
    card_balance_after_cents: int | None
    created_at: datetime

TERRITORY_FUND = "territory:fund"
TERRITORY_CLEARING = "territory:clearing"
ADJUSTMENTS = "territory:adjustments"
STRIPE_CLEARING = "territory:stripe"
COMMISSION = "territory:commission"
BANK_FEES = "territory:bank_fees"

_SINGLETONS = {
    TERRITORY_FUND: ("territory_fund", "Fonds territorial (abondements publics, crédits expirés)"),
    TERRITORY_CLEARING: ("territory_clearing", "Reversements aux commerces"),
    ADJUSTMENTS: ("adjustments", "Corrections manuelles"),
    STRIPE_CLEARING: ("stripe_clearing", "Encaissements Stripe des ventes en ligne"),
    COMMISSION: ("commission", "Commissions du territoire sur les règlements"),
    BANK_FEES: ("bank_fees", "Frais de Stripe et de la banque"),
}


def territory_account(session: Session, code: str) -> Account:
    kind, label = _SINGLETONS[code]
    return _get_or_create(session, code, kind=kind, label=label)


def external_account(session: Session, source: str) -> Account:
    """Where outside money comes from: 'bank', 'stripe'…"""
    return _get_or_create(session, f"external:{source}", kind="external", label=f"Extérieur ({source})")


def employer_funding_account(session: Session, employer_id: int) -> Account:
    return _get_or_create(session, f"employer:{employer_id}:funding", kind="employer_funding",
                          label=f"Financement employeur {employer_id}", employer_id=employer_id)


def shop_payable_code(shop_id: int) -> str:
    """The code of what the territory owes a shop (also given to halle_redeem, see pg_redeem.py)."""
    return f"shop:{shop_id}:payable"


def shop_payable_account(session: Session, shop_id: int) -> Account:
    return _get_or_create(session, shop_payable_code(shop_id), kind="shop_payable",
                          label=f"À reverser au commerce {shop_id}", shop_id=shop_id)


def card_holds_account(session: Session, card_id: int) -> Account:
    return _get_or_create(session, f"card:{card_id}:holds", kind="card_holds",
                          label=f"Réservations de la carte {card_id}")


COUNTER_TENDERS = ("cash", "cheque", "card")


def counter_clearing_code(counter_id: int, tender: str) -> str:
    """What a card counter took in one tender and has not yet paid into the bank ("counter:3:cash")."""
    if tender not in COUNTER_TENDERS:
        raise ValueError(f"unknown counter tender {tender!r}")
    return f"counter:{counter_id}:{tender}"


def counter_clearing_account(session: Session, counter_id: int, tender: str) -> Account:
    return _get_or_create(session, counter_clearing_code(counter_id, tender), kind="counter_clearing",
                          label=f"Encaissements du point de vente {counter_id} ({tender})")


def bought_credit_funder(session: Session, code: str) -> Account:
    """The account bought credit is funded from: Stripe's (online) or a counter's tender."""
    if code == STRIPE_CLEARING:
        return territory_account(session, code)
    prefix, counter_id, tender = code.split(":")
    if prefix != "counter":
        raise ValueError(f"not a bought-credit funder: {code!r}")
    return counter_clearing_account(session, int(counter_id), tender)


def new_purse(session: Session, label: str) -> Account:
    purse = Account(kind="purse", label=label, balance_cents=0)
    session.add(purse)
    session.flush()
    return purse


def _get_or_create(session: Session, code: str, **fields) -> Account:
    """Inside a ledger transaction: a concurrent creation makes the insert fail and the whole
    transaction is re-run (see transactions.idempotent), which then finds the row."""
    account = session.scalar(select(Account).where(Account.code == code))
    if account is None:
        account = Account(code=code, balance_cents=0, **fields)
        session.add(account)
        session.flush()
    return account


def lock_accounts(session: Session, account_ids) -> dict[int, Account]:
    """Lock (PostgreSQL: SELECT … FOR NO KEY UPDATE, by id ascending) and reload the accounts.

    Order of locks in a transaction: the card row (several cards by id ascending, in
    ledger.issue_grants), the hold row, the card's purses (to read
    their balances), then in `post` the other accounts that must not go negative (funders),
    and last, just before commit, the accounts that may (a shop's payable, the outside world),
    each group by id ascending. Purses are only ever locked under their card's lock, so the
    shared accounts are the only ones two transactions contend for, always in the same order:
    no cycle, no deadlock; and a busy shop's account is held for one UPDATE and the commit.
    """
    ids = sorted(set(account_ids))
    rows = session.scalars(
        select(Account).where(Account.id.in_(ids)).order_by(Account.id)
        .with_for_update(key_share=True).execution_options(populate_existing=True)
    ).all()
    return {account.id: account for account in rows}


def post(
    session: Session,
    movements: dict[int, int],
    *,
    key: str,
    fingerprint: str,
    kind: str,
    actor: str,
    amount_cents: int,
    now: datetime,
    card_balance: Callable[[], int] | None = None,
    known: dict[int, Account] | None = None,
    **entry_fields,
) -> "PostedEntry":
    """Apply `movements` (account id → cents in) and write their entry.

    Accounts that must not go negative are locked, checked and updated now; the others get an
    increment applied just before commit (`apply_deferred_increments`). `known`: accounts of
    `movements` the caller has loaded already (saves reading them again); those that must not
    go negative must be locked and fresh (lock_accounts). `card_balance` is called once the
    balances are updated, to store the card's balance after the entry on the entry itself
    (entries are never updated afterwards).

    The writes are Core statements (the ORM's unit of work cost more than the SQL here, and
    the ledger's hot path is this function); the locked accounts' in-memory balances are set
    as committed values so that the session agrees with the rows without flushing them again.
    """
    check_open(session, now)  # a back-dated entry must not land in a closed month (loyalty.closing)
    movements = {account_id: cents for account_id, cents in movements.items() if cents}
    if sum(movements.values()) != 0:
        raise AssertionError(f"unbalanced entry {kind}: {movements}")
    known = known or {}
    unknown = [account_id for account_id in movements if account_id not in known]
    kinds = {account_id: known[account_id].kind for account_id in movements if account_id in known}
    if unknown:
        kinds.update(session.execute(select(Account.id, Account.kind).where(Account.id.in_(unknown))).all())
    checked = [account_id for account_id in unknown if kinds[account_id] not in MAY_GO_NEGATIVE]
    accounts = {account_id: account for account_id, account in known.items()
                if account_id in movements and account.kind not in MAY_GO_NEGATIVE}
    accounts.update(lock_accounts(session, checked) if checked else {})
    deferred = session.info.setdefault(_DEFERRED, {})
    connection = session.connection()
    for account_id, cents in sorted(movements.items()):
        if account_id not in accounts:
            deferred[account_id] = deferred.get(account_id, 0) + cents
            continue
        account = accounts[account_id]
        balance = account.balance_cents + cents
        if balance < 0:
            if account.kind in ("employer_funding", "territory_fund"):
                raise InsufficientFunds(account.balance_cents)
            raise InsufficientBalance(account.balance_cents)
        connection.execute(_SET_BALANCE, {"account_id": account_id, "balance": balance})
        set_committed_value(account, "balance_cents", balance)
    fields = dict(idempotency_key=key, request_hash=fingerprint, kind=kind, actor=actor,
                  amount_cents=amount_cents, card_balance_after_cents=card_balance() if card_balance else None,
                  created_at=now, **entry_fields)
    entry_id = connection.execute(_INSERT_ENTRY, fields).scalar_one()
    if movements:  # one multi-row INSERT, without reading the new ids back
        connection.execute(_INSERT_POSTINGS,
                           [{"entry_id": entry_id, "account_id": account_id, "amount_cents": cents}
                            for account_id, cents in sorted(movements.items())])
    return PostedEntry(id=entry_id, kind=kind, amount_cents=amount_cents, card_id=fields.get("card_id"),
                       card_balance_after_cents=fields["card_balance_after_cents"], created_at=now)


def apply_deferred_increments(session: Session) -> None:
    """Right before commit: add the deferred increments, by account id ascending."""
    deferred = session.info.pop(_DEFERRED, {})
    if not deferred:
        return
    session.flush()  # the ORM's pending writes first: these stay the last locks taken
    connection = session.connection()
    for account_id in sorted(deferred):
        connection.execute(_ADD_TO_BALANCE, {"account_id": account_id, "cents": deferred[account_id]})


def forget_deferred_increments(session: Session) -> None:
    session.info.pop(_DEFERRED, None)
