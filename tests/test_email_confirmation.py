"""A sign-up confirms its e-mail address from a mailed link: before that, the account cannot order
(the pickup code and the receipt go to that address) and no role given by address reaches it at
once (anyone can sign up with an address that is not theirs)."""
import re

from sqlalchemy import select

from marketplace import invitations
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import User
from tests.conftest import login

SIGN_UP = {"email": "camille@example.fr", "password": "une-phrase-longue", "password_confirm": "une-phrase-longue",
           "first_name": "Camille", "last_name": "Durand"}
SUBJECT = "Confirmez votre adresse e-mail sur Halle"


def confirmation_link(app, email="camille@example.fr") -> str:
    with app.app_context():
        [mail, *_] = [m for m in reversed(outbox()) if m["To"] == email and m["Subject"] == SUBJECT]
    return re.search(r"http://localhost(/adresse-email/confirmer/\S+)", mail.get_content()).group(1)


def confirmed_at(app, email="camille@example.fr"):
    with app.app_context():
        return db.session.scalar(select(User.email_confirmed_at).where(User.email == email))


def test_a_sign_up_is_confirmed_by_the_button_behind_the_mailed_link(app, client):
    answer = client.post("/inscription", data=SIGN_UP, follow_redirects=True).get_data(as_text=True)
    assert "Pour confirmer votre adresse, ouvrez le lien envoyé à camille@example.fr." in answer
    assert 'data-testid="email-unconfirmed"' in answer and "il faut l'avoir ouvert pour commander." in answer
    link = confirmation_link(app)
    assert confirmed_at(app) is None
    # Opening the link (a mail scanner does) shows the address and a button; only the button confirms.
    page = client.get(link).get_data(as_text=True)
    assert "C'est à l'adresse camille@example.fr que Halle enverra vos codes de retrait" in page
    assert confirmed_at(app) is None
    done = client.post(link)
    assert done.status_code == 302 and done.headers["Location"] == "/compte/"
    home = client.get("/compte/").get_data(as_text=True)
    assert "Adresse e-mail confirmée : camille@example.fr." in home and 'data-testid="email-unconfirmed"' not in home
    assert confirmed_at(app) is not None
    assert 'data-testid="already-confirmed"' in client.get(link).get_data(as_text=True)
    # The holder's data says when.
    assert client.get("/compte/mes-donnees.json").get_json()["account"]["email_confirmed_at"].endswith("Z")


def test_a_sign_up_from_a_link_carrying_its_address_waits_for_that_link_to_confirm_it(app, client):
    """An invitation's sign-up (the address in its link, kept) gets no second mail: accepting the
    invitation confirms the address. A link can be typed by anyone, so nothing is confirmed until
    then, and the account home offers the link."""
    answer = client.post("/inscription?email=Camille@example.fr&next=/compte/", data=SIGN_UP, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Bienvenue sur Halle ! Votre compte est créé." in page and "ouvrez le lien envoyé" in page  # the notice
    with app.app_context():
        assert [m for m in outbox() if m["To"] == "camille@example.fr"] == []
    assert confirmed_at(app) is None
    client.post("/adresse-email/renvoyer")
    client.post(confirmation_link(app))
    assert confirmed_at(app) is not None
    # Another address typed than the link's: its own mail.
    other = app.test_client()
    other.post("/inscription?email=camille@example.fr", data={**SIGN_UP, "email": "dominique@example.fr"})
    assert confirmation_link(app, "dominique@example.fr")


def test_a_link_opened_signed_out_confirms_and_leads_to_the_login_page(app, client):
    client.post("/inscription", data=SIGN_UP)
    link = confirmation_link(app)
    other_browser = app.test_client()
    done = other_browser.post(link)
    assert done.headers["Location"] == "/connexion?email=camille@example.fr"
    assert confirmed_at(app) is not None


def test_a_forged_expired_or_outdated_link_confirms_nothing(app, client, monkeypatch):
    client.post("/inscription", data=SIGN_UP)
    link = confirmation_link(app)
    assert client.post(link[:-3] + "xyz").status_code == 410
    monkeypatch.setitem(app.config, "EMAIL_CHANGE_MAX_AGE", -1)
    expired = client.post(link)
    assert expired.status_code == 410 and 'data-testid="link-expired"' in expired.get_data(as_text=True)
    monkeypatch.setitem(app.config, "EMAIL_CHANGE_MAX_AGE", 48 * 3600)
    # The address typed wrong is corrected from the profile: the first link no longer confirms anything.
    client.post("/compte/profil/adresse-email", data={"email-current_password": SIGN_UP["password"],
                                                     "email-email": "camille.durand@example.fr"})
    with app.app_context():
        change = [m for m in outbox() if m["To"] == "camille.durand@example.fr"][-1]
    change_link = re.search(r"http://localhost(/adresse-email/\S+)", change.get_content()).group(1)
    client.post(change_link)
    assert client.post(link).status_code == 410
    # The new address was confirmed by opening the link mailed to it.
    assert confirmed_at(app, "camille.durand@example.fr") is not None


def test_a_new_link_on_demand_and_the_page_it_was_asked_from(app, client):
    client.post("/inscription", data=SIGN_UP)
    answer = client.post("/adresse-email/renvoyer?next=/panier/commande")
    assert answer.headers["Location"] == "/panier/commande"
    assert "Un nouveau lien vient d&#39;être envoyé à camille@example.fr." in client.get(
        "/compte/").get_data(as_text=True)
    with app.app_context():
        assert [m["Subject"] for m in outbox() if m["To"] == "camille@example.fr"] == [SUBJECT, SUBJECT]
    client.post(confirmation_link(app))
    client.post("/adresse-email/renvoyer")  # confirmed: nothing more is sent
    with app.app_context():
        assert len([m for m in outbox() if m["To"] == "camille@example.fr"]) == 2


def test_a_new_link_is_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT", "2 per hour")
    client.post("/inscription", data=SIGN_UP)
    codes = [client.post("/adresse-email/renvoyer").status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_a_password_reset_from_the_mailed_link_confirms_the_address(app, client):
    client.post("/inscription", data=SIGN_UP)
    client.post("/deconnexion")
    client.post("/mot-de-passe-oublie", data={"email": "camille@example.fr"})
    with app.app_context():
        body = outbox()[-1].get_content()
    link = re.search(r"http://localhost(/reinitialiser/\S+)", body).group(1)
    client.post(link, data={"password": "nouvelle-phrase", "password_confirm": "nouvelle-phrase"})
    assert confirmed_at(app) is not None


def test_a_role_given_by_address_reaches_an_unconfirmed_account_only_through_its_invitation(app, client):
    """Someone signed up first with the address a union or a commune is about to name: the role goes
    to an invitation mailed to that address, which only its owner reads."""
    client.post("/inscription", data=SIGN_UP)
    added, invited = [], []
    with app.test_request_context():
        invitations.account_or_invitation("camille@example.fr", add=added.append,
                                          invite=lambda token, digest: invited.append(token))
        assert (added, len(invited)) == ([], 1)
        user = db.session.scalar(select(User).where(User.email == "camille@example.fr"))
        user.email_confirmed_at = user.created_at
        db.session.commit()
        invitations.account_or_invitation("camille@example.fr", add=added.append, invite=invited.append)
        assert [u.email for u in added] == ["camille@example.fr"]


def test_naming_an_unconfirmed_account_admin_leaves_the_way_in_to_its_mailbox_only(app, client, make_user):
    make_user("admin@example.fr", is_admin=True)
    squatter = app.test_client()
    squatter.post("/inscription", data={**SIGN_UP, "email": "maire@example.fr"})
    admin = app.test_client()
    login(admin, "admin@example.fr")
    answer = admin.post("/admin/administrateurs", data={"email": "maire@example.fr"}, follow_redirects=True)
    assert "maire@example.fr est administrateur ; un lien pour choisir son mot de passe lui est envoyé." in (
        answer.get_data(as_text=True))
    # Whoever signed up with the address is logged out and their password no longer opens the account.
    assert squatter.get("/compte/").status_code == 302
    assert login(squatter, "maire@example.fr", SIGN_UP["password"]).status_code == 200
    with app.app_context():
        mail = outbox()[-1]
        assert (mail["To"], mail["Subject"]) == ("maire@example.fr", "Vous administrez le territoire sur Halle")
    link = re.search(r"http://localhost(/reinitialiser/\S+)", mail.get_content()).group(1)
    owner = app.test_client()
    owner.post(link, data={"password": "la-phrase-du-maire", "password_confirm": "la-phrase-du-maire"})
    assert login(owner, "maire@example.fr", "la-phrase-du-maire").headers["Location"].startswith("/admin")
    assert confirmed_at(app, "maire@example.fr") is not None


def test_the_admin_desk_says_whether_an_account_confirmed_its_address(app, client, make_user):
    make_user("admin@example.fr", is_admin=True)
    client.post("/inscription", data=SIGN_UP)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "camille@example.fr"))
    admin = app.test_client()
    login(admin, "admin@example.fr")
    assert "(jamais confirmée · " in admin.get(f"/admin/comptes/{user_id}").get_data(as_text=True)
    client.post(confirmation_link(app))
    assert "(confirmée le " in admin.get(f"/admin/comptes/{user_id}").get_data(as_text=True)



def test_the_admin_reviewing_a_shop_sees_whether_its_owner_confirmed_the_address(app, client, make_user):
    from tests import factories as f

    make_user("admin@example.fr", is_admin=True)
    with app.app_context():
        shop = f.shop("Épicerie du Lac", f.commune(), status="pending")
        f.shop_member(shop, f.user("lac@example.fr", email_confirmed_at=None), "owner")
        db.session.commit()
        shop_id = shop.id
    login(client, "admin@example.fr")
    assert 'data-testid="owner-unconfirmed"' in client.get(f"/admin/commerces/{shop_id}").get_data(as_text=True)
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "lac@example.fr")).email_confirmed_at = db.func.now()
        db.session.commit()
    assert 'data-testid="owner-unconfirmed"' not in client.get(f"/admin/commerces/{shop_id}").get_data(as_text=True)


def test_every_page_asks_for_the_link_but_the_till_and_the_checkout_which_says_it_its_own_way(app, client):
    """A shopkeeper who registered a shop never sees the account home: their orders go to that address."""
    from tests import factories as f

    with app.app_context():
        shop = f.shop("Épicerie du Lac", f.commune())
        f.shop_member(shop, f.user("lac@example.fr", email_confirmed_at=None), "owner")
        db.session.commit()
        shop_id = shop.id
    login(client, "lac@example.fr")
    dashboard = client.get(f"/boutique/{shop_id}/").get_data(as_text=True)
    assert dashboard.count('data-testid="email-unconfirmed"') == 1
    assert f'action="/adresse-email/renvoyer?next=/boutique/{shop_id}/"' in dashboard  # back to this page
    assert 'data-testid="email-unconfirmed"' in client.get("/recherche?q=pain").get_data(as_text=True)
    assert 'data-testid="email-unconfirmed"' not in client.get(f"/caisse/{shop_id}/").get_data(as_text=True)
    client.post(f"/panier/ajouter/{_product(app, shop_id)}", data={"quantity": 1})
    checkout = client.get("/panier/commande").get_data(as_text=True)
    assert checkout.count('data-testid="email-unconfirmed"') == 1 and "Avant de commander" in checkout


def _product(app, shop_id) -> int:
    from marketplace.models import Shop
    from tests import factories as f

    with app.app_context():
        product = f.product(db.session.get(Shop, shop_id), "Pain de campagne", stock=5)
        db.session.commit()
        return product.id


def test_sign_ups_from_one_address_are_rate_limited(app, client, monkeypatch):
    """A script creating accounts, or probing which addresses already have one, is stopped; the
    refused sign-up creates nothing and mails nothing. Another network address still signs up."""
    monkeypatch.setitem(app.config, "SIGNUP_RATE_LIMIT", "2 per hour")
    answers = []
    for n in range(3):
        browser = app.test_client()
        answers.append(browser.post("/inscription", data={**SIGN_UP, "email": f"robot{n}@example.fr"},
                                    environ_base={"REMOTE_ADDR": "198.51.100.7"}))
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert "Trop de tentatives" in answers[2].get_data(as_text=True)
    other = app.test_client().post("/inscription", data=SIGN_UP, environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert other.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "robot2@example.fr")) is None
        assert {m["To"] for m in outbox()} == {"robot0@example.fr", "robot1@example.fr", "camille@example.fr"}
