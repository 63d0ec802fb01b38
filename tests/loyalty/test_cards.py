"""The card as the cashier and the holder meet it: number, QR code, PIN, states, replacement."""
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from loyalty import cards, ledger, pins
from loyalty.clock import utc_now
from loyalty.errors import (
    CardBlocked,
    CardNotActive,
    CardNotFound,
    InvalidCardTransition,
    PinLocked,
    PinLockout,
    PinRequired,
    WrongPin,
)
from loyalty.models import Card
from loyalty.queries import card_balance, card_history
from loyalty.verify import verify
from marketplace.extensions import db
from tests.loyalty.conftest import NOW, TODAY, make_card

SECRET = "qr-secret"


def test_numbers_carry_the_territory_prefix_and_catch_a_mistyped_digit():
    number = cards.generate_number("9250")
    assert len(number) == 16 and number.startswith("9250") and cards.is_valid_number(number)
    assert cards.is_valid_number("4539578763621486")  # a known Luhn-valid number
    for position in range(16):
        typo = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1:]
        assert not cards.is_valid_number(typo)
    assert cards.generate_number("9999")[:4] == "9999"


def test_the_till_finds_a_card_by_typed_number_or_scanned_qr(app_ctx):
    card = cards.create_card(db.session)
    typed = cards.grouped_number(card.number)
    assert cards.find_card(db.session, f" {typed} ", secret=SECRET).id == card.id
    payload = cards.qr_payload(card, SECRET)
    assert card.number not in payload
    assert cards.find_card(db.session, payload, secret=SECRET).id == card.id
    assert card.masked_number == f"•••• •••• •••• {card.number[-4:]}"
    with pytest.raises(CardNotFound):
        cards.find_card(db.session, payload, secret="another-secret")
    with pytest.raises(CardNotFound):
        cards.find_card(db.session, cards.generate_number(), secret=SECRET)


def test_five_wrong_pins_lock_the_pin_for_the_territory_delay_not_the_card(world):
    card_id = make_card(world, (5000, TODAY))
    cards.set_pin(db.session, card_id, "1234")
    pay = {"card_id": card_id, "shop_id": world.bakery_id, "amount_cents": 100, "actor": "u", "now": NOW}
    with pytest.raises(PinRequired):
        ledger.redeem(db.session, key="r0", **pay)
    for attempt in range(1, 5):
        with pytest.raises(WrongPin) as wrong:
            ledger.redeem(db.session, key=f"r{attempt}", pin="0000", **pay)
        assert wrong.value.attempts_left == 5 - attempt
    assert ledger.redeem(db.session, key="ok", pin="1234", **pay).card_balance_cents == 4900  # resets the count
    for attempt in range(4):
        with pytest.raises(WrongPin):
            ledger.redeem(db.session, key=f"again{attempt}", pin="9999", **pay)
    before = utc_now()
    with pytest.raises(PinLockout) as lockout:
        ledger.redeem(db.session, key="r5", pin="9999", pin_lock_minutes=45, **pay)
    assert lockout.value.minutes == 45
    with pytest.raises(PinLocked):  # even the right PIN, while it lasts
        ledger.redeem(db.session, key="r6", pin="1234", **pay)
    card = db.session.get(Card, card_id)
    assert card.status == "active"  # a lock, not the "blocked" state
    assert before + timedelta(minutes=44) < card.pin_locked_until.replace(tzinfo=UTC) <= utc_now() + timedelta(minutes=45)
    # Under the territory's threshold no PIN is asked, and the lock changes nothing to that.
    assert ledger.redeem(db.session, key="small", pin_required_above_cents=500, **pay).card_balance_cents == 4800

    card.pin_locked_until = utc_now().replace(tzinfo=None) - timedelta(seconds=1)  # the delay has passed
    db.session.commit()
    with pytest.raises(PinLockout):  # the count went on: one more wrong PIN locks it again
        ledger.redeem(db.session, key="r7", pin="9999", **pay)
    cards.lift_pin_lock(db.session, card_id)  # the holder or the admin
    assert ledger.redeem(db.session, key="r8", pin="1234", **pay).card_balance_cents == 4700
    assert db.session.get(Card, card_id).failed_pin_attempts == 0


def test_pins_are_keyed_hashes_that_differ_between_cards(world):
    first, second = make_card(world), make_card(world)
    cards.set_pin(db.session, first, "1234")
    cards.set_pin(db.session, second, "1234")
    stored = [db.session.get(Card, i).pin_hash for i in (first, second)]
    assert all(h.startswith("hmac-sha256$t1$") for h in stored) and stored[0] != stored[1]
    assert pins.check(stored[0], first, "1234") == (True, None)
    assert pins.check(stored[0], first, "1235") == (False, None)
    assert pins.check(stored[0], second, "1234") == (False, None)


def test_a_legacy_scrypt_pin_pays_and_moves_to_hmac_in_the_same_transaction(world):
    card_id = make_card(world, (5000, TODAY))
    card = db.session.get(Card, card_id)
    card.pin_hash = generate_password_hash("2468", method="scrypt")  # as stored before HMAC
    db.session.commit()
    pay = {"card_id": card_id, "shop_id": world.bakery_id, "amount_cents": 100, "actor": "u", "now": NOW}
    with pytest.raises(WrongPin):
        ledger.redeem(db.session, key="wrong", pin="1357", **pay)
    assert db.session.get(Card, card_id).pin_hash.startswith("scrypt:")  # a wrong PIN moves nothing
    assert ledger.redeem(db.session, key="right", pin="2468", **pay).card_balance_cents == 4900
    db.session.expire_all()
    assert db.session.get(Card, card_id).pin_hash == pins.hash_pin(card_id, "2468")
    assert ledger.redeem(db.session, key="again", pin="2468", **pay).card_balance_cents == 4800


def test_rotating_the_pin_key(world):
    card_id = make_card(world, (5000, TODAY))
    pay = {"card_id": card_id, "shop_id": world.bakery_id, "amount_cents": 100, "actor": "u", "now": NOW}
    old = pins.PinKeys.parse("k1:the-old-secret-0123456789")
    with pins.using(old):
        cards.set_pin(db.session, card_id, "1234")
    assert db.session.get(Card, card_id).pin_hash.startswith("hmac-sha256$k1$")
    rotated = pins.PinKeys.parse("k2:the-new-secret-0123456789, k1:the-old-secret-0123456789")
    with pins.using(rotated):
        with pytest.raises(WrongPin):
            ledger.redeem(db.session, key="wrong", pin="4321", **pay)
        assert db.session.get(Card, card_id).pin_hash.startswith("hmac-sha256$k1$")
        ledger.redeem(db.session, key="right", pin="1234", **pay)  # the old key still verifies
        db.session.expire_all()
        assert db.session.get(Card, card_id).pin_hash.startswith("hmac-sha256$k2$")  # moved to the new one
        with pins.using(pins.PinKeys.parse("k2:the-new-secret-0123456789")):  # k1 retired
            assert ledger.redeem(db.session, key="k2 only", pin="1234", **pay).card_balance_cents == 4800


def test_a_hash_whose_key_is_gone_is_an_error_not_a_pass(world):
    card_id = make_card(world, (5000, TODAY))
    with pins.using(pins.PinKeys.parse("k0:a-retired-secret-0123456789")):
        cards.set_pin(db.session, card_id, "1234")
    pay = {"card_id": card_id, "shop_id": world.bakery_id, "amount_cents": 100, "actor": "u", "now": NOW}
    for pin in ("1234", "0000"):
        with pytest.raises(pins.PinKeyMissing, match="'k0' is not configured"):
            ledger.redeem(db.session, key=f"r{pin}", pin=pin, **pay)
    card = db.session.get(Card, card_id)
    assert card.failed_pin_attempts == 0 and card_balance(db.session, card_id, today=TODAY) == 5000


def test_pin_keys_are_read_as_keyid_secret_pairs():
    ring = pins.PinKeys.parse("k2:second-secret-0123456789,k1:first-secret-0123456789")
    assert ring.current == "k2" and set(ring.keys) == {"k1", "k2"}
    for text in ("", "k1", "k1:short", "k1:first-secret-0123456789,k1:again-secret-0123456789"):
        with pytest.raises(ValueError):
            pins.PinKeys.parse(text)


def test_only_an_active_card_pays(world):
    card_id = make_card(world, (5000, TODAY))
    pay = {"card_id": card_id, "shop_id": world.bakery_id, "amount_cents": 100, "actor": "u", "now": NOW}
    cards.block_card(db.session, card_id)
    with pytest.raises(CardBlocked):
        ledger.redeem(db.session, key="r1", **pay)
    cards.unblock_card(db.session, card_id)
    ledger.redeem(db.session, key="r2", **pay)
    cards.deactivate_card(db.session, card_id)
    with pytest.raises(CardNotActive):
        ledger.redeem(db.session, key="r3", **pay)
    with pytest.raises(InvalidCardTransition):
        cards.unblock_card(db.session, card_id)


def test_a_pending_card_receives_grants_but_pays_only_once_activated(world):
    card = cards.create_card(db.session)
    ledger.issue_grant(db.session, card_id=card.id, amount_cents=3000, label="Noël", expires_on=TODAY,
                       key="i1", actor="hr", employer_id=world.employer_id, now=NOW)
    pay = {"card_id": card.id, "shop_id": world.bakery_id, "amount_cents": 100, "actor": "u", "now": NOW}
    with pytest.raises(CardNotActive):
        ledger.redeem(db.session, key="r1", **pay)
    cards.activate_card(db.session, card.id)
    assert ledger.redeem(db.session, key="r2", **pay).card_balance_cents == 2900


def test_a_lost_card_is_replaced_with_its_remaining_grants(world):
    card_id = make_card(world, (3000, TODAY, ["alimentation"]), (2000, TODAY + timedelta(days=30)),
                        (900, TODAY - timedelta(days=1)))
    ledger.redeem(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=1000, key="r1", actor="u",
                  now=NOW)
    cards.block_card(db.session, card_id)

    result = ledger.replace_card(db.session, card_id=card_id, key="replace:1", actor="admin", now=NOW)

    new_card = db.session.get(Card, result.card_id)
    old_card = db.session.get(Card, card_id)
    assert (old_card.status, old_card.replaced_by_id, new_card.status) == ("deactivated", new_card.id, "active")
    assert result.card_balance_cents == 4000 == card_balance(db.session, new_card.id, today=TODAY)
    assert [(g.label, g.allowed_categories, g.account.balance_cents) for g in new_card.grants] == [
        ("Grant 0", ["alimentation"], 2000), ("Grant 1", None, 2000)]
    assert card_history(db.session, new_card.id)[0].kind == "replace"
    assert ledger.replace_card(db.session, card_id=card_id, key="replace:1", actor="admin").card_id == new_card.id
    assert verify(db.session) == []


def test_a_revoke_or_a_buyers_refund_of_a_replaced_cards_grant_takes_from_the_new_card(world):
    from loyalty import bought
    from loyalty.errors import RefundNotAllowed
    from loyalty.models import Grant

    card_id = make_card(world, (3000, TODAY + timedelta(days=30)))
    [gift] = bought.issue_bought_credit(db.session, items=[bought.BoughtCredit(key="buy", amount_cents=2000,
                                                                                card_id=card_id)],
                                        label="Carte cadeau", expires_on=TODAY + timedelta(days=365), actor="t",
                                        now=NOW)
    ledger.redeem(db.session, card_id=card_id, shop_id=world.bakery_id, amount_cents=500, key="r1", actor="u",
                  now=NOW)  # from the campaign's grant, the sooner to expire
    campaign_grant = db.session.scalar(select(Grant.id).where(Grant.card_id == card_id, Grant.label == "Grant 0"))
    cards.block_card(db.session, card_id)
    new_id = ledger.replace_card(db.session, card_id=card_id, key="replace:1", actor="admin", now=NOW).card_id

    # The employer withdraws the campaign's credit, asked on the old card's grant: 25 € leave the new card.
    revoked = ledger.revoke_grant(db.session, grant_id=campaign_grant, key="revoke:1", actor="hr",
                                  reason="Départ", now=NOW)
    assert revoked.amount_cents == 2500 and card_balance(db.session, new_id, today=TODAY) == 2000
    # The gift's buyer is refunded from what is left of it, on the new card.
    with pytest.raises(RefundNotAllowed):
        bought.take_back(db.session, issue_entry_id=gift.entry_id, amount_cents=2001, key="refund:0", actor="admin",
                         reason="Remboursement", now=NOW)
    bought.take_back(db.session, issue_entry_id=gift.entry_id, amount_cents=1500, key="refund:1", actor="admin",
                     reason="Remboursement", now=NOW)
    assert card_balance(db.session, new_id, today=TODAY) == 500
    assert card_balance(db.session, card_id, today=TODAY) == 0
    assert verify(db.session) == []


def test_production_refuses_to_start_without_a_pin_secret():
    from config import check_production_settings

    class Production:
        config = {"SECRET_KEY": "s" * 32, "PUBLIC_URL": "https://halle.example.fr", "METRICS_ENABLED": False}

    with pytest.raises(RuntimeError, match="PIN_SECRET or PIN_SECRETS"):
        check_production_settings(Production())
    Production.config["PIN_SECRETS"] = "k1:a-production-secret-0123456789"
    check_production_settings(Production())


def test_the_pin_keys_command_counts_cards_per_key_and_fails_on_a_missing_one(app, world):
    first, second, legacy = make_card(world), make_card(world), make_card(world)
    cards.set_pin(db.session, first, "1234")
    with pins.using(pins.PinKeys.parse("k0:a-retired-secret-0123456789")):
        cards.set_pin(db.session, second, "1234")
    db.session.get(Card, legacy).pin_hash = generate_password_hash("1234", method="scrypt")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "pin-keys"])
    assert result.exit_code == 1
    assert result.output.splitlines() == ["k0 (NOT CONFIGURED): 1 card(s)", "legacy: 1 card(s)",
                                          "t1 (current): 1 card(s)"]
