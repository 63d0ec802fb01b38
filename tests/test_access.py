"""Every route declares an access policy, and answers every role as that policy says.

When a new route forgets @access(...), test_every_route_declares_a_policy fails; when a route
under a protected prefix is given a weaker policy, test_protected_prefixes_keep_their_policy fails.
"""
import pytest

from marketplace.access import PREFIX_POLICIES, policy_for
from marketplace.extensions import db
from marketplace.models import (Association, AssociationManager, AssociationMember, CardCounter, CardCounterMember,
                                CommuneManager, TopUpProgramme)
from tests import factories as f
from tests.conftest import login

ROLES = ["anonymous", "resident", "admin", "owner", "staff", "cashier", "other_owner", "hr", "other_hr", "seller",
         "other_seller", "manager", "other_manager", "mayor", "other_mayor"]


LOGS_OUT = ("account.log_out_everywhere", "auth.logout")  # each ends the session: logged in again before


def endpoints(app):
    """Every route but static files; logging out last, so that it does not end the session early."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    return sorted(rules, key=lambda rule: rule.endpoint in LOGS_OUT)


def test_every_route_declares_a_policy(app):
    with app.test_request_context():
        missing = [rule.rule for rule in endpoints(app) if policy_for(rule.endpoint) is None]
    assert missing == []


def test_every_role_of_the_house_is_a_persona_of_the_matrix():
    """A role added to ShopMember must be exercised by test_each_role_gets_what_the_policy_says."""
    from marketplace.models.shops import SHOP_ROLES

    assert set(SHOP_ROLES) <= set(ROLES)


def test_protected_prefixes_keep_their_policy(app):
    with app.test_request_context():
        for rule in endpoints(app):
            for prefix, allowed in PREFIX_POLICIES.items():
                if rule.rule.startswith(prefix):
                    assert policy_for(rule.endpoint) in allowed, rule.rule


@pytest.fixture
def world(app):
    with app.app_context():
        semur = f.commune()
        shop = f.shop("Boulangerie Moreau", semur)
        other_shop = f.shop("Fromagerie Perrin", semur)
        employer = f.employer("Laiterie de l'Auxois", semur)
        other_employer = f.employer("Forges de Montbard", semur)
        users = {
            "resident": f.user("resident@example.fr"),
            "admin": f.user("admin@example.fr", is_admin=True),
            "owner": f.user("owner@example.fr"),
            "staff": f.user("staff@example.fr"),
            "cashier": f.user("cashier@example.fr"),
            "other_owner": f.user("other@example.fr"),
            "hr": f.user("hr@example.fr"),
            "other_hr": f.user("otherhr@example.fr"),
            "seller": f.user("seller@example.fr"),
            "other_seller": f.user("otherseller@example.fr"),
            "manager": f.user("manager@example.fr"),
            "other_manager": f.user("othermanager@example.fr"),
            "mayor": f.user("mairie@example.fr"),
            "other_mayor": f.user("autremairie@example.fr"),
        }
        f.shop_member(shop, users["owner"], "owner")
        f.shop_member(shop, users["staff"], "staff")
        f.shop_member(shop, users["cashier"], "cashier")
        f.shop_member(other_shop, users["other_owner"], "owner")
        f.employer_member(employer, users["hr"])
        f.employer_member(other_employer, users["other_hr"])
        product = f.product(shop, "Pain de campagne")
        counter, other_counter = CardCounter(name="Office de tourisme", commune=semur), CardCounter(
            name="Mairie", commune=semur)
        db.session.add_all([counter, other_counter])
        db.session.flush()
        db.session.add_all([CardCounterMember(counter_id=counter.id, user_id=users["seller"].id),
                            CardCounterMember(counter_id=other_counter.id, user_id=users["other_seller"].id)])
        # The shop is a member of the manager's association; the other manager runs another one.
        association = Association(name="Vitrines de Semur", slug="vitrines-de-semur", communes=[semur])
        other_association = Association(name="Semur Commerces", slug="semur-commerces", communes=[semur])
        db.session.add_all([association, other_association])
        db.session.flush()
        db.session.add_all([AssociationManager(association_id=association.id, user_id=users["manager"].id),
                            AssociationManager(association_id=other_association.id,
                                               user_id=users["other_manager"].id),
                            AssociationMember(association_id=association.id, shop_id=shop.id, status="member")])
        counter.association_id = association.id
        # The mayor manages the programmes of the shop's commune; the other mayor another commune's.
        arnay = f.commune(**f.ARNAY)
        db.session.add_all([CommuneManager(commune_insee=semur.insee, user_id=users["mayor"].id),
                            CommuneManager(commune_insee=arnay.insee, user_id=users["other_mayor"].id)])
        db.session.commit()
        return {
            "emails": {role: u.email for role, u in users.items()},
            "ids": {role: u.id for role, u in users.items()},
            "args": {"shop_id": shop.id, "employer_id": employer.id, "slug": semur.slug, "token": "x",
                     "key_id": 1, "group_id": 1, "product_id": product.id, "image_id": 1, "member_id": 1,
                     "closure_id": 1, "size": "thumb", "fmt": "csv",
                     "campaign_id": 1, "employee_id": 1, "payment_id": 1, "recipient_id": 1, "card_id": 1,
                     "grant_id": 1, "entry_id": 1, "order_id": 1, "sub_id": 1, "line_id": 1, "bank_id": 1, "run_id": 1,
                     "statement_id": 1, "target_id": 1, "bank": "x", "category_id": 1, "user_id": 1, "insee": "21603", "report_id": 1, "action": "ignorer", "feed_id": 1, "deposit_id": 1, "item_id": 1,
                     "counter_id": counter.id, "sale_id": 1, "programme_id": 1, "invitation_id": 1,
                     "association_id": association.id, "membership_id": 1, "manager_id": 1, "label_id": 1,
                     "section": "pages", "part": 1},
        }


def sample_url(app, rule, args):
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{name: args.get(name, "x") for name in rule.arguments})


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_policy_says(app, world, role):
    from marketplace.models import User

    client = app.test_client()
    if role != "anonymous":
        assert login(client, world["emails"][role]).status_code == 302
    for rule in endpoints(app):
        if rule.endpoint in LOGS_OUT and role != "anonymous":
            assert login(client, world["emails"][role]).status_code == 302
        url = sample_url(app, rule, world["args"])
        method = next(m for m in ("GET", "POST", "PUT") if m in rule.methods)
        with app.test_request_context():
            user = db.session.get(User, world["ids"][role]) if role != "anonymous" else None
            policy = policy_for(rule.endpoint)
            allowed = policy.allows(user, {k: world["args"][k] for k in rule.arguments
                                                               if k in world["args"]})
        response = client.open(url, method=method)
        if policy.api_key:
            # Till software authenticates with a shop API key; a browser session is not enough.
            assert response.status_code == 401, (role, url)
        elif allowed:
            assert response.status_code not in (401, 403), (role, url)
            assert "/connexion" not in response.headers.get("Location", ""), (role, url)
        elif role == "anonymous":
            assert response.status_code == 302 and "/connexion" in response.headers["Location"], url
        else:
            assert response.status_code == 403, (role, url, response.status_code)


def test_shop_member_cannot_reach_another_shop(app, world, client):
    login(client, world["emails"]["other_owner"])
    shop_id = world["args"]["shop_id"]
    assert client.get(f"/boutique/{shop_id}/").status_code == 403
    assert client.get(f"/caisse/{shop_id}/").status_code == 403


def test_cashier_reaches_the_till_but_not_the_shop_back_office(app, world, client):
    login(client, world["emails"]["cashier"])
    shop_id = world["args"]["shop_id"]
    assert client.get(f"/caisse/{shop_id}/").status_code == 200
    assert client.get(f"/boutique/{shop_id}/").status_code == 403


def test_hr_sees_only_their_company(app, world, client):
    login(client, world["emails"]["other_hr"])
    assert client.get(f"/entreprise/{world['args']['employer_id']}/").status_code == 403


def test_unknown_shop_is_not_found(app, world, client):
    login(client, world["emails"]["owner"])
    assert client.get("/boutique/999999/").status_code == 404


def test_a_counter_seller_reaches_only_their_counter(app, world, client):
    login(client, world["emails"]["other_seller"])
    counter_id = world["args"]["counter_id"]
    assert client.get(f"/guichet/{counter_id}/").status_code == 403
    assert client.get(f"/guichet/{counter_id}/caisse.csv").status_code == 403
    login(client, world["emails"]["seller"])
    assert client.get(f"/guichet/{counter_id}/").status_code == 200
    assert client.get(f"/boutique/{world['args']['shop_id']}/").status_code == 403
    assert client.get("/admin/guichets").status_code == 403
    assert client.get("/guichet/999999/").status_code == 404


def test_an_association_manager_reaches_only_their_association_and_its_members(app, world, client):
    association_id, shop_id = world["args"]["association_id"], world["args"]["shop_id"]
    with app.app_context():
        outsider = db.session.scalar(db.select(f.Shop.id).where(f.Shop.id != shop_id))
        programme = TopUpProgramme(name="Autre", budget_cents=1, rate_percent=1, cap_per_purchase_cents=1,
                                   cap_per_person_cents=1, starts_on=db.func.current_date(),
                                   ends_on=db.func.current_date())
        db.session.add(programme)
        db.session.commit()
        programme_id = programme.id
    login(client, world["emails"]["other_manager"])
    assert client.get(f"/union/{association_id}/").status_code == 403
    assert client.get(f"/union/{association_id}/chiffres").status_code == 403
    assert client.post(f"/union/{association_id}/membres/{shop_id}/retirer", data={"confirm": "y"}).status_code == 403
    login(client, world["emails"]["manager"])
    assert client.get(f"/union/{association_id}/chiffres").status_code == 200
    assert client.post(f"/union/{association_id}/membres/{outsider}/accepter").status_code == 404
    assert client.get(f"/union/{association_id}/programmes/{programme_id}").status_code == 404  # the territory's
    assert client.get(f"/boutique/{shop_id}/").status_code == 403  # a member's back office is not theirs
    assert client.get(f"/boutique/{shop_id}/unions").status_code == 403
    assert client.get("/admin/unions").status_code == 403


def test_a_commune_manager_reaches_only_their_communes_programmes(app, world, client):
    insee = world["args"]["insee"]
    with app.app_context():
        programmes = [TopUpProgramme(name=name, budget_cents=1, rate_percent=1, cap_per_purchase_cents=1,
                                     cap_per_person_cents=1, starts_on=db.func.current_date(),
                                     ends_on=db.func.current_date(), **owner)
                      for name, owner in (("Semur", {"commune_insee": insee}), ("Territoire", {}),
                                          ("Union", {"association_id": world["args"]["association_id"]}))]
        db.session.add_all(programmes)
        db.session.commit()
        ours, *others = [p.id for p in programmes]
    login(client, world["emails"]["other_mayor"])
    assert client.get(f"/commune-gestion/{insee}/").status_code == 403
    assert client.get(f"/commune-gestion/{insee}/programmes/{ours}").status_code == 403
    login(client, world["emails"]["mayor"])
    assert client.get(f"/commune-gestion/{insee}/programmes/{ours}").status_code == 200
    for programme_id in others:  # the territory's, an association's: nothing of them shows
        assert client.get(f"/commune-gestion/{insee}/programmes/{programme_id}").status_code == 404
        assert client.get(f"/commune-gestion/{insee}/programmes/{programme_id}/modifier").status_code == 404
    assert client.get(f"/union/{world['args']['association_id']}/programmes").status_code == 403
    assert client.get(f"/admin/programmes-abondement/{ours}").status_code == 403
    assert client.get(f"/admin/communes/{insee}/gestionnaires").status_code == 403
    assert client.get(f"/boutique/{world['args']['shop_id']}/").status_code == 403
