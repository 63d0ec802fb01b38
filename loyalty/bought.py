"""Credit bought by bank card (a gift card, a holder's top-up) or at a card counter, funded by the
payment itself (a counter sale: from the counter's clearing account of the tender taken).

Like an online sale (loyalty.sales), the money was collected by Stripe: each grant is funded
from the Stripe clearing account (which goes negative by what Stripe collected), not from an
employer's or the territory's funds. Its expiry policy is 'territory': what a buyer paid and
nobody spent goes to the territory fund when the grant expires, never back to Stripe's account.
`take_back` is the ledger side of a refund to the buyer: it moves what is left unspent on such a
grant back to the Stripe clearing account, never more than is left.
Same contract as loyalty.ledger: own transaction, commits, idempotent on each key.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import accounts as acc
from loyalty.cards import DEFAULT_PREFIX, lock_cards, new_card, require_active, successor_of
from loyalty.clock import paris_day
from loyalty.errors import N_, CardNotFound, RefundNotAllowed
from loyalty.grants import card_grants, live_balance
from loyalty.models import Account, Entry, Grant, Posting
from loyalty.results import LedgerResult, result_of
from loyalty.steps import check_positive, replay_if_done, run_once, stamp
from loyalty.transactions import replay_or_refuse, request_hash, rerun_on_integrity_error

BOUGHT_POLICY = "territory"


@dataclass(frozen=True)
class BoughtCredit:
    """One grant of a purchase: onto `card_id`, or onto a new active card when it is None."""
    key: str
    amount_cents: int
    card_id: int | None = None


def issue_bought_credit(session: Session, *, items: list[BoughtCredit], label: str, expires_on: date,
                        actor: str, prefix: str = DEFAULT_PREFIX, now: datetime | None = None,
                        funder_code: str = acc.STRIPE_CLEARING,
                        then: Callable[[list[LedgerResult]], None] | None = None) -> list[LedgerResult]:
    """All the grants of one paid purchase in ONE transaction (all or none), each an 'issue' entry
    from the Stripe clearing account (or, for a counter sale, `funder_code`: the counter's
    account for the tender taken, accounts.counter_clearing_code) to a new purse. An item whose key is used is replayed
    (IdempotencyConflict if it asked for something else); `then(results)` runs before the commit
    so the caller records the cards atomically. Results in the order of `items`."""
    if not items or len({item.key for item in items}) != len(items):
        raise ValueError("issue_bought_credit: no items, or two with the same key")
    for item in items:
        check_positive(item.amount_cents)
    label = label.strip()[:200]
    fingerprints = {item.key: request_hash("issue", amount_cents=item.amount_cents, label=label,
                                           expires_on=expires_on.isoformat(),
                                           funder="stripe" if funder_code == acc.STRIPE_CLEARING else funder_code,
                                           card_id=item.card_id if item.card_id is not None else "new")
                    for item in items}
    moment = stamp(now)
    today = paris_day(moment)

    def work() -> list[LedgerResult]:
        cards = lock_cards(session, [item.card_id for item in items if item.card_id is not None])
        done = {entry.idempotency_key: entry for entry in session.scalars(
            select(Entry).where(Entry.idempotency_key.in_(fingerprints)))}
        results = {key: replay_or_refuse(entry, fingerprints[key], lambda e: result_of(session, e, replayed=True))
                   for key, entry in done.items()}
        funder = acc.bought_credit_funder(session, funder_code)
        for item in items:
            if item.key in done:
                continue
            if item.card_id is not None:
                card = cards.get(item.card_id)
                if card is None:
                    raise CardNotFound()
                if card.status == "deactivated":  # a blocked card may receive (its balance moves to its replacement)
                    require_active(card)
            else:
                card = new_card(session, holder_user_id=None, employee_id=None, prefix=prefix, status="active",
                                now=moment)
            purse = acc.new_purse(session, f"{label} — carte {card.masked_number}")
            grant = Grant(card_id=card.id, account_id=purse.id, funder_account_id=funder.id, label=label,
                          expires_on=expires_on, allowed_categories=None, expiry_policy=BOUGHT_POLICY,
                          created_at=moment)
            session.add(grant)
            session.flush()
            grants = card_grants(session, card.id)
            entry = acc.post(session, {funder.id: -item.amount_cents, purse.id: item.amount_cents}, key=item.key,
                             fingerprint=fingerprints[item.key], kind="issue", actor=actor,
                             amount_cents=item.amount_cents, now=moment, card_id=card.id, memo=label,
                             card_balance=lambda grants=grants: live_balance(grants, today), known={purse.id: purse})
            results[item.key] = LedgerResult(entry_id=entry.id, kind="issue", amount_cents=item.amount_cents,
                                             card_id=card.id, card_balance_cents=entry.card_balance_after_cents,
                                             grant_amounts={grant.id: item.amount_cents}, created_at=moment)
        ordered = [results[item.key] for item in items]
        if then is not None:
            then(ordered)
        return ordered

    return rerun_on_integrity_error(session, work)


def take_back(session: Session, *, issue_entry_id: int, amount_cents: int, key: str, actor: str, reason: str,
              now: datetime | None = None) -> LedgerResult:
    """Refunding the buyer: move `amount_cents` of the grant that the entry `issue_entry_id`
    bought back to the account that funded it (Stripe's clearing account, or the counter's
    account of the tender taken: a void). Only what is left on it (what was spent stays
    spent: RefundNotAllowed names what is left), whatever the card's state; money held for a
    pending order is not left."""
    check_positive(amount_cents)
    fingerprint = request_hash("buyrefund", issue_entry_id=issue_entry_id, amount_cents=amount_cents)
    moment = stamp(now)

    def work() -> LedgerResult:
        grant = session.scalar(select(Grant).join(Posting, Posting.account_id == Grant.account_id)
                               .join(Entry, Entry.id == Posting.entry_id)
                               .where(Entry.id == issue_entry_id, Entry.kind == "issue"))
        funder = session.get(Account, grant.funder_account_id) if grant is not None else None
        if funder is None or funder.kind not in ("stripe_clearing", "counter_clearing"):
            raise RefundNotAllowed(N_("Seul un crédit acheté par carte bancaire peut être remboursé ainsi."))
        lock_cards(session, [grant.card_id])
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        grant = successor_of(session, grant)  # its card replaced: the money is there now
        left = acc.lock_accounts(session, [grant.account_id])[grant.account_id].balance_cents
        if amount_cents > left:
            raise RefundNotAllowed(N_("Au plus %(left)s peuvent encore être remboursés sur ce crédit."),
                                   amounts={"left": left})
        grants = card_grants(session, grant.card_id)
        entry = acc.post(session, {grant.account_id: -amount_cents, funder.id: amount_cents}, key=key,
                         fingerprint=fingerprint, kind="buyrefund", actor=actor, amount_cents=amount_cents,
                         now=moment, card_id=grant.card_id, refunded_entry_id=issue_entry_id,
                         card_balance=lambda: live_balance(grants, paris_day(moment)), memo=reason.strip()[:500])
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)

