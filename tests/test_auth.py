import re

from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import User
from tests import factories as f
from tests.conftest import login


def test_signup_creates_a_hashed_account_and_logs_in(app, client):
    response = client.post("/inscription", data={
        "email": "Camille.Durand@Example.fr", "password": "une-phrase-longue", "password_confirm": "une-phrase-longue",
        "first_name": "Camille", "last_name": "Durand",
    })
    assert response.status_code == 302 and response.headers["Location"] == "/compte/"
    with app.app_context():
        user = User.query.one()
        assert user.email == "camille.durand@example.fr"
        assert "une-phrase-longue" not in user.password_hash and user.check_password("une-phrase-longue")
    assert "Camille Durand" in client.get("/compte/").get_data(as_text=True)


def test_signup_errors_name_the_field_and_create_nothing(app, client):
    page = client.post("/inscription", data={"email": "pas-une-adresse", "password": "court",
                                             "password_confirm": "autre"}).get_data(as_text=True)
    assert "Adresse e-mail invalide." in page
    assert "Au moins 10 caractères." in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert User.query.count() == 0


def test_signup_refuses_an_email_already_used(app, client, make_user):
    make_user("deja@example.fr")
    page = client.post("/inscription", data={"email": "DEJA@example.fr", "password": "une-phrase-longue",
                                             "password_confirm": "une-phrase-longue"}).get_data(as_text=True)
    assert "Un compte existe déjà" in page
    # Whoever does not know its password (someone else may have signed up with the address) gets
    # the way in through the mailbox: the reset page, with the address filled in.
    assert '<a href="/mot-de-passe-oublie?email=deja@example.fr">Recevoir ce lien</a>' in page
    with app.app_context():
        assert User.query.count() == 1


def test_login_with_a_wrong_password_is_refused(client, make_user):
    make_user("resident@example.fr")
    page = login(client, "resident@example.fr", "mauvais-mot-de-passe").get_data(as_text=True)
    assert "Adresse e-mail ou mot de passe incorrect." in page
    assert client.get("/compte/").status_code == 302


def test_login_then_logout(client, make_user):
    make_user("resident@example.fr")
    assert login(client, "resident@example.fr").headers["Location"] == "/compte/"
    assert client.get("/compte/").status_code == 200
    client.post("/deconnexion")
    assert client.get("/compte/").status_code == 302
    assert "Connectez-vous pour accéder à cette page." in client.get("/compte/", follow_redirects=True).get_data(
        as_text=True)
    english = client.get("/compte/?lang=en", follow_redirects=True).get_data(as_text=True)
    assert "Log in to open this page." in english and "Connectez-vous pour" not in english


def test_login_only_redirects_to_local_pages(client, make_user):
    make_user("resident@example.fr")
    response = client.post("/connexion?next=https://evil.example/", data={
        "email": "resident@example.fr", "password": "motdepasse-solide"})
    assert response.headers["Location"] == "/compte/"


def test_login_is_rate_limited(client, make_user):
    make_user("resident@example.fr")
    codes = [login(client, "resident@example.fr", "faux").status_code for _ in range(12)]
    assert codes[:10] == [200] * 10
    assert codes[-1] == 429


def test_each_role_lands_on_its_home(app, client):
    with app.app_context():
        semur = f.commune()
        shop = f.shop("Boulangerie Moreau", semur)
        employer = f.employer("Laiterie", semur)
        f.user("admin@example.fr", is_admin=True)
        f.shop_member(shop, f.user("owner@example.fr"), "owner")
        f.shop_member(shop, f.user("cashier@example.fr"), "cashier")
        f.employer_member(employer, f.user("hr@example.fr"))
        f.user("resident@example.fr")
        db.session.commit()
        shop_id, employer_id = shop.id, employer.id
    expected = {
        "admin@example.fr": "/admin/",
        "owner@example.fr": f"/boutique/{shop_id}/",
        "cashier@example.fr": f"/caisse/{shop_id}/",
        "hr@example.fr": f"/entreprise/{employer_id}/",
        "resident@example.fr": "/compte/",
    }
    for email, home in expected.items():
        client = app.test_client()
        response = login(client, email)
        assert response.headers["Location"] == home
        assert 'data-testid="role-home"' in client.get(home).get_data(as_text=True)


def reset_link(app) -> str:
    body = outbox()[-1].get_content()
    return re.search(r"http://localhost(/reinitialiser/\S+)", body).group(1)


def test_password_reset_by_email_link(app, client, make_user):
    make_user("resident@example.fr")
    client.post("/mot-de-passe-oublie", data={"email": "resident@example.fr"})
    with app.app_context():
        assert outbox()[-1]["To"] == "resident@example.fr"
        link = reset_link(app)
    response = client.post(link, data={"password": "nouvelle-phrase", "password_confirm": "nouvelle-phrase"})
    # Back on the login page, the address is already there.
    assert response.headers["Location"] == "/connexion?email=resident@example.fr"
    assert 'value="resident@example.fr"' in client.get(response.headers["Location"]).get_data(as_text=True)
    assert login(client, "resident@example.fr", "nouvelle-phrase").status_code == 302
    # The link is single-use: once the password changed, it no longer works.
    assert client.get(link).headers["Location"] == "/mot-de-passe-oublie"


def test_password_rule_is_shown_before_any_mistake(app, client, make_user):
    make_user("resident@example.fr")
    rule = 'aria-describedby="password-help"'
    signup = client.get("/inscription").get_data(as_text=True)
    assert rule in signup and '<small id="password-help">Au moins 10 caractères.</small>' in signup
    client.post("/mot-de-passe-oublie", data={"email": "resident@example.fr"})
    with app.app_context():
        link = reset_link(app)
    reset = client.get(link).get_data(as_text=True)
    assert rule in reset and '<small id="password-help">Au moins 10 caractères.</small>' in reset


def test_the_address_typed_to_log_in_goes_to_the_forgotten_password_page(client, make_user):
    make_user("resident@example.fr")
    assert 'href="/mot-de-passe-oublie" data-carry-email="email"' in client.get("/connexion").get_data(as_text=True)
    failed = login(client, "resident@example.fr", "mauvais-mot-de-passe").get_data(as_text=True)
    assert 'href="/mot-de-passe-oublie?email=resident@example.fr"' in failed
    forgot = client.get("/mot-de-passe-oublie?email=resident@example.fr").get_data(as_text=True)
    assert 'value="resident@example.fr"' in forgot


def test_password_reset_says_nothing_about_unknown_addresses(app, client):
    response = client.post("/mot-de-passe-oublie", data={"email": "inconnu@example.fr"}, follow_redirects=True)
    assert "Si un compte existe" in response.get_data(as_text=True)
    with app.app_context():
        assert outbox() == []


def test_expired_or_forged_reset_links_are_refused(app, client, make_user):
    make_user("resident@example.fr")
    assert client.get("/reinitialiser/forged-token").headers["Location"] == "/mot-de-passe-oublie"
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        client.post("/mot-de-passe-oublie", data={"email": "resident@example.fr"})
        with app.app_context():
            link = reset_link(app)
        assert client.get(link).headers["Location"] == "/mot-de-passe-oublie"
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600


def test_profile_edit_sets_the_home_commune(app, client, make_user):
    with app.app_context():
        f.commune()
        f.commune(**f.ARNAY)
        db.session.commit()
    make_user("resident@example.fr")
    login(client, "resident@example.fr")
    page = client.post("/compte/profil", data={"first_name": "Léa", "last_name": "Martin",
                                               "home_commune": "Atlantis", "locale": "fr"}).get_data(as_text=True)
    assert "Commune inconnue" in page
    client.post("/compte/profil", data={"first_name": "Léa", "last_name": "Martin",
                                        "home_commune": "21230", "locale": "fr"})
    with app.app_context():
        user = User.query.one()
        assert (user.first_name, user.home_commune_insee) == ("Léa", "21023")


def test_profile_offers_the_communes_of_a_shared_postal_code(app, client, make_user):
    with app.app_context():
        f.commune()  # Semur-en-Auxois, 21140
        f.commune(insee="21394", name="Massingy-lès-Semur", slug="massingy-les-semur", postal_codes="21140",
                  population=160)
        db.session.commit()
    make_user("resident@example.fr")
    login(client, "resident@example.fr")
    profile = {"first_name": "Léa", "last_name": "Martin", "locale": "fr"}
    page = client.post("/compte/profil", data={**profile, "home_commune": "21140"}).get_data(as_text=True)
    assert "Plusieurs communes correspondent" in page
    assert "Semur-en-Auxois (21140)" in page and "Massingy-lès-Semur (21140)" in page
    with app.app_context():
        assert User.query.one().home_commune_insee is None  # nothing chosen for the person
    client.post("/compte/profil", data={**profile, "home_commune": "Massingy-lès-Semur (21140)"})
    with app.app_context():
        assert User.query.one().home_commune_insee == "21394"


def test_forms_are_protected_against_csrf(app, make_user):
    make_user("resident@example.fr")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        refused = login(client, "resident@example.fr")  # no token: refused
        assert refused.status_code == 400 and "Le formulaire a expiré." in refused.get_data(as_text=True)
        english = client.post("/connexion?lang=en", data={"email": "resident@example.fr"})
        assert "The form has expired. Reload the page and try again." in english.get_data(as_text=True)
        client.get("/connexion?lang=fr")
        assert client.get("/compte/").status_code == 302
        page = client.get("/connexion").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post("/connexion", data={"email": "resident@example.fr",
                                                   "password": "motdepasse-solide", "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
