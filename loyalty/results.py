"""What every money operation returns (and returns again, identical, when replayed)."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from loyalty.models import Entry, Grant, Hold, Posting


@dataclass(frozen=True)
class LedgerResult:
    entry_id: int
    kind: str
    amount_cents: int  # what moved: for a partial redemption, what was taken
    card_id: int | None
    card_balance_cents: int | None  # the card's balance right after the entry
    # Per grant id: cents that left (negative) or came back into (positive) its purse.
    grant_amounts: dict[int, int] = field(default_factory=dict)
    hold_id: int | None = None
    replayed: bool = False
    created_at: datetime | None = None  # the entry's (naive UTC)

    @property
    def grant_id(self) -> int | None:
        """The grant an issue created (the only grant an issue touches)."""
        return next(iter(self.grant_amounts), None) if self.kind == "issue" else None


def result_of(session: Session, entry: Entry, *, replayed: bool = False) -> LedgerResult:
    per_grant = session.execute(
        select(Grant.id, Posting.amount_cents)
        .join(Grant, Grant.account_id == Posting.account_id)
        .where(Posting.entry_id == entry.id)
    ).all()
    hold_id = session.scalar(
        select(Hold.id).where(or_(Hold.hold_entry_id == entry.id, Hold.close_entry_id == entry.id))
    ) if entry.kind in ("hold", "capture", "release") else None
    return LedgerResult(
        entry_id=entry.id,
        kind=entry.kind,
        amount_cents=entry.amount_cents,
        card_id=entry.card_id,
        card_balance_cents=entry.card_balance_after_cents,
        grant_amounts={grant_id: cents for grant_id, cents in per_grant},
        hold_id=hold_id,
        replayed=replayed,
        created_at=entry.created_at,
    )
