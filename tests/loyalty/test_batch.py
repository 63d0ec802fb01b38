"""Batch issuance (a campaign's employees in one transaction), revocation of a grant and the
attachment of a card to its holder."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loyalty import accounts, cards, ledger, pins
from loyalty.errors import (
    CardHeldByAnother,
    CardNotActive,
    IdempotencyConflict,
    InsufficientFunds,
    ReasonRequired,
)
from loyalty.ledger import GrantOrder
from loyalty.models import Card, Entry
from loyalty.queries import card_balance
from loyalty.verify import verify
from marketplace.extensions import db
from tests import factories
from tests.loyalty.conftest import NOW, TODAY, make_card

LATER = TODAY + timedelta(days=100)


def issue(world, orders, **options):
    return ledger.issue_grants(db.session, items=orders, label="Noël", expires_on=LATER, actor="system",
                               employer_id=world.employer_id, campaign_id=7, now=NOW, **options)


def counts():
    return (db.session.scalar(select(func.count()).select_from(Card)),
            db.session.scalar(select(func.count()).select_from(Entry)))


def funding(world):
    return accounts.employer_funding_account(db.session, world.employer_id).balance_cents


def test_a_batch_issues_onto_new_and_existing_cards_and_replays(world):
    existing = make_card(world, (1_000, LATER))
    orders = [GrantOrder(key="c:1", amount_cents=5_000, pin="1234"),
              GrantOrder(key="c:2", amount_cents=3_000, card_id=existing),
              GrantOrder(key="c:3", amount_cents=2_000)]
    results = issue(world, orders)
    assert [r.amount_cents for r in results] == [5_000, 3_000, 2_000]
    assert not any(r.replayed for r in results)
    assert results[1].card_id == existing and results[1].card_balance_cents == 4_000
    new = db.session.get(Card, results[0].card_id)
    assert new.status == "active" and pins.check(new.pin_hash, new.id, "1234") == (True, None)
    assert db.session.get(Card, results[2].card_id).pin_hash is None
    assert card_balance(db.session, new.id, today=TODAY) == 5_000
    assert funding(world) == 1_000_000 - 1_000 - 10_000
    before = counts()

    again = issue(world, orders)
    assert all(r.replayed for r in again)
    assert [(r.entry_id, r.card_id, r.grant_id) for r in again] == [(r.entry_id, r.card_id, r.grant_id)
                                                                     for r in results]
    assert counts() == before
    assert verify(db.session) == []


def test_one_grant_of_a_batch_already_issued_is_replayed(world):
    card_id = make_card(world)
    first = ledger.issue_grant(db.session, card_id=card_id, amount_cents=3_000, label="Noël", expires_on=LATER,
                               key="c:1", actor="system", employer_id=world.employer_id, campaign_id=7, now=NOW)
    results = issue(world, [GrantOrder(key="c:1", amount_cents=3_000, card_id=card_id),
                            GrantOrder(key="c:2", amount_cents=2_000)])
    assert results[0].replayed and results[0].entry_id == first.entry_id
    assert not results[1].replayed
    assert verify(db.session) == []


def test_a_crash_mid_batch_leaves_nothing_half_done(world):
    orders = [GrantOrder(key=f"c:{n}", amount_cents=1_000) for n in range(5)]
    before = counts()

    def crash(results):
        raise RuntimeError("the worker died")

    with pytest.raises(RuntimeError):
        issue(world, orders, then=crash)
    assert counts() == before and funding(world) == 1_000_000

    recorded = []
    results = issue(world, orders, then=recorded.extend)
    assert recorded == results and not any(r.replayed for r in results)
    assert funding(world) == 1_000_000 - 5_000
    assert verify(db.session) == []


def test_a_conflicting_item_refuses_the_whole_batch(world):
    issue(world, [GrantOrder(key="c:1", amount_cents=1_000)])
    before = counts()
    with pytest.raises(IdempotencyConflict):
        issue(world, [GrantOrder(key="c:2", amount_cents=1_000), GrantOrder(key="c:1", amount_cents=9_000)])
    assert counts() == before


def test_a_batch_the_funder_cannot_cover_issues_nothing(world):
    before = counts()
    with pytest.raises(InsufficientFunds):
        issue(world, [GrantOrder(key="c:1", amount_cents=600_000), GrantOrder(key="c:2", amount_cents=600_000)])
    assert counts() == before and funding(world) == 1_000_000


def test_revoke_gives_what_is_left_back_to_the_funder_once(world):
    card_id = make_card(world, (2_000, LATER + timedelta(days=1)))
    grant_id = ledger.issue_grant(db.session, card_id=card_id, amount_cents=5_000, label="Noël", expires_on=LATER,
                                  key="c:1", actor="system", employer_id=world.employer_id, now=NOW).grant_id
    ledger.redeem(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=1_500, key="r:1",
                  actor="user:1", now=NOW)
    with pytest.raises(ReasonRequired):
        ledger.revoke_grant(db.session, grant_id=grant_id, key="v:1", actor="user:2", reason=" ", now=NOW)
    result = ledger.revoke_grant(db.session, grant_id=grant_id, key="v:1", actor="user:2", reason="Départ", now=NOW)
    assert result.amount_cents == 3_500 and result.grant_amounts == {grant_id: -3_500}
    assert card_balance(db.session, card_id, today=TODAY) == result.card_balance_cents == 2_000
    assert funding(world) == 1_000_000 - 7_000 + 3_500
    entry = db.session.get(Entry, result.entry_id)
    assert entry.kind == "adjust" and entry.memo == "Départ"
    again = ledger.revoke_grant(db.session, grant_id=grant_id, key="v:1", actor="user:2", reason="Départ", now=NOW)
    assert again.replayed and again.amount_cents == 3_500
    assert funding(world) == 1_000_000 - 7_000 + 3_500
    assert verify(db.session) == []


def test_attach_holder(world):
    owner = factories.user("titulaire@example.fr")
    other = factories.user("autre@example.fr")
    db.session.commit()
    card_id = make_card(world)
    assert cards.attach_holder(db.session, card_id, owner.id).holder_user_id == owner.id
    assert cards.attach_holder(db.session, card_id, owner.id).holder_user_id == owner.id
    with pytest.raises(CardHeldByAnother):
        cards.attach_holder(db.session, card_id, other.id)
    cards.deactivate_card(db.session, card_id)
    with pytest.raises(CardNotActive):
        cards.attach_holder(db.session, card_id, owner.id)


def test_a_new_card_can_have_a_pin(world):
    card = cards.create_card(db.session, active=True, pin="4321", now=NOW)
    assert pins.check(card.pin_hash, card.id, "4321") == (True, None)
