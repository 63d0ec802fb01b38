"""An account that never confirmed its address and holds nothing is closed UNCONFIRMED_ACCOUNT_DAYS
after the last link was mailed to it (the mail says so), and the address is told: a mistyped or
borrowed address does not keep an account, and its owner can sign up with it. Anything the account
holds, a confirmation, or an account from before the check (no link ever mailed) keeps it open."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from loyalty import cards
from marketplace import account_closure, periodic
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import AuditEvent, CreditPurchase, Order, User
from marketplace.models.base import utcnow
from tests import factories as f
from tests.conftest import login

SIGN_UP = {"email": "camille@example.fr", "password": "une-phrase-longue", "password_confirm": "une-phrase-longue",
           "first_name": "Camille", "last_name": "Durand"}


def _mailed_days_ago(app, email: str, days: int) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.confirmation_sent_at = user.created_at = utcnow() - timedelta(days=days)
        db.session.commit()


def _active(app, email: str) -> bool:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email, User.is_active_account)) is not None


def test_the_sign_up_mail_says_when_an_unconfirmed_account_closes(app, client):
    client.post("/inscription", data=SIGN_UP)
    with app.app_context():
        body = outbox()[-1].get_content()
        user = db.session.scalar(select(User).where(User.email == "camille@example.fr"))
        assert user.confirmation_sent_at is not None
    assert "sans confirmation, ce compte sera fermé dans 30 jours" in body


def test_a_sign_up_never_confirmed_is_closed_after_thirty_days_and_the_address_is_free(app, client):
    client.post("/inscription", data=SIGN_UP)
    client.post("/deconnexion")
    _mailed_days_ago(app, "camille@example.fr", 29)
    with app.app_context():
        assert periodic.close_unconfirmed_accounts() == 0
    assert _active(app, "camille@example.fr")
    _mailed_days_ago(app, "camille@example.fr", 31)
    with app.app_context():
        outbox().clear()
        assert periodic.close_unconfirmed_accounts() == 1
        [mail] = outbox()
        assert mail["To"] == "camille@example.fr" and mail["Subject"] == "Votre compte Halle est fermé"
        assert "personne n'a ouvert le lien qui confirmait l'adresse" in mail.get_content()
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.close"))
        assert event.actor == "system" and "adresse jamais confirmée" in event.summary
        assert periodic.close_unconfirmed_accounts() == 0  # once
    assert not _active(app, "camille@example.fr")
    assert login(client, "camille@example.fr", "une-phrase-longue").status_code == 200  # refused: back on the form
    assert client.post("/inscription", data=SIGN_UP).status_code == 302  # the address signs up again
    assert _active(app, "camille@example.fr")


def test_a_new_link_gives_thirty_more_days(app, client):
    client.post("/inscription", data=SIGN_UP)
    _mailed_days_ago(app, "camille@example.fr", 40)
    client.post("/adresse-email/renvoyer")
    with app.app_context():
        assert periodic.close_unconfirmed_accounts() == 0
        assert "sera fermé dans 30 jours" in outbox()[-1].get_content()
    assert _active(app, "camille@example.fr")


@pytest.mark.parametrize("holds", ["confirmed", "no link ever mailed", "card", "order", "shop", "hr", "gift purchase",
                                   "admin"])
def test_an_account_that_holds_something_or_confirmed_stays_open(app, holds):
    with app.app_context():
        semur = f.commune()
        sent = None if holds == "no link ever mailed" else utcnow() - timedelta(days=60)
        user = f.user("lucie@example.fr", email_confirmed_at=utcnow() if holds == "confirmed" else None,
                      confirmation_sent_at=sent, is_admin=holds == "admin")
        if holds == "card":
            cards.create_card(db.session, active=True, holder_user_id=user.id)
        elif holds == "order":
            db.session.add(Order(user_id=user.id, checkout_key="k1", status="cancelled", total_cents=240))
        elif holds == "shop":
            f.shop_member(f.shop("Fournil", semur), user, "owner")
        elif holds == "hr":
            f.employer_member(f.employer("Laiterie", semur), user)
        elif holds == "gift purchase":
            db.session.add(CreditPurchase(kind="gift", token="t" * 43, form_token="f" * 64, buyer_name="Lucie",
                                          buyer_email=user.email, buyer_user_id=user.id, amount_cents=2_000))
        db.session.commit()
        assert periodic.close_unconfirmed_accounts() == 0
        assert db.session.get(User, user.id).is_active_account


def test_the_job_runs_every_night():
    assert [cron for job, _queue, _every, cron in periodic.PERIODIC
            if job is periodic.close_unconfirmed_accounts] == ["30 4 * * *"]


def test_the_account_page_and_the_admin_desk_say_when_it_will_be_closed(app, client):
    """The holder sees the day on their account page; the admin answering them on the phone sees it
    on the accounts desk. Once the account holds a card, no day is given: it will not be closed."""
    client.post("/inscription", data=SIGN_UP)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "camille@example.fr"))
        # mailed at noon UTC: 30 days later the nightly run (04:30 UTC) has passed, so the next one
        user.confirmation_sent_at = (utcnow() - timedelta(days=10)).replace(hour=12, minute=0)
        closing = (user.confirmation_sent_at + timedelta(days=31)).strftime("%d/%m/%Y")
        f.user("admin@example.fr", is_admin=True)
        db.session.commit()
        user_id = user.id
    page = client.get("/compte/").get_data(as_text=True)
    assert f"sans confirmation, ce compte sera fermé le {closing}" in page
    admin = app.test_client()
    login(admin, "admin@example.fr")
    assert f"fermé automatiquement le {closing} sans confirmation" in admin.get(
        f"/admin/comptes/{user_id}").get_data(as_text=True)
    with app.app_context():
        cards.create_card(db.session, active=True, holder_user_id=user_id)
    assert 'data-testid="closing-day"' not in client.get("/compte/").get_data(as_text=True)
    assert 'data-testid="closing-day"' not in admin.get(f"/admin/comptes/{user_id}").get_data(as_text=True)


def test_the_closing_day_is_the_nightly_run_after_the_thirty_days(app):
    with app.app_context():
        sent = (utcnow() - timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
        before, after = (f.user(email, email_confirmed_at=None, confirmation_sent_at=sent.replace(hour=hour))
                         for email, hour in (("early@example.fr", 2), ("late@example.fr", 5)))
        db.session.commit()
        assert account_closure.unconfirmed_closing_day(before) == sent + timedelta(days=30, hours=2, minutes=30)
        assert account_closure.unconfirmed_closing_day(after) == sent + timedelta(days=31, hours=2, minutes=30)


def test_an_account_that_confirms_while_the_job_runs_stays_open(app, client, monkeypatch):
    """The job lists the accounts, then looks at each again, locked, before emptying it."""
    client.post("/inscription", data=SIGN_UP)
    _mailed_days_ago(app, "camille@example.fr", 31)
    with app.app_context():
        listed = account_closure.unconfirmed_to_close()
        assert [u.email for u in listed] == ["camille@example.fr"]
        listed[0].email_confirmed_at = utcnow()  # the link opened meanwhile
        db.session.commit()
        monkeypatch.setattr(account_closure, "unconfirmed_to_close", lambda now=None: listed)
        assert account_closure.close_unconfirmed() == 0
    assert _active(app, "camille@example.fr")


def test_a_mail_that_fails_does_not_stop_the_others(app, monkeypatch):
    with app.app_context():
        for email in ("first@example.fr", "second@example.fr"):
            f.user(email, email_confirmed_at=None, confirmation_sent_at=utcnow() - timedelta(days=40))
        db.session.commit()
        sent = []

        def send(address, *args, **kwargs):
            if address == "first@example.fr":
                raise ConnectionError("the mail server is down")
            sent.append(address)

        monkeypatch.setattr(account_closure, "send_mail", send)
        assert account_closure.close_unconfirmed() == 2
        assert sent == ["second@example.fr"]
        assert db.session.scalar(select(User).where(User.is_active_account, User.email.like("%@example.fr"))) is None


def test_run_from_the_admins_button_the_closure_is_still_the_systems(app, client):
    """The rule closed the account, not the admin who pressed « Lancer maintenant »."""
    with app.app_context():
        f.user("admin@example.fr", is_admin=True)
        f.user("lucie@example.fr", email_confirmed_at=None, confirmation_sent_at=utcnow() - timedelta(days=40))
        db.session.commit()
    login(client, "admin@example.fr")
    client.post("/admin/taches/close_unconfirmed_accounts/lancer")
    assert not _active(app, "lucie@example.fr")
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.close"))
        assert (event.actor, event.actor_id) == ("system", None)
