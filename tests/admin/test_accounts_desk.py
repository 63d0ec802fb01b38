"""The accounts desk: a holder who can no longer log in writes to close their account; the admin
finds it (accents and case aside), reads what it holds, and closes it when nothing forbids it."""
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import AuditEvent, User
from tests import factories as f
from tests.conftest import login


def _world(app) -> dict:
    with app.app_context():
        semur = f.commune()
        f.user("admin@example.fr", is_admin=True)
        helene = f.user("helene.garnier@example.fr", first_name="Hélène", last_name="Garnier",
                        home_commune_insee=semur.insee)
        owner = f.user("paul@example.fr", first_name="Paul", last_name="Girard")
        f.shop_member(f.shop("Fournil Girard", semur), owner, "owner")
        db.session.commit()
        return {"helene": helene.id, "owner": owner.id}


def text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_the_admin_finds_an_account_and_closes_it_on_its_holder_s_written_request(app, client):
    ids = _world(app)
    login(client, "admin@example.fr")
    assert "/admin/comptes" in client.get("/admin/").get_data(as_text=True)
    found = text(client.get("/admin/comptes", query_string={"q": "helene garnier"}))
    assert f'href="/admin/comptes/{ids["helene"]}"' in found and "helene.garnier@example.fr" in found
    nobody = text(client.get("/admin/comptes", query_string={"q": "zorglub"}))
    assert "Aucun compte ne correspond à « zorglub »" in nobody

    url = f"/admin/comptes/{ids['helene']}"
    assert "Semur-en-Auxois" in text(client.get(url))
    data = client.get(f"{url}/donnees.json")  # what she asked to see, to send her
    assert data.headers["Cache-Control"] == "no-store" and data.get_json()["account"]["last_name"] == "Garnier"
    unticked = client.post(url, data={})
    assert unticked.status_code == 400 and "Cochez la case pour confirmer." in text(unticked)
    with app.app_context():
        assert db.session.get(User, ids["helene"]).is_active
    closed = client.post(url, data={"confirm": "y"})
    assert closed.status_code == 302
    page = text(client.get(url))
    assert "fermé" in page and "helene.garnier@example.fr" not in page and 'data-testid="close-account"' not in page
    with app.app_context():
        user = db.session.get(User, ids["helene"])
        assert not user.is_active and user.first_name == "" and "helene" not in user.email
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.close"))
        assert event.actor == "admin@example.fr" and "demande écrite" in event.summary
        assert [m["Subject"] for m in outbox() if m["To"] == "helene.garnier@example.fr"] == [
            "Votre compte Halle est fermé"]


def test_the_desk_says_why_an_account_cannot_be_closed_yet_and_changes_nothing(app, client):
    ids = _world(app)
    login(client, "admin@example.fr")
    url = f"/admin/comptes/{ids['owner']}"
    assert "Vous êtes le seul propriétaire de Fournil Girard" in text(client.get(url))
    assert client.post(url, data={"confirm": "y"}).status_code == 400
    with app.app_context():
        assert db.session.get(User, ids["owner"]).email == "paul@example.fr"


def test_only_an_administrator_opens_the_desk(app, client):
    ids = _world(app)
    login(client, "paul@example.fr")
    assert client.get("/admin/comptes").status_code == 403
    assert client.post(f"/admin/comptes/{ids['helene']}", data={"confirm": "y"}).status_code == 403
