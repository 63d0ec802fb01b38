"""A commune runs its own top-up programme (issue #23): the territory admin names the commune's
programme managers (an account at once, else an emailed invitation) and removes one with a
confirmation; a manager lands on their commune's space, creates and changes a programme owned by
their commune (its top-up is spent in that commune only) and sees its live page; nothing of
another commune's, an association's or the territory's programmes shows."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loyalty.models import Grant
from marketplace import associations, commune_managers
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Commune, CommuneManager, TopUpAward, TopUpProgramme, User
from tests import factories as f
from tests.conftest import login
from tests.gifts.test_topup_programmes import paid_gift, programme, today

def form():
    """The programme form as a manager fills it, dated from the territory's day when sent (a run may cross
    midnight in Paris)."""
    return {"name": "Semur au cœur", "budget": "500", "rate_percent": "20", "cap_per_purchase": "10",
            "cap_per_person": "30", "starts_on": today().isoformat(),
            "ends_on": (today() + timedelta(days=30)).isoformat()}


@pytest.fixture
def world(app):
    with app.app_context():
        semur = f.commune()
        arnay = f.commune(**f.ARNAY)
        f.shop("Boulangerie Moreau", semur)
        f.shop("Épicerie d'Arnay", arnay)
        admin = f.user("admin@example.fr", is_admin=True)
        f.user("mairie@example.fr")
        f.user("autre-mairie@example.fr")
        db.session.commit()
        commune_managers.name_manager(semur, "mairie@example.fr", by=admin)
        commune_managers.name_manager(arnay, "autre-mairie@example.fr", by=admin)
        union = associations.create(name="Les Vitrines de Semur", commune_insees=[semur.insee], description="",
                                    manager_email="union@example.fr", admin=admin)
        return {"semur": semur.insee, "arnay": arnay.insee, "admin": admin.id, "union": union.id}


def test_the_admin_names_managers_by_email_and_removes_one_with_a_confirmation(app, world, client):
    semur = world["semur"]
    login(client, "admin@example.fr")
    page = client.get(f"/admin/communes/{semur}/gestionnaires").get_data(as_text=True)
    assert "mairie@example.fr" in page and "autre-mairie@example.fr" not in page
    refused = client.post(f"/admin/communes/{semur}/gestionnaires", data={"email": "pas-une-adresse"})
    assert "E-mail du gestionnaire : une adresse valide" in refused.get_data(as_text=True)
    # An account: a manager at once, told by email.
    client.post(f"/admin/communes/{semur}/gestionnaires", data={"email": "Autre-Mairie@example.fr"})
    with app.app_context():
        other = db.session.scalar(select(User).where(User.email == "autre-mairie@example.fr"))
        assert commune_managers.is_manager(other, semur) and commune_managers.is_manager(other, world["arnay"])
        assert outbox()[-1]["To"] == "autre-mairie@example.fr"
        assert f"/commune-gestion/{semur}/" in outbox()[-1].get_content()
    # Without an account: an emailed invitation, accepted by the invited address only.
    assert client.post(f"/admin/communes/{semur}/gestionnaires",
                       data={"email": "Elue@Example.fr"}).status_code == 302
    with app.app_context():
        mail = outbox()[-1]
        assert mail["To"] == "elue@example.fr"
        assert "Ouvrez ce lien (valable 14 jours) :" in mail.get_content()
        assert "Créez un compte ou connectez-vous" not in mail.get_content()
        link = re.search(r"https?://\S+(/invitation-commune/\S+)", mail.get_content()).group(1)
    assert "elue@example.fr" in client.get(f"/admin/communes/{semur}/gestionnaires").get_data(as_text=True)
    client.get("/deconnexion")
    with app.app_context():
        f.user("elue@example.fr")
        db.session.commit()
    login(client, "mairie@example.fr")
    assert client.post(link, data={}).status_code == 403  # another account: refused, nothing changes
    client.get("/deconnexion")
    assert login(client, "elue@example.fr").headers["Location"].endswith("/compte/")  # no role yet
    accepted = client.post(link, data={})
    assert accepted.headers["Location"].endswith(f"/commune-gestion/{semur}/")
    client.get("/deconnexion")
    assert login(client, "elue@example.fr").headers["Location"].endswith(f"/commune-gestion/{semur}/")
    client.get("/deconnexion")
    # Removing asks for the box to be ticked; without it nothing changes.
    login(client, "admin@example.fr")
    with app.app_context():
        manager_id = db.session.scalar(select(CommuneManager.id).join(User).where(User.email == "elue@example.fr"))
    client.post(f"/admin/communes/{semur}/gestionnaires/{manager_id}/retirer", data={})
    with app.app_context():
        assert db.session.get(CommuneManager, manager_id) is not None
    client.post(f"/admin/communes/{semur}/gestionnaires/{manager_id}/retirer", data={"confirm": "y"})
    with app.app_context():
        assert db.session.get(CommuneManager, manager_id) is None
        elue = db.session.scalar(select(User).where(User.email == "elue@example.fr"))
        assert not commune_managers.is_manager(elue, semur)
    client.get("/deconnexion")
    login(client, "elue@example.fr")
    assert client.get(f"/commune-gestion/{semur}/").status_code == 403


def test_a_manager_creates_their_communes_programme_spent_there_only_and_sees_it_live(app, world, client):
    semur = world["semur"]
    assert login(client, "mairie@example.fr").headers["Location"].endswith(f"/commune-gestion/{semur}/")
    assert "Aucun programme" in client.get(f"/commune-gestion/{semur}/").get_data(as_text=True)
    bad = client.post(f"/commune-gestion/{semur}/programmes/nouveau",
                      data={**form(), "budget": "-5", "rate_percent": ""})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Budget : un montant en euros" in html and "Abondement : un nombre" in html
    # The commune's form has no owner nor places to choose: whatever is sent, the commune owns it.
    created = client.post(f"/commune-gestion/{semur}/programmes/nouveau",
                          data={**form(), "owner": f"union:{world['union']}", "communes": world["arnay"]})
    assert created.status_code == 302
    with app.app_context():
        prog = db.session.scalar(select(TopUpProgramme))
        assert (prog.commune_insee, prog.association_id, prog.allowed_communes) == (semur, None, [semur])
        programme_id = prog.id
        item = paid_gift(5_000)  # 20 % of 50 €, capped at 10 € a purchase
        award = db.session.scalar(select(TopUpAward).where(TopUpAward.item_id == item.id))
        assert award.amount_cents == 1_000
        assert db.session.get(Grant, award.grant_id).allowed_communes == [semur]
    assert created.headers["Location"].endswith(f"/commune-gestion/{semur}/programmes/{programme_id}")
    live = client.get(f"/commune-gestion/{semur}/programmes/{programme_id}").get_data(as_text=True)
    assert "Semur au cœur" in live and "Semur-en-Auxois (commune)" in live
    assert "500,00" in live and "10,00" in live and "490,00" in live
    assert "Semur au cœur" in client.get(f"/commune-gestion/{semur}/").get_data(as_text=True)
    # Changing it: the budget never below what was used.
    edit = f"/commune-gestion/{semur}/programmes/{programme_id}/modifier"
    assert "500,00" in client.get(edit).get_data(as_text=True)
    assert "Budget : au moins 10,00" in client.post(edit, data={**form(), "budget": "5"}).get_data(as_text=True)
    assert client.post(edit, data={**form(), "budget": "800", "name": "Semur l'été"}).status_code == 302
    with app.app_context():
        prog = db.session.get(TopUpProgramme, programme_id)
        assert (prog.name, prog.budget_cents, prog.commune_insee) == ("Semur l'été", 80_000, semur)


def test_a_manager_sees_nothing_but_their_communes_programmes(app, world, client):
    semur, arnay = world["semur"], world["arnay"]
    with app.app_context():
        territory = programme(world["admin"], starts=today() + timedelta(days=1))
        other = TopUpProgramme(name="Arnay en fête", budget_cents=1, rate_percent=1, cap_per_purchase_cents=1,
                               cap_per_person_cents=1, starts_on=today(), ends_on=today(), commune_insee=arnay)
        union = TopUpProgramme(name="Vitrines", budget_cents=1, rate_percent=1, cap_per_purchase_cents=1,
                               cap_per_person_cents=1, starts_on=today(), ends_on=today(), association_id=world["union"])
        db.session.add_all([other, union])
        db.session.commit()
        ids = [territory, other.id, union.id]
    login(client, "mairie@example.fr")
    listing = client.get(f"/commune-gestion/{semur}/").get_data(as_text=True)
    assert "Arnay en fête" not in listing and "Vitrines" not in listing and "Printemps" not in listing
    for programme_id in ids:
        assert client.get(f"/commune-gestion/{semur}/programmes/{programme_id}").status_code == 404
        assert client.post(f"/commune-gestion/{semur}/programmes/{programme_id}/modifier",
                           data=form()).status_code == 404
    assert client.get(f"/commune-gestion/{arnay}/").status_code == 403
    assert client.post(f"/commune-gestion/{arnay}/programmes/nouveau", data=form()).status_code == 403
    assert client.get(f"/commune-gestion/{arnay}/programmes/{ids[1]}").status_code == 403
    assert client.get("/commune-gestion/99999/").status_code == 404
    assert client.get("/admin/programmes-abondement").status_code == 403
    assert client.get(f"/admin/communes/{semur}/gestionnaires").status_code == 403
    assert client.get(f"/union/{world['union']}/programmes").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TopUpProgramme)) == 3  # nothing made


def test_a_removed_commune_takes_its_managers_role_away(app, world):
    from marketplace import territory_import

    with app.app_context():
        db.session.add(Commune(**{**f.SEMUR, "insee": "21999", "name": "Villeneuve", "slug": "villeneuve"}))
        db.session.commit()
        commune_managers.name_manager(db.session.get(Commune, "21999"), "mairie@example.fr", by=None)
        commune_managers.name_manager(db.session.get(Commune, "21999"), "nouveau@example.fr", by=None)
        territory_import.remove_commune("21999")
        mairie = db.session.scalar(select(User).where(User.email == "mairie@example.fr"))
        assert not commune_managers.is_manager(mairie, "21999") and commune_managers.is_manager(mairie, world["semur"])


def test_a_commune_with_a_programme_of_its_own_stays_in_the_territory_saying_why(app, world):
    from marketplace import territory_import, topup_programmes

    with app.app_context():
        db.session.add(Commune(**{**f.SEMUR, "insee": "21999", "name": "Villeneuve", "slug": "villeneuve"}))
        db.session.commit()
        commune_managers.name_manager(db.session.get(Commune, "21999"), "mairie@example.fr", by=None)
        topup_programmes.create(topup_programmes.ProgrammeTerms(
            name="Villeneuve d'abord", budget_cents=10_000, rate_percent=20, cap_per_purchase_cents=1_000,
            cap_per_person_cents=2_000, starts_on=today(), ends_on=today(), allowed_categories=None,
            allowed_communes=["21999"], commune_insee="21999"), admin=db.session.get(User, world["admin"]))
        with pytest.raises(territory_import.CommuneInUse,
                           match=r"il s'y trouve encore 1 programme d'abondement de la commune\."):
            territory_import.remove_commune("21999")
        db.session.rollback()
        assert db.session.get(Commune, "21999") is not None
        mairie = db.session.scalar(select(User).where(User.email == "mairie@example.fr"))
        assert commune_managers.is_manager(mairie, "21999")  # nothing changed


def test_the_admin_withdraws_a_commune_invitation(app, world, client):
    semur = world["semur"]
    login(client, "admin@example.fr")
    client.post(f"/admin/communes/{semur}/gestionnaires", data={"email": "elu@exemple.fr"})
    with app.app_context():
        path = re.search(r"/invitation-commune/\S+", outbox()[-1].get_content()).group(0)
    action = re.search(r'action="(/admin/communes/\d+/gestionnaires/invitations/(\d+)/retirer)"',
                       client.get(f"/admin/communes/{semur}/gestionnaires").get_data(as_text=True))
    assert client.post(f"/admin/communes/{world['arnay']}/gestionnaires/invitations/{action.group(2)}/retirer"
                       ).status_code == 404
    page = client.post(action.group(1), follow_redirects=True).get_data(as_text=True)
    assert "Invitation retirée" in page and "elu@exemple.fr" not in page
    with app.app_context():
        assert commune_managers.pending_invitations(semur) == []
        f.user("elu@exemple.fr")
        db.session.commit()
    invited = app.test_client()
    login(invited, "elu@exemple.fr")
    assert "Cette invitation n&#39;existe pas" in invited.post(path, follow_redirects=True).get_data(as_text=True)
    assert invited.get(f"/commune-gestion/{semur}/").status_code == 403


def test_the_commune_sub_menu_marks_the_current_page(app, world, client):
    login(client, "mairie@example.fr")
    for path, label in (("/", "Programmes d'abondement"), ("/programmes/nouveau", "Nouveau programme")):
        page = client.get(f"/commune-gestion/{world['semur']}{path}").get_data(as_text=True)
        assert re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', page) == [label], path
