"""What the demo gives for paying: the resident's funded territorial card (idempotent seed) and
the territory's fictitious but valid bank account in the development configuration."""
from sqlalchemy import func, select
from stdnum import bic, iban

from config import DevelopmentConfig
from loyalty.models import Card
from loyalty.queries import spendable_balance
from marketplace.demo import RESIDENT_CREDIT_CENTS, _ensure_resident_card
from marketplace.extensions import db
from tests import factories as f


def test_the_demo_resident_gets_one_card_with_credit_however_often_the_seed_runs(app_ctx):
    shop = f.shop("Boulangerie Moreau", f.commune())
    resident = f.user("resident@demo.halle.fr")
    db.session.commit()
    assert _ensure_resident_card(resident) is True
    assert _ensure_resident_card(resident) is False
    cards = db.session.scalars(select(Card).filter_by(holder_user_id=resident.id)).all()
    assert [card.status for card in cards] == ["active"]
    assert spendable_balance(db.session, cards[0].id, shop.id) == RESIDENT_CREDIT_CENTS == 5_000
    assert db.session.scalar(select(func.count()).select_from(Card)) == 1


def test_the_demo_configuration_has_a_valid_territory_account():
    config = DevelopmentConfig()
    assert iban.is_valid(config.TERRITORY_IBAN) and config.TERRITORY_IBAN.startswith("FR")
    assert bic.is_valid(config.TERRITORY_BIC)
