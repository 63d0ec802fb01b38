"""A card counter's seller, an association's manager and a commune's programme manager find their
way back to their space from any page: the header's menu and the account page link to it (one
query per page); a resident's pages do not."""
from marketplace.extensions import db
from marketplace.models import AssociationManager, CardCounter, CardCounterMember, CommuneManager
from marketplace.models.associations import Association
from tests import factories as f
from tests.conftest import login, sql_statements


def _world(app):
    with app.app_context():
        semur = f.commune()
        f.user("resident@example.fr")
        seller, manager, mayor = f.user("guichet@example.fr"), f.user("union@example.fr"), f.user("mairie@example.fr")
        counter = CardCounter(name="Office de tourisme", commune_insee=semur.insee)
        union = Association(name="Les Vitrines de Semur", slug="vitrines", description="")
        db.session.add_all([counter, union])
        db.session.flush()
        db.session.add_all([CardCounterMember(counter_id=counter.id, user_id=seller.id),
                            AssociationManager(association_id=union.id, user_id=manager.id),
                            CommuneManager(commune_insee=semur.insee, user_id=mayor.id)])
        db.session.commit()
        return {"counter": counter.id, "union": union.id, "insee": semur.insee}


def test_each_space_is_linked_from_the_menu_and_the_account_page(app, client):
    world = _world(app)
    spaces = {"guichet@example.fr": (f"/guichet/{world['counter']}/", "Guichet : Office de tourisme"),
              "union@example.fr": (f"/union/{world['union']}/", "Les Vitrines de Semur"),
              "mairie@example.fr": (f"/commune-gestion/{world['insee']}/", "Commune : Semur-en-Auxois")}
    for email, (url, label) in spaces.items():
        assert login(client, email).headers["Location"].endswith(url)  # the same space as the landing page
        for page in ("/", "/compte/", "/panier"):
            html = client.get(page).get_data(as_text=True)
            assert f'<a href="{url}" data-testid="my-space">{label}</a>' in html, (email, page)
        assert f'<a href="{url}" data-testid="account-space">{label}</a>' in client.get("/compte/").get_data(
            as_text=True)
        client.post("/deconnexion")


def test_a_resident_sees_no_space_link(app, client):
    _world(app)
    login(client, "resident@example.fr")
    html = client.get("/compte/").get_data(as_text=True)
    assert 'data-testid="my-space"' not in html and 'data-testid="account-space"' not in html
    assert "Mes espaces" not in html


def test_the_spaces_cost_one_query_per_page(app, client):
    _world(app)
    login(client, "union@example.fr")
    with sql_statements(app) as statements:
        assert client.get("/compte/").status_code == 200
    assert len([s for s in statements if "association_managers" in s or "card_counter_members" in s]) == 1


def test_a_signed_in_page_reads_the_menu_in_three_queries_whatever_the_memberships(app, client):
    """The user comes with their shops and employers (one query, not one per membership and one per
    shop or employer), then the cart and the spaces: the menu still names them all, oldest first."""
    world = _world(app)
    with app.app_context():
        semur = db.session.get(f.Commune, world["insee"])
        owner = f.user("commercante@example.fr")
        for name in ("Boulangerie du Marché", "Fromagerie Lucas"):
            f.shop_member(f.shop(name, semur), owner, "owner")
        f.employer_member(f.employer("Laiterie de l'Auxois", semur), owner)
        db.session.add(AssociationManager(association_id=world["union"], user_id=owner.id))
        db.session.commit()
    login(client, "commercante@example.fr")
    with sql_statements(app) as statements:
        html = client.get("/compte/").get_data(as_text=True)
    assert len(statements) == 3, statements
    menu = html[html.index('id="site-menu"'):html.index("</nav>")]
    names = ["Boulangerie du Marché", "Fromagerie Lucas", "Laiterie de l&#39;Auxois", "Les Vitrines de Semur"]
    assert all(name in menu for name in names), menu
    assert sorted(names, key=menu.index) == names
