"""Checkout and payment: territorial card holds + a Stripe PaymentIntent on localstripe,
confirmed only by Stripe (return page or signed webhook), once; failures release everything."""
import threading

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from loyalty.models import Entry, Hold
from loyalty.queries import card_balance
from marketplace import payments
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import Order, Product, StripeEvent
from tests.conftest import login
from tests.employer.test_stripe_funding import signed

from .conftest import add, checkout


def _order(app):
    with app.app_context():
        return db.session.scalar(select(Order).options(selectinload(Order.shops)).order_by(Order.id.desc()))


def _payable(app, shop_id):
    from loyalty import accounts

    with app.app_context():
        return accounts.shop_payable_account(db.session, shop_id).balance_cents


def test_an_account_that_has_not_confirmed_its_address_confirms_it_before_ordering(
        stripe_app, resident, shop_world):
    """The pickup code and the receipt go to that address: a mistyped one would hand them to a stranger."""
    from marketplace.models import User

    with stripe_app.app_context():
        db.session.get(User, shop_world["resident"]).email_confirmed_at = None
        db.session.commit()
    add(resident, shop_world["tart"])
    page = resident.get("/panier/commande").get_data(as_text=True)
    assert "Avant de commander, confirmez votre adresse e-mail" in page and 'name="checkout_key"' not in page
    refused = resident.post("/panier/commande", data={"checkout_key": "key-1", "card_amount": "12,00"})
    assert refused.status_code == 200 and "Avant de commander" in refused.get_data(as_text=True)
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
        assert db.session.get(Product, shop_world["tart"]).stock == 1  # nothing reserved
    # A link from the page; once confirmed, the resident is back at the cart, and the checkout opens.
    assert resident.post("/adresse-email/renvoyer?next=/panier/commande").headers["Location"] == "/panier/commande"
    with stripe_app.app_context():
        body = outbox()[-1].get_content()
    link = body[body.index("/adresse-email/confirmer/"):].split()[0]
    assert resident.post(link).headers["Location"] == "/panier"
    assert 'name="checkout_key"' in resident.get("/panier/commande").get_data(as_text=True)


def test_card_only_order_is_paid_at_once_and_credits_the_shop_payable(stripe_app, resident, shop_world):
    add(resident, shop_world["bread"], 2)
    answer = checkout(resident, card_amount="9,00")
    order = _order(stripe_app)
    assert answer.headers["Location"].endswith(f"/compte/commandes/{order.id}")
    assert order.status == "paid" and order.card_cents == 900 and order.stripe_cents == 0
    assert _payable(stripe_app, shop_world["bakery"]) == 900
    with stripe_app.app_context():
        assert card_balance(db.session, shop_world["card"]) == 1_100
        assert db.session.get(Product, shop_world["bread"]).stock == 18
        subjects = [m["Subject"] for m in outbox()]
    assert f"Commande {order.reference} payée" in subjects
    assert f"Nouvelle commande {order.reference}" in subjects
    assert "Votre panier est vide" in resident.get("/panier").get_data(as_text=True)


def test_mixed_payment_is_confirmed_by_stripe_once(stripe_app, resident, shop_world):
    add(resident, shop_world["bread"])
    add(resident, shop_world["comte"], 2)
    answer = checkout(resident, pickups={shop_world["cheese"]: shop_world["bank"]}, card_amount="5")
    order = _order(stripe_app)
    assert answer.headers["Location"].endswith(f"/commandes/{order.id}/paiement")
    assert order.total_cents == 450 + 1780 and order.card_cents == 500 and order.stripe_cents == 1730
    # A double submit of the same checkout finds the same order.
    again = resident.post("/panier/commande", data={"checkout_key": "key-1", "card_amount": "5"})
    assert again.headers["Location"].endswith(f"/commandes/{order.id}/paiement")
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
        assert db.session.scalar(select(Hold.status)) == "pending"
    page = resident.get(f"/commandes/{order.id}/paiement").get_data(as_text=True)
    assert 'id="card-payment"' in page and "17,30" in page
    early = resident.get(f"/commandes/{order.id}/retour", follow_redirects=True)
    assert "pas abouti" in early.get_data(as_text=True)
    assert _order(stripe_app).status == "pending_payment"
    for body in ({}, ["pm_card_visa"], "pm_card_visa", 5, {"payment_method": ""}):  # not an object: no 500
        missing = resident.post(f"/commandes/{order.id}/paiement", json=body)
        assert (missing.status_code, missing.get_json()) == (400, {"error": "Moyen de paiement manquant."})
    missing = resident.post(f"/commandes/{order.id}/paiement?lang=en", json={})
    assert missing.get_json() == {"error": "Payment method missing."}
    resident.get("/panier?lang=fr")
    answer = resident.post(f"/commandes/{order.id}/paiement", json={"payment_method": "pm_card_visa"})
    assert answer.get_json()["status"] == "succeeded"
    back = resident.get(f"/commandes/{order.id}/retour", follow_redirects=True)
    assert "Paiement reçu" in back.get_data(as_text=True)
    order = _order(stripe_app)
    assert order.status == "paid" and [s.status for s in order.shops] == ["paid", "paid"]
    assert [s.card_cents for s in order.shops] == [450, 50]  # bakery first (shops in name order)
    assert _payable(stripe_app, shop_world["bakery"]) == 450
    assert _payable(stripe_app, shop_world["cheese"]) == 50 + 1730  # card part + bank-card sale
    # The webhook of the same payment, delivered twice, changes nothing more.
    with stripe_app.test_request_context():
        intent = payments.retrieve_payment_intent(order.stripe_payment_intent_id)
        assert intent["amount"] == 1730
    event = {"id": "evt_order_1", "object": "event", "type": "payment_intent.succeeded",
             "data": {"object": intent.to_dict()}}
    for _ in range(2):
        body, signature = signed(event)
        assert resident.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature},
                             content_type="application/json").status_code == 200
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "capture")) == 2
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "sale")) == 1
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
        subjects = [m["Subject"] for m in outbox()]
    assert subjects.count(f"Commande {order.reference} payée") == 1


def test_webhook_alone_confirms_the_order(stripe_app, resident, shop_world, client):
    add(resident, shop_world["comte"])
    checkout(resident)
    order = _order(stripe_app)
    resident.post(f"/commandes/{order.id}/paiement", json={"payment_method": "pm_card_visa"})
    with stripe_app.test_request_context():
        intent = payments.retrieve_payment_intent(order.stripe_payment_intent_id)
    forged = {"id": "evt_forged", "object": "event", "type": "payment_intent.succeeded",
              "data": {"object": intent.to_dict()}}
    body, _ = signed(forged)
    assert client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": "t=1,v1=bad"},
                       content_type="application/json").status_code == 400
    assert _order(stripe_app).status == "pending_payment"
    body, signature = signed({**forged, "id": "evt_order_2"})
    assert client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature},
                       content_type="application/json").status_code == 200
    assert _order(stripe_app).status == "paid"


def test_abandoned_payment_releases_the_card_part_and_the_stock(stripe_app, resident, shop_world):
    add(resident, shop_world["tart"])
    checkout(resident, card_amount="2,00")
    order = _order(stripe_app)
    with stripe_app.app_context():
        assert db.session.get(Product, shop_world["tart"]).stock == 0
        assert card_balance(db.session, shop_world["card"]) == 1_800
    declined = resident.post(f"/commandes/{order.id}/paiement", json={"payment_method": "pm_card_chargeDeclined"})
    assert declined.status_code in (200, 402)
    resident.post(f"/commandes/{order.id}/abandon")
    order = _order(stripe_app)
    assert order.status == "failed"
    with stripe_app.app_context():
        assert db.session.get(Product, shop_world["tart"]).stock == 1
        assert card_balance(db.session, shop_world["card"]) == 2_000
        assert db.session.scalar(select(Hold.status)) == "released"
        intent = payments.retrieve_payment_intent(order.stripe_payment_intent_id)
    assert intent["status"] == "canceled"
    assert _payable(stripe_app, shop_world["bakery"]) == 0


def test_a_cart_across_shops_offers_the_card_s_balance_once_and_the_amount_offered_pays(
        stripe_app, resident, shop_world):
    """The 20 € on the card are usable at both shops: the checkout offers 20 €, not 20 € per shop,
    and paying what it offers holds 9 € at the bakery and the 11 € left at the cheese shop."""
    add(resident, shop_world["bread"], 2)
    add(resident, shop_world["comte"], 3)
    page = resident.get("/panier/commande").get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    assert "à 20,00 € utilisables dans ces commerces" in page and 'value="20,00"' in page
    # Each shop says what the card pays there once the ones before have taken their part.
    assert f'data-testid="card-note-{shop_world["bakery"]}"' not in page  # all of its 9 €
    assert "Votre carte territoriale peut y payer 11,00 €." in page

    answer = checkout(resident, card_amount="20,00")

    order = _order(stripe_app)
    assert answer.headers["Location"].endswith(f"/commandes/{order.id}/paiement")
    assert order.card_cents == 2000 and order.stripe_cents == 900 + 3 * 890 - 2000
    assert sorted(sub.card_cents for sub in order.shops) == [900, 1100]
    with stripe_app.app_context():
        assert card_balance(db.session, shop_world["card"]) == 0
        assert db.session.scalar(select(func.count()).select_from(Hold).where(Hold.status == "pending")) == 2


def test_the_cart_and_the_checkout_name_the_shop_that_does_not_take_the_card(stripe_app, resident, shop_world):
    """Otherwise the checkout offers less than the card holds, and the resident cannot tell why."""
    from marketplace.models import Shop

    with stripe_app.app_context():
        db.session.get(Shop, shop_world["cheese"]).accepts_card = False
        db.session.commit()
    add(resident, shop_world["bread"])
    add(resident, shop_world["comte"])
    refused = "Ce commerce n'accepte pas la carte territoriale."
    cart_page = resident.get("/panier").get_data(as_text=True)
    assert cart_page.count(refused) == 1
    assert cart_page.index(refused) > cart_page.index("Fromagerie Perrin")
    page = resident.get("/panier/commande").get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    assert page.count(refused) == 1 and page.index(refused) > page.index("Fromagerie Perrin")
    assert "à 4,50 € utilisables dans ces commerces" in page
    resident.get("/panier?lang=en")
    assert "This shop does not accept the territorial card." in resident.get("/panier/commande").get_data(as_text=True)


def test_card_amount_above_what_the_card_can_pay_is_refused(stripe_app, resident, shop_world):
    add(resident, shop_world["comte"], 3)
    page = checkout(resident, card_amount="25,00")
    assert page.status_code == 200
    assert "peut payer au plus 20,00" in page.get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    assert _order(stripe_app) is None
    assert "« abc » n&#39;est pas un montant (exemple : 12,50)" in checkout(
        resident, card_amount="abc", key="k2").get_data(as_text=True)
    resident.get("/panier?lang=en")
    assert "“abc” is not an amount (example: 12,50)" in checkout(
        resident, card_amount="abc", key="k3").get_data(as_text=True)


def test_last_item_two_residents_at_once_one_wins_the_other_is_told_and_not_charged(stripe_app, shop_world):
    clients = []
    for email in ("resident@example.fr", "other@example.fr"):
        client = stripe_app.test_client()
        login(client, email)
        add(client, shop_world["tart"])
        clients.append(client)
    answers = [None, None]
    barrier = threading.Barrier(2)

    def buy(index):
        barrier.wait()
        answers[index] = checkout(clients[index], key=f"race-{index}")

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    redirected = [a for a in answers if a.status_code == 302]
    refused = [a for a in answers if a.status_code == 200]
    assert len(redirected) == 1 and len(refused) == 1
    assert "Tarte aux pommes" in refused[0].get_data(as_text=True)
    assert "épuisé" in refused[0].get_data(as_text=True)
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
        assert db.session.get(Product, shop_world["tart"]).stock == 0


def test_unpaid_orders_fail_after_a_while_with_the_cli(stripe_app, resident, shop_world):
    from datetime import timedelta

    from marketplace.models.base import utcnow

    add(resident, shop_world["tart"])
    checkout(resident, card_amount="3")
    with stripe_app.app_context():
        db.session.execute(db.update(Order).values(created_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    result = stripe_app.test_cli_runner().invoke(args=["orders", "expire"])
    assert "1 unpaid orders failed" in result.output, result.output
    assert _order(stripe_app).status == "failed"
    with stripe_app.app_context():
        assert db.session.get(Product, shop_world["tart"]).stock == 1
        assert card_balance(db.session, shop_world["card"]) == 2_000


def test_the_scheduler_fails_abandoned_payments_and_gives_their_stock_back(stripe_app, resident, shop_world):
    """A resident who leaves Stripe's page sends no event: the periodic sweep fails the order after
    ORDER_PAYMENT_MINUTES, with no cron of anyone's, and the tart is on sale again."""
    from datetime import timedelta

    from marketplace import periodic
    from marketplace.models.base import utcnow

    add(resident, shop_world["tart"])
    checkout(resident, card_amount="3")
    assert expire_orders_now(stripe_app) == 0  # not yet: the resident may still be paying
    assert _order(stripe_app).status == "pending_payment"
    with stripe_app.app_context():
        assert db.session.get(Product, shop_world["tart"]).stock == 0
        db.session.execute(db.update(Order).values(
            created_at=utcnow() - timedelta(minutes=stripe_app.config["ORDER_PAYMENT_MINUTES"] + 1)))
        db.session.commit()
        assert periodic.expire_orders in [job for job, *_ in periodic.PERIODIC]
    assert expire_orders_now(stripe_app) == 1
    assert _order(stripe_app).status == "failed"
    with stripe_app.app_context():
        assert db.session.get(Product, shop_world["tart"]).stock == 1
        assert card_balance(db.session, shop_world["card"]) == 2_000
    assert expire_orders_now(stripe_app) == 0  # once


def expire_orders_now(app) -> int:
    from marketplace import periodic

    with app.app_context():
        return periodic.expire_orders()


def test_a_card_with_a_pin_pays_online_for_its_signed_in_holder(stripe_app, resident, shop_world):
    """The PIN guards the physical card at a till; online, the holder is signed in to their account."""
    from loyalty import cards

    with stripe_app.app_context():
        cards.set_pin(db.session, shop_world["card"], "4321")
    add(resident, shop_world["bread"], 2)
    checkout(resident, card_amount="9,00")
    order = _order(stripe_app)
    assert order.status == "paid" and order.card_cents == 900
    with stripe_app.app_context():
        assert card_balance(db.session, shop_world["card"]) == 1_100


def test_a_refused_checkout_keeps_the_locker_and_amount_chosen(stripe_app, resident, shop_world):
    add(resident, shop_world["comte"], 3)
    page = checkout(resident, pickups={shop_world["cheese"]: shop_world["bank"]}, card_amount="25,00")
    html = page.get_data(as_text=True)
    assert "peut payer au plus" in html
    locker = f'value="{shop_world["bank"]}" checked'
    assert locker in html and 'value="shop" checked' not in html
    assert 'value="25,00"' in html
    assert _order(stripe_app) is None


def test_without_card_payments_the_checkout_says_so_and_leaves_no_order(app, resident, shop_world):
    add(resident, shop_world["comte"], 3)
    page = checkout(resident, pickups={shop_world["cheese"]: shop_world["bank"]}, card_amount="5,00")
    html = page.get_data(as_text=True)
    assert "seule la carte territoriale peut payer" in html
    assert f'value="{shop_world["bank"]}" checked' in html
    assert _order(app) is None
    with app.app_context():
        assert db.session.get(Product, shop_world["tart"]).stock == 1
        assert card_balance(db.session, shop_world["card"]) == 2_000
    # What the territorial card covers alone is still sold.
    assert checkout(resident, card_amount="20,00", key="k2").status_code == 200  # 26,70 > 20,00: refused
    resident.post(f"/panier/{shop_world['comte']}", data={"quantity": 2})
    checkout(resident, card_amount="17,80", key="k3")
    assert _order(app).status == "paid"


def test_stripe_unreachable_at_checkout_one_order_retried_on_the_payment_page(stripe_app, resident, shop_world):
    add(resident, shop_world["comte"])
    base = stripe_app.config["STRIPE_API_BASE"]
    stripe_app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{_closed_port()}"
    try:
        answer = checkout(resident, card_amount="1,00")
        order = _order(stripe_app)
        assert answer.headers["Location"].endswith(f"/commandes/{order.id}/paiement")
        assert order.status == "pending_payment" and order.stripe_payment_intent_id is None
        down = resident.get(f"/commandes/{order.id}/paiement")
        assert down.status_code == 503 and "Réessayer le paiement" in down.get_data(as_text=True)
    finally:
        stripe_app.config["STRIPE_API_BASE"] = base
    page = resident.get(f"/commandes/{order.id}/paiement").get_data(as_text=True)
    assert 'id="card-payment"' in page
    assert "Mode test : aucun argent réel." in page and "4242 4242 4242 4242" in page
    assert resident.post(f"/commandes/{order.id}/paiement",
                         json={"payment_method": "pm_card_visa"}).get_json()["status"] == "succeeded"
    resident.get(f"/commandes/{order.id}/retour")
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert _order(stripe_app).status == "paid"


def _closed_port() -> int:
    from marketplace.dev_stripe import free_port

    return free_port()  # nothing listens there once the probe socket is closed


def test_a_declined_card_then_another_pays_the_same_order(stripe_app, resident, shop_world):
    add(resident, shop_world["comte"])
    checkout(resident, card_amount="1,00")
    order = _order(stripe_app)
    first_intent = order.stripe_payment_intent_id
    with stripe_app.app_context():  # a card that the bank declines when charged
        card = payments.client().v1.payment_methods.create(params={"type": "card", "card": {
            "number": "4000000000000341", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    declined = resident.post(f"/commandes/{order.id}/paiement", json={"payment_method": card.id})
    assert declined.status_code == 402 and "declined" in declined.get_json()["error"]
    again = resident.post(f"/commandes/{order.id}/paiement", json={"payment_method": "pm_card_visa"})
    assert again.get_json()["status"] == "succeeded"
    assert "Paiement reçu" in resident.get(f"/commandes/{order.id}/retour", follow_redirects=True).get_data(as_text=True)
    order = _order(stripe_app)
    assert order.status == "paid" and order.stripe_payment_intent_id != first_intent
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
        assert payments.retrieve_payment_intent(first_intent)["status"] == "canceled"
        assert payments.retrieve_payment_intent(order.stripe_payment_intent_id)["amount"] == 790
    assert _payable(stripe_app, shop_world["cheese"]) == 890  # card part + bank-card sale, once
