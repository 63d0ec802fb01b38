"""Emails are written in the recipient's language (their account's), French for an address without
an account; a refusal of the card ledger reads in the cashier's language."""
import pytest

from loyalty.models import Card
from marketplace import shops
from marketplace.auth.service import send_password_reset
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Employee, Shop, User
from marketplace.till.service import notify_holder_of_lock
from tests import factories as f
from tests.conftest import login
from tests.till.conftest import card_number, new_funded_card


@pytest.fixture
def bakery(app):
    """A pending bakery with an English-speaking and a French-speaking owner, and a cashier."""
    with app.app_context():
        bakery = f.shop("Boulangerie Moreau", f.commune(), status="pending")
        f.shop_member(bakery, f.user("emma@example.fr", locale="en"), "owner")
        f.shop_member(bakery, f.user("paul@example.fr"), "owner")
        f.shop_member(bakery, f.user("cashier@example.fr", locale="en"), "cashier")
        db.session.commit()
        return bakery.id


def _mail_to(address: str):
    [message] = [m for m in outbox() if m["To"] == address]
    return message


def test_shop_approval_reaches_each_owner_in_their_language(app, bakery):
    with app.test_request_context("/"):  # the admin's request is French
        shops.approve_shop(db.session.get(Shop, bakery))
        english, french = _mail_to("emma@example.fr"), _mail_to("paul@example.fr")
    assert english["Subject"] == "Boulangerie Moreau is online on Halle"
    assert "Good news: your shop Boulangerie Moreau is approved" in english.get_content()
    assert "Add your products: http" in english.get_content()
    assert french["Subject"] == "Boulangerie Moreau est en ligne sur Halle"
    assert "Bonne nouvelle : votre commerce Boulangerie Moreau est validé" in french.get_content()


def test_an_invitation_to_an_address_without_account_is_french(app, bakery):
    with app.test_request_context("/?lang=en"):  # even when the inviting owner reads English
        emma = db.session.scalar(db.select(User).filter_by(email="emma@example.fr"))
        shops.invite_member(db.session.get(Shop, bakery), "nouveau@example.fr", "staff", emma)
        mail = _mail_to("nouveau@example.fr")
    assert "vous invite à rejoindre Boulangerie Moreau sur Halle" in mail["Subject"]
    assert "(rôle : équipe (catalogue et commandes))" in mail.get_content()


def test_the_pin_locked_email_follows_the_holder_s_language(app, bakery):
    with app.app_context():
        emma = db.session.scalar(db.select(User).filter_by(email="emma@example.fr"))
        held = new_funded_card(5_000, holder_user_id=emma.id)
        staff_card = new_funded_card(5_000, key_suffix="staff")
        employer = f.employer("Laiterie", f.commune(**f.ARNAY))
        employee = Employee(employer_id=employer.id, external_id="M1", last_name="Roy", first_name="Léa",
                            email="lea@example.fr")
        db.session.add(employee)
        db.session.flush()
        db.session.get(Card, staff_card).employee_id = employee.id  # a card without account: French
        db.session.commit()
        notify_holder_of_lock(held, 30)
        notify_holder_of_lock(staff_card, 30)
        english, french = _mail_to("emma@example.fr"), _mail_to("lea@example.fr")
    assert english["Subject"] == "The PIN of your territory card is locked"
    assert "has just been locked for 30 minutes after 5 wrong PINs at the till" in english.get_content()
    assert french["Subject"] == "Le code PIN de votre carte du territoire est verrouillé"
    assert "vient d'être verrouillé pour 30 minutes après 5 codes erronés" in french.get_content()


def test_password_reset_is_in_the_account_s_language_not_the_requester_s(app, bakery):
    with app.test_request_context("/connexion"):  # asked from a French page
        send_password_reset("emma@example.fr")
        send_password_reset("paul@example.fr")
        english, french = _mail_to("emma@example.fr"), _mail_to("paul@example.fr")
    assert english["Subject"] == "Reset your Halle password"
    assert french["Subject"] == "Réinitialisation de votre mot de passe Halle"


def test_ledger_refusals_read_in_the_cashier_s_language(app, client, bakery):
    with app.app_context():
        db.session.get(Shop, bakery).status = "approved"
        db.session.commit()
        card = card_number(app, new_funded_card(5_000, pin="4321"))
    login(client, "cashier@example.fr")  # her account is in English: no ?lang= needed
    page = client.post(f"/caisse/{bakery}/", data={"card": card, "amount": "5", "key": "w1", "pin": "0000"})
    assert "Card refused: unknown number, missing or wrong PIN, or card not usable for now." in page.get_data(
        as_text=True)
    paid = client.post(f"/caisse/{bakery}/", data={"card": card, "amount": "30", "key": "p1", "pin": "4321"})
    entry_id = int(paid.headers["Location"].split("/")[-1].split("?")[0])
    refused = client.post(f"/caisse/{bakery}/paiements/{entry_id}/rembourser", data={"amount": "40", "key": "r1"},
                          follow_redirects=True).get_data(as_text=True)
    assert "At most €30.00 can still be refunded on this payment." in refused


def test_insufficient_balance_through_the_till_api_in_the_request_s_language(app, client, bakery):
    from marketplace.api_keys import create_api_key

    with app.app_context():
        db.session.get(Shop, bakery).status = "approved"
        db.session.commit()
        card = card_number(app, new_funded_card(1_250))
        owner = db.session.scalar(db.select(User).filter_by(email="paul@example.fr"))
        key = create_api_key(bakery, "Caisse", owner.id)[1]
    body = {"card": card, "amount_cents": 2_000}
    english = client.post("/api/v1/redemptions?lang=en", json=body,
                          headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "en"}).get_json()["error"]
    assert (english["message"], english["available_cents"]) == ("Insufficient balance: €12.50 available.", 1_250)
    french = client.post("/api/v1/redemptions?lang=fr", json=body,
                         headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "fr"}).get_json()["error"]
    assert french["message"] == "Solde insuffisant : 12,50\xa0€ disponibles."
