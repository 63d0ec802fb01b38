"""The per-shop status flow: accept, refuse (refund), ready (locker code), collected, cancel,
refund of a line; refused transitions; the locker API."""
import csv
import html
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from loyalty import accounts
from loyalty.queries import card_balance
from marketplace import lockers, orders
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Compartment, LockerBank, OrderLine, OrderPayment, OrderRefund, OrderShop, Product, User
from marketplace.shop import orders_routes
from tests.conftest import login

from .conftest import add, checkout


def paid_order(app, client, shop_world, card_amount="5", locker=True):
    """Bread at the bakery (shop pickup) and 2 Époisses at the cheese shop (locker), paid."""
    add(client, shop_world["bread"])
    add(client, shop_world["comte"], 2)
    pickups = {shop_world["cheese"]: shop_world["bank"]} if locker else {}
    answer = checkout(client, pickups=pickups, card_amount=card_amount)
    order_id = int(answer.headers["Location"].split("/commandes/")[1].split("/")[0])
    client.post(f"/commandes/{order_id}/paiement", json={"payment_method": "pm_card_visa"})
    client.get(f"/commandes/{order_id}/retour")
    with app.app_context():
        subs = {s.shop_id: s.id for s in db.session.scalars(select(OrderShop).filter_by(order_id=order_id))}
    return order_id, subs


def sub_of(app, sub_id):
    with app.app_context():
        sub = db.session.get(OrderShop, sub_id)
        sub.payments  # its tenders, read after the session ends
        db.session.expunge_all()
        return sub


def refunds(app, sub_id):
    with app.app_context():
        return [(r.refunded_by("stripe"), r.refunded_by("card"), any(p.stripe_refund_id for p in r.parts),
                 any(p.ledger_entry_id for p in r.parts))
                for r in db.session.scalars(select(OrderRefund).filter_by(order_shop_id=sub_id))]


@pytest.fixture
def owner(app):
    client = app.test_client()
    login(client, "fromager@example.fr")
    return client


def test_locker_journey_accept_deposit_code_collect(stripe_app, resident, owner, shop_world):
    order_id, subs = paid_order(stripe_app, resident, shop_world)
    cheese, sub_id = shop_world["cheese"], subs[shop_world["cheese"]]
    board = owner.get(f"/boutique/{cheese}/commandes").get_data(as_text=True)
    assert "nouvelle commande à accepter" in board and "consigne Semur gare" in board
    owner.post(f"/boutique/{cheese}/commandes/{sub_id}/accepter")
    assert sub_of(stripe_app, sub_id).status == "accepted"
    # Accepting twice is refused with a message, and nothing changes.
    again = owner.post(f"/boutique/{cheese}/commandes/{sub_id}/accepter", follow_redirects=True)
    assert "ne peut plus être acceptée" in again.get_data(as_text=True)
    compartment = shop_world["compartments"][1]
    owner.post(f"/boutique/{cheese}/commandes/{sub_id}/prete", data={f"r{sub_id}-compartment": compartment})
    sub = sub_of(stripe_app, sub_id)
    assert sub.status == "ready" and sub.compartment_id == compartment and len(sub.pickup_code) == 6
    page = resident.get(f"/compte/commandes/{order_id}").get_data(as_text=True)
    assert sub.pickup_code in page and "data:image/svg+xml;base64," in page
    with stripe_app.app_context():
        assert any(sub.pickup_code in m.get_content() for m in outbox() if "prête" in m["Subject"])
        bank = db.session.get(LockerBank, shop_world["bank"])
        key = lockers.new_api_key(bank)
    api = stripe_app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    assert api.post("/api/v1/lockers/semur-gare/open", json={"code": sub.pickup_code}).status_code == 401
    assert api.post("/api/v1/lockers/semur-gare/open", json={"code": "000000"}, headers=headers).status_code == 404
    opened = api.post("/api/v1/lockers/semur-gare/open", json={"code": sub.pickup_code}, headers=headers)
    assert opened.status_code == 200
    with stripe_app.app_context():
        assert opened.get_json()["compartment"] == db.session.get(Compartment, compartment).label
    # Single use.
    assert api.post("/api/v1/lockers/semur-gare/open", json={"code": sub.pickup_code},
                    headers=headers).status_code == 404
    assert sub_of(stripe_app, sub_id).status == "collected"
    with stripe_app.app_context():
        assert db.session.get(Compartment, compartment).order_shop_id is None
    assert "retirée" in resident.get(f"/compte/commandes/{order_id}").get_data(as_text=True)


def test_locker_codes_are_protected_against_brute_force(stripe_app, shop_world):
    with stripe_app.app_context():
        key = lockers.new_api_key(db.session.get(LockerBank, shop_world["bank"]))
    api = stripe_app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(lockers.MAX_FAILED_OPENS):
        assert api.post("/api/v1/lockers/semur-gare/open", json={"code": "123456"},
                        headers=headers).status_code == 404
    locked = api.post("/api/v1/lockers/semur-gare/open", json={"code": "123456"}, headers=headers)
    assert locked.status_code == 429
    assert locked.get_json()["error"]["message"] == "Trop de codes erronés : réessayez dans quelques minutes."
    english = api.post("/api/v1/lockers/semur-gare/open", json={"code": "123456"},
                       headers={**headers, "Accept-Language": "en-GB,en;q=0.8"})
    assert english.get_json()["error"] == {"code": "too_many_attempts",
                                           "message": "Too many wrong codes: try again in a few minutes."}
    no_key = api.post("/api/v1/lockers/semur-gare/open?lang=en", json={"code": "123456"})
    assert no_key.get_json()["error"]["message"] == "Locker API key missing or invalid."


def test_locker_events_and_shop_pickup_collected(stripe_app, resident, shop_world):
    _order_id, subs = paid_order(stripe_app, resident, shop_world)
    bakery_owner = stripe_app.test_client()
    login(bakery_owner, "owner@example.fr")
    bakery, sub_id = shop_world["bakery"], subs[shop_world["bakery"]]
    # Ready before accepting is refused.
    early = bakery_owner.post(f"/boutique/{bakery}/commandes/{sub_id}/prete", follow_redirects=True)
    assert "Acceptez d'abord" in early.get_data(as_text=True).replace("&#39;", "'")
    bakery_owner.post(f"/boutique/{bakery}/commandes/{sub_id}/accepter")
    bakery_owner.post(f"/boutique/{bakery}/commandes/{sub_id}/prete")
    assert sub_of(stripe_app, sub_id).status == "ready"
    bakery_owner.post(f"/boutique/{bakery}/commandes/{sub_id}/retiree")
    assert sub_of(stripe_app, sub_id).status == "collected"
    # Another shop's sub-order is not found.
    other = subs[shop_world["cheese"]]
    assert bakery_owner.post(f"/boutique/{bakery}/commandes/{other}/accepter").status_code == 404
    with stripe_app.app_context():
        key = lockers.new_api_key(db.session.get(LockerBank, shop_world["bank"]))
    api = stripe_app.test_client()
    answer = api.post("/api/v1/lockers/semur-gare/events", json={"compartment": "S01", "kind": "deposit"},
                      headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 201


def test_refusal_refunds_both_means_and_restocks(stripe_app, resident, owner, shop_world):
    order_id, subs = paid_order(stripe_app, resident, shop_world, card_amount="10")
    cheese, sub_id = shop_world["cheese"], subs[shop_world["cheese"]]
    sub = sub_of(stripe_app, sub_id)
    assert sub.card_cents == 550 and sub.stripe_cents == 1230
    no_reason = owner.post(f"/boutique/{cheese}/commandes/{sub_id}/refuser", data={"reason": ""},
                           follow_redirects=True)
    assert "Indiquez la raison du refus" in no_reason.get_data(as_text=True)
    owner.post(f"/boutique/{cheese}/commandes/{sub_id}/refuser", data={"reason": "Fromage pas affiné"})
    sub = sub_of(stripe_app, sub_id)
    assert sub.status == "refused" and sub.refunded_by("stripe") == 1230 and sub.refunded_by("card") == 550
    assert refunds(stripe_app, sub_id) == [(1230, 550, True, True)]
    with stripe_app.app_context():
        assert card_balance(db.session, shop_world["card"]) == 2_000 - 450
        assert accounts.shop_payable_account(db.session, cheese).balance_cents == 0
    # A refused order cannot be accepted afterwards.
    owner.post(f"/boutique/{cheese}/commandes/{sub_id}/accepter")
    assert sub_of(stripe_app, sub_id).status == "refused"
    page = resident.get(f"/compte/commandes/{order_id}").get_data(as_text=True)
    assert "refusée" in page and "Fromage pas affiné" in page.replace("&#39;", "'")


def test_order_emails_in_each_recipient_s_language(stripe_app, shop_world, owner):
    """The resident reads English (her account's language), the cheese shop's owner French."""
    with stripe_app.app_context():
        db.session.get(User, shop_world["resident"]).locale = "en"
        db.session.commit()
    resident = stripe_app.test_client()
    login(resident, "resident@example.fr")
    order_id, subs = paid_order(stripe_app, resident, shop_world, card_amount="10")
    cheese, sub_id = shop_world["cheese"], subs[shop_world["cheese"]]
    with stripe_app.app_context():
        [paid] = [m for m in outbox() if m["To"] == "resident@example.fr"]
        [new] = [m for m in outbox() if m["To"] == "fromager@example.fr"]
        outbox().clear()
    assert paid["Subject"].startswith("Order ") and paid["Subject"].endswith(" paid")
    assert "(€22.30) is paid." in paid.get_content()
    assert "- Fromagerie Perrin: €17.80, pickup Semur gare locker (Place de la Gare)" in paid.get_content()
    assert "- Boulangerie Moreau: €4.50, pickup at the shop, 2 rue Buffon" in paid.get_content()
    assert f"Follow the order: http://localhost/compte/commandes/{order_id}" in paid.get_content()
    assert new["Subject"].startswith("Nouvelle commande ")
    assert "Nouvelle commande à préparer (17,80\xa0€) :\n- 2 × Époisses AOP\n" in new.get_content()
    assert "Retrait : consigne Semur gare (Place de la Gare)." in new.get_content()

    owner.post(f"/boutique/{cheese}/commandes/{sub_id}/refuser", data={"reason": "Fromage pas affiné"})
    with stripe_app.app_context():
        [refused] = [m for m in outbox() if m["To"] == "resident@example.fr"]
    assert refused["Subject"].endswith(" refused by Fromagerie Perrin")
    assert ("Your order at Fromagerie Perrin is refused: Fromage pas affiné.\nRefund: €17.80 "
            "(€12.30 to your bank card, €5.50 to your territorial card).") in refused.get_content()
    export = owner.get(f"/boutique/{cheese}/commandes/export.csv?lang=en").get_data(as_text=True)
    assert export.splitlines()[0] == ("\ufefforder;date;customer;status;pickup;product;quantity;unit price;"
                                      "line total;refunded;territorial card;bank card;PaymentIntent")
    assert ";refused;Semur gare locker (Place de la Gare);Époisses AOP;2;8,90;17,80;no;" in export


def test_resident_cancels_before_acceptance_only(stripe_app, resident, owner, shop_world):
    order_id, subs = paid_order(stripe_app, resident, shop_world, card_amount="10")
    bakery_sub, cheese_sub = subs[shop_world["bakery"]], subs[shop_world["cheese"]]
    resident.post(f"/compte/commandes/{order_id}/annuler/{bakery_sub}")
    sub = sub_of(stripe_app, bakery_sub)
    assert sub.status == "cancelled" and sub.refunded_by("card") == 450
    with stripe_app.app_context():
        assert db.session.get(Product, shop_world["bread"]).stock == 20
    owner.post(f"/boutique/{shop_world['cheese']}/commandes/{cheese_sub}/accepter")
    late = resident.post(f"/compte/commandes/{order_id}/annuler/{cheese_sub}", follow_redirects=True)
    assert "ne peut plus être" in late.get_data(as_text=True)
    assert sub_of(stripe_app, cheese_sub).status == "accepted"
    with stripe_app.app_context():
        assert card_balance(db.session, shop_world["card"]) == 2_000 - 550
        assert any("annulée" in m["Subject"] for m in outbox())


def test_refund_of_a_line_goes_to_the_bank_card_first_once(stripe_app, resident, shop_world):
    _order_id, subs = paid_order(stripe_app, resident, shop_world, card_amount="10")
    with stripe_app.app_context():
        sub = db.session.get(OrderShop, subs[shop_world["cheese"]])
        line_id, shop_id, sub_id = sub.lines[0].id, sub.shop_id, sub.id
    owner = stripe_app.test_client()
    login(owner, "fromager@example.fr")
    for _ in range(2):
        owner.post(f"/boutique/{shop_id}/commandes/{sub_id}/lignes/{line_id}/rembourser")
    assert refunds(stripe_app, sub_id) == [(1230, 550, True, True)]
    # the line was 2 × 8,90 = 17,80: 12,30 by bank card and 5,50 by territorial card
    with stripe_app.app_context():
        assert db.session.get(OrderShop, sub_id).lines[0].refunded


def test_ordered_product_cannot_be_deleted(app, shop_world):
    from marketplace import catalogue
    from marketplace.models import Order, OrderLine

    with app.app_context():
        product = db.session.get(Product, shop_world["bread"])
        assert not catalogue.was_ever_ordered(product)
        order = Order(user_id=shop_world["resident"], checkout_key="k", total_cents=450)
        sub = OrderShop(shop_id=shop_world["bakery"], subtotal_cents=450,
                        payments=[OrderPayment(means="stripe", amount_cents=450)])
        sub.lines.append(OrderLine(product_id=product.id, name=product.name, unit_price_cents=450, quantity=1))
        order.shops.append(sub)
        db.session.add(order)
        db.session.commit()
        assert catalogue.was_ever_ordered(product)


def test_an_empty_pick_list_says_so_and_a_full_one_has_column_headers(stripe_app, resident, owner, shop_world):
    cheese = shop_world["cheese"]
    empty = owner.get(f"/boutique/{cheese}/commandes/preparation").get_data(as_text=True)
    assert "Rien à préparer." in empty
    assert "<table" not in empty and "Total par produit" not in empty and "Imprimer" not in empty
    paid_order(stripe_app, resident, shop_world)
    pick = owner.get(f"/boutique/{cheese}/commandes/preparation").get_data(as_text=True)
    assert '<th scope="col">Produit</th><th scope="col">Quantité</th>' in pick and "Rien à préparer." not in pick
    assert f'href="/boutique/{cheese}/commandes"' in pick  # back to the board


def test_shop_pick_list_and_export(stripe_app, resident, owner, shop_world, monkeypatch):
    paid_order(stripe_app, resident, shop_world)
    cheese = shop_world["cheese"]
    # Printed at 00:30 in Paris (23:30 UTC the day before), the list is dated by the shop's day.
    monkeypatch.setattr(orders_routes, "utc_now", lambda: datetime(2026, 12, 5, 23, 30, tzinfo=UTC))
    pick = owner.get(f"/boutique/{cheese}/commandes/preparation").get_data(as_text=True)
    assert "Époisses AOP" in pick and "Imprimer" in pick
    assert "Liste de préparation du 06/12/2026" in pick
    export = owner.get(f"/boutique/{cheese}/commandes/export.csv")
    text = export.get_data(as_text=True)
    assert export.mimetype == "text/csv" and "Époisses AOP;2;8,90;17,80" in text
    with stripe_app.app_context():  # a line named like a formula is text in the export
        db.session.scalar(select(OrderLine).where(OrderLine.name == "Époisses AOP")).name = "=1+1"
        db.session.commit()
    text = owner.get(f"/boutique/{cheese}/commandes/export.csv").data.decode("utf-8-sig")
    line = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") if "'=1+1" in row]
    assert line and line[0][5:9] == ["'=1+1", "2", "8,90", "17,80"]


def test_expired_codes_stop_working_and_the_shop_is_told(stripe_app, resident, owner, shop_world):
    from datetime import timedelta

    from marketplace.models.base import utcnow

    _order_id, subs = paid_order(stripe_app, resident, shop_world)
    cheese, sub_id = shop_world["cheese"], subs[shop_world["cheese"]]
    owner.post(f"/boutique/{cheese}/commandes/{sub_id}/accepter")
    owner.post(f"/boutique/{cheese}/commandes/{sub_id}/prete", data={f"r{sub_id}-compartment": shop_world["compartments"][0]})
    with stripe_app.test_request_context():
        db.session.execute(db.update(OrderShop).where(OrderShop.id == sub_id)
                           .values(code_expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        assert orders.expire_pickup_codes() == 1
        assert db.session.get(OrderShop, sub_id).pickup_code is None
        assert any("non retirée" in m["Subject"] for m in outbox())


def test_a_card_refund_the_ledger_refuses_is_not_counted_as_refunded(stripe_app, resident, owner, shop_world):
    from loyalty.cards import block_card

    _order_id, subs = paid_order(stripe_app, resident, shop_world, card_amount="10")
    with stripe_app.app_context():
        block_card(db.session, shop_world["card"])
        db.session.commit()
    sub_id = subs[shop_world["cheese"]]
    owner.post(f"/boutique/{shop_world['cheese']}/commandes/{sub_id}/refuser", data={"reason": "Fermé"})
    sub = sub_of(stripe_app, sub_id)
    assert sub.status == "refused" and sub.refunded_by("stripe") == 1230 and sub.refunded_by("card") == 0
    assert refunds(stripe_app, sub_id) == [(1230, 0, True, False)]


def test_admin_creates_a_locker_bank_and_its_key(app, shop_world):
    from tests import factories as f

    with app.app_context():
        f.user("admin@example.fr", is_admin=True)
        db.session.commit()
    admin = app.test_client()
    login(admin, "admin@example.fr")
    assert "Consignes à casiers" in admin.get("/admin/").get_data(as_text=True)
    bad = admin.post("/admin/consignes", data={"name": "Arnay", "slug": "arnay", "address": "Gare",
                                               "sizes": "S X"})
    assert "Tailles des casiers" in bad.get_data(as_text=True)
    for slug in ("<script>alert(1)</script>", "gare-\N{STEAM LOCOMOTIVE}", "Gare", "gare centrale"):
        refused = admin.post("/admin/consignes", data={"name": "Arnay", "slug": slug, "address": "Gare",
                                                       "sizes": "S M L"})
        assert "Identifiant : lettres minuscules sans accent, chiffres et tirets uniquement" in html.unescape(
            refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LockerBank)) == 1  # the fixture's
    # The commune by its name or postal code, as the admin knows it (an INSEE code was asked).
    with app.app_context():
        f.commune(insee="21205", name="Courcelles-lès-Semur", slug="courcelles-les-semur", postal_codes="21140",
                  population=245)
        db.session.commit()
    for typed, refusal in (("21140", "Plusieurs communes correspondent (Semur-en-Auxois (21140), "
                                     "Courcelles-lès-Semur (21140)) : tapez le nom de la vôtre."),
                           ("Nulle-part", "Commune inconnue sur le territoire")):
        refused = admin.post("/admin/consignes", data={"name": "Arnay", "slug": "arnay", "address": "Gare",
                                                       "commune": typed, "sizes": "S M L"})
        assert refusal in html.unescape(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(LockerBank).filter_by(slug="arnay")) is None
    admin.post("/admin/consignes", data={"name": "Arnay", "slug": "arnay", "address": "Gare", "commune": "21230",
                                         "sizes": "S M L"})
    with app.app_context():
        bank = db.session.scalar(select(LockerBank).filter_by(slug="arnay"))
        assert [c.size for c in bank.compartments] == ["L", "M", "S"] and bank.commune_insee == "21023"
        bank_id = bank.id
    admin.post("/admin/consignes", data={"name": "Sans commune", "slug": "sans", "address": "Place", "sizes": "S"})
    with app.app_context():
        assert db.session.scalar(select(LockerBank.commune_insee).filter_by(slug="sans")) is None
    answer = admin.post(f"/admin/consignes/{bank_id}/cle", follow_redirects=True)
    assert "Clé d&#39;API de Arnay" in answer.get_data(as_text=True)


def test_a_resident_whose_order_waits_is_reminded_once_and_the_shop_sees_it(stripe_app, resident, owner,
                                                                              shop_world):
    """Two days after "prête", the resident gets one reminder: the shop's address, or the locker's
    code while it works; the board says when. A collected order or an expired code gets none."""
    from datetime import timedelta

    from marketplace import periodic
    from marketplace.models.base import utcnow

    _order_id, subs = paid_order(stripe_app, resident, shop_world)
    bakery_owner = stripe_app.test_client()
    login(bakery_owner, "owner@example.fr")
    bakery, counter_sub = shop_world["bakery"], subs[shop_world["bakery"]]
    cheese, locker_sub = shop_world["cheese"], subs[shop_world["cheese"]]
    bakery_owner.post(f"/boutique/{bakery}/commandes/{counter_sub}/accepter")
    bakery_owner.post(f"/boutique/{bakery}/commandes/{counter_sub}/prete")
    owner.post(f"/boutique/{cheese}/commandes/{locker_sub}/accepter")
    owner.post(f"/boutique/{cheese}/commandes/{locker_sub}/prete",
               data={f"r{locker_sub}-compartment": shop_world["compartments"][0]})

    def reminders():
        with stripe_app.app_context():
            return [m for m in outbox() if m["Subject"].startswith("Rappel : votre commande")]

    with stripe_app.app_context():
        periodic_reminders = periodic.remind_uncollected_orders
        assert periodic_reminders in [job for job, *_ in periodic.PERIODIC]
        assert periodic_reminders() == 0  # ready today: not yet
        days = stripe_app.config["ORDER_REMINDER_DAYS"]
        db.session.execute(db.update(OrderShop).values(ready_at=utcnow() - timedelta(days=days, minutes=1)))
        db.session.commit()
        assert periodic_reminders() == 2
        assert periodic_reminders() == 0  # once
        code = db.session.get(OrderShop, locker_sub).pickup_code
    sent = {m.get_content().split("\n")[0]: m["To"] for m in reminders()}
    assert len(sent) == 2 and set(sent.values()) == {"resident@example.fr"}
    bakery_line, = (line for line in sent if "consigne" not in line)
    assert bakery_line.startswith("Votre commande vous attend toujours chez")
    locker_line, = (line for line in sent if "consigne" in line)
    assert locker_line.startswith("Votre commande chez Fromagerie Perrin vous attend toujours à la consigne")
    locker_mail = next(m.get_content() for m in reminders() if "consigne" in m.get_content())
    assert f"Code de retrait : {code}" in locker_mail
    board = bakery_owner.get(f"/boutique/{bakery}/commandes").get_data(as_text=True)
    assert f'data-testid="reminded-{counter_sub}">Client relancé par e-mail le' in board
    # Collected, or its locker code expired: nothing to remind.
    bakery_owner.post(f"/boutique/{bakery}/commandes/{counter_sub}/retiree")
    with stripe_app.app_context():
        db.session.execute(db.update(OrderShop).values(reminded_at=None))
        db.session.execute(db.update(OrderShop).where(OrderShop.id == locker_sub).values(pickup_code=None))
        db.session.commit()
        assert periodic_reminders() == 0


def test_free_compartments_smallest_first_then_by_label(app, shop_world):
    """The board pre-selects the first free compartment: the smallest size free, not L07 for a loaf."""
    with app.app_context():
        bank = lockers.create_bank(sizes=("L", "M", "S", "L", "S", "M"), slug="montbard", name="Montbard")
        taken = next(c for c in bank.compartments if c.label == "S03")
        taken.order_shop_id = 999_999  # occupied
        db.session.commit()
        assert [c.label for c in orders.free_compartments(bank.id)] == ["S05", "M02", "M06", "L01", "L04"]


def test_compartment_sizes_are_translated(app):
    """Their labels go through gettext, so an English page does not say « petit »."""
    from flask_babel.speaklater import LazyString

    from marketplace.models.orders import COMPARTMENT_SIZES

    assert list(COMPARTMENT_SIZES) == ["S", "M", "L"]
    assert all(isinstance(label, LazyString) for label in COMPARTMENT_SIZES.values())
    with app.test_request_context("/?lang=fr"):
        assert [str(label) for label in COMPARTMENT_SIZES.values()] == ["petit", "moyen", "grand"]


def test_an_action_brings_the_shopkeeper_back_to_the_order(stripe_app, resident, owner, shop_world):
    """After Accepter / Déposé / Retirée, the board opens at the order acted upon, not at its top."""
    _order_id, subs = paid_order(stripe_app, resident, shop_world)
    cheese, sub_id = shop_world["cheese"], subs[shop_world["cheese"]]
    board = owner.get(f"/boutique/{cheese}/commandes").get_data(as_text=True)
    assert f'<article id="commande-{sub_id}"' in board
    answer = owner.post(f"/boutique/{cheese}/commandes/{sub_id}/accepter")
    assert answer.headers["Location"].endswith(f"/boutique/{cheese}/commandes#commande-{sub_id}")
    answer = owner.post(f"/boutique/{cheese}/commandes/{sub_id}/prete",
                        data={f"r{sub_id}-compartment": shop_world["compartments"][0]})
    assert answer.headers["Location"].endswith(f"#commande-{sub_id}")
    # Refused actions come back to the order too, with their message.
    answer = owner.post(f"/boutique/{cheese}/commandes/{sub_id}/accepter")
    assert answer.headers["Location"].endswith(f"#commande-{sub_id}")


def test_the_board_offers_a_line_refund_only_where_the_server_accepts_it(stripe_app, resident, owner, shop_world):
    _order_id, subs = paid_order(stripe_app, resident, shop_world)
    cheese, sub_id = shop_world["cheese"], subs[shop_world["cheese"]]

    def offered():
        board = owner.get(f"/boutique/{cheese}/commandes?toutes=1").get_data(as_text=True)
        return f"/commandes/{sub_id}/lignes/" in board

    for step in ("accepter", "prete", "retiree"):
        assert offered() is (sub_of(stripe_app, sub_id).status in orders.LINE_REFUND_STATUSES)
        owner.post(f"/boutique/{cheese}/commandes/{sub_id}/{step}",
                   data={f"r{sub_id}-compartment": shop_world["compartments"][0]})
    assert sub_of(stripe_app, sub_id).status == "collected" and not offered()
    with stripe_app.app_context():
        line = db.session.scalars(select(OrderLine).filter_by(order_shop_id=sub_id)).first()
        with pytest.raises(orders.OrderError):
            orders.refund_line(db.session.get(OrderShop, sub_id), line)


def test_pickup_mails_name_the_shop_with_chez_and_link_the_order_once(stripe_app, resident, owner, shop_world):
    order_id, subs = paid_order(stripe_app, resident, shop_world)
    bakery_owner = stripe_app.test_client()
    login(bakery_owner, "owner@example.fr")
    bakery, counter_sub = shop_world["bakery"], subs[shop_world["bakery"]]
    cheese, locker_sub = shop_world["cheese"], subs[shop_world["cheese"]]
    for client, shop, sub, data in ((bakery_owner, bakery, counter_sub, {}),
                                    (owner, cheese, locker_sub, {f"r{locker_sub}-compartment":
                                                                 shop_world["compartments"][0]})):
        client.post(f"/boutique/{shop}/commandes/{sub}/accepter")
        client.post(f"/boutique/{shop}/commandes/{sub}/prete", data=data)
    bakery_owner.post(f"/boutique/{bakery}/commandes/{counter_sub}/retiree")
    with stripe_app.app_context():
        ready = [m.get_content() for m in outbox() if m["Subject"].endswith("prête")]
        collected = [m.get_content() for m in outbox() if m["Subject"].endswith("retirée")]
        url = orders._order_url(db.session.get(OrderShop, locker_sub).order)
    assert len(ready) == 2 and all(body.count(url) == 1 for body in ready)
    assert f"/commandes/{order_id}" in url
    assert any(body.startswith("Votre commande chez Fromagerie Perrin vous attend à la consigne Semur gare")
               for body in ready)
    assert any(body.startswith("Votre commande vous attend chez Boulangerie Moreau, 2 rue Buffon.") for body in ready)
    assert collected == [c for c in collected if c.startswith(
        "Votre commande chez Boulangerie Moreau a été retirée. Merci d'acheter local !")] and collected


def test_an_empty_board_says_what_it_shows(app, shop_world, owner):
    """No order at all: « Toutes les commandes » says there is none yet, not that none is open."""
    cheese = shop_world["cheese"]
    open_only = html.unescape(owner.get(f"/boutique/{cheese}/commandes").get_data(as_text=True))
    every = html.unescape(owner.get(f"/boutique/{cheese}/commandes?toutes=1").get_data(as_text=True))
    assert "Aucune commande en cours." in open_only
    assert "Aucune commande pour l'instant." in every and "Aucune commande en cours." not in every
