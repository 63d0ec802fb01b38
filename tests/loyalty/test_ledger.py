"""Money operations as the till, the employer and the territory admin rely on them."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from loyalty import accounts, holds, ledger
from loyalty.errors import (
    IdempotencyConflict,
    InsufficientBalance,
    InsufficientFunds,
    LedgerImmutable,
    NothingToSettle,
    ReasonRequired,
    RefundNotAllowed,
    VoidNotAllowed,
)
from loyalty.models import Account, Entry, Grant
from loyalty.queries import (
    card_balance,
    card_history,
    shop_redemptions,
    spendable_balance,
)
from loyalty.verify import verify
from marketplace import periodic
from marketplace.extensions import db
from marketplace.mail import outbox
from tests import factories
from tests.loyalty.conftest import NOW, TODAY, make_card

SOON = TODAY + timedelta(days=10)
LATER = TODAY + timedelta(days=100)


def redeem(world, card_id, amount, key, shop_id=None, **options):
    return ledger.redeem(db.session, card_id=card_id, shop_id=shop_id or world.bakery_id, amount_cents=amount,
                         key=key, actor="user:1", now=options.pop("now", NOW), **options)


def grant_balances(card_id):
    grants = db.session.scalars(select(Grant).where(Grant.card_id == card_id).order_by(Grant.id)).all()
    return [g.account.balance_cents for g in grants]


def test_redemption_uses_allowed_grants_soonest_expiry_first(world):
    card_id = make_card(world, (3000, LATER), (2000, SOON), (5000, SOON, ["bricolage"]))
    assert spendable_balance(db.session, card_id, world.bakery_id, today=TODAY) == 5000

    result = redeem(world, card_id, 2500, "r1")

    assert result.amount_cents == 2500
    assert result.card_balance_cents == 7500
    assert sorted(result.grant_amounts.values()) == [-2000, -500]
    assert grant_balances(card_id) == [2500, 0, 5000]
    assert verify(db.session) == []


def test_a_category_restriction_matches_the_shops_parent_category(world):
    card_id = make_card(world, (1000, SOON, ["alimentation"]))
    assert spendable_balance(db.session, card_id, world.bakery_id, today=TODAY) == 1000
    assert spendable_balance(db.session, card_id, world.hardware_id, today=TODAY) == 0


def test_expired_grants_are_not_spent(world):
    card_id = make_card(world, (1000, TODAY - timedelta(days=1)), (700, TODAY))
    with pytest.raises(InsufficientBalance) as refused:
        redeem(world, card_id, 1000, "r1")
    assert refused.value.available_cents == 700
    assert refused.value.code == "insufficient_balance"
    assert refused.value.message == "Solde insuffisant : 7,00\xa0€ disponibles."
    assert card_balance(db.session, card_id, today=TODAY) == 700


def test_partial_redemption_takes_what_there_is(world):
    card_id = make_card(world, (1250, SOON))
    result = redeem(world, card_id, 4000, "r1", allow_partial=True)
    assert (result.amount_cents, result.card_balance_cents) == (1250, 0)
    with pytest.raises(InsufficientBalance):
        redeem(world, card_id, 4000, "r2", allow_partial=True)


def test_replayed_request_returns_the_first_result_and_creates_nothing(world):
    card_id = make_card(world, (5000, SOON))
    first = redeem(world, card_id, 1000, "till-7:abc")
    entries = db.session.scalar(select(func.count(Entry.id)))

    again = redeem(world, card_id, 1000, "till-7:abc")

    assert again.replayed and again.entry_id == first.entry_id
    assert again.card_balance_cents == first.card_balance_cents == 4000
    assert db.session.scalar(select(func.count(Entry.id))) == entries
    with pytest.raises(IdempotencyConflict):
        redeem(world, card_id, 1500, "till-7:abc")
    assert card_balance(db.session, card_id, today=TODAY) == 4000


def test_void_restores_the_same_grants_once(world):
    card_id = make_card(world, (1000, SOON), (3000, LATER))
    sale = redeem(world, card_id, 1500, "r1")

    voided = ledger.void(db.session, redemption_id=sale.entry_id, shop_id=world.bakery_id, key="v1",
                         actor="user:1", now=NOW + timedelta(hours=3))

    assert voided.grant_amounts == {g: -cents for g, cents in sale.grant_amounts.items()}
    assert voided.card_balance_cents == 4000
    with pytest.raises(VoidNotAllowed, match="déjà été annulé"):
        ledger.void(db.session, redemption_id=sale.entry_id, shop_id=world.bakery_id, key="v2", actor="user:1",
                    now=NOW)
    with pytest.raises(RefundNotAllowed):
        ledger.refund(db.session, purchase_id=sale.entry_id, shop_id=world.bakery_id, amount_cents=100,
                      key="f1", actor="user:1")
    assert shop_redemptions(db.session, world.bakery_id, TODAY).total_cents == 0


def test_void_only_same_paris_day_and_same_shop(world):
    card_id = make_card(world, (5000, LATER))
    sale = redeem(world, card_id, 1000, "r1")
    with pytest.raises(VoidNotAllowed, match="autre commerce"):
        ledger.void(db.session, redemption_id=sale.entry_id, shop_id=world.hardware_id, key="v1", actor="u")
    # 23:30 in Paris is still the same day; 00:30 the next is not.
    same_evening = NOW.replace(hour=21, minute=30)
    next_day = NOW.replace(hour=22, minute=30)
    with pytest.raises(VoidNotAllowed, match="jour même"):
        ledger.void(db.session, redemption_id=sale.entry_id, shop_id=world.bakery_id, key="v2", actor="u",
                    now=next_day)
    ledger.void(db.session, redemption_id=sale.entry_id, shop_id=world.bakery_id, key="v3", actor="u",
                now=same_evening)


def test_refunds_go_back_latest_expiry_first_and_never_exceed_the_payment(world):
    card_id = make_card(world, (1000, SOON), (3000, LATER))
    sale = redeem(world, card_id, 2500, "r1")  # 1000 from SOON, 1500 from LATER
    assert grant_balances(card_id) == [0, 1500]

    first = ledger.refund(db.session, purchase_id=sale.entry_id, shop_id=world.bakery_id, amount_cents=2000,
                          key="f1", actor="u", now=NOW + timedelta(days=3))
    assert grant_balances(card_id) == [500, 3000]
    assert first.card_balance_cents == 3500
    with pytest.raises(RefundNotAllowed, match="5,00"):
        ledger.refund(db.session, purchase_id=sale.entry_id, shop_id=world.bakery_id, amount_cents=501,
                      key="f2", actor="u")
    ledger.refund(db.session, purchase_id=sale.entry_id, shop_id=world.bakery_id, amount_cents=500,
                  key="f3", actor="u")
    assert grant_balances(card_id) == [1000, 3000]
    with pytest.raises(VoidNotAllowed):
        ledger.void(db.session, redemption_id=sale.entry_id, shop_id=world.bakery_id, key="v1", actor="u", now=NOW)
    assert verify(db.session) == []


def test_expiry_returns_money_per_policy(world):
    funding = accounts.employer_funding_account(db.session, world.employer_id).balance_cents
    employer_card = make_card(world, (1000, TODAY), policy="employer")
    territory_card = make_card(world, (700, TODAY), policy="territory")
    db.session.commit()

    assert ledger.expire_grants(db.session, today=TODAY) == []  # still usable today
    results = ledger.expire_grants(db.session, today=TODAY + timedelta(days=1))

    assert sorted(r.amount_cents for r in results) == [700, 1000]
    assert accounts.employer_funding_account(db.session, world.employer_id).balance_cents == funding - 700
    assert accounts.territory_account(db.session, accounts.TERRITORY_FUND).balance_cents == 700
    assert card_balance(db.session, employer_card, today=TODAY) == 0
    assert card_balance(db.session, territory_card, today=TODAY) == 0
    db.session.commit()
    assert ledger.expire_grants(db.session, today=TODAY + timedelta(days=1)) == []
    assert verify(db.session) == []


def test_settlement_pays_the_shop_once(world):
    card_id = make_card(world, (5000, SOON))
    redeem(world, card_id, 1200, "r1")
    redeem(world, card_id, 800, "r2")

    paid = ledger.settle_shop(db.session, shop_id=world.bakery_id, key="settlement:2025-06:bakery", actor="admin")
    again = ledger.settle_shop(db.session, shop_id=world.bakery_id, key="settlement:2025-06:bakery", actor="admin")

    assert paid.amount_cents == 2000 and again.replayed
    assert accounts.territory_account(db.session, accounts.TERRITORY_CLEARING).balance_cents == 2000
    with pytest.raises(NothingToSettle):
        ledger.settle_shop(db.session, shop_id=world.bakery_id, key="settlement:2025-07:bakery", actor="admin")


def test_grants_need_funds_and_adjustments_need_a_reason(world):
    card_id = make_card(world)
    with pytest.raises(InsufficientFunds):
        ledger.issue_grant(db.session, card_id=card_id, amount_cents=1_000_001, label="Noël", expires_on=LATER,
                           key="i1", actor="hr", employer_id=world.employer_id)
    grant_account = make_card(world, (1000, SOON))
    purse = db.session.scalar(select(Grant.account_id).where(Grant.card_id == grant_account))
    db.session.commit()
    with pytest.raises(ReasonRequired):
        ledger.adjust(db.session, account_id=purse, amount_cents=500, reason="  ", key="a1", actor="admin")
    result = ledger.adjust(db.session, account_id=purse, amount_cents=-400, reason="Double saisie", key="a2",
                           actor="admin", now=NOW)
    assert result.card_balance_cents == 600
    with pytest.raises(InsufficientBalance):
        ledger.adjust(db.session, account_id=purse, amount_cents=-601, reason="Trop", key="a3", actor="admin")


def test_hold_capture_pays_part_and_gives_back_the_rest(world):
    card_id = make_card(world, (1000, SOON), (3000, LATER))
    held = holds.hold(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=2500, key="h1",
                      actor="order:1", now=NOW)
    assert held.card_balance_cents == 1500

    captured = holds.capture(db.session, hold_id=held.hold_id, amount_cents=1800, key="c1", actor="stripe", now=NOW)

    assert captured.card_balance_cents == 2200
    assert grant_balances(card_id) == [0, 2200]
    with pytest.raises(Exception) as twice:
        holds.release(db.session, hold_id=held.hold_id, key="x1", actor="stripe")
    assert twice.value.code == "hold_not_pending"
    refund = ledger.refund(db.session, purchase_id=captured.entry_id, shop_id=world.bakery_id, amount_cents=1800,
                           key="f1", actor="u", now=NOW)
    assert refund.card_balance_cents == 4000
    assert verify(db.session) == []


def test_stale_holds_are_released(world):
    card_id = make_card(world, (1000, SOON))
    holds.hold(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=600, key="h1", actor="o",
               now=NOW)
    assert holds.expire_holds(db.session, now=NOW + timedelta(minutes=10)) == []
    released = holds.expire_holds(db.session, now=NOW + timedelta(minutes=31))
    assert [r.card_balance_cents for r in released] == [1000]
    assert verify(db.session) == []


def test_history_and_day_report(world):
    card_id = make_card(world, (5000, SOON))
    sale = redeem(world, card_id, 1200, "r1")
    redeem(world, card_id, 300, "r2")
    ledger.void(db.session, redemption_id=sale.entry_id, shop_id=world.bakery_id, key="v1", actor="u", now=NOW)

    history = card_history(db.session, card_id)
    assert [(line.kind, line.amount_cents) for line in history][:3] == [("void", 1200), ("redeem", -300),
                                                                        ("redeem", -1200)]
    day = shop_redemptions(db.session, world.bakery_id, TODAY)
    assert [(line.amount_cents, line.voided) for line in day.lines] == [(1200, True), (300, False)]
    assert day.total_cents == 300
    assert shop_redemptions(db.session, world.bakery_id, date(2025, 6, 11)).lines == []


def test_entries_cannot_be_changed(world):
    card_id = make_card(world, (5000, SOON))
    entry = db.session.get(Entry, redeem(world, card_id, 100, "r1").entry_id)
    entry.amount_cents = 1
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Entry, entry.id))
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()


def test_verify_reports_tampering_and_the_command_fails(app, world):
    card_id = make_card(world, (5000, SOON))
    redeem(world, card_id, 100, "r1")
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 0
    purse = db.session.scalar(select(Grant.account_id).where(Grant.card_id == card_id))
    db.session.execute(text("UPDATE ledger_accounts SET balance_cents = balance_cents + 1 WHERE id = :id"),
                       {"id": purse})
    db.session.commit()

    problems = verify(db.session)
    assert any(f"account {purse}" in problem for problem in problems)
    assert any("sum to 1" in problem for problem in problems)
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"account {purse}" in result.output
    # The nightly job finds it too and tells the territory's admins.
    factories.user("admin@example.fr", is_admin=True)
    db.session.commit()
    assert periodic.verify_ledger() == len(problems)
    [mail] = outbox()
    anomalies = f"{len(problems)} anomalie{'s' if len(problems) > 1 else ''}"  # French: singular for one
    assert (mail["To"], mail["Subject"]) == ("admin@example.fr", f"Grand livre de la carte : {anomalies}")
    assert f"account {purse}" in mail.get_content()
    db.session.execute(text("UPDATE ledger_accounts SET balance_cents = balance_cents - 1 WHERE id = :id"),
                       {"id": purse})
    db.session.commit()
    assert db.session.scalar(select(func.sum(Account.balance_cents))) == 0
    assert periodic.verify_ledger() == 0 and len(outbox()) == 1  # a sound ledger: no mail
