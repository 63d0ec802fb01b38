"""A logged-in user changes their password or their login address from the profile page."""
import html
import re

from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import User, UserSession
from tests.conftest import login


def _change_password(client, current, new, confirm=None):
    return client.post("/compte/profil/mot-de-passe", data={
        "password-current_password": current, "password-password": new,
        "password-password_confirm": new if confirm is None else confirm})


def test_profile_offers_to_change_password_and_email(client, make_user):
    make_user("resident@example.fr")
    login(client, "resident@example.fr")
    page = client.get("/compte/profil").get_data(as_text=True)
    assert "Changer de mot de passe" in page and "Changer d&#39;adresse e-mail" in page
    assert 'id="password-password-help">Au moins 10 caractères.' in page
    assert 'autocomplete="current-password"' in page


def test_password_change_asks_the_current_password_and_the_signup_rules(app, client, make_user):
    make_user("resident@example.fr")
    login(client, "resident@example.fr")
    page = _change_password(client, "pas-le-bon-mot", "une-phrase-longue").get_data(as_text=True)
    assert "Mot de passe incorrect." in page
    page = _change_password(client, "motdepasse-solide", "court").get_data(as_text=True)
    assert "Au moins 10 caractères." in page and 'aria-invalid="true"' in page
    page = _change_password(client, "motdepasse-solide", "une-phrase-longue", "autre-phrase-longue").get_data(
        as_text=True)
    assert "Les deux mots de passe ne correspondent pas." in page
    with app.app_context():
        assert User.query.one().check_password("motdepasse-solide")


def test_password_change_ends_the_other_logins_but_not_this_one(app, make_user):
    make_user("resident@example.fr")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "resident@example.fr")
    login(elsewhere, "resident@example.fr")
    response = _change_password(here, "motdepasse-solide", "une-phrase-longue")
    assert response.headers["Location"] == "/compte/profil"
    assert "Vos autres appareils sont déconnectés" in here.get("/compte/profil").get_data(as_text=True)
    assert elsewhere.get("/compte/").status_code == 302
    with app.app_context():
        assert User.query.one().check_password("une-phrase-longue")
        assert db.session.query(UserSession).count() == 1
    other = app.test_client()
    assert login(other, "resident@example.fr", "une-phrase-longue").status_code == 302


def _ask_email_change(client, email, password="motdepasse-solide"):
    return client.post("/compte/profil/adresse-email", data={
        "email-email": email, "email-current_password": password})


def _emails(app) -> list[str]:
    with app.app_context():
        return [u.email for u in User.query.order_by(User.id)]


def _confirmation_link(app, to: str) -> str:
    with app.app_context():
        mail = [m for m in outbox() if m["To"] == to][-1]
    assert mail["Subject"] == "Confirmez votre nouvelle adresse de connexion à Halle"
    return re.search(r"http://localhost(/adresse-email/\S+)", mail.get_content()).group(1)


def test_email_change_asks_the_current_password_and_a_free_address(app, client, make_user):
    make_user("resident@example.fr")
    make_user("voisin@example.fr")
    login(client, "resident@example.fr")
    assert "Mot de passe incorrect." in _ask_email_change(client, "nouvelle@example.fr", "faux").get_data(
        as_text=True)
    assert "Un compte existe déjà avec cette adresse." in _ask_email_change(client, "Voisin@example.fr").get_data(
        as_text=True)
    assert "C'est déjà l'adresse de votre compte." in html.unescape(_ask_email_change(
        client, "Resident@example.fr").get_data(as_text=True))
    with app.app_context():
        assert outbox() == []
    assert _emails(app) == ["resident@example.fr", "voisin@example.fr"]


def test_a_new_email_takes_effect_once_its_link_is_opened(app, client, make_user):
    make_user("resident@example.fr")
    login(client, "resident@example.fr")
    response = _ask_email_change(client, "Nouvelle@Example.fr")
    assert response.headers["Location"] == "/compte/profil"
    said = html.unescape(client.get("/compte/profil").get_data(as_text=True))
    assert "Un lien vient d'être envoyé à nouvelle@example.fr" in said
    assert "D'ici là, connectez-vous avec resident@example.fr." in said
    assert _emails(app) == ["resident@example.fr"]  # a mistyped address takes nothing
    link = _confirmation_link(app, "nouvelle@example.fr")

    page = client.get(link).get_data(as_text=True)  # a mail scanner following the link changes nothing
    assert "Une fois confirmée, son adresse de connexion sera nouvelle@example.fr." in html.unescape(page)
    assert _emails(app) == ["resident@example.fr"]
    done = client.post(link, data={})
    assert done.headers["Location"] == "/compte/profil"
    assert _emails(app) == ["nouvelle@example.fr"]
    with app.app_context():
        told = outbox()[-1]  # the old address hears of it: a change made by someone else is not silent
    assert told["To"] == "resident@example.fr" and "nouvelle@example.fr" in told.get_content()
    assert login(app.test_client(), "nouvelle@example.fr").status_code == 302

    again = client.get(link)  # single use
    assert again.status_code == 410 and "Ce lien n'est plus valable" in again.get_data(as_text=True)


def test_the_link_works_from_a_device_not_logged_in_and_not_after_it_expires(app, client, make_user, monkeypatch):
    make_user("resident@example.fr")
    login(client, "resident@example.fr")
    _ask_email_change(client, "nouvelle@example.fr")
    link = _confirmation_link(app, "nouvelle@example.fr")
    phone = app.test_client()
    assert phone.get(link[:-3] + "xyz").status_code == 410  # tampered
    monkeypatch.setitem(app.config, "EMAIL_CHANGE_MAX_AGE", -1)
    assert phone.post(link, data={}).status_code == 410
    assert _emails(app) == ["resident@example.fr"]
    monkeypatch.setitem(app.config, "EMAIL_CHANGE_MAX_AGE", 3600)
    done = phone.post(link, data={})
    assert done.headers["Location"] == "/connexion?email=nouvelle@example.fr"
    assert _emails(app) == ["nouvelle@example.fr"]


def test_an_address_taken_before_the_link_is_opened_is_refused(app, client, make_user):
    make_user("resident@example.fr")
    login(client, "resident@example.fr")
    _ask_email_change(client, "nouvelle@example.fr")
    link = _confirmation_link(app, "nouvelle@example.fr")
    make_user("nouvelle@example.fr")  # someone signed up with it meanwhile
    refused = client.post(link, data={}, follow_redirects=True).get_data(as_text=True)
    assert "Un compte existe déjà avec l&#39;adresse nouvelle@example.fr" in refused
    assert _emails(app) == ["resident@example.fr", "nouvelle@example.fr"]


def test_a_remembered_browser_stays_remembered_after_a_password_change(app, make_user):
    make_user("resident@example.fr")
    client = app.test_client()
    client.post("/connexion", data={"email": "resident@example.fr", "password": "motdepasse-solide",
                                    "remember": "y"})
    old_cookie = client.get_cookie("remember_token").value
    _change_password(client, "motdepasse-solide", "une-phrase-longue")
    new_cookie = client.get_cookie("remember_token")
    assert new_cookie is not None and new_cookie.value != old_cookie
    client.delete_cookie("session")  # the browser closed: the new remember cookie logs in again
    assert client.get("/compte/").status_code == 200
    replayed = app.test_client()  # the old cookie, copied elsewhere, opens nothing
    replayed.set_cookie("remember_token", old_cookie)
    assert replayed.get("/compte/").status_code == 302


def test_the_confirmation_speaks_the_account_s_language(app, client, make_user):
    """The new address has no account yet: the mail takes the language of the person it is for."""
    make_user("resident@example.fr", locale="en")
    login(client, "resident@example.fr")
    _ask_email_change(client, "nouvelle@example.fr")
    with app.app_context():
        mail = [m for m in outbox() if m["To"] == "nouvelle@example.fr"][-1]
    assert mail["Subject"] == "Confirm your new Halle login address"
    assert "valid for 48 hours" in mail.get_content()
