"""Money operations on the ledger: fund, issue (one or a batch), redeem, void, refund, expire,
settle, adjust, revoke, replace. (Two-phase holds for online orders are in loyalty/holds.py.)

Each function takes a SQLAlchemy session, runs in its own transaction and commits (see
loyalty/transactions.py), is idempotent on `key` (the same key and request returns the first
result with `replayed=True`; the same key with another request raises IdempotencyConflict),
and returns a LedgerResult: entry id, amount, the card's balance after it, per-grant amounts.
`actor` says who asked ("user:12", "apikey:3", "system"). `now` (default: the current time)
dates the entry; days are Paris days.
"""
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty import accounts as acc
from loyalty import pins, terms
from loyalty.cards import (
    DEFAULT_PREFIX,
    PIN_LOCK_MINUTES,
    lock_card,
    lock_cards,
    new_card,
    require_active,
    successor_of,
)
from loyalty.closing import check_open, closed_month_of
from loyalty.clock import as_naive_utc, paris_day, utc_now
from loyalty.errors import (
    N_,
    AboveFirstCredit,
    CardNotFound,
    InsufficientFunds,
    InvalidAmount,
    InvalidCardTransition,
    NothingToSettle,
    PendingHolds,
    ReasonRequired,
    RefundNotAllowed,
    VoidNotAllowed,
)
from loyalty.grants import card_grants, live_balance, take_in_order
from loyalty.models import EXPIRY_POLICIES, Account, Card, Entry, Grant, Hold, Posting
from loyalty.results import LedgerResult, result_of
from loyalty.steps import (
    check_positive,
    purse_amounts,
    replay_if_done,
    run_once,
    run_payment,
    shop_payable,
    stamp,
    take_from_card,
)
from loyalty.transactions import (
    RETRYABLE_SQLSTATES,
    replay_or_refuse,
    request_hash,
    require_clean_session,
    rerun_on_integrity_error,
)


def fund(session: Session, *, amount_cents: int, key: str, actor: str, employer_id: int | None = None,
         source: str = "bank", now: datetime | None = None) -> LedgerResult:
    """Money received from outside (`source`: 'bank', 'stripe') onto an employer's funding
    account, or onto the territory fund when `employer_id` is None."""
    check_positive(amount_cents)
    fingerprint = request_hash("fund", amount_cents=amount_cents, employer_id=employer_id, source=source)

    def work() -> LedgerResult:
        target = (acc.employer_funding_account(session, employer_id) if employer_id is not None
                  else acc.territory_account(session, acc.TERRITORY_FUND))
        origin = acc.external_account(session, source)
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        entry = acc.post(session, {origin.id: -amount_cents, target.id: amount_cents},
                         key=key, fingerprint=fingerprint, kind="fund", actor=actor,
                         amount_cents=amount_cents, now=stamp(now))
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


@dataclass(frozen=True)
class GrantOrder:
    """One grant of a batch (see issue_grants): onto the card `card_id`, or when it is None onto a
    new active card for `employee_id` / `holder_user_id`, with `pin` (4 digits) if given,
    asked at every payment when `pin_always_required` (see Card.pin_always_required)."""
    key: str
    amount_cents: int
    card_id: int | None = None
    employee_id: int | None = None
    holder_user_id: int | None = None
    pin: str | None = None
    pin_always_required: bool = False


def issue_grant(session: Session, *, card_id: int, amount_cents: int, label: str, expires_on: date,
                key: str, actor: str, employer_id: int | None = None,
                allowed_categories: list[str] | None = None, expiry_policy: str = "employer",
                campaign_id: int | None = None, now: datetime | None = None) -> LedgerResult:
    """A new grant on the card, paid from the employer's funding account (or the territory fund
    when `employer_id` is None). `allowed_categories`: category slugs, None = everywhere.
    `expiry_policy`: 'employer' (expired credit goes back to the funder) or 'territory' (to the
    territory fund). Raises InsufficientFunds when the funder has not paid in enough."""
    [result] = issue_grants(session, items=[GrantOrder(key=key, amount_cents=amount_cents, card_id=card_id)],
                            label=label, expires_on=expires_on, actor=actor, employer_id=employer_id,
                            allowed_categories=allowed_categories, expiry_policy=expiry_policy,
                            campaign_id=campaign_id, now=now)
    return result


def issue_grants(session: Session, *, items: list[GrantOrder], label: str, expires_on: date, actor: str,
                 employer_id: int | None = None, allowed_categories: list[str] | None = None,
                 expiry_policy: str = "employer", campaign_id: int | None = None, now: datetime | None = None,
                 then: Callable[[list[LedgerResult]], None] | None = None,
                 prefix: str = DEFAULT_PREFIX) -> list[LedgerResult]:
    """Many grants with the same terms (see issue_grant) in ONE transaction: all are issued, or
    none. Each item has its own key and entry; an item whose key is already used is replayed
    (IdempotencyConflict if it asked for something else), cards are created where needed.
    `then(results)` runs inside the transaction before the commit, for the caller to record
    the results atomically. New cards' numbers start with `prefix` (the territory's). Returns the results in the order of `items`."""
    if len({item.key for item in items}) != len(items):
        raise ValueError("issue_grants: two items with the same key")
    for item in items:
        check_positive(item.amount_cents)
    if expiry_policy not in EXPIRY_POLICIES:
        raise ValueError(f"expiry_policy must be one of {EXPIRY_POLICIES}")
    if allowed_categories is not None:
        allowed_categories = sorted({str(slug) for slug in allowed_categories})
    label = label.strip()
    terms = {"label": label, "expires_on": expires_on.isoformat(), "employer_id": employer_id,
             "allowed_categories": allowed_categories, "expiry_policy": expiry_policy, "campaign_id": campaign_id}
    fingerprints = {item.key: _issue_fingerprint(item, terms) for item in items}
    for item in items:
        if item.pin is not None:
            pins.validate(item.pin)
    moment = stamp(now)
    today = paris_day(moment)

    def work() -> list[LedgerResult]:
        cards = lock_cards(session, [item.card_id for item in items if item.card_id is not None])
        done = {entry.idempotency_key: entry for entry in session.scalars(
            select(Entry).where(Entry.idempotency_key.in_(fingerprints)))}
        results = {key: replay_or_refuse(entry, fingerprints[key], lambda e: result_of(session, e, replayed=True))
                   for key, entry in done.items()}
        todo = [item for item in items if item.key not in done]
        if todo:
            check_open(session, moment)  # written below without accounts.post
        for item in todo:
            if item.card_id is not None:
                card = cards.get(item.card_id)
                if card is None:
                    raise CardNotFound()
                if card.status not in ("pending", "active"):
                    require_active(card)
        funder = (acc.employer_funding_account(session, employer_id) if employer_id is not None
                  else acc.territory_account(session, acc.TERRITORY_FUND))
        total = sum(item.amount_cents for item in todo)
        if todo and acc.lock_accounts(session, [funder.id])[funder.id].balance_cents < total:
            raise InsufficientFunds(funder.balance_cents)
        new_cards = {item.key: new_card(session, holder_user_id=item.holder_user_id, employee_id=item.employee_id,
                                        prefix=prefix, status="active", now=moment, flush=False)
                     for item in todo if item.card_id is None}
        session.flush()
        for item in todo:
            if item.card_id is None and item.pin is not None:
                card = new_cards[item.key]
                card.pin_hash = pins.hash_pin(card.id, item.pin)
                card.pin_always_required = item.pin_always_required
        every_card = cards | {card.id: card for card in new_cards.values()}
        card_of = {item.key: item.card_id if item.card_id is not None else new_cards[item.key].id for item in todo}
        before = dict(session.execute(
            select(Grant.card_id, func.sum(Account.balance_cents)).join(Account, Account.id == Grant.account_id)
            .where(Grant.card_id.in_(cards), Grant.expires_on >= today).group_by(Grant.card_id)
        ).all()) if cards else {}
        purses = {item.key: Account(kind="purse", label=f"{label} — carte {every_card[card_of[item.key]].masked_number}",
                                    balance_cents=item.amount_cents) for item in todo}
        session.add_all(purses.values())
        session.flush()
        grants = {item.key: Grant(card_id=card_of[item.key], account_id=purses[item.key].id,
                                  funder_account_id=funder.id, label=label, expires_on=expires_on,
                                  allowed_categories=allowed_categories, expiry_policy=expiry_policy,
                                  campaign_id=campaign_id, created_at=moment) for item in todo}
        session.add_all(grants.values())
        funder.balance_cents -= total
        live = expires_on >= today
        balances: dict[int, int] = {}
        entries = {}
        for item in todo:
            card_id = card_of[item.key]
            balances[card_id] = balances.get(card_id, before.get(card_id, 0)) + (item.amount_cents if live else 0)
            entries[item.key] = Entry(
                idempotency_key=item.key, request_hash=fingerprints[item.key], kind="issue", actor=actor,
                amount_cents=item.amount_cents, card_balance_after_cents=balances[card_id], created_at=moment,
                card_id=card_id, memo=label,
                postings=[Posting(account_id=account_id, amount_cents=cents) for account_id, cents in
                          sorted([(funder.id, -item.amount_cents), (purses[item.key].id, item.amount_cents)])])
        session.add_all(entries.values())
        session.flush()
        for item in todo:
            entry = entries[item.key]
            results[item.key] = LedgerResult(entry_id=entry.id, kind="issue", amount_cents=item.amount_cents,
                                             card_id=entry.card_id, card_balance_cents=entry.card_balance_after_cents,
                                             grant_amounts={grants[item.key].id: item.amount_cents})
        ordered = [results[item.key] for item in items]
        if then is not None:
            then(ordered)
        return ordered

    return rerun_on_integrity_error(session, work)


def _issue_fingerprint(item: GrantOrder, terms: dict) -> str:
    """The same as issue_grant's for an existing card; a new card is known by its future owner."""
    card = ({"card_id": item.card_id} if item.card_id is not None
            else {"card_id": "new", "employee_id": item.employee_id, "holder_user_id": item.holder_user_id})
    return request_hash("issue", amount_cents=item.amount_cents, **terms, **card)


def redeem(session: Session, *, card_id: int, shop_id: int, amount_cents: int, key: str, actor: str,
           allow_partial: bool = False, pin: str | None = None, now: datetime | None = None,
           pin_required_above_cents: int | None = None, pin_lock_minutes: int = PIN_LOCK_MINUTES) -> LedgerResult:
    """Pay `amount_cents` at a shop with the card's grants allowed there, soonest expiry first.

    Without `allow_partial`, an insufficient balance raises InsufficientBalance (carrying
    `available_cents`). With it, the card pays what it can ("up to amount_cents") and the result's
    `amount_cents` tells the till what was taken; it still raises when nothing can be taken.
    A card with a PIN needs it (`pin`) above `pin_required_above_cents` (None: always); five
    wrong ones lock it for `pin_lock_minutes`; see cards.pin_attempt.
    """
    check_positive(amount_cents)
    fingerprint = request_hash("redeem", card_id=card_id, shop_id=shop_id, amount_cents=amount_cents,
                               allow_partial=allow_partial)
    moment = stamp(now)
    # A back-dated payment goes through Python, where accounts.post checks the month is open.
    if (ONE_CALL_REDEMPTIONS and session.get_bind().dialect.name == "postgresql"
            and closed_month_of(session, moment) is None):
        require_clean_session(session)
        paid = _redeem_in_one_call(session, {
            "card_id": card_id, "shop_id": shop_id,
            "payable_code": acc.shop_payable_code(shop_id), "amount": amount_cents, "allow_partial": allow_partial,
            "pin_hash": pins.candidate(card_id, pin) if pin else None,
            "pin_free_up_to": pin_required_above_cents, "key": key, "fingerprint": fingerprint, "actor": actor,
            "today": paris_day(moment), "now": moment})
        if paid is not None:
            return paid
    shop_terms = terms.for_shop(session, shop_id)

    def pay(card: Card) -> LedgerResult:
        taking = take_from_card(session, card, shop_terms, amount_cents, allow_partial, paris_day(moment),
                                payee=shop_payable(session, shop_id))
        entry = acc.post(session, taking.movements(), key=key, fingerprint=fingerprint,
                         kind="redeem", actor=actor, amount_cents=taking.total, now=moment, card_id=card.id,
                         shop_id=shop_id, card_balance=taking.balance_after, known=taking.accounts())
        return taking.result(entry)

    return run_payment(session, key, fingerprint, card_id, pin, pay, amount_cents=amount_cents,
                       pin_required_above_cents=pin_required_above_cents, pin_lock_minutes=pin_lock_minutes)


def _redeem_in_one_call(session: Session, params: dict) -> LedgerResult | None:
    """PostgreSQL: the plain redemptions in one round trip (loyalty/pg_redeem.py), a statement
    that is its own transaction (autocommit: no BEGIN and COMMIT round trips), sent straight to
    the driver (SQLAlchemy's statement machinery cost more than the rest of the call). The shop's
    terms are read in the same statement, by the marketplace's own query (terms.statement). None
    when the shop takes no card or the function leaves the case to the Python path, which then
    starts over in its own transaction: nothing was changed, and errors the Python path knows how
    to handle (a key used by a concurrent request, a deadlock) are left to it too."""
    engine = session.get_bind()
    prepare, execute, defaults = _one_call_statement(engine.dialect)
    connection = engine.raw_connection()
    driver = connection.driver_connection
    try:
        driver.autocommit = True
        with driver.cursor() as cursor:
            if _PREPARED not in connection.info:  # once per database connection (info outlives check-in)
                cursor.execute(prepare)
                connection.info[_PREPARED] = True
            cursor.execute(execute, {**defaults, **params})
            row = cursor.fetchone()
    except engine.dialect.dbapi.DatabaseError as error:
        # A key paid by a concurrent request, a lock conflict: the Python path replays or waits.
        # Anything else (the server gone, a database without the function) is the Python
        # path's to report the usual way, with this note of why redemptions take the long way.
        if not isinstance(error, engine.dialect.dbapi.IntegrityError) \
                and getattr(error, "pgcode", None) not in RETRYABLE_SQLSTATES:
            log.warning("one-call redemption failed, redeeming in Python: %s", error)
            _forget_prepared(connection, engine.dialect.dbapi.DatabaseError)
        return None
    finally:
        if driver.closed:
            connection.invalidate()
        else:
            driver.autocommit = False
        connection.close()  # back to the pool (an invalidated one is discarded)
    if row is None:
        return None
    entry_id, taken, balance_after, grant_ids, grant_cents = row
    return LedgerResult(entry_id=entry_id, kind="redeem", amount_cents=taken, card_id=params["card_id"],
                        card_balance_cents=balance_after, created_at=params["now"],
                        grant_amounts={grant_id: -cents for grant_id, cents in zip(grant_ids, grant_cents)})


# PostgreSQL: the plain redemptions in one round trip (loyalty/pg_redeem.py). The switch is for
# tests that compare both paths.
ONE_CALL_REDEMPTIONS = True
log = logging.getLogger(__name__)
REDEEM_CALL = (
    "halle_redeem(%(card_id)s, %(shop_id)s, %(shop_slugs)s::text[], %(shop_commune)s, "
    "%(payable_code)s, %(amount)s, "
    "%(allow_partial)s, %(pin_hash)s, %(pin_free_up_to)s, %(key)s, %(fingerprint)s, %(actor)s, %(today)s, "
    "%(now)s)")


_PREPARED = "halle_redeem_call"


@cache
def _one_call_statement(dialect) -> tuple[str, str, dict]:
    """The one-call redemption for this driver: the PREPARE of a statement reading the shop's terms
    (no row when it takes no card), then calling halle_redeem with them; its EXECUTE; the values
    of the terms query's own parameters. Prepared once per connection, it is planned once:
    parsing and planning the terms' recursive query took a fifth of the server's time."""
    compiled = terms.statement().compile(dialect=dialect)
    call = REDEEM_CALL.replace("%(shop_slugs)s::text[]", "t.slugs").replace("%(shop_commune)s", "t.commune")
    body = (f"WITH shop_terms AS ({compiled}) "
            "SELECT r.* FROM (SELECT coalesce(array_agg(slug) FILTER (WHERE slug IS NOT NULL), '{}') AS slugs, "
            "min(commune_insee) AS commune FROM shop_terms HAVING bool_and(takes_card)) AS t, "
            f"LATERAL {call} AS r")
    names: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    body = re.sub(r"%\((\w+)\)s", number, body).replace("%%", "%")
    types = [_PARAMETER_TYPES.get(name) or dialect.type_compiler.process(compiled.binds[name].type) for name in names]
    defaults = {name: compiled.binds[name].value for name in names if name not in _PARAMETER_TYPES}
    arguments = ", ".join(f"%({name})s" for name in names)
    return f"PREPARE {_PREPARED} ({', '.join(types)}) AS {body}", f"EXECUTE {_PREPARED} ({arguments})", defaults


_PARAMETER_TYPES = {"card_id": "integer", "shop_id": "integer", "payable_code": "text", "amount": "bigint",
                    "allow_partial": "boolean", "pin_hash": "text", "pin_free_up_to": "bigint", "key": "text",
                    "fingerprint": "text", "actor": "text", "today": "date", "now": "timestamp"}


def _forget_prepared(connection, database_error: type[Exception]) -> None:
    """After an unexpected error (the statement lost to a pooler's reset, say), prepare it again
    on the next call."""
    if connection.info.pop(_PREPARED, None) is None or connection.driver_connection.closed:
        return
    try:
        with connection.driver_connection.cursor() as cursor:
            cursor.execute(f"DEALLOCATE {_PREPARED}")
    except database_error:
        pass  # it was not there any more


def void(session: Session, *, redemption_id: int, shop_id: int, key: str, actor: str, reason: str = "",
         now: datetime | None = None) -> LedgerResult:
    """Cancel a till mistake: the whole redemption goes back to the grants it came from.
    Only the same Paris day, at the same shop, once, and not after a refund (VoidNotAllowed).
    `reason` (what the cashier typed) is kept as the entry's memo."""
    fingerprint = request_hash("void", redemption_id=redemption_id, shop_id=shop_id)
    moment = stamp(now)

    def work() -> LedgerResult:
        original = session.get(Entry, redemption_id)
        if original is None or original.kind != "redeem":
            raise VoidNotAllowed(N_("Seul un paiement par carte peut être annulé."))
        card = lock_card(session, original.card_id)
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        if original.shop_id != shop_id:
            raise VoidNotAllowed(N_("Ce paiement a été fait dans un autre commerce."))
        if paris_day(original.created_at) != paris_day(moment):
            raise VoidNotAllowed(N_("Un paiement ne s'annule que le jour même ; faites un remboursement."))
        if _voided(session, original.id):
            raise VoidNotAllowed(N_("Ce paiement a déjà été annulé."))
        if _refund_ids(session, original.id):
            raise VoidNotAllowed(N_("Ce paiement a déjà été remboursé en partie ; remboursez le reste."))
        require_active(card)
        back = purse_amounts(session, [original.id])  # grant → negative amounts taken
        return _give_back(session, card, shop_id, {g: -cents for g, cents in back.items()},
                          key=key, fingerprint=fingerprint, kind="void", actor=actor, now=moment,
                          voided_entry_id=original.id, memo=reason.strip()[:500])

    return run_once(session, key, fingerprint, work)


def refund(session: Session, *, purchase_id: int, shop_id: int, amount_cents: int, key: str, actor: str,
           now: datetime | None = None) -> LedgerResult:
    """Give back part (or all) of a card payment (a redemption or a captured hold) by the shop
    that took it, any day. The money goes back to the grants the payment came from, the grant
    that expires last first (it is the one the holder keeps longest). All refunds of a payment
    together never exceed what it took (RefundNotAllowed); a voided payment cannot be refunded.
    A refund onto a grant that has expired since is swept by the next expiry run."""
    check_positive(amount_cents)
    fingerprint = request_hash("refund", purchase_id=purchase_id, shop_id=shop_id, amount_cents=amount_cents)
    moment = stamp(now)

    def work() -> LedgerResult:
        original = session.get(Entry, purchase_id)
        if original is None or original.kind not in ("redeem", "capture"):
            raise RefundNotAllowed(N_("Seul un paiement par carte peut être remboursé."))
        card = lock_card(session, original.card_id)
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        if original.shop_id != shop_id:
            raise RefundNotAllowed(N_("Ce paiement a été fait dans un autre commerce."))
        if _voided(session, original.id):
            raise RefundNotAllowed(N_("Ce paiement a été annulé : il n'y a rien à rembourser."))
        require_active(card)
        paid = purse_amounts(session, _payment_entry_ids(session, original))
        refunded = purse_amounts(session, _refund_ids(session, original.id))
        refundable = {g: -cents - refunded.get(g, 0) for g, cents in paid.items()}
        left = sum(refundable.values())
        if amount_cents > left:
            raise RefundNotAllowed(N_("Au plus %(left)s peuvent encore être remboursés sur ce paiement."),
                                   amounts={"left": left})
        latest_first = sorted(refundable, key=lambda g: (g.expires_on, g.id), reverse=True)
        parts = take_in_order(latest_first, {g.id: refundable[g] for g in latest_first}, amount_cents)
        by_id = {g.id: g for g in latest_first}
        return _give_back(session, card, shop_id, {by_id[i]: cents for i, cents in parts.items()},
                          key=key, fingerprint=fingerprint, kind="refund", actor=actor, now=moment,
                          refunded_entry_id=original.id)

    return run_once(session, key, fingerprint, work)


def _give_back(session: Session, card: Card, shop_id: int, parts: dict[Grant, int], *, key: str,
               fingerprint: str, kind: str, actor: str, now: datetime, **entry_fields) -> LedgerResult:
    """Move `parts` (grant → cents) from the shop's payable account back to the grants."""
    grants = card_grants(session, card.id)
    payable = acc.shop_payable_account(session, shop_id)
    total = sum(parts.values())
    movements = {grant.account_id: cents for grant, cents in parts.items()}
    movements[payable.id] = -total
    entry = acc.post(session, movements, key=key, fingerprint=fingerprint, kind=kind, actor=actor,
                     amount_cents=total, now=now, card_id=card.id, shop_id=shop_id,
                     card_balance=lambda: live_balance(grants, paris_day(now)), **entry_fields)
    return result_of(session, entry)


def expire_grants(session: Session, *, today: date | None = None, actor: str = "system") -> list[LedgerResult]:
    """Sweep what is left on grants whose last day is before `today` (default: today in Paris)
    back to their funder ('employer' policy) or to the territory fund ('territory' policy).
    Safe to run again: each grant is swept in its own transaction, once per day."""
    today = today or paris_day(utc_now())
    require_clean_session(session)
    due = session.scalars(
        select(Grant.id).join(Account, Account.id == Grant.account_id)
        .where(Grant.expires_on < today, Account.balance_cents > 0).order_by(Grant.id)
    ).all()
    results = [_expire_grant(session, grant_id, today, actor) for grant_id in due]
    return [result for result in results if result is not None]


def _expire_grant(session: Session, grant_id: int, today: date, actor: str) -> LedgerResult | None:
    key = f"expire:grant:{grant_id}:{today.isoformat()}"
    fingerprint = request_hash("expire", grant_id=grant_id, today=today.isoformat())

    def work() -> LedgerResult | None:
        grant = session.get(Grant, grant_id)
        card = lock_card(session, grant.card_id)
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        destination = (grant.funder_account_id if grant.expiry_policy == "employer"
                       else acc.territory_account(session, acc.TERRITORY_FUND).id)
        grants = card_grants(session, card.id)
        left = acc.lock_accounts(session, [grant.account_id])[grant.account_id].balance_cents
        if left <= 0:
            return None
        entry = acc.post(session, {grant.account_id: -left, destination: left}, key=key,
                         fingerprint=fingerprint, kind="expire", actor=actor, amount_cents=left,
                         now=stamp(None), card_id=card.id,
                         card_balance=lambda: live_balance(grants, today), memo=grant.label)
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def settle_shop(session: Session, *, shop_id: int, key: str, actor: str, amount_cents: int | None = None,
                now: datetime | None = None) -> LedgerResult:
    """Pay a shop what the territory owes it (all of it, or `amount_cents` as on a statement):
    from its payable account to the territory clearing account, which the SEPA transfer
    mirrors. Use one key per statement (e.g. "settlement:2025-03:shop:12")."""
    if amount_cents is not None:
        check_positive(amount_cents)
    fingerprint = request_hash("settle", shop_id=shop_id, amount_cents=amount_cents)

    def work() -> LedgerResult:
        payable = acc.shop_payable_account(session, shop_id)
        clearing = acc.territory_account(session, acc.TERRITORY_CLEARING)
        acc.lock_accounts(session, [payable.id, clearing.id])  # the amount owed is read below
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        owed = payable.balance_cents
        if owed <= 0:
            raise NothingToSettle()
        amount = owed if amount_cents is None else amount_cents
        if amount > owed:
            raise InvalidAmount(N_("Le montant dépasse ce qui est dû au commerce (%(owed)s)."), amounts={"owed": owed})
        entry = acc.post(session, {payable.id: -amount, clearing.id: amount}, key=key,
                         fingerprint=fingerprint, kind="settle", actor=actor, amount_cents=amount,
                         now=stamp(now), shop_id=shop_id)
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def adjust(session: Session, *, account_id: int, amount_cents: int, reason: str, key: str, actor: str,
           first_credit_cents: int | None = None, now: datetime | None = None) -> LedgerResult:
    """An administrator's correction: `amount_cents` (signed) into the account, the counterpart
    on the territory adjustments account. The reason is mandatory and kept on the entry. With
    `first_credit_cents` (a grant's purse), money added may not take it above what it first received:
    checked under the card's lock, so two corrections sent together cannot both pass it."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    if amount_cents == 0:
        raise InvalidAmount(N_("Le montant de la correction ne peut pas être nul."))
    fingerprint = request_hash("adjust", account_id=account_id, amount_cents=amount_cents, reason=reason)
    moment = stamp(now)

    def work() -> LedgerResult:
        grant = session.scalar(select(Grant).where(Grant.account_id == account_id))
        card = lock_card(session, grant.card_id) if grant else None
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        if session.get(Account, account_id) is None:
            raise InvalidAmount(N_("Compte inconnu."))
        if first_credit_cents is not None and amount_cents > 0:
            # A purse, locked under its card's lock: the balance cannot move before the entry.
            balance = acc.lock_accounts(session, [account_id])[account_id].balance_cents
            if balance + amount_cents > first_credit_cents:
                raise AboveFirstCredit(balance_cents=balance, amount_cents=amount_cents, first_cents=first_credit_cents)
        counterpart = acc.territory_account(session, acc.ADJUSTMENTS)
        grants = card_grants(session, card.id) if card else []
        entry = acc.post(session, {account_id: amount_cents, counterpart.id: -amount_cents},
                         key=key, fingerprint=fingerprint, kind="adjust", actor=actor,
                         amount_cents=amount_cents, now=moment, card_id=card.id if card else None,
                         card_balance=(lambda: live_balance(grants, paris_day(moment))) if card else None,
                         memo=reason)
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def revoke_grant(session: Session, *, grant_id: int, key: str, actor: str, reason: str,
                 now: datetime | None = None) -> LedgerResult:
    """Take back what is left on a grant (the funder withdraws it, e.g. the employee left): one
    'adjust' entry from its purse to its funder's account, with `reason` as memo, whatever the
    card's state. Money held for pending orders stays held. The result's amount is what was
    taken back (0 when nothing was left: the entry still records the request)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    fingerprint = request_hash("revoke", grant_id=grant_id)
    moment = stamp(now)

    def work() -> LedgerResult:
        grant = session.get(Grant, grant_id)
        if grant is None:
            raise InvalidAmount(N_("Crédit inconnu."))
        lock_card(session, grant.card_id)
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        grant = successor_of(session, grant)
        card = grant.card
        left = acc.lock_accounts(session, [grant.account_id])[grant.account_id].balance_cents
        grants = card_grants(session, card.id)
        entry = acc.post(session, {grant.account_id: -left, grant.funder_account_id: left}, key=key,
                         fingerprint=fingerprint, kind="adjust", actor=actor, amount_cents=left, now=moment,
                         card_id=card.id, card_balance=lambda: live_balance(grants, paris_day(moment)),
                         memo=reason[:500])
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def replace_card(session: Session, *, card_id: int, key: str, actor: str, prefix: str = "9250",
                 now: datetime | None = None) -> LedgerResult:
    """A lost or damaged card: a new active card (same holder, same employee, no PIN) takes the
    remaining balance of each live grant, in a new grant with the same funder, label, expiry and
    restrictions, which the old grant names (`replaced_by_id`: a later revoke or refund of the old
    grant acts on it); the old card is deactivated. The result's `card_id` is the new card."""
    fingerprint = request_hash("replace", card_id=card_id, prefix=prefix)
    moment = stamp(now)

    def work() -> LedgerResult:
        old = lock_card(session, card_id)
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        if old.status not in ("active", "blocked"):
            raise InvalidCardTransition(old.status)
        if session.scalar(select(Hold.id).where(Hold.card_id == old.id, Hold.status == "pending")):
            raise PendingHolds()
        card = new_card(session, holder_user_id=old.holder_user_id, employee_id=old.employee_id,
                        prefix=prefix, status="active", now=moment)
        old_grants = card_grants(session, old.id)
        acc.lock_accounts(session, [g.account_id for g in old_grants])
        movements: dict[int, int] = {}
        today = paris_day(moment)
        for grant in old_grants:
            left = grant.account.balance_cents
            if left <= 0 or grant.expires_on < today:
                continue
            purse = acc.new_purse(session, f"{grant.label} — carte {card.masked_number}")
            successor = Grant(card_id=card.id, account_id=purse.id, funder_account_id=grant.funder_account_id,
                              label=grant.label, expires_on=grant.expires_on,
                              allowed_categories=grant.allowed_categories,
                              allowed_communes=grant.allowed_communes, allowed_shops=grant.allowed_shops,
                              expiry_policy=grant.expiry_policy,
                              campaign_id=grant.campaign_id, created_at=as_naive_utc(moment))
            session.add(successor)
            session.flush()
            grant.replaced_by_id = successor.id
            movements[grant.account_id] = -left
            movements[purse.id] = left
        session.flush()
        new_grants = card_grants(session, card.id)
        old.status, old.replaced_by_id, old.status_changed_at = "deactivated", card.id, as_naive_utc(moment)
        entry = acc.post(session, movements, key=key, fingerprint=fingerprint, kind="replace",
                         actor=actor, amount_cents=sum(c for c in movements.values() if c > 0), now=moment,
                         card_id=card.id, card_balance=lambda: live_balance(new_grants, today),
                         memo=old.masked_number)  # shown after "transferred to the new card"
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def _voided(session: Session, entry_id: int) -> bool:
    return session.scalar(select(Entry.id).where(Entry.voided_entry_id == entry_id)) is not None


def _refund_ids(session: Session, entry_id: int) -> list[int]:
    return list(session.scalars(select(Entry.id).where(Entry.refunded_entry_id == entry_id)))


def _payment_entry_ids(session: Session, payment: Entry) -> list[int]:
    """A redemption is one entry; a captured hold is its hold entry plus its capture entry
    (the hold took from the grants, the capture gave back what was not captured)."""
    if payment.kind == "capture":
        hold = session.scalar(select(Hold).where(Hold.close_entry_id == payment.id))
        return [hold.hold_entry_id, payment.id]
    return [payment.id]
