"""A company registers (SIRET checked), the territory admin approves it, HR invites colleagues."""
import html
import re
from datetime import timedelta

from sqlalchemy import func, select

from marketplace import invitations
from marketplace.employer import service
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Employer, EmployerInvitation, EmployerMember
from tests.conftest import login


def registration(**overrides):
    return {"name": "Menuiserie Vautrin", "siret": "552 100 554 00013", "address": "3 rue des Forges",
            "commune": "Arnay-le-Duc", "billing_email": "compta@vautrin.fr", **overrides}


def test_register_then_admin_approves(app, hr_world, make_user):
    make_user("boss@vautrin.fr")
    client = app.test_client()
    login(client, "boss@vautrin.fr")
    bad = client.post("/entreprise/inscription", data=registration(siret="12345678901234", commune="Paris"))
    html = bad.get_data(as_text=True)
    assert "Numéro SIRET invalide" in html and "Commune inconnue" in html
    response = client.post("/entreprise/inscription", data=registration())
    assert response.status_code == 302
    with app.app_context():
        employer = db.session.scalar(select(Employer).filter_by(name="Menuiserie Vautrin"))
        assert employer.status == "pending" and employer.siret == "55210055400013"
        assert employer.commune_insee == "21023"
        employer_id = employer.id
        assert any(m["To"] == "admin@example.fr" for m in outbox())
        outbox().clear()
    dashboard = client.get(f"/entreprise/{employer_id}/").get_data(as_text=True)
    assert "attend la validation" in dashboard
    admin = app.test_client()
    login(admin, "admin@example.fr")
    listing = admin.get("/admin/entreprises/").get_data(as_text=True)
    assert "Menuiserie Vautrin" in listing
    admin.post(f"/admin/entreprises/{employer_id}/decision", data={"decision": "valider"})
    with app.app_context():
        assert db.session.get(Employer, employer_id).status == "approved"
        assert [m["To"] for m in outbox()] == ["boss@vautrin.fr"]
        assert "validée" in outbox()[0]["Subject"]
    form = client.get(f"/entreprise/{employer_id}/campagnes/nouvelle")
    assert form.status_code == 200
    for name in ("amount", "child_amount"):  # amounts open a phone's number pad
        assert re.search(rf'<input[^>]*inputmode="decimal"[^>]*name="{name}"', form.get_data(as_text=True))


def test_admin_rejects(app, hr_world, make_user):
    make_user("boss@vautrin.fr")
    client = app.test_client()
    login(client, "boss@vautrin.fr")
    client.post("/entreprise/inscription", data=registration())
    with app.app_context():
        employer_id = db.session.scalar(select(Employer.id).filter_by(name="Menuiserie Vautrin"))
        outbox().clear()
    admin = app.test_client()
    login(admin, "admin@example.fr")
    admin.post(f"/admin/entreprises/{employer_id}/decision", data={"decision": "refuser"})
    with app.app_context():
        assert db.session.get(Employer, employer_id).status == "rejected"
        assert "n'a pas été validée" in outbox()[0]["Subject"]


def test_hr_invites_a_colleague(app, hr_client, hr_world, make_user):
    employer_id = hr_world["employer_id"]
    hr_client.post(f"/entreprise/{employer_id}/membres", data={"email": "Paul@Laiterie.fr"})
    with app.app_context():
        body = outbox()[-1].get_content()
    assert "paul@laiterie.fr" in body
    path = re.search(r"http://localhost(/entreprise/invitation/\S+)", body).group(1)
    make_user("paul@laiterie.fr")
    colleague = app.test_client()
    login(colleague, "paul@laiterie.fr")
    assert colleague.get(f"/entreprise/{employer_id}/").status_code == 403
    colleague.post(path)
    assert colleague.get(f"/entreprise/{employer_id}/").status_code == 200
    staff_page = colleague.get(f"/entreprise/{employer_id}/salaries")
    assert staff_page.status_code == 200
    assert 'aria-current="page">Salariés</a>' in staff_page.get_data(as_text=True)  # HR's menu: the page one is on
    # The link works once.
    again = colleague.get(path, follow_redirects=True)
    assert "Cette invitation n&#39;existe pas ou a déjà été utilisée." in again.get_data(as_text=True)


def test_an_hr_invitation_is_only_for_the_invited_address(app, hr_client, hr_world, make_user):
    """Whoever else holds the link (signed in with another address) is refused and gets nothing."""
    employer_id = hr_world["employer_id"]
    hr_client.post(f"/entreprise/{employer_id}/membres", data={"email": "paul@laiterie.fr"})
    with app.app_context():
        path = re.search(r"http://localhost(/entreprise/invitation/\S+)", outbox()[-1].get_content()).group(1)
    make_user("intrus@example.fr")
    intruder = app.test_client()
    login(intruder, "intrus@example.fr")
    for response in (intruder.get(path), intruder.post(path)):
        assert response.status_code == 403
        assert ("Cette invitation a été envoyée à paul@laiterie.fr : connectez-vous avec cette adresse pour "
                "l&#39;accepter.") in response.get_data(as_text=True)
    assert intruder.get(f"/entreprise/{employer_id}/salaries").status_code == 403
    with app.app_context():
        assert [i.accepted_at for i in service.pending_invitations(employer_id)] == [None]
        assert EmployerMember.query.filter_by(employer_id=employer_id).count() == 1
    # Signed out, the link leads to logging in (or signing up) with the invited address filled in.
    visitor = app.test_client()
    page = visitor.get(path).get_data(as_text=True)
    login_link = html.unescape(re.search(r'href="(/connexion\?[^"]+)"', page).group(1))
    assert "email=paul@laiterie.fr" in login_link and f"next={path}" in login_link
    assert 'value="paul@laiterie.fr"' in visitor.get(login_link).get_data(as_text=True)
    signup_link = html.unescape(re.search(r'href="(/inscription\?[^"]+)"', page).group(1))
    assert 'value="paul@laiterie.fr"' in visitor.get(signup_link).get_data(as_text=True)
    make_user("paul@laiterie.fr")
    response = visitor.post(login_link, data={"email": "paul@laiterie.fr", "password": "motdepasse-solide"})
    assert response.headers["Location"] == path
    assert visitor.post(path).headers["Location"] == f"/entreprise/{employer_id}/"
    assert visitor.get(f"/entreprise/{employer_id}/salaries").status_code == 200


def test_an_hr_invitation_expires(app, hr_client, hr_world, make_user):
    employer_id = hr_world["employer_id"]
    hr_client.post(f"/entreprise/{employer_id}/membres", data={"email": "paul@laiterie.fr"})
    with app.app_context():
        path = re.search(r"http://localhost(/entreprise/invitation/\S+)", outbox()[-1].get_content()).group(1)
        invitation = db.session.scalar(select(EmployerInvitation))
        invitation.created_at -= timedelta(days=invitations.INVITATION_DAYS + 1)
        db.session.commit()
        assert service.pending_invitations(employer_id) == []
    make_user("paul@laiterie.fr")
    colleague = app.test_client()
    login(colleague, "paul@laiterie.fr")
    page = colleague.post(path, follow_redirects=True).get_data(as_text=True)
    assert "Cette invitation a expiré" in page
    assert colleague.get(f"/entreprise/{employer_id}/").status_code == 403


def test_hr_withdraws_an_invitation_and_its_link_finds_nothing(app, hr_client, hr_world, make_user):
    employer_id = hr_world["employer_id"]
    hr_client.post(f"/entreprise/{employer_id}/membres", data={"email": "paul@laiteire.fr"})
    with app.app_context():
        path = re.search(r"http://localhost(/entreprise/invitation/\S+)", outbox()[-1].get_content()).group(1)
    action = re.search(r'action="(/entreprise/\d+/membres/invitations/(\d+)/retirer)"',
                       hr_client.get(f"/entreprise/{employer_id}/membres").get_data(as_text=True)).group(1)
    make_user("intrus@example.fr")
    intruder = app.test_client()
    login(intruder, "intrus@example.fr")
    assert intruder.post(action).status_code == 403
    page = hr_client.post(action, follow_redirects=True).get_data(as_text=True)
    assert "Invitation retirée" in page and "paul@laiteire.fr" not in page
    with app.app_context():
        assert service.pending_invitations(employer_id) == []
    make_user("paul@laiteire.fr")
    paul = app.test_client()
    login(paul, "paul@laiteire.fr")
    assert "Cette invitation n&#39;existe pas" in paul.post(path, follow_redirects=True).get_data(as_text=True)
    assert paul.get(f"/entreprise/{employer_id}/").status_code == 403


def test_a_siret_already_registered_makes_no_second_company(app, hr_world, make_user):
    """The Laiterie (hr_world) has SIRET 732 829 320 00074: registering it again is refused."""
    make_user("boss@laiterie.fr")
    client = app.test_client()
    login(client, "boss@laiterie.fr")
    for _ in range(2):
        page = html.unescape(client.post("/entreprise/inscription", data=registration(
            name="Laiterie bis", siret="732 829 320 00074")).get_data(as_text=True))
        assert ("SIRET : une entreprise avec ce numéro est déjà inscrite sur Halle ; demandez à son service RH de "
                "vous inviter dans son espace.") in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Employer).filter_by(siret="73282932000074")) == 1


def test_hr_edits_the_company_details_printed_on_receipts(app, hr_client, hr_world):
    from marketplace.models import AuditEvent

    employer_id = hr_world["employer_id"]
    url = f"/entreprise/{employer_id}/coordonnees"
    assert f'href="{url}"' in hr_client.get(f"/entreprise/{employer_id}/").get_data(as_text=True)
    page = html.unescape(hr_client.get(url).get_data(as_text=True))
    assert 'value="73282932000074"' in page and 'value="route de Dijon"' in page
    assert re.search(r'<input[^>]*inputmode="numeric"[^>]*name="siret"', page)  # a phone's number pad
    refused = html.unescape(hr_client.post(url, data={"name": "Laiterie", "siret": "73282932000075",
                                                      "address": "route de Dijon"}).get_data(as_text=True))
    assert "Numéro SIRET invalide : vérifiez les 14 chiffres." in refused
    refused = html.unescape(hr_client.post(url, data={"name": " ", "siret": "73282932000074",
                                                      "address": ""}).get_data(as_text=True))
    assert "Indiquez le nom de l'entreprise." in refused and "Indiquez l'adresse." in refused
    with app.app_context():
        assert db.session.get(Employer, employer_id).name == "Laiterie"
    saved = hr_client.post(url, data={"name": "Laiterie de l'Auxois SAS", "siret": "732 829 320 00074",
                                      "address": "12 route de Dijon"})
    assert saved.headers["Location"] == f"/entreprise/{employer_id}/"
    with app.app_context():
        employer = db.session.get(Employer, employer_id)
        assert (employer.name, employer.siret, employer.address) == (
            "Laiterie de l'Auxois SAS", "73282932000074", "12 route de Dijon")
        event = db.session.scalars(select(AuditEvent).filter_by(action="employer.update")).one()
        assert (event.target_id, event.actor) == (employer_id, "hr@example.fr")
        assert event.before == {"address": "route de Dijon", "name": "Laiterie"}
        assert event.after == {"address": "12 route de Dijon", "name": "Laiterie de l'Auxois SAS"}


def test_hr_cannot_edit_another_company(app, hr_world):
    client = app.test_client()
    login(client, "otherhr@example.fr")
    url = f"/entreprise/{hr_world['employer_id']}/coordonnees"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"name": "Volée", "siret": "73282932000074", "address": "ici"}).status_code == 403
    with app.app_context():
        assert db.session.get(Employer, hr_world["employer_id"]).name == "Laiterie"


def test_an_invitation_form_sent_twice_invites_and_mails_once(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    data = {"email": "paul@laiterie.fr", "once": "sent-twice"}
    hr_client.post(f"/entreprise/{employer_id}/membres", data=data)
    again = hr_client.post(f"/entreprise/{employer_id}/membres", data=data, follow_redirects=True)
    assert "Déjà enregistré." in again.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(EmployerInvitation).filter_by(employer_id=employer_id)).all()) == 1
        assert [m["To"] for m in outbox()].count("paul@laiterie.fr") == 1
