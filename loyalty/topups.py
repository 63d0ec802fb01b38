"""A top-up programme's money in the ledger (bons d'achat abondés; marketplace/topup_programmes.py
says who gets what and when).

A programme's budget is an account of its own (`programme:<id>`, of the territory fund's kind:
it never goes negative), funded from the bank when the programme is created or its budget
raised. Each top-up is a grant of its own funded from it, so settlement, the books and the
statistics show who paid, and the ledger itself refuses to overspend the budget. A top-up is
granted inside the transaction of the purchase it comes with (under the card's lock), after
`programme_left` has locked the budget: top-ups of one programme are granted one at a time.
Lock order: card, its purses, the programme's budget (like any funder, accounts.lock_accounts).
"""
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import accounts as acc
from loyalty.bought import BOUGHT_POLICY
from loyalty.cards import lock_cards, successor_of
from loyalty.clock import paris_day
from loyalty.grants import card_grants, live_balance
from loyalty.models import Account, Card, Grant, Posting
from loyalty.results import LedgerResult, result_of
from loyalty.steps import check_positive, replay_if_done, run_once, stamp
from loyalty.transactions import request_hash


def programme_account_code(programme_id: int) -> str:
    return f"programme:{programme_id}"


def programme_account(session: Session, programme_id: int, name: str = "") -> Account:
    """The programme's budget account (created on first use)."""
    code = programme_account_code(programme_id)
    account = session.scalar(select(Account).where(Account.code == code))
    if account is None:
        account = Account(code=code, kind="territory_fund", balance_cents=0,
                          label=f"Programme d'abondement {programme_id} {name}".strip()[:200])
        session.add(account)
        session.flush()
    return account


def fund_programme(session: Session, *, programme_id: int, name: str, amount_cents: int, key: str, actor: str,
                   now: datetime | None = None) -> LedgerResult:
    """Money put into a programme's budget (positive) or given back from what is left of it
    (negative: refused beyond what is left, InsufficientFunds)."""
    if amount_cents == 0:
        raise ValueError("fund_programme: nothing to move")
    fingerprint = request_hash("fund", programme_id=programme_id, amount_cents=amount_cents)
    moment = stamp(now)

    def work() -> LedgerResult:
        budget = programme_account(session, programme_id, name)
        bank = acc.external_account(session, "bank")
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        acc.lock_accounts(session, [budget.id])
        entry = acc.post(session, {bank.id: -amount_cents, budget.id: amount_cents}, key=key, fingerprint=fingerprint,
                         kind="fund", actor=actor, amount_cents=abs(amount_cents), now=moment,
                         memo=f"Budget du programme d'abondement {name}"[:500])
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def programme_left(session: Session, programme_id: int) -> int:
    """Inside a ledger transaction: lock the programme's budget and say what is left of it.
    Every top-up of the programme takes this lock first (after its card's), so what the caller
    reads next (its caps) is what the top-ups before it left."""
    budget = programme_account(session, programme_id)
    return acc.lock_accounts(session, [budget.id])[budget.id].balance_cents


def grant_top_up(session: Session, *, card_id: int, programme_id: int, amount_cents: int, label: str,
                 expires_on: date, allowed_categories: list[str] | None, allowed_communes: list[str] | None,
                 key: str, actor: str, now: datetime, allowed_shops: list[int] | None = None) -> LedgerResult:
    """Inside the caller's transaction (the purchase's, under its card's lock, after
    `programme_left`): a grant of its own on the card, funded from the programme's budget, to be
    spent where the programme says. The budget's account refuses to go negative."""
    check_positive(amount_cents)
    budget = programme_account(session, programme_id)
    label = label.strip()[:200]
    fingerprint = request_hash("issue", amount_cents=amount_cents, label=label, expires_on=expires_on.isoformat(),
                               funder=f"programme:{programme_id}", card_id=card_id)
    card = session.get(Card, card_id)
    purse = acc.new_purse(session, f"{label} — carte {card.masked_number}")
    grant = Grant(card_id=card_id, account_id=purse.id, funder_account_id=budget.id, label=label,
                  expires_on=expires_on, allowed_categories=allowed_categories, allowed_communes=allowed_communes,
                  allowed_shops=sorted(allowed_shops) if allowed_shops else None, expiry_policy=BOUGHT_POLICY, created_at=now)
    session.add(grant)
    session.flush()
    grants = card_grants(session, card_id)
    entry = acc.post(session, {budget.id: -amount_cents, purse.id: amount_cents}, key=key, fingerprint=fingerprint,
                     kind="issue", actor=actor, amount_cents=amount_cents, now=now, card_id=card_id, memo=label,
                     card_balance=lambda: live_balance(grants, paris_day(now)), known={purse.id: purse})
    return LedgerResult(entry_id=entry.id, kind="issue", amount_cents=amount_cents, card_id=card_id,
                        card_balance_cents=entry.card_balance_after_cents, grant_amounts={grant.id: amount_cents},
                        created_at=now)


def take_back_top_up(session: Session, *, grant_id: int, key: str, actor: str, reason: str,
                     now: datetime | None = None) -> LedgerResult | None:
    """The purchase a top-up came with is refunded: what is left unspent on the top-up's grant
    goes back to its programme's budget (what was spent stays spent). None when nothing is left."""
    fingerprint = request_hash("buyrefund", grant_id=grant_id)
    moment = stamp(now)

    def work() -> LedgerResult | None:
        grant = session.get(Grant, grant_id)
        lock_cards(session, [grant.card_id])
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        issue = session.scalar(select(Posting.entry_id).where(Posting.account_id == grant.account_id)
                               .order_by(Posting.id).limit(1))
        grant = successor_of(session, grant)  # its card replaced: the money is there now
        left = acc.lock_accounts(session, [grant.account_id])[grant.account_id].balance_cents
        if left <= 0:
            return None
        acc.lock_accounts(session, [grant.funder_account_id])
        grants = card_grants(session, grant.card_id)
        entry = acc.post(session, {grant.account_id: -left, grant.funder_account_id: left}, key=key,
                         fingerprint=fingerprint, kind="buyrefund", actor=actor, amount_cents=left, now=moment,
                         card_id=grant.card_id, refunded_entry_id=issue,
                         card_balance=lambda: live_balance(grants, paris_day(moment)), memo=reason.strip()[:500])
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)
