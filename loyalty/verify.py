"""The ledger's invariants, checked against the database (`flask ledger verify`)."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.models import MAY_GO_NEGATIVE, Account, Entry, Hold, Posting
from loyalty.pg_redeem import version_problem


def verify(session: Session) -> list[str]:
    """Problems found, in words; an empty list means the ledger is sound."""
    problems: list[str] = []
    if stale := version_problem(session.connection()):  # PostgreSQL: the deployed halle_redeem
        problems.append(stale)

    unbalanced = session.execute(
        select(Posting.entry_id, func.sum(Posting.amount_cents))
        .group_by(Posting.entry_id).having(func.sum(Posting.amount_cents) != 0)
    ).all()
    problems += [f"entry {entry_id}: postings sum to {total}, not 0" for entry_id, total in unbalanced]

    total = session.scalar(select(func.coalesce(func.sum(Account.balance_cents), 0)))
    if total != 0:
        problems.append(f"the balances of all accounts sum to {total}, not 0")

    posted = (select(Posting.account_id, func.sum(Posting.amount_cents).label("total"))
              .group_by(Posting.account_id).subquery())
    drifted = session.execute(
        select(Account.id, Account.balance_cents, func.coalesce(posted.c.total, 0))
        .outerjoin(posted, posted.c.account_id == Account.id)
        .where(Account.balance_cents != func.coalesce(posted.c.total, 0))
    ).all()
    problems += [f"account {account_id}: stored balance {stored}, postings sum to {summed}"
                 for account_id, stored, summed in drifted]

    negative = session.execute(
        select(Account.id, Account.kind, Account.balance_cents)
        .where(Account.balance_cents < 0, Account.kind.not_in(MAY_GO_NEGATIVE))
    ).all()
    problems += [f"account {account_id} ({kind}) is negative: {balance}" for account_id, kind, balance in negative]

    held = dict(session.execute(
        select(Hold.card_id, func.sum(Hold.amount_cents)).where(Hold.status == "pending").group_by(Hold.card_id)
    ).all())
    holds_accounts = session.execute(select(Account.code, Account.balance_cents).where(Account.kind == "card_holds"))
    for code, balance in holds_accounts:
        card_id = int(code.split(":")[1])
        if balance != held.get(card_id, 0):
            problems.append(f"card {card_id}: holds account has {balance}, pending holds {held.get(card_id, 0)}")

    empty = session.scalars(select(Entry.id).where(~Entry.postings.any(), Entry.amount_cents != 0)).all()
    problems += [f"entry {entry_id} moves an amount but has no postings" for entry_id in empty]
    return problems
