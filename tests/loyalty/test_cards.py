"""The card as the cashier and the holder meet it: number, QR code, PIN, states, replacement."""
from datetime import timedelta

import pytest

from loyalty import cards, ledger
from loyalty.errors import (
    CardBlocked,
    CardNotActive,
    CardNotFound,
    InvalidCardTransition,
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


def test_five_wrong_pins_block_the_card(world):
    card_id = make_card(world, (5000, TODAY))
    cards.set_pin(db.session, card_id, "1234", method="pbkdf2:sha256:1000")
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
    with pytest.raises(CardBlocked):
        ledger.redeem(db.session, key="r5", pin="9999", **pay)
    with pytest.raises(CardBlocked):
        ledger.redeem(db.session, key="r6", pin="1234", **pay)
    assert db.session.get(Card, card_id).status == "blocked"

    cards.unblock_card(db.session, card_id)
    assert ledger.redeem(db.session, key="r7", pin="1234", **pay).card_balance_cents == 4800


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
