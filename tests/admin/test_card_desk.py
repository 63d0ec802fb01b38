"""The admin's card desk: a holder calls; the admin finds the card, reads its file, lifts its PIN
lock, replaces it, or corrects one of its credits."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from loyalty import cards, ledger
from loyalty.clock import paris_day, utc_now
from loyalty.errors import PinLockout, WrongPin
from loyalty.models import Account, Card, Entry, Grant
from loyalty.queries import card_balance
from loyalty.verify import verify
from marketplace import accounting
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import AuditEvent, Employee, Employer
from tests import factories as f
from tests.conftest import login

# The territory fixture's card: 500 € from "Noël", then October's payments, void and refund.
BALANCE = 50_000 - 2_000 - 3_000 + 500 - 1_000 - 700


def _actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _number(app, card_id: int) -> str:
    with app.app_context():
        return db.session.get(Card, card_id).number


def _adjustments(app) -> list[Entry]:
    with app.app_context():
        return db.session.scalars(select(Entry).where(Entry.kind == "adjust").order_by(Entry.id)).all()


def test_the_admin_finds_a_card_by_its_number_its_qr_code_or_its_holder_s_email(app, territory, client):
    number = _number(app, territory.card_id)
    with app.app_context():
        ines = f.user("ines.morel@example.fr", first_name="Inès", last_name="Morel")
        db.session.commit()
        cards.attach_holder(db.session, territory.card_id, ines.id)
        second = cards.create_card(db.session, holder_user_id=ines.id, active=True)
        qr = cards.qr_payload(db.session.get(Card, territory.card_id), app.config["SECRET_KEY"])
        second_id = second.id
    login(client, territory.admin_email)
    assert "Trouver une carte" in client.get("/admin/").get_data(as_text=True)
    assert 'autofocus' in client.get("/admin/cartes").get_data(as_text=True)

    found = client.post("/admin/cartes", data={"query": cards.grouped_number(number)})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/admin/cartes/{territory.card_id}")
    assert number not in found.headers["Location"]
    scanned = client.post("/admin/cartes", data={"query": qr})
    assert scanned.headers["Location"].endswith(f"/admin/cartes/{territory.card_id}")

    both = client.post("/admin/cartes", data={"query": " Ines.Morel@Example.fr "}).get_data(as_text=True)
    assert "2 cartes à ce nom" in both
    assert f"/admin/cartes/{territory.card_id}" in both and f"/admin/cartes/{second_id}" in both
    assert "Compte Halle : Inès Morel &lt;ines.morel@example.fr&gt;" in both

    by_name = client.post("/admin/cartes", data={"query": "inès MOREL"}).get_data(as_text=True)
    assert "2 cartes à ce nom" in by_name
    nobody_named = client.post("/admin/cartes", data={"query": "Vitteaux"}).get_data(as_text=True)
    assert "Aucune carte n&#39;est au nom de Vitteaux." in nobody_named

    unknown = client.post("/admin/cartes", data={"query": "9250 0000 0000 0000"}).get_data(as_text=True)
    assert "Carte inconnue" in unknown
    nobody = client.post("/admin/cartes", data={"query": "personne@example.fr"}).get_data(as_text=True)
    assert "Aucune carte n&#39;est au nom de personne@example.fr." in nobody
    empty = client.post("/admin/cartes", data={"query": ""}).get_data(as_text=True)
    assert "Tapez les 16 chiffres de la carte" in empty
    assert "Carte inconnue" in client.post("/admin/cartes", data={"query": "Lé"}).get_data(as_text=True)


def test_the_admin_finds_a_holder_typing_the_name_without_accents(app, territory, client):
    with app.app_context():
        francois = f.user("f.lefevre@example.fr", first_name="François", last_name="Lefèvre")
        db.session.commit()
        card_id = cards.create_card(db.session, holder_user_id=francois.id, active=True).id
    login(client, territory.admin_email)
    for typed in ("francois", "FRANCOIS lefevre", "François", "lefèvre franÇois"):
        found = client.post("/admin/cartes", data={"query": typed})
        assert found.status_code == 302 and found.headers["Location"].endswith(f"/admin/cartes/{card_id}"), typed
    nobody = client.post("/admin/cartes", data={"query": "francoise"}).get_data(as_text=True)
    assert "Aucune carte n&#39;est au nom de francoise." in nobody


def test_the_card_s_file_shows_its_holder_its_credits_and_every_movement(app, territory, client):
    with app.app_context():
        employer = db.session.scalar(select(Employer))
        employee = Employee(employer_id=employer.id, external_id="M-0042", first_name="Paul", last_name="Émery")
        db.session.add(employee)
        db.session.flush()
        db.session.get(Card, territory.card_id).employee_id = employee.id
        db.session.commit()
    login(client, territory.admin_email)
    found = client.post("/admin/cartes", data={"query": "paul ÉMERY"})  # his name on the staff file, as typed
    assert found.headers["Location"].endswith(f"/admin/cartes/{territory.card_id}")
    page = client.get(f"/admin/cartes/{territory.card_id}").get_data(as_text=True)
    assert "Salarié de Laiterie : Paul Émery" in page
    assert re.search(r'data-testid="card-balance">438,00\xa0€', page)
    assert "Noël" in page and "31/12/2099" in page
    assert page.count("Paiement annulé") == 1 and page.count("Remboursement") == 1
    assert "Fournil" in page and "Epicerie" in page
    assert "05/10/2026 12:00" in page  # the hour of each movement (Paris time), for the caller's memory
    assert 'name="token"' in page and "Corriger un crédit" in page


def test_the_admin_lifts_a_card_s_pin_lock_from_its_file(app, territory, client):
    with app.app_context():
        cards.set_pin(db.session, territory.card_id, "1234")
        for _ in range(4):
            with pytest.raises(WrongPin):
                cards.check_pin(db.session, territory.card_id, "0000")
        with pytest.raises(PinLockout):
            cards.check_pin(db.session, territory.card_id, "0000")
    login(client, territory.admin_email)
    page = client.get(f"/admin/cartes/{territory.card_id}").get_data(as_text=True)
    assert "verrouillé après 5 codes erronés" in page
    done = client.post(f"/admin/cartes/{territory.card_id}/deverrouiller-pin", follow_redirects=True)
    number = _number(app, territory.card_id)
    assert f"Code PIN de la carte •••• •••• •••• {number[-4:]} déverrouillé." in done.get_data(as_text=True)
    with app.app_context():
        assert not cards.pin_locked(db.session.get(Card, territory.card_id))
        cards.check_pin(db.session, territory.card_id, "1234")
    assert _actions(app) == ["card.pin_unlock"]
    again = client.post(f"/admin/cartes/{territory.card_id}/deverrouiller-pin", follow_redirects=True)
    assert "pas verrouillé" in again.get_data(as_text=True)
    assert _actions(app) == ["card.pin_unlock"]


def test_the_admin_replaces_a_lost_card_for_a_holder_with_no_account(app, territory, client):
    with app.app_context():
        employer_id = db.session.scalar(select(Employer.id))
        [result] = ledger.issue_grants(db.session, items=[ledger.GrantOrder(key="lost-card", amount_cents=4500)],
                                       label="Noël", expires_on=date(2099, 12, 31), actor="system",
                                       employer_id=employer_id)
        cards.activate_card(db.session, result.card_id)
    login(client, territory.admin_email)
    unticked = client.post(f"/admin/cartes/{result.card_id}/remplacer", follow_redirects=True)
    assert "Cochez la case pour confirmer" in unticked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Card, result.card_id).status == "active"

    page = client.post(f"/admin/cartes/{result.card_id}/remplacer", data={"confirm": "y"}, follow_redirects=True)
    with app.app_context():
        old = db.session.get(Card, result.card_id)
        new = db.session.get(Card, old.replaced_by_id)
        assert (old.status, new.status, card_balance(db.session, new.id)) == ("deactivated", "active", 4500)
        assert verify(db.session) == []
    text = page.get_data(as_text=True)
    assert f"remplacée par la carte {cards.grouped_number(new.number)}, qui a repris son solde (45,00" in text
    assert cards.grouped_number(new.number) in text and "remplace la carte" in text  # the new card's file
    assert _actions(app) == ["card.replace"]
    old_file = client.get(f"/admin/cartes/{result.card_id}").get_data(as_text=True)
    assert f"remplacée par la carte {new.masked_number}" in old_file
    assert "Corriger un crédit" not in old_file and 'name="confirm"' not in old_file
    again = client.post(f"/admin/cartes/{result.card_id}/remplacer", data={"confirm": "y"}, follow_redirects=True)
    assert f"remplacée par la carte {cards.grouped_number(new.number)}" in again.get_data(as_text=True)
    assert _actions(app) == ["card.replace"]


def test_the_credit_to_correct_is_a_radio_per_credit_shown_in_full(app, territory, client):
    """A closed list box cut « Naissance · 27,50 € · jusqu'au 31/… » at a phone's edge: each credit
    is a radio with its whole line. The card's one credit is chosen already; of two, none is."""
    from lxml import html as lxml_html

    def credits() -> list[tuple[str, bool]]:
        page = lxml_html.fromstring(client.get(f"/admin/cartes/{territory.card_id}").get_data(as_text=True))
        return [(" ".join(label.text_content().split()), bool(label.xpath("input[@checked]")))
                for label in page.xpath("//fieldset[@data-testid='choices-grant']/label")]

    login(client, territory.admin_email)
    assert credits() == [("Noël · 438,00 € · jusqu'au 31/12/2099", True)]
    with app.app_context():
        ledger.issue_grant(db.session, card_id=territory.card_id, amount_cents=2_750, label="Naissance",
                           expires_on=date(2099, 6, 30), key="birth", actor="system",
                           employer_id=db.session.scalar(select(Employer.id)))
    assert sorted(credits()) == [("Naissance · 27,50 € · jusqu'au 30/06/2099", False),
                                 ("Noël · 438,00 € · jusqu'au 31/12/2099", False)]


def _correction(client, card_id: int, grant_id: int, *, direction="take", amount="15,00",
                reason="Paiement du 5 octobre encaissé deux fois", confirm="y", token="a" * 32):
    data = {"grant": str(grant_id), "direction": direction, "amount": amount, "reason": reason, "token": token}
    if confirm:
        data["confirm"] = confirm
    return client.post(f"/admin/cartes/{card_id}/correction", data=data)


def test_a_correction_moves_a_credit_once_through_the_corrections_account_and_keeps_the_ledger_true(
        app, territory, client):
    with app.app_context():
        grant_id = db.session.scalar(select(Grant.id).where(Grant.card_id == territory.card_id))
        holder = f.user("paul@example.fr")
        db.session.commit()
        cards.attach_holder(db.session, territory.card_id, holder.id)
    login(client, territory.admin_email)

    refusals = {
        "Motif : dites pourquoi vous corrigez ce crédit.": {"reason": "  "},
        "Cochez la case pour confirmer.": {"confirm": None},
        "Montant : tapez par exemple 12,50.": {"amount": "douze"},
        "Montant : un montant plus grand que zéro.": {"amount": "0"},
        "Sens : rendre ou retirer ?": {"direction": "doubler"},
        "Crédit : choisissez un crédit de cette carte.": {"grant": 0},
        "Formulaire expiré": {"token": "../../etc"},
    }
    for message, change in refusals.items():
        response = _correction(client, territory.card_id, change.pop("grant", grant_id), **change)
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True).replace("&#39;", "'"), message
    assert _adjustments(app) == []

    taken = _correction(client, territory.card_id, grant_id, token="1" * 32)
    assert taken.status_code == 302
    page = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert "Correction enregistrée : -15,00\xa0€. La carte a maintenant 423,00\xa0€." in page
    assert "Crédit retiré · Paiement du 5 octobre encaissé deux fois" in page
    again = _correction(client, territory.card_id, grant_id, token="1" * 32)  # sent twice: one entry
    assert again.status_code == 302
    with app.app_context():
        [entry] = _adjustments(app)
        assert (entry.amount_cents, entry.memo, entry.actor) == (-1_500, "Paiement du 5 octobre encaissé deux fois",
                                                                 territory.admin_email)
        corrections = db.session.scalar(select(Account).where(Account.code == "territory:adjustments"))
        assert corrections.balance_cents == 1_500
        today = paris_day(utc_now())
        accounting.ensure_default_chart()
        fec = [(line.journal, line.account_number, line.debit_cents, line.credit_cents, line.label)
               for line in accounting.fec_lines(today, today) if line.piece == str(entry.id)]
        label = "Correction — Paiement du 5 octobre encaissé deux fois"
        assert sorted(fec) == [("OD", "419800", 1_500, 0, label), ("OD", "471800", 0, 1_500, label)]
        assert card_balance(db.session, territory.card_id) == BALANCE - 1_500
        assert verify(db.session) == []
    assert _actions(app) == ["card.adjust"]
    with app.app_context():  # the holder is told, once, with the reason
        [told] = [m for m in outbox() if m["To"] == "paul@example.fr"]
        assert told["Subject"] == "Votre carte du territoire a été corrigée"
        for line in ("crédit « Noël » : -15,00\xa0€.", "Motif : Paiement du 5 octobre encaissé deux fois",
                     "Solde de la carte : 423,00\xa0€.", "http://localhost/compte/carte/"):
            assert line in told.get_content(), line

    given = _correction(client, territory.card_id, grant_id, direction="add", amount="20", reason="Geste",
                        token="2" * 32)
    assert given.status_code == 302
    too_much = _correction(client, territory.card_id, grant_id, direction="add", amount="100", token="3" * 32)
    assert too_much.status_code == 400
    assert "plus que ce qu&#39;il a reçu (500,00\xa0€). Ajoutez au plus 57,00\xa0€." in too_much.get_data(as_text=True)
    beyond = _correction(client, territory.card_id, grant_id, amount="1000", token="4" * 32)
    assert beyond.status_code == 400
    with app.app_context():
        assert [e.amount_cents for e in _adjustments(app)] == [-1_500, 2_000]
        assert card_balance(db.session, territory.card_id) == BALANCE + 500
        assert db.session.scalar(select(Account.balance_cents).where(Account.code == "territory:adjustments")) == -500
        assert verify(db.session) == []
    assert _actions(app) == ["card.adjust", "card.adjust"]

    holder_view = client.get(f"/admin/cartes/{territory.card_id}").get_data(as_text=True)
    assert "Correction · Geste" in holder_view


def test_a_correction_is_refused_on_another_card_s_credit_and_on_an_expired_credit(app, territory, client):
    with app.app_context():
        employer_id = db.session.scalar(select(Employer.id))
        [other] = ledger.issue_grants(db.session, items=[ledger.GrantOrder(key="other", amount_cents=1_000)],
                                      label="Naissance", expires_on=date(2099, 12, 31), actor="system",
                                      employer_id=employer_id)
        other_grant = db.session.scalar(select(Grant.id).where(Grant.card_id == other.card_id))
        ledger.issue_grant(db.session, card_id=territory.card_id, amount_cents=1_000, label="Été 2025",
                           expires_on=date(2099, 9, 30), key="old", actor="system", employer_id=employer_id)
        old = db.session.scalar(select(Grant).where(Grant.label == "Été 2025"))
        old.expires_on, old_grant = date(2025, 9, 30), old.id  # its last day passed; the nightly sweep has not run
        db.session.commit()
    login(client, territory.admin_email)
    foreign = _correction(client, territory.card_id, other_grant, direction="add", amount="5")
    assert "Crédit : choisissez un crédit de cette carte." in foreign.get_data(as_text=True)
    expired = _correction(client, territory.card_id, old_grant, direction="add", amount="5", token="b" * 32)
    assert "Ce crédit a expiré le 30/09/2025" in expired.get_data(as_text=True)
    assert _adjustments(app) == []


def test_card_look_ups_are_rate_limited_per_admin(app, territory, client):
    login(client, territory.admin_email)
    codes = [client.post("/admin/cartes", data={"query": "9250 0000 0000 0000"}).status_code for _ in range(32)]
    assert codes[:30] == [200] * 30 and codes[-1] == 429


def test_only_the_admin_opens_the_card_desk(app, territory, client):
    login(client, territory.owner_email)
    assert client.get("/admin/cartes").status_code == 403
    assert client.get(f"/admin/cartes/{territory.card_id}").status_code == 403
    with app.app_context():
        grant_id = db.session.scalar(select(Grant.id).where(Grant.card_id == territory.card_id))
    assert _correction(client, territory.card_id, grant_id).status_code == 403
    assert _adjustments(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
