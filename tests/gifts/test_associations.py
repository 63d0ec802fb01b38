"""Merchants' associations: the admin creates one and names its manager (an account, or an emailed
invitation); shops join (the manager approves a request, the shop accepts an invitation, the admin
confirms when the territory asks for it) and are removed with a confirmation; the manager sees the
members' card figures only, runs a programme whose top-ups are spent at the members only, and
sells at the association's counter. Several programmes top up one purchase, each within its
budget, even when purchases are paid at the same time."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loyalty import ledger
from loyalty.errors import InsufficientBalance
from loyalty.models import Account, Grant
from loyalty.queries import card_balance
from loyalty.verify import verify
from marketplace import associations, counters, topup_programmes
from marketplace.card_holders import accepting_shops
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Association, AssociationManager, CardCounter, TopUpAward, TopUpProgramme, User
from marketplace.models.associations import AWAITING_ADMIN, MEMBER, REQUESTED
from tests import factories as f
from tests.conftest import login, post_twice_at_once
from tests.gifts.test_topup_programmes import paid_gift, pay_at_once, pending_purchases, programme, today


@pytest.fixture
def world(app):
    with app.app_context():
        semur = f.commune()
        arnay = f.commune(**f.ARNAY)
        shops = {name: f.shop(name, semur).id for name in ("Boulangerie Moreau", "Fromagerie Perrin",
                                                          "Librairie du Pont")}
        shops["Épicerie d'Arnay"] = f.shop("Épicerie d'Arnay", arnay).id
        admin = f.user("admin@example.fr", is_admin=True)
        manager = f.user("union@example.fr")
        other_manager = f.user("autre-union@example.fr")
        owner = f.user("owner@example.fr")
        f.shop_member(db.session.get(f.Shop, shops["Librairie du Pont"]), owner, "owner")
        db.session.commit()
        union = associations.create(name="Les Vitrines de Semur", commune_insees=[semur.insee],
                                    description="Les commerçants du centre.", manager_email="union@example.fr",
                                    admin=admin)
        other = associations.create(name="Arnay Commerces", commune_insees=[arnay.insee], description="",
                                    manager_email="autre-union@example.fr", admin=admin)
        for name in ("Boulangerie Moreau", "Fromagerie Perrin"):
            associations.approve(associations.ask_to_join(union, db.session.get(f.Shop, shops[name]), by=admin),
                                 by=manager)
        associations.approve(associations.ask_to_join(other, db.session.get(f.Shop, shops["Épicerie d'Arnay"]),
                                                      by=admin), by=other_manager)
        return {"union": union.id, "other": other.id, "shops": shops, "admin": admin.id, "manager": manager.id,
                "semur": semur.insee, "arnay": arnay.insee}


def test_the_admin_creates_an_association_and_an_unknown_manager_accepts_the_emailed_invitation(app, world, client):
    login(client, "admin@example.fr")
    refused = client.post("/admin/unions/nouvelle", data={"name": "Auxois Commerces", "manager_email": "x"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Communes : cochez au moins une commune." in html
    assert "E-mail du gestionnaire" in html
    created = client.post("/admin/unions/nouvelle", data={
        "name": "Auxois Commerces", "communes": [world["semur"], world["arnay"]], "description": "Ensemble",
        "manager_email": "Nouvelle@Example.fr"})
    assert created.status_code == 302
    with app.app_context():
        association = db.session.scalar(select(Association).where(Association.name == "Auxois Commerces"))
        assert association.slug == "auxois-commerces" and len(association.communes) == 2
        assert association.managers == []
        mail = outbox()[-1]
        assert mail["To"] == "nouvelle@example.fr"
        # The link first: it leads to logging in or signing up with the invited address.
        assert re.search(r"Ouvrez ce lien \(valable 14 jours\) :\nhttps?://\S+/invitation-union/\S+\n\nIl vous permet "
                         r"de vous connecter avec l'adresse nouvelle@example.fr, ou de créer votre compte",
                         mail.get_content())
        link = re.search(r"https?://\S+/invitation-union/\S+", mail.get_content()).group(0)
        association_id = association.id
    token_path = link[link.index("/invitation-union/"):]
    client.get("/deconnexion")
    with app.app_context():
        f.user("nouvelle@example.fr")
        db.session.commit()
    login(client, "nouvelle@example.fr")
    assert client.get(token_path).status_code == 200
    accepted = client.post(token_path, data={})
    assert accepted.headers["Location"].endswith(f"/union/{association_id}/")
    assert client.get(f"/union/{association_id}/").status_code == 200
    assert client.post(token_path, data={}).status_code == 302  # used: back home, nothing more
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssociationManager)
                                 .where(AssociationManager.association_id == association_id)) == 1


def test_the_admin_names_another_manager_of_an_existing_association(app, world, client):
    login(client, "admin@example.fr")
    client.post(f"/admin/unions/{world['union']}/gestionnaires", data={"email": "owner@example.fr"})
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "owner@example.fr"))
        assert associations.is_manager(owner, world["union"]) and not associations.is_manager(owner, world["other"])
        assert outbox()[-1]["To"] == "owner@example.fr"


def test_a_shop_asks_to_join_the_manager_approves_and_removes_it_with_a_confirmation(app, world, client):
    union, shop_id = world["union"], world["shops"]["Librairie du Pont"]
    login(client, "owner@example.fr")
    page = client.get(f"/boutique/{shop_id}/unions").get_data(as_text=True)
    assert "Les Vitrines de Semur" in page and "Arnay Commerces" not in page  # not of its commune
    assert f'href="/boutique/{shop_id}/" class="quiet-link">← Librairie du Pont</a>' in page  # the way back
    client.post(f"/boutique/{shop_id}/unions/{union}/adherer", data={})
    assert client.post(f"/boutique/{shop_id}/unions/{world['other']}/adherer", data={}).status_code == 404
    with app.app_context():
        assert associations.membership(union, shop_id).status == REQUESTED
        assert outbox()[-1]["To"] == "union@example.fr"
    client.get("/deconnexion")
    login(client, "union@example.fr")
    assert "Librairie du Pont" in client.get(f"/union/{union}/membres").get_data(as_text=True)
    client.post(f"/union/{union}/membres/{shop_id}/accepter", data={})
    with app.app_context():
        assert associations.membership(union, shop_id).status == MEMBER
        assert shop_id in associations.member_shop_ids(union)
    # The page's title, and each member's card (a table stacked on a phone): the shop's name heads
    # it, its buttons' cell has no label (it said « Retirer » twice).
    page = client.get(f"/union/{union}/membres").get_data(as_text=True)
    assert "<h1>Commerces membres : Les Vitrines de Semur</h1>" in page and "Membres de Les" not in page
    row = page[page.index('<tr data-testid="member">\n    <th scope="row">Librairie du Pont</th>'):]
    row = row[:row.index("</tr>")]
    assert 'data-label="Retirer"' not in row and '<td class="row-actions">' in row
    # Removing asks for the box to be ticked; without it nothing changes.
    client.post(f"/union/{union}/membres/{shop_id}/retirer", data={})
    with app.app_context():
        assert associations.membership(union, shop_id) is not None
    client.post(f"/union/{union}/membres/{shop_id}/retirer", data={"confirm": "y"})
    with app.app_context():
        assert associations.membership(union, shop_id) is None


def test_when_the_territory_asks_for_it_the_admin_confirms_each_new_member(app, world, client):
    union, shop_id = world["union"], world["shops"]["Librairie du Pont"]
    login(client, "admin@example.fr")
    client.post("/admin/unions", data={"need_admin": "y"})
    client.get("/deconnexion")
    login(client, "union@example.fr")
    invited = client.post(f"/union/{union}/membres", data={"shop": shop_id})
    assert invited.status_code == 302
    client.get("/deconnexion")
    login(client, "owner@example.fr")
    client.post(f"/boutique/{shop_id}/unions/{union}/adherer", data={})  # accepts the invitation
    with app.app_context():
        row = associations.membership(union, shop_id)
        assert row.status == AWAITING_ADMIN and shop_id not in associations.member_shop_ids(union)
        row_id = row.id
    client.get("/deconnexion")
    login(client, "admin@example.fr")
    assert "Librairie du Pont" in client.get("/admin/unions").get_data(as_text=True)
    client.post(f"/admin/unions/adhesions/{row_id}/confirmer", data={})
    with app.app_context():
        assert associations.membership(union, shop_id).status == MEMBER


def test_a_manager_invites_only_shops_of_the_associations_communes(app, world, client):
    login(client, "union@example.fr")
    arnay_shop = world["shops"]["Épicerie d'Arnay"]
    page = client.get(f"/union/{world['union']}/membres").get_data(as_text=True)
    assert "Librairie du Pont" in page and "Épicerie d&#39;Arnay" not in page
    bookshop = world["shops"]["Librairie du Pont"]
    assert f'<optgroup label="Semur-en-Auxois"><option value="{bookshop}">Librairie du Pont' in page
    client.post(f"/union/{world['union']}/membres", data={"shop": arnay_shop})
    with app.app_context():
        assert associations.membership(world["union"], arnay_shop) is None


def test_the_association_programme_tops_up_at_its_members_only_next_to_the_territorys(app, world):
    with app.app_context():
        territory = programme(world["admin"], rate=10)
        manager = db.session.get(User, world["manager"])
        own = topup_programmes.create(topup_programmes.ProgrammeTerms(
            name="Noël des Vitrines", budget_cents=50_000, rate_percent=50, cap_per_purchase_cents=2_000,
            cap_per_person_cents=4_000, starts_on=today(), ends_on=today() + timedelta(days=20), allowed_categories=None,
            allowed_communes=None, association_id=world["union"]), admin=manager).id
        item = paid_gift(2_000)
        card_id = item.card_id
        assert {a.programme_id: a.amount_cents for a in topup_programmes.awards_of(item.id)} == {
            territory: 200, own: 1_000}
        top_up = db.session.scalar(select(Grant).where(Grant.card_id == card_id, Grant.label == "Abondement Noël des Vitrines"))
        members = sorted([world["shops"]["Boulangerie Moreau"], world["shops"]["Fromagerie Perrin"]])
        assert top_up.allowed_shops == members
        # The holder's list of where the top-up pays names the members only.
        assert [s.id for s in accepting_shops(top_up.allowed_categories, top_up.allowed_communes,
                                              top_up.allowed_shops)] == members
        db.session.commit()
        # The Arnay shop (another association's) and a shop of Semur that is not a member: 22 € only.
        for key, shop in (("a", "Épicerie d'Arnay"), ("b", "Librairie du Pont")):
            with pytest.raises(InsufficientBalance):
                ledger.redeem(db.session, card_id=card_id, shop_id=world["shops"][shop], amount_cents=2_300, key=key,
                              actor="test")
        ledger.redeem(db.session, card_id=card_id, shop_id=world["shops"]["Fromagerie Perrin"], amount_cents=3_200,
                      key="member", actor="test")
        assert card_balance(db.session, card_id) == 0
        assert topup_programmes.figures(db.session.get(TopUpProgramme, own)).by_shop == [
            ("Fromagerie Perrin", "Semur-en-Auxois", 1_000)]


def test_a_communes_programme_tops_up_what_is_spent_in_that_commune(app, world):
    with app.app_context():
        programme_id = topup_programmes.create(topup_programmes.ProgrammeTerms(
            name="Arnay au centre", budget_cents=10_000, rate_percent=50, cap_per_purchase_cents=5_000,
            cap_per_person_cents=5_000, starts_on=today(), ends_on=today(), allowed_categories=None,
            allowed_communes=None, commune_insee=world["arnay"]), admin=db.session.get(User, world["admin"])).id
        prog = db.session.get(TopUpProgramme, programme_id)
        assert prog.allowed_communes == [world["arnay"]] and prog.commune.name == "Arnay-le-Duc"
        item = paid_gift(2_000)
        db.session.commit()
        with pytest.raises(InsufficientBalance):
            ledger.redeem(db.session, card_id=item.card_id, shop_id=world["shops"]["Boulangerie Moreau"],
                          amount_cents=2_500, key="semur", actor="test")


def test_the_admin_creates_a_programme_on_behalf_of_a_commune(app, world, client):
    login(client, "admin@example.fr")
    form = client.get("/admin/programmes-abondement/nouveau").get_data(as_text=True)
    assert '<optgroup label="Communes">' in form
    assert f'<option value="commune:{world["arnay"]}">Arnay-le-Duc</option>' in form
    assert f'<option value="union:{world["union"]}">Les Vitrines de Semur</option>' in form
    made = client.post("/admin/programmes-abondement/nouveau", data={
        "name": "Arnay", "budget": "100", "rate_percent": "20", "cap_per_purchase": "10", "cap_per_person": "10",
        "starts_on": today().isoformat(), "ends_on": today().isoformat(), "owner": f"commune:{world['arnay']}",
        "communes": world["semur"]})
    assert made.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(TopUpProgramme).where(TopUpProgramme.name == "Arnay"))
        assert (row.commune_insee, row.allowed_communes, row.association_id) == (world["arnay"], [world["arnay"]], None)
        programme_id = row.id
    page = client.get(f"/admin/programmes-abondement/{programme_id}").get_data(as_text=True)
    assert "Porteur : Arnay-le-Duc (commune)" in page


def test_the_manager_creates_a_programme_and_reads_its_members_figures_only(app, world, client):
    union = world["union"]
    with app.app_context():
        card_id = paid_gift(10_000).card_id
        db.session.commit()
        for key, (shop, cents) in enumerate((("Boulangerie Moreau", 1_250), ("Boulangerie Moreau", 750),
                                             ("Épicerie d'Arnay", 4_000), ("Librairie du Pont", 900))):
            ledger.redeem(db.session, card_id=card_id, shop_id=world["shops"][shop], amount_cents=cents,
                          key=f"pay{key}", actor="test")
    login(client, "union@example.fr")
    figures = client.get(f"/union/{union}/chiffres").get_data(as_text=True)
    assert "Boulangerie Moreau" in figures and "20,00" in figures
    assert "Arnay" not in figures and "Librairie du Pont" not in figures and "40,00" not in figures
    with app.app_context():
        rows = associations.figures(union)
        assert [(r.shop, r.payments, r.redeemed_cents) for r in rows] == [("Boulangerie Moreau", 2, 2_000)]
    # The same table for a spreadsheet, linked from the page: its members only.
    assert f'href="/union/{union}/chiffres.csv"' in figures
    sheet = client.get(f"/union/{union}/chiffres.csv")
    assert sheet.mimetype == "text/csv" and "chiffres-les-vitrines-de-semur.csv" in sheet.headers["Content-Disposition"]
    assert sheet.get_data(as_text=True).lstrip("\ufeff").splitlines() == [
        "Mois;Commerce;Paiements;Encaissé (€)", f"{today():%Y-%m};Boulangerie Moreau;2;20,00"]
    bad = client.post(f"/union/{union}/programmes/nouveau", data={"name": "Noël", "budget": "0", "rate_percent": "50",
                                                                   "cap_per_purchase": "20", "cap_per_person": "40",
                                                                   "starts_on": today().isoformat(),
                                                                   "ends_on": today().isoformat()})
    assert "Budget" in bad.get_data(as_text=True)
    made = client.post(f"/union/{union}/programmes/nouveau", data={
        "name": "Noël", "budget": "500", "rate_percent": "50", "cap_per_purchase": "20", "cap_per_person": "40",
        "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=9)).isoformat(),
        "owner": "", "communes": world["arnay"]})  # fields of the admin's form are not the manager's to set
    assert made.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(TopUpProgramme).where(TopUpProgramme.name == "Noël"))
        assert row.association_id == union and row.allowed_communes is None and row.commune_insee is None
        programme_id = row.id
    assert "500,00" in client.get(f"/union/{union}/programmes/{programme_id}").get_data(as_text=True)
    # The budget is raised from the association's space; the programme stays the association's.
    assert "500,00" in client.get(f"/union/{union}/programmes/{programme_id}/modifier").get_data(as_text=True)
    raised = client.post(f"/union/{union}/programmes/{programme_id}/modifier", data={
        "name": "Noël", "budget": "650", "rate_percent": "50", "cap_per_purchase": "20", "cap_per_person": "40",
        "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=9)).isoformat()})
    assert raised.status_code == 302
    with app.app_context():
        row = db.session.get(TopUpProgramme, programme_id)
        assert row.budget_cents == 65_000 and row.association_id == union
        assert topup_programmes.left_cents(row) == 65_000
    assert "Noël" in client.get(f"/union/{union}/programmes").get_data(as_text=True)
    public = client.get("/unions/les-vitrines-de-semur").get_data(as_text=True)
    assert "Noël" in public and "Fromagerie Perrin" in public and "Librairie du Pont" not in public


def test_a_manager_sees_nothing_of_another_association_nor_of_shops_outside_theirs(app, world, client):
    union, other = world["union"], world["other"]
    with app.app_context():
        theirs = topup_programmes.create(topup_programmes.ProgrammeTerms(
            name="Arnay", budget_cents=1_000, rate_percent=10, cap_per_purchase_cents=100, cap_per_person_cents=100,
            starts_on=today(), ends_on=today(), allowed_categories=None, allowed_communes=None, association_id=other),
            admin=db.session.get(User, world["admin"])).id
        counter = CardCounter(name="Maison d'Arnay", commune_insee=world["arnay"], association_id=other)
        db.session.add(counter)
        db.session.commit()
        counter_id = counter.id
    login(client, "union@example.fr")
    for path in ("/", "/membres", "/chiffres", "/chiffres.csv", "/programmes", "/programmes/nouveau", "/guichets"):
        assert client.get(f"/union/{other}{path}").status_code == 403, path
    assert client.get(f"/union/{union}/programmes/{theirs}").status_code == 404
    assert client.post(f"/union/{union}/guichets/{counter_id}/vendeurs", data={"email": "x@example.fr"}).status_code == 404
    outsider = world["shops"]["Épicerie d'Arnay"]
    assert client.post(f"/union/{union}/membres/{outsider}/retirer", data={"confirm": "y"}).status_code == 404
    assert client.post(f"/union/{union}/membres/{outsider}/accepter", data={}).status_code == 404
    with app.app_context():
        assert associations.membership(other, outsider).status == MEMBER
    assert client.get("/union/999999/").status_code == 404
    assert client.get("/admin/unions").status_code == 403


def test_the_manager_opens_a_counter_and_adds_its_seller(app, world, client):
    union = world["union"]
    with app.app_context():
        f.user("vendeur@example.fr")
        db.session.commit()
    login(client, "union@example.fr")
    client.post(f"/union/{union}/guichets", data={"name": "Boutique de l'union", "commune": world["semur"]})
    with app.app_context():
        counter = db.session.scalar(select(CardCounter).where(CardCounter.association_id == union))
        counter_id = counter.id
    invited = client.post(f"/union/{union}/guichets/{counter_id}/vendeurs", data={"email": "inconnu@example.fr"},
                          follow_redirects=True)
    assert "Invitation envoyée à inconnu@example.fr" in invited.get_data(as_text=True)
    with app.app_context():
        invitation = next(m for m in outbox() if m["To"] == "inconnu@example.fr")
        assert "/guichet/invitation/" in invitation.get_body().get_content()  # they create their account, then sell
        assert [m.user.email for m in db.session.get(CardCounter, counter_id).members] == []
    page = client.get(f"/union/{union}/guichets").get_data(as_text=True)
    assert "inconnu@example.fr" in page and re.search(r"Retirer l(&#39;|')invitation", page)  # pending, revocable
    with app.app_context():
        pending = counters.pending_invitations(counter_id)
        link = re.search(r"/guichet/invitation/\S+", invitation.get_body().get_content()).group(0)
    revoked = client.post(f"/union/{union}/guichets/{counter_id}/invitations/{pending[0].id}/retirer",
                          follow_redirects=True)
    assert "Invitation retirée" in revoked.get_data(as_text=True)
    with app.app_context():
        assert counters.pending_invitations(counter_id) == []
    assert "inconnu@example.fr" not in client.get(link).get_data(as_text=True)  # the link finds nothing now
    added = client.post(f"/union/{union}/guichets/{counter_id}/vendeurs", data={"email": "vendeur@example.fr"},
                        follow_redirects=True)
    assert "vendeur@example.fr vend désormais à Boutique de l" in added.get_data(as_text=True)
    client.get("/deconnexion")
    login(client, "vendeur@example.fr")
    assert client.get(f"/guichet/{counter_id}/").status_code == 200


def test_the_managers_counter_form_sent_twice_at_once_makes_one_counter_of_the_union(app, world):
    union = world["union"]
    answers = post_twice_at_once(app, "union@example.fr", f"/union/{union}/guichets",
                                 {"name": "Boutique de l'union", "commune": world["semur"], "once": "twice"})
    assert [a.headers["Location"] for a in answers] == [f"/union/{union}/guichets"] * 2
    with app.app_context():
        made = db.session.scalars(select(CardCounter).where(CardCounter.name == "Boutique de l'union")).all()
        assert [counter.association_id for counter in made] == [union]  # one, the union's from its first commit


def test_concurrent_purchases_never_overspend_either_of_two_running_budgets(app, world):
    """Threads paying purchases at the same time, two programmes running: each budget is used up
    exactly, never beyond, and the ledger stays sound."""
    with app.app_context():
        territory = programme(world["admin"], budget=6_000, per_purchase=1_000, per_person=1_000)
        union = topup_programmes.create(topup_programmes.ProgrammeTerms(
            name="Union", budget_cents=4_000, rate_percent=20, cap_per_purchase_cents=600, cap_per_person_cents=600,
            starts_on=today(), ends_on=today(), allowed_categories=None, allowed_communes=None,
            association_id=world["union"]), admin=db.session.get(User, world["manager"])).id
        purchases = pending_purchases(16, "two")
    pay_at_once(app, purchases)
    with app.app_context():
        for programme_id, budget, count in ((territory, 6_000, 6), (union, 4_000, 7)):
            awards = db.session.scalars(select(TopUpAward.amount_cents)
                                        .where(TopUpAward.programme_id == programme_id)).all()
            assert sum(awards) == budget and len(awards) == count
            account = db.session.scalar(select(Account).where(Account.code == f"programme:{programme_id}"))
            assert account.balance_cents == 0
        assert verify(db.session) == []


def test_a_manager_withdraws_a_co_manager_invitation(app, world, client):
    """Its link finds nothing after; another association's manager cannot withdraw it."""
    union = world["union"]
    login(client, "union@example.fr")
    client.post(f"/union/{union}/gestionnaires", data={"email": "adjointe@exemple.fr"})
    with app.app_context():
        path = re.search(r"/invitation-union/\S+", outbox()[-1].get_content()).group(0)
    action = re.search(r'action="(/union/\d+/gestionnaires/invitations/(\d+)/retirer)"',
                       client.get(f"/union/{union}/").get_data(as_text=True))
    other = app.test_client()
    login(other, "autre-union@example.fr")
    assert other.post(action.group(1)).status_code in (403, 404)
    assert other.post(f"/union/{world['other']}/gestionnaires/invitations/{action.group(2)}/retirer").status_code == 404
    page = client.post(action.group(1), follow_redirects=True).get_data(as_text=True)
    assert "Invitation retirée" in page and "adjointe@exemple.fr" not in page
    with app.app_context():
        f.user("adjointe@exemple.fr")
        db.session.commit()
    invited = app.test_client()
    login(invited, "adjointe@exemple.fr")
    assert "Cette invitation n&#39;existe pas" in invited.post(path, follow_redirects=True).get_data(as_text=True)
    assert invited.get(f"/union/{union}/").status_code == 403


def test_the_union_sub_menu_marks_the_current_page(app, world, client):
    union = world["union"]
    login(client, "union@example.fr")
    for path, label in (("/", "Tableau de bord"), ("/membres", "Membres"), ("/chiffres", "Chiffres de la carte"),
                        ("/guichets", "Points de vente de cartes")):
        page = client.get(f"/union/{union}{path}").get_data(as_text=True)
        assert re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', page) == [label], path


def test_a_managers_programme_form_sent_twice_at_once_makes_one_programme(app, world):
    union = world["union"]
    answers = post_twice_at_once(app, "union@example.fr", f"/union/{union}/programmes/nouveau", {
        "name": "Noël", "budget": "500", "rate_percent": "50", "cap_per_purchase": "20", "cap_per_person": "40",
        "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=9)).isoformat(), "once": "twice"})
    with app.app_context():
        programme_id = db.session.scalar(select(TopUpProgramme.id).where(TopUpProgramme.association_id == union))
        assert db.session.scalar(select(func.count()).select_from(TopUpProgramme)) == 1
        assert verify(db.session) == []
    assert {a.headers["Location"] for a in answers} == {f"/union/{union}/programmes/{programme_id}"}
