"""The short addresses a team is told: halle.fr/caisse, /boutique and /entreprise open the user's
own till, shop or HR space, let them choose among several, or say how to get one; a visitor
logs in first and comes back to them."""
import pytest

from marketplace.extensions import db
from tests import factories as f
from tests.conftest import login


@pytest.fixture
def world(app):
    with app.app_context():
        semur = f.commune()
        bakery, grocery = f.shop("Boulangerie Moreau", semur), f.shop("Alimentation Aubert", semur)
        acme, steel = f.employer("Acme", semur), f.employer("Aciéries", semur)
        f.user("resident@example.fr")
        f.shop_member(bakery, f.user("caisse@example.fr"), "cashier")
        owner = f.user("patron@example.fr")
        f.shop_member(bakery, owner, "owner")
        f.shop_member(grocery, owner, "staff")
        f.employer_member(acme, f.user("rh@example.fr"))
        both = f.user("rh2@example.fr")
        f.employer_member(acme, both)
        f.employer_member(steel, both)
        db.session.commit()
        return {"bakery": bakery.id, "grocery": grocery.id, "acme": acme.id, "steel": steel.id}


def test_a_visitor_logs_in_and_comes_back_to_the_till(client, world):
    response = client.get("/caisse/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert "next=%2Fcaisse%2F" in response.headers["Location"]
    response = client.post("/connexion?next=%2Fcaisse%2F",
                           data={"email": "caisse@example.fr", "password": "motdepasse-solide"})
    assert response.headers["Location"] == "/caisse/"
    assert client.get("/caisse/").headers["Location"] == f"/caisse/{world['bakery']}/"


@pytest.mark.parametrize("email, address, target", [
    ("caisse@example.fr", "/caisse/", "/caisse/{bakery}/"),
    ("rh@example.fr", "/entreprise/", "/entreprise/{acme}/"),
])
def test_one_space_opens_at_once(client, world, email, address, target):
    login(client, email)
    assert client.get(address).headers["Location"] == target.format(**world)


def test_several_spaces_are_listed_to_choose_from(client, world):
    login(client, "patron@example.fr")
    html = client.get("/boutique/").get_data(as_text=True)
    assert "Choisir un commerce" in html
    assert f'<a href="/boutique/{world["bakery"]}/">Boulangerie Moreau</a>' in html
    assert f'<a href="/boutique/{world["grocery"]}/">Alimentation Aubert</a>' in html
    places = html[html.index('data-testid="places"'):]  # (the header's menu names the shops too)
    assert places.index("Alimentation Aubert") < places.index("Boulangerie Moreau")  # by name, not joining order
    html = client.get("/caisse/").get_data(as_text=True)
    assert f'href="/caisse/{world["bakery"]}/"' in html and f'href="/caisse/{world["grocery"]}/"' in html
    client.post("/deconnexion")
    login(client, "rh2@example.fr")
    html = client.get("/entreprise/").get_data(as_text=True)
    assert f'href="/entreprise/{world["acme"]}/"' in html and f'href="/entreprise/{world["steel"]}/"' in html


def test_a_cashier_has_no_shop_to_manage(client, world):
    login(client, "caisse@example.fr")
    response = client.get("/boutique/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="no-place"' in html
    assert "Votre compte ne gère aucun commerce" in html and 'href="/boutique/nouvelle"' in html


@pytest.mark.parametrize("address, says, action", [
    ("/caisse/", "ne tient la caisse d&#39;aucun commerce", None),
    ("/boutique/", "ne gère aucun commerce", "/boutique/nouvelle"),
    ("/entreprise/", "espace RH d&#39;aucune entreprise", "/entreprise/inscription"),
])
def test_without_a_space_the_page_says_how_to_get_one(client, world, address, says, action):
    login(client, "resident@example.fr")
    response = client.get(address)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and says in html
    assert 'data-testid="places"' not in html
    if action:
        assert f'href="{action}" role="button"' in html


@pytest.fixture
def named(app):
    """A counter's seller (two counters), a union's manager and a commune's programme manager."""
    from marketplace.models import AssociationManager, CardCounter, CardCounterMember, CommuneManager
    from marketplace.models.associations import Association

    with app.app_context():
        semur = f.commune()
        seller, manager, mayor = f.user("guichet@example.fr"), f.user("union@example.fr"), f.user("mairie@example.fr")
        office, library = CardCounter(name="Office de tourisme", commune_insee=semur.insee), CardCounter(
            name="Médiathèque", commune_insee=semur.insee)
        union = Association(name="Les Vitrines de Semur", slug="vitrines", description="")
        db.session.add_all([office, library, union])
        db.session.flush()
        db.session.add_all([CardCounterMember(counter_id=office.id, user_id=seller.id),
                            CardCounterMember(counter_id=library.id, user_id=seller.id),
                            AssociationManager(association_id=union.id, user_id=manager.id),
                            CommuneManager(commune_insee=semur.insee, user_id=mayor.id)])
        f.user("resident@example.fr")
        db.session.commit()
        return {"office": office.id, "library": library.id, "union": union.id, "insee": semur.insee}


def test_the_spaces_the_territory_names_people_to_have_their_short_address_too(client, named):
    login(client, "union@example.fr")
    assert client.get("/union/").headers["Location"] == f"/union/{named['union']}/"
    login(client, "mairie@example.fr")
    assert client.get("/commune-gestion/").headers["Location"] == f"/commune-gestion/{named['insee']}/"
    login(client, "guichet@example.fr")
    html = client.get("/guichet/").get_data(as_text=True)
    places = html[html.index('data-testid="places"'):]
    assert places.index(f'href="/guichet/{named["library"]}/"') < places.index(f'href="/guichet/{named["office"]}/"')
    login(client, "resident@example.fr")
    for address, says in (("/guichet/", "ne vend des cartes dans aucun point de vente"),
                          ("/union/", "ne gère aucune union commerciale"),
                          ("/commune-gestion/", "ne gère les programmes d&#39;aucune commune")):
        answer = client.get(address)
        assert answer.status_code == 200 and says in answer.get_data(as_text=True), address
