"""Holders are reminded of the credit left on their card before its last day: a month before, then
a week before, each once, whoever holds the card (an account, an employee, a gift's recipient)."""
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from loyalty import cards, ledger
from loyalty.clock import paris_day, utc_now
from loyalty.models import Card
from marketplace import card_reminders, periodic
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import CreditPurchase, CreditPurchaseItem, Employee, GrantExpiryReminder
from tests import factories as f

def today():
    """The territory's day now, read when used: a run may cross midnight in Paris after this file is read."""
    return paris_day(utc_now())


def issued(employer_id: int, key: str, *, cents: int = 5_000, lives: int = 90, left: int, label: str = "Noël",
           **holder) -> int:
    """A new card with one credit given `lives - left` days ago that ends in `left` days: its id."""
    given = datetime.combine(today() - timedelta(days=lives - left), time(9), tzinfo=UTC)
    [result] = ledger.issue_grants(db.session, items=[ledger.GrantOrder(key=key, amount_cents=cents, **holder)],
                                   label=label, expires_on=today() + timedelta(days=left), actor="hr",
                                   employer_id=employer_id, now=given)
    cards.activate_card(db.session, result.card_id)
    return result.card_id


@pytest.fixture
def holders(app):
    """Cards whose credit ends soon, held in every way a card is held, and cards that get nothing."""
    with app.app_context():
        semur = f.commune()
        employer = f.employer("Laiterie", semur)
        shop = f.shop("Fournil", semur)
        ines = f.user("ines@example.fr", first_name="Inès")
        english = f.user("john@example.fr", locale="en")
        paul = Employee(employer_id=employer.id, external_id="M-7", first_name="Paul", last_name="Girard",
                        email="paul@example.fr")
        db.session.add(paul)
        db.session.commit()
        ledger.fund(db.session, amount_cents=100_000, key="fund", actor="hr", employer_id=employer.id)
        ids = {
            "ines": issued(employer.id, "ines", left=25, holder_user_id=ines.id),
            "john": issued(employer.id, "john", left=20, holder_user_id=english.id),
            "paul": issued(employer.id, "paul", left=5, employee_id=paul.id),
            "gift": issued(employer.id, "gift", left=6, cents=3_000, label="Anniversaire"),
            "short": issued(employer.id, "short", left=6, lives=10, holder_user_id=ines.id),  # lived 10 days
            "young": issued(employer.id, "young", left=20, lives=20, holder_user_id=ines.id),  # given today
            "spent": issued(employer.id, "spent", left=5, cents=1_000, holder_user_id=ines.id),
            "blocked": issued(employer.id, "blocked", left=5, holder_user_id=ines.id),
            "nobody": issued(employer.id, "nobody", left=5),
            "later": issued(employer.id, "later", left=45, holder_user_id=ines.id),
        }
        ledger.redeem(db.session, card_id=ids["spent"], shop_id=shop.id, amount_cents=1_000, key="spend-all",
                      actor="till")
        cards.block_card(db.session, ids["blocked"])
        purchase = CreditPurchase(kind="gift", token="t" * 43, form_token="g" * 64, buyer_name="Marie",
                                  buyer_email="marie@example.fr", amount_cents=3_000, status="paid")
        db.session.add(purchase)
        db.session.flush()
        db.session.add(CreditPurchaseItem(purchase_id=purchase.id, amount_cents=3_000, recipient_name="Léa",
                                          recipient_email="lea@example.fr", card_id=ids["gift"]))
        db.session.commit()
        outbox().clear()
    return ids


def _mails(app) -> dict[str, list]:
    with app.app_context():
        by_address = {}
        for message in outbox():
            by_address.setdefault(message["To"], []).append(message)
        outbox().clear()
        return by_address


def test_each_holder_is_reminded_once_a_month_then_a_week_before_their_credit_ends(app, holders):
    with app.app_context():
        assert periodic.remind_expiring_credit() == 5
    mails = _mails(app)
    assert sorted(mails) == ["ines@example.fr", "john@example.fr", "lea@example.fr", "paul@example.fr"]

    # Inès: the card ending in 25 days (a month's reminder) and the one given for 10 days (a week's),
    # not the one given for 20 days (its issue mail said when it ends), nor the spent or blocked ones.
    [first, second] = mails["ines@example.fr"]
    bodies = {message["Subject"]: message.get_content() for message in (first, second)}
    day_25 = (today() + timedelta(days=25)).strftime("%d/%m/%Y")
    assert f"Votre carte du territoire : 50,00\xa0€ à dépenser avant le {day_25}" in bodies
    body = bodies[f"Votre carte du territoire : 50,00\xa0€ à dépenser avant le {day_25}"]
    assert f"- 50,00\xa0€, Noël (Laiterie), jusqu'au {day_25}" in body
    assert "http://localhost/compte/carte/" in body
    assert "Your territory card: " in mails["john@example.fr"][0]["Subject"]
    assert "/carte/rattacher/" in mails["paul@example.fr"][0].get_content()  # attaches the card to an account
    gift = mails["lea@example.fr"][0].get_content()
    assert "30,00\xa0€, Anniversaire" in gift and "/carte-cadeau/carte/" in gift

    with app.app_context():
        assert card_reminders.remind_expiring() == 0  # the same day again: nothing
        paul_grant = db.session.get(Card, holders["paul"]).grants[0].id
        assert db.session.scalar(select(GrantExpiryReminder.sent_to).where(
            GrantExpiryReminder.grant_id == paul_grant, GrantExpiryReminder.days_before == 7)) == "paul@example.fr"
        # Nineteen days later: a week's reminder for the cards reminded a month before and for the
        # credit given for twenty days; the card ending in 45 days gets its month's reminder.
        assert card_reminders.remind_expiring(today() + timedelta(days=19)) == 4
    later = _mails(app)
    assert sorted(later) == ["ines@example.fr", "john@example.fr"]
    assert len(later["ines@example.fr"]) == 3
    with app.app_context():
        assert card_reminders.remind_expiring(today() + timedelta(days=19)) == 0
        reminders = db.session.scalars(select(GrantExpiryReminder.days_before)).all()
        assert reminders.count(30) == 3 and reminders.count(7) == 6


def test_no_reminder_when_the_territory_turns_them_off(app, holders, monkeypatch):
    monkeypatch.setitem(app.config, "CARD_EXPIRY_REMINDER_DAYS", ())
    with app.app_context():
        assert card_reminders.remind_expiring() == 0
    assert _mails(app) == {}
