"""October 2026 in a small territory: two shops (one without IBAN), card payments, a void and a
refund in the month, one payment in November."""
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from loyalty import cards, ledger
from marketplace.extensions import db
from tests import factories as f

IBAN = "FR7630006000011234567890189"
TERRITORY_IBAN = "FR7630001007941234567890185"


def at(day: int, month: int = 10, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Territory:
    fournil_id: int  # valid IBAN
    epicerie_id: int  # no IBAN
    card_id: int
    admin_email: str
    owner_email: str


@pytest.fixture
def territory(app, monkeypatch) -> Territory:
    monkeypatch.setitem(app.config, "TERRITORY_IBAN", TERRITORY_IBAN)
    monkeypatch.setitem(app.config, "TERRITORY_BIC", "BDFEFRPPCCT")
    monkeypatch.setitem(app.config, "SETTLEMENT_COMMISSION_BPS", 150)
    with app.app_context():
        semur, arnay = f.commune(), f.commune(**f.ARNAY)
        fournil = f.shop("Fournil", semur, iban=IBAN)
        epicerie = f.shop("Epicerie", arnay, category=f.category("epicerie", "Épicerie"))
        employer = f.employer("Laiterie", semur)
        f.user("admin@example.fr", is_admin=True)
        owner = f.user("owner@example.fr")
        f.shop_member(fournil, owner, "owner")
        db.session.commit()
        ids = fournil.id, epicerie.id, employer.id
        ledger.fund(db.session, amount_cents=100_000, key="fund", actor="system", employer_id=ids[2], now=at(1))
        card = cards.create_card(db.session, active=True, now=at(1))
        ledger.issue_grant(db.session, card_id=card.id, amount_cents=50_000, label="Noël", expires_on=date(2099, 12, 31),
                           key="issue", actor="system", employer_id=ids[2], now=at(1))
        pay = {"session": db.session, "card_id": card.id, "actor": "system"}
        ledger.redeem(**pay, shop_id=ids[0], amount_cents=2_000, key="r1", now=at(5))
        mistake = ledger.redeem(**pay, shop_id=ids[0], amount_cents=1_500, key="r2", now=at(5, hour=10))
        ledger.void(db.session, redemption_id=mistake.entry_id, shop_id=ids[0], key="v2", actor="system",
                    now=at(5, hour=11))
        bought = ledger.redeem(**pay, shop_id=ids[0], amount_cents=3_000, key="r3", now=at(10))
        ledger.refund(db.session, purchase_id=bought.entry_id, shop_id=ids[0], amount_cents=500, key="f3",
                      actor="system", now=at(12))
        ledger.redeem(**pay, shop_id=ids[1], amount_cents=1_000, key="r4", now=at(8))
        ledger.redeem(**pay, shop_id=ids[0], amount_cents=700, key="r5", now=at(3, month=11))
        return Territory(ids[0], ids[1], card.id, "admin@example.fr", "owner@example.fr")
