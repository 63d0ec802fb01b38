"""Logins that can be ended (marketplace/auth/sessions.py) and wrong passwords counted per
address (marketplace/auth/throttle.py)."""
import html
import re
from datetime import timedelta

import pytest

from loyalty import clock
from marketplace.auth import service
from marketplace.mail import outbox
from marketplace.models import LoginThrottle, User, UserSession
from tests.conftest import login

PASSWORD = "motdepasse-solide"


def remembered_login(app, email="resident@example.fr", ip="192.0.2.1"):
    client = app.test_client()
    response = client.post("/connexion", data={"email": email, "password": PASSWORD, "remember": "y"},
                           environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 302
    return client


def replay(app, client, *names):
    """A fresh browser holding copies of `client`'s cookies (a thief's, or an old backup's)."""
    copy = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        copy.set_cookie(name, cookie.value)
    return copy


def reset_link(app, client) -> str:
    client.post("/mot-de-passe-oublie", data={"email": "resident@example.fr"})
    with app.app_context():
        body = outbox()[-1].get_content()
    return re.search(r"http://localhost(/reinitialiser/\S+)", body).group(1)


def is_logged_in(client) -> bool:
    response = client.get("/compte/")
    assert response.status_code in (200, 302)
    assert response.status_code == 200 or "/connexion" in response.headers["Location"]
    return response.status_code == 200


def test_logout_ends_the_session_and_remember_cookies_of_that_login(app, make_user):
    make_user()
    client = remembered_login(app)
    session_copy = replay(app, client, "session")
    remember_copy = replay(app, client, "remember_token")
    assert is_logged_in(session_copy) and is_logged_in(remember_copy)
    session_copy, remember_copy = replay(app, client, "session"), replay(app, client, "remember_token")
    client.post("/deconnexion")
    assert not is_logged_in(client)
    assert not is_logged_in(session_copy)
    assert not is_logged_in(remember_copy)


def test_each_login_has_its_own_remember_token_and_lasts_thirty_days(app, make_user):
    make_user()
    phone, laptop = remembered_login(app), remembered_login(app)
    assert phone.get_cookie("remember_token").value != laptop.get_cookie("remember_token").value
    expires = phone.get_cookie("remember_token").expires
    assert timedelta(days=29) < expires - clock.utc_now() <= timedelta(days=30)
    laptop.post("/deconnexion")  # ending one login leaves the other
    assert is_logged_in(phone) and not is_logged_in(laptop)


def test_a_login_ends_after_its_duration(app, make_user, monkeypatch):
    make_user()
    neighbour = make_user("voisin@example.fr")
    client = remembered_login(app)
    later = clock.utc_now() + timedelta(days=31)
    monkeypatch.setattr(clock, "utc_now", lambda: later)
    assert not is_logged_in(client)
    assert not is_logged_in(replay(app, client, "remember_token"))
    remembered_login(app, "voisin@example.fr")  # a login sweeps the expired ones away, anyone's
    with app.app_context():
        assert [s.user_id for s in UserSession.query.all()] == [neighbour]


def test_a_password_reset_ends_every_other_login(app, make_user):
    make_user()
    stolen = remembered_login(app)
    thief_copy = replay(app, stolen, "remember_token")
    owner = app.test_client()
    link = reset_link(app, owner)
    owner.post(link, data={"password": "nouvelle-phrase", "password_confirm": "nouvelle-phrase"})
    assert not is_logged_in(stolen)
    assert not is_logged_in(thief_copy)
    assert login(owner, "resident@example.fr", "nouvelle-phrase").status_code == 302
    assert is_logged_in(owner)


def test_log_out_every_device_from_the_account_page(app, make_user):
    make_user()
    phone, laptop = remembered_login(app), remembered_login(app)
    copies = [replay(app, phone, "session"), replay(app, laptop, "remember_token")]
    assert "Déconnecter tous mes appareils" in laptop.get("/compte/").get_data(as_text=True)
    response = laptop.post("/compte/deconnecter-partout", follow_redirects=True)
    assert "Tous vos appareils sont déconnectés." in response.get_data(as_text=True)
    assert not any(is_logged_in(c) for c in [phone, laptop, *copies])


# --- Wrong passwords --------------------------------------------------------------------------


def attempt(app, email, password, ip):
    client = app.test_client()
    response = client.post("/connexion", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": ip})
    return client, response


def locked_message(response) -> bool:
    return "la connexion est bloquée jusqu'à" in html.unescape(response.get_data(as_text=True))


@pytest.fixture
def later(monkeypatch):
    """Move the app's clock forward by `seconds` (loyalty.clock)."""
    start = clock.utc_now()

    def move(seconds):
        monkeypatch.setattr(clock, "utc_now", lambda: start + timedelta(seconds=seconds))

    return move


def test_wrong_passwords_from_many_addresses_lock_the_account_for_a_growing_while(app, make_user, later):
    make_user()
    for n in range(5):  # five client addresses, one wrong password each: the per-IP limit never trips
        _, response = attempt(app, "resident@example.fr", f"faux-{n}", f"198.51.100.{n}")
        assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    client, response = attempt(app, "Resident@Example.fr", PASSWORD, "203.0.113.9")  # the right one
    assert response.status_code == 200 and locked_message(response)
    assert not is_logged_in(client)
    later(75)  # the first lock lasts one minute
    client, response = attempt(app, "resident@example.fr", "encore-faux", "203.0.113.10")
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    later(75 + 100)  # the sixth failure locks for two minutes
    assert locked_message(attempt(app, "resident@example.fr", PASSWORD, "203.0.113.11")[1])
    later(75 + 130)
    client, response = attempt(app, "resident@example.fr", PASSWORD, "203.0.113.12")
    assert response.status_code == 302 and is_logged_in(client)
    # A success forgets the failures: one wrong password no longer locks.
    attempt(app, "resident@example.fr", "faux", "203.0.113.13")
    assert attempt(app, "resident@example.fr", PASSWORD, "203.0.113.14")[1].status_code == 302


def test_failures_are_forgotten_after_a_day(app, make_user, later):
    make_user()
    for n in range(4):
        attempt(app, "resident@example.fr", "faux", f"198.51.100.{n}")
    attempt(app, "inconnu@example.fr", "faux", "198.51.100.9")
    later(86_400 + 60)
    attempt(app, "resident@example.fr", "faux", "198.51.100.10")  # the fifth, but a day later: no lock
    assert attempt(app, "resident@example.fr", PASSWORD, "198.51.100.11")[1].status_code == 302
    with app.app_context():
        assert LoginThrottle.query.count() == 0  # nor is the unknown address kept


def test_the_lock_grows_up_to_an_hour(app):
    with app.app_context():
        assert [service.throttle.lock_seconds(n) for n in (4, 5, 6, 7, 11, 12, 500)] == \
            [0, 60, 120, 240, 3600, 3600, 3600]


def test_a_password_reset_lifts_the_lock(app, make_user):
    make_user()
    for n in range(5):
        attempt(app, "resident@example.fr", "faux", f"198.51.100.{n}")
    assert locked_message(attempt(app, "resident@example.fr", PASSWORD, "203.0.113.1")[1])
    owner = app.test_client()
    link = reset_link(app, owner)
    owner.post(link, data={"password": "nouvelle-phrase", "password_confirm": "nouvelle-phrase"})
    assert login(owner, "resident@example.fr", "nouvelle-phrase").status_code == 302


def test_unknown_addresses_are_locked_and_checked_alike(app, make_user, monkeypatch):
    """Same answer and same work (one password hash check) whether the account exists or not."""
    make_user()
    checks = []
    real_check = User.check_password
    monkeypatch.setattr(User, "check_password", lambda user, password: checks.append(user.email)
                        or real_check(user, password))
    _, known = attempt(app, "resident@example.fr", "faux", "198.51.100.1")
    _, unknown = attempt(app, "personne@example.fr", "faux", "198.51.100.2")
    assert checks == ["resident@example.fr", None]
    assert known.get_data(as_text=True).count("Adresse e-mail ou mot de passe incorrect.") == 1
    assert unknown.get_data(as_text=True).count("Adresse e-mail ou mot de passe incorrect.") == 1
    with app.app_context():
        method = app.config["PASSWORD_HASH_METHOD"]
        assert service._dummy_hash(method).startswith(method + "$")
    for n in range(4):
        attempt(app, "personne@example.fr", "faux", f"198.51.100.{10 + n}")
    checks.clear()
    assert locked_message(attempt(app, "personne@example.fr", "faux", "198.51.100.20")[1])
    assert checks == []  # while locked, no password is checked at all
