"""A company registers (SIRET checked), the territory admin approves it, HR invites colleagues."""
import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Employer
from tests.conftest import login


def registration(**overrides):
    return {"name": "Menuiserie Vautrin", "siret": "732 829 320 00074", "address": "3 rue des Forges",
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
        assert employer.status == "pending" and employer.siret == "73282932000074"
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
    assert client.get(f"/entreprise/{employer_id}/campagnes/nouvelle").status_code == 200


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
    hr_client.post(f"/entreprise/{employer_id}/membres", data={"email": "paul@laiterie.fr"})
    with app.app_context():
        body = outbox()[-1].get_content()
    path = re.search(r"http://localhost(/entreprise/invitation/\S+)", body).group(1)
    make_user("paul@laiterie.fr")
    colleague = app.test_client()
    login(colleague, "paul@laiterie.fr")
    assert colleague.get(f"/entreprise/{employer_id}/").status_code == 403
    colleague.post(path)
    assert colleague.get(f"/entreprise/{employer_id}/").status_code == 200
    # The link works once.
    again = colleague.get(path, follow_redirects=True)
    assert "plus valable" in again.get_data(as_text=True)
