"""Funding a campaign by card: a PaymentIntent on localstripe, confirmed with a payment method,
trusted only through a server-side retrieve or a signed webhook (once per event id)."""
import json
import re
import time

import pytest
import stripe
from sqlalchemy import func, select

from loyalty.models import Entry
from marketplace import payments
from marketplace.extensions import db
from marketplace.models import Campaign, CampaignPayment, StripeEvent
from tests.stripe_server import WEBHOOK_SECRET, stripe_config

from .test_campaigns import create


@pytest.fixture
def stripe_app(app, stripe_server):
    saved = {key: app.config.get(key) for key in stripe_config(stripe_server)}
    app.config.update(stripe_config(stripe_server))
    yield app
    app.config.update(saved)


def awaiting_payment(client, employer_id):
    campaign_id = create(client, employer_id, amount="80", child_amount="")
    client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/confirmer")
    return campaign_id


def pay_page(client, employer_id, campaign_id):
    page = client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/carte")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/js.stripe.com/v3/" in html and 'data-publishable-key="pk_test_halle"' in html
    client_secret = re.search(r'data-client-secret="([^"]+)"', html).group(1)
    return client_secret.split("_secret_")[0]


def signed(payload: dict, secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    timestamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{body.decode()}", secret)
    return body, f"t={timestamp},v1={signature}"


def test_card_payment_confirmed_server_side_funds_the_campaign_once(stripe_app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = awaiting_payment(hr_client, employer_id)
    intent_id = pay_page(hr_client, employer_id, campaign_id)
    assert pay_page(hr_client, employer_id, campaign_id) == intent_id  # a reload reuses the intent
    with stripe_app.app_context():
        payment = db.session.scalar(select(CampaignPayment).filter_by(stripe_payment_intent_id=intent_id))
        payment_id = payment.id
        assert payment.amount_cents == 24_000
    base = f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/carte/{payment_id}"
    # Coming back before paying: Stripe says it is not paid, nothing is funded.
    early = hr_client.get(f"{base}/retour", follow_redirects=True)
    assert "pas abouti" in early.get_data(as_text=True)
    answer = hr_client.post(base, json={"payment_method": "pm_card_visa"})
    assert answer.get_json()["status"] == "succeeded"
    back = hr_client.get(f"{base}/retour", follow_redirects=True)
    assert "Paiement reçu" in back.get_data(as_text=True)
    hr_client.get(f"{base}/retour")
    with stripe_app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "funded" and campaign.funding_method == "card"
        fund = db.session.scalar(select(Entry).where(Entry.kind == "fund"))
        assert fund.idempotency_key == f"stripe:{intent_id}" and fund.amount_cents == 24_000
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "fund")) == 1
    # The webhook of the same payment, delivered twice, changes nothing more.
    with stripe_app.test_request_context():
        intent = payments.retrieve_payment_intent(intent_id)
    event = {"id": "evt_test_1", "object": "event", "type": "payment_intent.succeeded",
             "data": {"object": intent.to_dict()}}
    for _ in range(2):
        body, signature = signed(event)
        response = hr_client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature},
                                  content_type="application/json")
        assert response.status_code == 200
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "fund")) == 1
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1


def test_webhook_alone_funds_the_campaign(stripe_app, hr_client, hr_world, client):
    employer_id = hr_world["employer_id"]
    campaign_id = awaiting_payment(hr_client, employer_id)
    intent_id = pay_page(hr_client, employer_id, campaign_id)
    with stripe_app.test_request_context():
        payments.confirm_with_payment_method(intent_id, "pm_card_visa")
        intent = payments.retrieve_payment_intent(intent_id)
    body, signature = signed({"id": "evt_test_2", "object": "event", "type": "payment_intent.succeeded",
                              "data": {"object": intent.to_dict()}})
    response = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature},
                           content_type="application/json")
    assert response.status_code == 200
    with stripe_app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "funded"


def test_webhook_refuses_a_bad_signature_and_a_forged_success(stripe_app, hr_client, hr_world, client):
    employer_id = hr_world["employer_id"]
    campaign_id = awaiting_payment(hr_client, employer_id)
    intent_id = pay_page(hr_client, employer_id, campaign_id)
    forged = {"id": "evt_forged", "object": "event", "type": "payment_intent.succeeded",
              "data": {"object": {"id": intent_id, "object": "payment_intent", "status": "succeeded",
                                  "amount": 24_000, "currency": "eur",
                                  "metadata": {"purpose": "campaign_funding"}}}}
    body, signature = signed(forged, secret="whsec_someone_else")
    response = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature},
                           content_type="application/json")
    assert response.status_code == 400
    assert client.post("/stripe/webhook", data=body, content_type="application/json").status_code == 400
    with stripe_app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "awaiting_payment"
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_declined_card_reports_an_error(stripe_app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = awaiting_payment(hr_client, employer_id)
    intent_id = pay_page(hr_client, employer_id, campaign_id)
    with stripe_app.app_context():
        payment_id = db.session.scalar(select(CampaignPayment.id).filter_by(stripe_payment_intent_id=intent_id))
    answer = hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/carte/{payment_id}",
                            json={"payment_method": "pm_card_chargeDeclined"})
    assert answer.status_code == 402 and answer.get_json()["error"]
    with stripe_app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "awaiting_payment"


def test_without_stripe_configuration_only_transfer_is_offered(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = awaiting_payment(hr_client, employer_id)
    page = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/").get_data(as_text=True)
    assert "Par virement" in page and "par carte" not in page


def test_the_card_pays_only_what_the_credit_left_to_pay(stripe_app, hr_client, hr_world):
    from loyalty.accounts import employer_funding_account
    from loyalty.verify import verify

    from .test_campaigns import _revoke_one_of_three

    employer_id = hr_world["employer_id"]
    _revoke_one_of_three(stripe_app, hr_client, employer_id)  # 50 € of credit
    campaign_id = awaiting_payment(hr_client, employer_id)  # 3 × 80 € = 240 €
    intent_id = pay_page(hr_client, employer_id, campaign_id)
    with stripe_app.app_context():
        payment = db.session.scalar(select(CampaignPayment).filter_by(stripe_payment_intent_id=intent_id))
        payment_id = payment.id
        assert payment.amount_cents == 19_000
    with stripe_app.test_request_context():
        assert payments.retrieve_payment_intent(intent_id)["amount"] == 19_000
    base = f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/carte/{payment_id}"
    assert hr_client.post(base, json={"payment_method": "pm_card_visa"}).get_json()["status"] == "succeeded"
    hr_client.get(f"{base}/retour")
    with stripe_app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "funded"
        assert employer_funding_account(db.session, employer_id).balance_cents == 24_000  # 50 € + 190 €
        assert verify(db.session) == []


def test_a_declined_card_then_another_funds_the_campaign(stripe_app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = awaiting_payment(hr_client, employer_id)
    first_intent = pay_page(hr_client, employer_id, campaign_id)
    with stripe_app.app_context():
        payment_id = db.session.scalar(select(CampaignPayment.id).filter_by(stripe_payment_intent_id=first_intent))
        card = payments.client().v1.payment_methods.create(params={"type": "card", "card": {
            "number": "4000000000000341", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    base = f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/carte/{payment_id}"
    declined = hr_client.post(base, json={"payment_method": card.id})
    assert declined.status_code == 402 and "declined" in declined.get_json()["error"]
    assert hr_client.post(base, json={"payment_method": "pm_card_visa"}).get_json()["status"] == "succeeded"
    assert "Paiement reçu" in hr_client.get(f"{base}/retour", follow_redirects=True).get_data(as_text=True)
    with stripe_app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "funded" and len(campaign.payments) == 1
        assert campaign.payments[0].stripe_payment_intent_id != first_intent
        assert db.session.scalar(select(func.sum(Entry.amount_cents)).where(Entry.kind == "fund")) == 24_000


def test_hr_who_chose_a_transfer_can_still_pay_the_rest_by_card(stripe_app, hr_client, hr_world):
    """« Je paie par virement » is no dead end: until the money has arrived, the card is still
    offered for what remains, and what a partial transfer brought is kept."""
    from marketplace import bank_statements, campaigns

    employer_id = hr_world["employer_id"]
    campaign_id = awaiting_payment(hr_client, employer_id)
    page_url = f"/entreprise/{employer_id}/campagnes/{campaign_id}/"
    hr_client.post(f"{page_url}paiement/virement")
    page = hr_client.get(page_url).get_data(as_text=True)
    assert 'data-testid="awaiting-transfer"' in page and 'data-testid="card-instead"' in page
    assert re.search(r"Payer 240,00\s€ par carte", page)
    with stripe_app.test_request_context():  # part of the transfer arrives
        campaigns.record_bank_transfer(db.session.get(Campaign, campaign_id), amount_cents=10_000,
                                       reference=f"HALLE-CAMPAGNE-{campaign_id}", admin_id=hr_world["admin_id"])
        db.session.remove()
    page = hr_client.get(page_url).get_data(as_text=True)
    assert re.search(r"Payer 140,00\s€ par carte", page)
    intent_id = pay_page(hr_client, employer_id, campaign_id)
    with stripe_app.app_context():
        payment = db.session.scalar(select(CampaignPayment).filter_by(stripe_payment_intent_id=intent_id))
        payment_id = payment.id
        assert payment.amount_cents == 14_000
    base = f"{page_url}paiement/carte/{payment_id}"
    assert hr_client.post(base, json={"payment_method": "pm_card_visa"}).get_json()["status"] == "succeeded"
    hr_client.get(f"{base}/retour")
    with stripe_app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "funded" and campaign.funding_method == "card"
        assert campaigns.received_cents(campaign) == 24_000
        assert sorted((p.method, p.status, p.amount_cents) for p in campaign.payments) == [
            ("bank", "pending", 14_000), ("bank", "succeeded", 10_000), ("card", "succeeded", 14_000)]
        # The transfer no one waits for any more: a late one goes to the admin's decision.
        assert bank_statements.waiting_payment(campaign) is None
