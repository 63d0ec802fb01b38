"""Payment on collection of a locker deposit (issue 22): the business sets an amount when booking;
the person's message carries a payment link instead of the code; paid by bank card (localstripe)
or with the territorial card (number + PIN, the ledger's redemption), the code follows; an unpaid
deposit cannot be collected; payment is recorded once (webhook and return page); the business is
owed it like an online sale; a paid deposit cancelled or expired is refunded by the means that
paid it."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from loyalty.clock import paris_day, utc_now
from loyalty.models import Entry
from loyalty.queries import card_balance
from marketplace import lockers, payments, settlement, sms
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import LockerDeposit
from marketplace.models.base import utcnow
from tests.conftest import login
from tests.employer.test_stripe_funding import signed
from tests.till.conftest import card_number, new_funded_card

from .test_locker_deposits import book, locker_api, the_deposit  # noqa: F401  (fixture)


@pytest.fixture
def baker(app, shop_world):
    client = app.test_client()
    login(client, "owner@example.fr")
    return client


def deposit_with_link(app, baker, shop_world, amount="12,50") -> tuple[LockerDeposit, str]:
    """Book with an amount to pay, deposit; the payment link of the person's email."""
    book(baker, shop_world["bakery"], shop_world["bank"], amount=amount)
    deposit = the_deposit(app)
    baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose")
    with app.app_context():
        email = next(m for m in outbox() if m["To"] == "paul.girard@example.fr").get_content()
    link = re.search(r"http\S+/consigne/payer/(\S+)", email)
    assert link, email
    return the_deposit(app), link.group(1)


def codes_sent(app) -> list[str]:
    with app.app_context():
        emails = [m.get_content() for m in outbox() if m["To"] == "paul.girard@example.fr"]
        texts = [t.body for t in sms.outbox() if t.to == "+33612345678"]
    return re.findall(r"Code de retrait : (\d{6})", "\n".join(emails)) + re.findall(r"Code (\d{6})", "\n".join(texts))


def entries(app, kind) -> list[Entry]:
    with app.app_context():
        rows = db.session.scalars(select(Entry).where(Entry.kind == kind)).all()
        db.session.expunge_all()
        return rows


def test_paid_by_bank_card_once_then_the_code_and_the_collection(stripe_app, baker, shop_world, locker_api, client):
    deposit, token = deposit_with_link(stripe_app, baker, shop_world)
    assert deposit.amount_cents == 1250 and deposit.status == "deposited" and deposit.pickup_code is None
    with stripe_app.app_context():
        text = next(t.body for t in sms.outbox() if t.to == "+33612345678")
    assert "Payez 12,50" in text and f"/consigne/payer/{token}" in text
    assert codes_sent(stripe_app) == []
    assert locker_api("000000").status_code == 404  # nothing to open before it is paid
    shop_page = baker.get(f"/boutique/{shop_world['bakery']}/consigne").get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert "12,50 € à payer : non payé" in shop_page

    page = client.get(f"/consigne/payer/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert "À payer avant le retrait : 12,50" in page.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert client.get("/consigne/payer/not-a-token").status_code == 404
    assert client.post(f"/consigne/payer/{token}/carte-bancaire", json=["pm_card_visa"]).status_code == 400
    answer = client.post(f"/consigne/payer/{token}/carte-bancaire", json={"payment_method": "pm_card_visa"})
    assert answer.get_json()["status"] == "succeeded"
    back = client.get(f"/consigne/payer/{token}/retour", follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Votre code de retrait vous a été envoyé" in back

    deposit = the_deposit(stripe_app)
    assert deposit.paid_means == "stripe" and re.fullmatch(r"\d{6}", deposit.pickup_code)
    assert codes_sent(stripe_app) == [deposit.pickup_code, deposit.pickup_code]  # email and SMS
    # The webhook of the same payment, twice, and the return page again: nothing more.
    with stripe_app.test_request_context():
        intent = payments.retrieve_payment_intent(deposit.stripe_payment_intent_id)
    for _ in range(2):
        body, signature = signed({"id": "evt_deposit_1", "object": "event", "type": "payment_intent.succeeded",
                                  "data": {"object": intent.to_dict()}})
        assert client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature},
                           content_type="application/json").status_code == 200
    client.get(f"/consigne/payer/{token}/retour")
    assert len(codes_sent(stripe_app)) == 2
    sales = entries(stripe_app, "sale")
    assert [(e.shop_id, e.amount_cents) for e in sales] == [(shop_world["bakery"], 1250)]
    with stripe_app.app_context():  # owed to the bakery in its next settlement
        lines = settlement.unsettled_lines(paris_day(utc_now()) + timedelta(days=1), shop_id=shop_world["bakery"])
        assert [(line["kind"], line["amount_cents"]) for line in lines[shop_world["bakery"]]] == [("sale", 1250)]

    assert "12,50 € payé (carte bancaire)" in baker.get(f"/boutique/{shop_world['bakery']}/consigne").get_data(
        as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert locker_api(deposit.pickup_code).get_json()["kind"] == "deposit"
    assert the_deposit(stripe_app).status == "collected"
    admin = stripe_app.test_client()
    with stripe_app.app_context():
        from tests import factories as f

        f.user("admin@example.fr", is_admin=True)
        db.session.commit()
    login(admin, "admin@example.fr")
    row = admin.get("/admin/consignes").get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert f'data-testid="locker-paid-{shop_world["bakery"]}">12,50' in row


def test_paid_with_the_territorial_card_and_refunded_on_cancel(app, baker, shop_world, locker_api, client):
    with app.app_context():
        card_id = new_funded_card(3_000, pin="4321")
    number = card_number(app, card_id)
    deposit, token = deposit_with_link(app, baker, shop_world, amount="20")
    url = f"/consigne/payer/{token}/carte-territoire"

    wrong = client.post(url, data={"card_number": number, "pin": "0000"}).get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Carte refusée" in wrong
    no_pin = client.post(url, data={"card_number": number, "pin": ""}).get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Code PIN : indiquez-le." in no_pin
    assert the_deposit(app).paid_at is None and codes_sent(app) == []

    paid = client.post(url, data={"card_number": number, "pin": "4321"}, follow_redirects=True)
    assert "Votre code de retrait vous a été envoyé" in paid.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    deposit = the_deposit(app)
    assert deposit.paid_means == "card" and len(codes_sent(app)) == 2
    with app.app_context():
        assert card_balance(db.session, card_id) == 1_000
    # Paying again (a double submit) takes nothing more.
    again = client.post(url, data={"card_number": number, "pin": "4321"}, follow_redirects=True)
    assert "plus à payer" in again.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert [e.amount_cents for e in entries(app, "redeem")] == [2000]

    baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/annuler", data={"confirm": "y"})
    deposit = the_deposit(app)
    assert deposit.status == "cancelled" and deposit.refunded_at is not None
    assert locker_api(codes_sent(app)[0]).status_code == 404
    with app.app_context():
        assert card_balance(db.session, card_id) == 3_000
        assert any(m["Subject"] == f"Dépôt {deposit.reference} remboursé" for m in outbox())
    assert [e.amount_cents for e in entries(app, "refund")] == [2000]
    assert "20,00 € payé, remboursé" in baker.get(f"/boutique/{shop_world['bakery']}/consigne").get_data(
        as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert "plus à payer" in client.get(f"/consigne/payer/{token}").get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def test_a_paid_deposit_that_expires_is_refunded_to_the_bank_card(stripe_app, baker, shop_world, client):
    deposit, token = deposit_with_link(stripe_app, baker, shop_world, amount="8")
    client.get(f"/consigne/payer/{token}")
    client.post(f"/consigne/payer/{token}/carte-bancaire", json={"payment_method": "pm_card_visa"})
    client.get(f"/consigne/payer/{token}/retour")
    with stripe_app.app_context():
        db.session.execute(update(LockerDeposit).values(code_expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        assert lockers.expire_deposits() == 1
        assert lockers.expire_deposits() == 0
        deposit = db.session.get(LockerDeposit, deposit.id)
        assert deposit.status == "expired" and deposit.refund_ref.startswith("re_")
        captured, refunded = payments.captured_and_refunded(deposit.stripe_payment_intent_id)
        assert (captured, refunded) == (800, 800)
    assert [e.amount_cents for e in entries(stripe_app, "salerefund")] == [800]


def test_a_refund_that_fails_is_shown_to_the_admin_and_made_by_the_next_sweep(stripe_app, baker, shop_world, client):
    """Stripe unreachable when the paid deposit expires: nothing is given back yet, the admin's
    page lists the refund owed (a retry while Stripe is still down changes nothing); once Stripe
    answers, the periodic sweep makes the refund, once."""
    from marketplace import periodic
    from tests import factories as f

    deposit, token = deposit_with_link(stripe_app, baker, shop_world, amount="8")
    client.get(f"/consigne/payer/{token}")
    client.post(f"/consigne/payer/{token}/carte-bancaire", json={"payment_method": "pm_card_visa"})
    client.get(f"/consigne/payer/{token}/retour")
    stripe_base = stripe_app.config["STRIPE_API_BASE"]
    stripe_app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    with stripe_app.app_context():
        f.user("admin@example.fr", is_admin=True)
        db.session.execute(update(LockerDeposit).values(code_expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        assert lockers.expire_deposits() == 1
        owed = db.session.get(LockerDeposit, deposit.id)
        assert owed.status == "expired" and owed.refunded_at is None and owed.refund_ref is None
    admin = stripe_app.test_client()
    login(admin, "admin@example.fr")
    page = admin.get("/admin/consignes").get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert 'data-testid="refunds-owed"' in page and deposit.reference in page and "8,00 €" in page
    retried = admin.post(f"/admin/consignes/depots/{deposit.id}/rembourser", follow_redirects=True)
    assert "pas abouti" in retried.get_data(as_text=True)
    assert the_deposit(stripe_app).refunded_at is None

    stripe_app.config["STRIPE_API_BASE"] = stripe_base
    with stripe_app.app_context():
        assert periodic.expire_locker_deposits() == 0  # nothing more expires; the refund is made
        deposit = db.session.get(LockerDeposit, deposit.id)
        assert deposit.refunded_at is not None and deposit.refund_ref.startswith("re_")
        assert payments.captured_and_refunded(deposit.stripe_payment_intent_id) == (800, 800)
        assert lockers.retry_refunds() == 0
    assert [e.amount_cents for e in entries(stripe_app, "salerefund")] == [800]
    assert 'data-testid="refunds-owed"' not in admin.get("/admin/consignes").get_data(as_text=True)
    nothing = admin.post(f"/admin/consignes/depots/{deposit.id}/rembourser", follow_redirects=True)
    assert "pas de remboursement en attente" in nothing.get_data(as_text=True)


def test_unpaid_deposit_cannot_be_collected_by_a_door_event(app, baker, shop_world, locker_api):
    deposit, _ = deposit_with_link(app, baker, shop_world)
    locker_api.event("M02", "collect")
    assert the_deposit(app).status == "deposited"


@pytest.mark.parametrize("amount, message", [
    ("douze", "Montant invalide : écrivez par exemple 150 ou 150,50."),
    ("-3", "Montant invalide"),
    ("6000", "Montant à payer au retrait : entre 0 et 5"),
    ("99999999999", "À payer au retrait (€, facultatif) : 5 000,00 € au plus."),
])
def test_a_bad_amount_is_named_and_books_nothing(app, baker, shop_world, amount, message):
    page = book(baker, shop_world["bakery"], shop_world["bank"], amount=amount).get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert message in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LockerDeposit)) == 0


def test_without_amount_the_code_comes_at_once(app, baker, shop_world):
    book(baker, shop_world["bakery"], shop_world["bank"], amount="")
    deposit = the_deposit(app)
    baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose")
    assert deposit.amount_cents == 0 and len(codes_sent(app)) == 2


def test_a_deposit_to_pay_says_the_payment_link_was_sent_not_the_code(app, baker, shop_world):
    """The flash and the list tell what the person really got: the payment link, the code after it."""
    book(baker, shop_world["bakery"], shop_world["bank"], amount="12,50")
    deposit = the_deposit(app)
    page = baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose", follow_redirects=True)
    page = page.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert "a reçu son code de retrait" not in page
    assert "a reçu le lien pour payer 12,50 € ; son code de retrait lui sera envoyé dès le paiement reçu" in page
    assert "code valable jusqu" not in page
    assert "lien de paiement envoyé : le code de retrait suivra le paiement, à faire avant le" in page
    assert "06 12 34 56 78" in page and "+33612345678" not in page


def test_a_deposit_with_nothing_to_pay_says_the_code_was_sent(app, baker, shop_world):
    book(baker, shop_world["bakery"], shop_world["bank"], amount="")
    deposit = the_deposit(app)
    page = baker.post(f"/boutique/{shop_world['bakery']}/consigne/{deposit.id}/depose", follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "a reçu son code de retrait" in page and "code valable jusqu'au" in page
    assert "lien de paiement envoyé" not in page
