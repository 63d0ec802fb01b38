"""Many tills at once: a purse never goes below zero, a key never pays twice."""
import threading
from datetime import timedelta

from sqlalchemy import select

from loyalty import ledger
from loyalty.errors import AboveFirstCredit, InsufficientBalance
from loyalty.models import Entry, Grant
from loyalty.queries import card_balance
from loyalty.verify import verify
from marketplace.extensions import db
from tests.loyalty.conftest import NOW, TODAY, make_card


def run_together(app, count, call):
    """Start `count` threads that each call `call(index)` in their own app context at once."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(index):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[index] = call(index)
            except Exception as error:  # noqa: BLE001 - collected and asserted on
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_32_tills_redeeming_10_euros_from_a_100_euro_card(app, world):
    card_id = make_card(world, (6000, TODAY + timedelta(days=5)), (4000, TODAY + timedelta(days=50)))
    db.session.remove()

    outcomes = run_together(app, 32, lambda i: ledger.redeem(
        db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=1000, key=f"till:{i}",
        actor=f"till:{i}", now=NOW))

    succeeded = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, InsufficientBalance)]
    assert len(succeeded) == 10 and len(refused) == 22, [o for o in outcomes if isinstance(o, Exception)][:3]
    assert sorted(r.card_balance_cents for r in succeeded) == list(range(0, 10000, 1000))
    assert card_balance(db.session, card_id, today=TODAY) == 0
    assert verify(db.session) == []


def test_the_same_key_sent_twice_at_once_pays_once(app, world):
    card_id = make_card(world, (10000, TODAY))
    db.session.remove()

    outcomes = run_together(app, 2, lambda i: ledger.redeem(
        db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=2500, key="double-click",
        actor="till:1", now=NOW))

    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert outcomes[0].entry_id == outcomes[1].entry_id
    assert sorted(o.replayed for o in outcomes) == [False, True]
    assert db.session.query(Entry).filter_by(kind="redeem").count() == 1
    assert card_balance(db.session, card_id, today=TODAY) == 7500


def test_the_unique_key_alone_stops_a_second_entry(world, monkeypatch):
    """Even when the look-up misses (two requests racing past it), the insert of the second
    entry fails on the unique key and the first result is returned."""
    card_id = make_card(world, (10000, TODAY))
    first = ledger.redeem(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=2500, key="k",
                          actor="till:1", now=NOW)
    monkeypatch.setattr("loyalty.steps.existing_entry", lambda session, key: None)

    again = ledger.redeem(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=2500, key="k",
                          actor="till:1", now=NOW)

    assert again.replayed and again.entry_id == first.entry_id and again.card_balance_cents == 7500
    assert card_balance(db.session, card_id, today=TODAY) == 7500


def test_one_key_for_two_cards_at_once_pays_only_one(app, world):
    cards = [make_card(world, (10000, TODAY)), make_card(world, (10000, TODAY))]
    db.session.remove()

    outcomes = run_together(app, 2, lambda i: ledger.redeem(
        db.session, card_id=cards[i], shop_id=world.bakery_id, amount_cents=2500, key="shared", actor="t",
        now=NOW))

    assert sorted(type(o).__name__ for o in outcomes) == ["IdempotencyConflict", "LedgerResult"]
    assert sorted(card_balance(db.session, c, today=TODAY) for c in cards) == [7500, 10000]
    assert verify(db.session) == []


def test_corrections_sent_together_never_take_a_credit_above_what_it_first_received(app, world):
    """The card desk's cap is checked under the card's lock: eight admins adding 20 € at once to a
    100 € credit with 40 € left give back exactly the 60 € it lacked."""
    card_id = make_card(world, (10000, TODAY + timedelta(days=30)))
    ledger.redeem(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=6000, key="spent",
                  actor="till:1", now=NOW)
    purse = db.session.scalar(select(Grant.account_id).where(Grant.card_id == card_id))
    db.session.remove()

    outcomes = run_together(app, 8, lambda i: ledger.adjust(
        db.session, account_id=purse, amount_cents=2000, reason="Paiement encaissé deux fois", key=f"desk:{i}",
        actor="admin", first_credit_cents=10000, now=NOW))

    refused = [o for o in outcomes if isinstance(o, AboveFirstCredit)]
    assert len(refused) == 5 and len([o for o in outcomes if not isinstance(o, Exception)]) == 3, outcomes
    assert card_balance(db.session, card_id, today=TODAY) == 10000
    assert verify(db.session) == []
