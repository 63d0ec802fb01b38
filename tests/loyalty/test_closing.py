"""A closed month takes no entry dated in it (or before), whatever operation writes it; the
current month and replays of entries already written still work."""
from datetime import UTC, date, datetime, timedelta

import pytest

from loyalty import closing, holds, ledger, sales
from loyalty.clock import paris_day, utc_now
from loyalty.models import Entry
from marketplace.extensions import db
from tests.loyalty.conftest import NOW, make_card

IN_JUNE = NOW  # 10 June 2025
IN_MAY = datetime(2025, 5, 20, 9, 0, tzinfo=UTC)


def close_june():
    closing.lock_month(db.session, date(2025, 6, 1), actor="admin@example.fr")
    db.session.commit()


def test_every_back_dated_operation_is_refused_in_a_closed_month(world):
    card_id = make_card(world, (10_000, date(2030, 1, 1)))
    paid = ledger.redeem(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=1_000, key="r1",
                         actor="system", now=IN_JUNE)
    close_june()
    entries = db.session.query(Entry).count()
    attempts = [
        lambda when: ledger.redeem(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=500,
                                   key=f"r2:{when}", actor="system", now=when),
        lambda when: ledger.fund(db.session, amount_cents=500, key=f"f:{when}", actor="system",
                                 employer_id=world.employer_id, now=when),
        lambda when: ledger.issue_grant(db.session, card_id=card_id, amount_cents=500, label="Late",
                                        expires_on=date(2030, 1, 1), key=f"i:{when}", actor="system",
                                        employer_id=world.employer_id, now=when),
        lambda when: ledger.refund(db.session, purchase_id=paid.entry_id, shop_id=world.bakery_id,
                                   amount_cents=100, key=f"rf:{when}", actor="system", now=when),
        lambda when: sales.record_online_sale(db.session, shop_id=world.bakery_id, amount_cents=900,
                                              payment_ref="pi_x", key=f"s:{when}", actor="system", now=when),
        lambda when: holds.hold(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=300,
                                key=f"h:{when}", actor="system", now=when),
    ]
    for attempt in attempts:
        for when in (IN_JUNE + timedelta(days=5), IN_MAY):  # the month itself and the one before
            with pytest.raises(closing.PeriodClosed) as refused:
                attempt(when)
            assert refused.value.code == "period_closed"
            assert "06/2025" in refused.value.message
    assert db.session.query(Entry).count() == entries  # nothing written

    # The same request again is answered as the first time (idempotency beats the lock).
    again = ledger.redeem(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=1_000, key="r1",
                          actor="system", now=IN_JUNE)
    assert again.replayed and again.entry_id == paid.entry_id
    # Corrections go in the current month.
    now = ledger.refund(db.session, purchase_id=paid.entry_id, shop_id=world.bakery_id, amount_cents=100,
                        key="rf:now", actor="system")
    assert now.amount_cents == 100
    july = ledger.fund(db.session, amount_cents=500, key="f:july", actor="system", employer_id=world.employer_id,
                       now=datetime(2025, 7, 1, 0, 30, tzinfo=UTC))  # 1 July, 02:30 in Paris: open
    assert july.amount_cents == 500


def test_the_month_ends_at_midnight_in_paris(world):
    close_june()
    last_minute = datetime(2025, 6, 30, 21, 59, tzinfo=UTC)  # 30 June, 23:59 in Paris
    with pytest.raises(closing.PeriodClosed):
        ledger.fund(db.session, amount_cents=500, key="late", actor="system", employer_id=world.employer_id,
                    now=last_minute)
    ledger.fund(db.session, amount_cents=500, key="july", actor="system", employer_id=world.employer_id,
                now=last_minute + timedelta(minutes=2))


def test_only_a_month_that_is_over_can_be_locked(app_ctx):
    this_month = paris_day(utc_now()).replace(day=1)
    with pytest.raises(closing.MonthNotOver):
        closing.lock_month(db.session, this_month + timedelta(days=40), actor="admin")
    with pytest.raises(closing.MonthNotOver):
        closing.lock_month(db.session, this_month + timedelta(days=1), actor="admin")
    assert closing.latest_closed_month(db.session) is None


def test_locking_closes_the_months_before_and_is_done_once(app_ctx):
    first = closing.lock_month(db.session, date(2025, 6, 15), actor="admin")
    db.session.commit()
    assert first.month == date(2025, 6, 1)
    assert closing.is_closed(db.session, date(2025, 3, 1)) and not closing.is_closed(db.session, date(2025, 7, 1))
    assert closing.lock_month(db.session, date(2025, 5, 1), actor="admin").id == first.id  # already closed
    assert closing.lock_month(db.session, date(2025, 6, 1), actor="admin").id == first.id
    db.session.commit()
    assert db.session.query(closing.ClosedMonth).count() == 1
