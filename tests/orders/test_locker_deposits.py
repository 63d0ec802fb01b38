"""Lockers for every approved business (issue 22): book a compartment for a named person, deposit,
the code by email and SMS, collect with the locker's keypad (the same code check, limits and expiry
as order pickups), cancel, expiry, validation, access, the admin's use per business."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace import lockers, orders, sms
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Compartment, LockerBank, LockerDeposit, LockerEvent, Shop
from marketplace.models.base import utcnow
from tests import factories as f
from tests.conftest import login
from tests.test_migrations import empty_database_url  # noqa: F401  (fixture)


@pytest.fixture
def baker(app, shop_world):
    client = app.test_client()
    login(client, "owner@example.fr")
    return client


@pytest.fixture
def locker_api(app, shop_world):
    with app.app_context():
        key = lockers.new_api_key(db.session.get(LockerBank, shop_world["bank"]))
    api = app.test_client()

    def open_with(code):
        return api.post("/api/v1/lockers/semur-gare/open", json={"code": code},
                        headers={"Authorization": f"Bearer {key}"})

    open_with.event = lambda compartment, kind: api.post(
        "/api/v1/lockers/semur-gare/events", json={"compartment": compartment, "kind": kind},
        headers={"Authorization": f"Bearer {key}"})
    open_with.post = lambda endpoint, body: api.post(
        f"/api/v1/lockers/semur-gare/{endpoint}", json=body, headers={"Authorization": f"Bearer {key}"})
    return open_with


def book(client, shop_id, bank_id, **fields):
    data = {"bank": bank_id, "size": "M", "recipient_name": "Paul Girard", "recipient_phone": "06 12 34 56 78",
            "recipient_email": "paul.girard@example.fr", "note": "Courroie de faucheuse",
            "booking_key": fields.pop("booking_key", "booking-1")}
    data.update(fields)
    return client.post(f"/boutique/{shop_id}/consigne", data=data, follow_redirects=True)


def the_deposit(app) -> LockerDeposit:
    with app.app_context():
        deposit = db.session.scalar(select(LockerDeposit))
        db.session.expunge_all()
        return deposit


def test_book_deposit_code_by_email_and_sms_collect_once(app, baker, shop_world, locker_api):
    page = book(baker, shop_world["bakery"], shop_world["bank"]).get_data(as_text=True)
    deposit = the_deposit(app)
    assert deposit.status == "booked" and deposit.recipient_phone == "+33612345678"
    assert "Casier M02 réservé à la consigne Semur gare" in page  # the bank's only M compartment
    with app.app_context():
        assert db.session.get(Compartment, deposit.compartment_id).deposit_id == deposit.id
        assert [c.label for c in orders.free_compartments(shop_world["bank"])] == ["S01"]
        assert outbox() == [] and sms.outbox() == []  # nothing sent before the goods are in

    # The double submit of the booking form books nothing more.
    book(baker, shop_world["bakery"], shop_world["bank"])
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LockerDeposit)) == 1

    page = baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose",
                      follow_redirects=True).get_data(as_text=True)
    assert "Paul Girard a reçu son code de retrait" in page
    deposit = the_deposit(app)
    assert deposit.status == "deposited" and re.fullmatch(r"\d{6}", deposit.pickup_code)
    with app.app_context():
        email = next(m for m in outbox() if m["To"] == "paul.girard@example.fr")
        assert "Boulangerie Moreau a déposé quelque chose pour vous" in email["Subject"]
        assert f"Code de retrait : {deposit.pickup_code}" in email.get_content()
        [text] = sms.outbox()
        assert text.to == "+33612345678" and f"Code {deposit.pickup_code}" in text.body
    # Depositing twice is refused with a message.
    again = baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose", follow_redirects=True)
    assert "plus à faire (déjà déposé" in again.get_data(as_text=True)

    assert locker_api("000000").status_code == 404
    opened = locker_api(deposit.pickup_code)
    assert opened.status_code == 200
    assert opened.get_json() == {"compartment": "M02", "order": deposit.reference, "kind": "deposit"}
    assert locker_api(deposit.pickup_code).status_code == 404  # single use
    deposit = the_deposit(app)
    assert deposit.status == "collected" and deposit.pickup_code is None
    with app.app_context():
        assert db.session.get(Compartment, deposit.compartment_id).deposit_id is None
        assert any("retiré" in m["Subject"] and m["To"] == "owner@example.fr" for m in outbox())
        assert db.session.scalar(select(LockerEvent).filter_by(kind="open")).deposit_id == deposit.id
    board = baker.get(f"/boutique/{shop_world['bakery']}/consigne").get_data(as_text=True)
    assert "Retirés" in board and f'data-testid="deposit-status-{deposit.id}">retiré<' in board
    # The list box names the bank alone (a phone cuts a long line at its edge); the list above says where it is.
    assert f'<option value="{shop_world["bank"]}">Semur gare</option>' in board
    assert "<strong>Semur gare</strong> (Place de la Gare)" in board


def test_wrong_codes_lock_the_keypad_for_deposits_too(app, baker, shop_world, locker_api):
    book(baker, shop_world["bakery"], shop_world["bank"])
    deposit = the_deposit(app)
    baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose")
    code = the_deposit(app).pickup_code
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(lockers.MAX_FAILED_OPENS):
        assert locker_api(wrong).status_code == 404
    assert locker_api(code).status_code == 429  # the right code waits for the window to pass
    assert the_deposit(app).status == "deposited"


def test_expired_code_stops_working_frees_the_compartment_and_tells_the_business(app, baker, shop_world,
                                                                                 locker_api):
    book(baker, shop_world["bakery"], shop_world["bank"])
    deposit = the_deposit(app)
    baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose")
    code = the_deposit(app).pickup_code
    with app.app_context():
        db.session.execute(update(LockerDeposit).values(code_expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert locker_api(code).status_code == 404
    with app.app_context():
        assert lockers.expire_deposits() == 1
        assert lockers.expire_deposits() == 0  # once
        assert db.session.get(Compartment, deposit.compartment_id).deposit_id is None
        told = next(m for m in outbox() if m["To"] == "owner@example.fr" and "expiré" in m["Subject"])
        assert "reprenez vos marchandises dans le casier M02" in told.get_content()
    assert the_deposit(app).status == "expired"
    assert "Expirés ou annulés" in baker.get(f"/boutique/{shop_world['bakery']}/consigne").get_data(as_text=True)


def test_a_booking_never_filled_is_given_back(app, baker, shop_world):
    book(baker, shop_world["bakery"], shop_world["bank"])
    with app.app_context():
        assert lockers.expire_deposits() == 0
        db.session.execute(update(LockerDeposit).values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
        assert lockers.expire_deposits() == 1
        assert db.session.scalar(select(Compartment).filter_by(label="M02")).deposit_id is None
        assert sms.outbox() == []
    assert the_deposit(app).status == "expired"


def test_cancel_asks_for_confirmation_then_frees_and_tells_the_person(app, baker, shop_world, locker_api):
    book(baker, shop_world["bakery"], shop_world["bank"])
    deposit = the_deposit(app)
    baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose")
    code = the_deposit(app).pickup_code
    url = f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/annuler"
    unconfirmed = baker.post(url, follow_redirects=True).get_data(as_text=True)
    assert "Cochez la case pour confirmer" in unconfirmed
    assert the_deposit(app).status == "deposited"
    done = baker.post(url, data={"confirm": "y"}, follow_redirects=True).get_data(as_text=True)
    assert "annulé : le casier est libéré" in done
    assert the_deposit(app).status == "cancelled"
    assert locker_api(code).status_code == 404
    with app.app_context():
        assert db.session.get(Compartment, deposit.compartment_id).deposit_id is None
        assert any(m["To"] == "paul.girard@example.fr" and "annulé" in m["Subject"] for m in outbox())
        assert "annulé" in sms.outbox()[-1].body
    again = baker.post(url, data={"confirm": "y"}, follow_redirects=True).get_data(as_text=True)
    assert "déjà retiré, expiré ou annulé" in again


@pytest.mark.parametrize("fields, message", [
    ({"recipient_phone": "", "recipient_email": ""}, "Indiquez le téléphone ou l&#39;adresse e-mail de la personne"),
    ({"recipient_phone": "12 34"}, "Numéro de téléphone : 10 chiffres"),
    ({"recipient_email": "paul@"}, "Adresse e-mail invalide."),
    ({"recipient_name": " "}, "Nom de la personne : indiquez-le."),
    ({"size": "L"}, "Plus de casier L libre à la consigne Semur gare"),
    ({"bank": "abc"}, "Consigne : choisissez dans la liste."),
])
def test_bad_bookings_are_refused_with_a_french_message_and_change_nothing(app, baker, shop_world, fields,
                                                                            message):
    page = book(baker, shop_world["bakery"], shop_world["bank"], **fields).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LockerDeposit)) == 0
        assert db.session.scalar(select(db.func.count()).select_from(Compartment)
                                 .where(Compartment.deposit_id.is_not(None))) == 0


def test_phone_numbers_are_read_the_french_way():
    assert sms.normalise_phone("06.12.34.56.78") == "+33612345678"
    assert sms.normalise_phone("+33 (0)6 12 34 56 78") == "+33612345678"
    assert sms.normalise_phone("0033 3 80 97 12 34") == "+33380971234"
    for wrong in ("0012345678", "06 12 34 56", "+44 20 7946 0958", "abc"):
        with pytest.raises(sms.SmsError):
            sms.normalise_phone(wrong)


def test_only_an_approved_business_books_and_only_its_members_see_its_deposits(app, baker, shop_world):
    book(baker, shop_world["bakery"], shop_world["bank"])
    deposit = the_deposit(app)
    cheese_owner = app.test_client()
    login(cheese_owner, "fromager@example.fr")
    assert cheese_owner.get(f"/boutique/{shop_world['bakery']}/consigne").status_code == 403
    # Its own shop id in the address does not reach another business's deposit.
    assert cheese_owner.post(f"/boutique/{shop_world['cheese']}/consigne/{deposit.id}/depose").status_code == 404
    assert cheese_owner.post(f"/boutique/{shop_world['cheese']}/consigne/{deposit.id}/annuler",
                             data={"confirm": "y"}).status_code == 404
    assert the_deposit(app).status == "booked"
    with app.app_context():
        db.session.execute(update(Shop).where(Shop.id == shop_world["cheese"]).values(status="pending"))
        db.session.commit()
    page = book(cheese_owner, shop_world["cheese"], shop_world["bank"], size="S",
                booking_key="booking-2").get_data(as_text=True)
    assert "ouverte aux commerces validés" in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LockerDeposit)) == 1
        with pytest.raises(lockers.DepositError, match="Seul un commerce validé"):
            lockers.book_deposit(db.session.get(Shop, shop_world["cheese"]), bank_id=shop_world["bank"], size="S",
                                 name="Paul", email="paul@example.fr", booking_key="k")


def test_a_compartment_holds_one_occupant(app, baker, shop_world):
    book(baker, shop_world["bakery"], shop_world["bank"])
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(update(Compartment).where(Compartment.label == "M02").values(order_shop_id=12345))
            db.session.commit()
        db.session.rollback()
        assert lockers.availability(db.session.get(LockerBank, shop_world["bank"])) == {"S": 1}


def test_door_events_deposit_and_collect_a_booking(app, baker, shop_world, locker_api):
    book(baker, shop_world["bakery"], shop_world["bank"], recipient_phone="")
    assert locker_api.event("M02", "deposit").status_code == 201
    deposit = the_deposit(app)
    assert deposit.status == "deposited" and deposit.pickup_code
    with app.app_context():
        assert sms.outbox() == []  # no phone given: the code went by email only
        assert any(deposit.pickup_code in m.get_content() for m in outbox() if m["To"] == "paul.girard@example.fr")
    assert locker_api.event("M02", "collect").status_code == 201
    assert the_deposit(app).status == "collected"


@pytest.mark.parametrize("body", ["x", [1, 2], 5, True, None])
@pytest.mark.parametrize("endpoint", ["open", "events"])
def test_a_body_that_is_not_a_json_object_is_refused_not_a_crash(app, shop_world, locker_api, endpoint, body):
    """A list or a text has no fields: the door gets the API's 400, and no compartment is opened or marked."""
    response = locker_api.post(endpoint, body)
    assert response.status_code == 400
    assert response.get_json() == {"error": {"code": "invalid_body",
                                             "message": "Le corps de la requête doit être un objet JSON."}}
    with app.app_context():
        assert db.session.scalars(select(LockerEvent)).all() == []


def test_admin_sees_locker_use_per_business(app, baker, shop_world, locker_api):
    book(baker, shop_world["bakery"], shop_world["bank"])
    deposit = the_deposit(app)
    baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose")
    locker_api(the_deposit(app).pickup_code)
    book(baker, shop_world["bakery"], shop_world["bank"], size="S", booking_key="booking-2")
    with app.app_context():
        f.user("admin@example.fr", is_admin=True)
        db.session.commit()
        [use] = lockers.use_per_business()
        assert (use.shop.name, use.deposits, use.waiting, use.collected, use.expired, use.orders) == (
            "Boulangerie Moreau", 2, 1, 1, 0, 0)
    admin = app.test_client()
    login(admin, "admin@example.fr")
    page = admin.get("/admin/consignes").get_data(as_text=True)
    row = page[page.index(f'data-testid="locker-use-{shop_world["bakery"]}"'):]
    assert re.match(r'[^<]*><td>Boulangerie Moreau</td><td>2</td><td>1</td><td>1</td><td>0</td><td>0</td>', row)


def test_the_migration_keeps_the_parcels_already_in_the_lockers(empty_database_url):
    """Upgrading a database whose compartments hold sub-orders (SQLite rebuilds the table) keeps
    them, and a downgrade too."""
    import flask_migrate
    from sqlalchemy import text

    from marketplace import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="d1f3a5c7e9b2")  # before the deposits
        commune = f.commune()
        category = f.category()
        db.session.commit()
        with db.engine.begin() as connection:  # the users and shops tables of that time
            user_id = connection.execute(text(
                "INSERT INTO users (email, password_hash, first_name, last_name, locale, is_admin, "
                "is_active_account, created_at) VALUES ('resident@example.fr', 'x', '', '', 'fr', false, true, "
                "CURRENT_TIMESTAMP) RETURNING id")).scalar()
            shop_id = connection.execute(text(
                "INSERT INTO shops (slug, name, category_id, commune_insee, address, description, phone, email, "
                "website, accepts_card, opening_hours, status, created_at, review_message) VALUES ('perrin', "
                "'Fromagerie Perrin', :category, :commune, '', '', '', '', '', true, '{}', 'approved', "
                "CURRENT_TIMESTAMP, '') RETURNING id"), {"category": category.id, "commune": commune.insee}).scalar()
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO locker_banks (id, slug, name, address, station, active) "
                                    "VALUES (1, 'gare', 'Gare', '', '', true)"))
            connection.execute(text("INSERT INTO orders (id, user_id, checkout_key, status, total_cents, card_cents, "
                                    "stripe_cents, created_at) VALUES (1, :user, 'k', 'paid', 100, 0, 100, "
                                    "CURRENT_TIMESTAMP)"), {"user": user_id})
            connection.execute(text("INSERT INTO locker_compartments (id, bank_id, label, size) "
                                    "VALUES (1, 1, 'S01', 'S')"))
            connection.execute(text("INSERT INTO order_shops (id, order_id, shop_id, status, subtotal_cents, "
                                    "card_cents, stripe_cents, refunded_card_cents, refunded_stripe_cents, "
                                    "pickup_kind, locker_bank_id, compartment_id, refusal_reason) VALUES (1, 1, "
                                    ":shop, 'ready', 100, 0, 100, 0, 0, 'locker', 1, 1, '')"), {"shop": shop_id})
            connection.execute(text("UPDATE locker_compartments SET order_shop_id = 1"))
        db.session.remove()
        flask_migrate.upgrade(revision="f73d6f104253")
        assert db.session.execute(text("SELECT order_shop_id, deposit_id FROM locker_compartments")).all() == [(1, None)]
        db.session.remove()
        flask_migrate.downgrade(revision="d1f3a5c7e9b2")
        assert db.session.execute(text("SELECT order_shop_id FROM locker_compartments")).all() == [(1,)]
        db.session.remove()
        db.engine.dispose()
