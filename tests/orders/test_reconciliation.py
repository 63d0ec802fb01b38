"""The admin's Stripe reconciliation: orders' bank-card amounts against localstripe and the ledger."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from loyalty.clock import paris_day, utc_now
from loyalty import accounts, holds, ledger
from loyalty.queries import card_balance
from marketplace import payments
from marketplace.extensions import db
from marketplace.models import Order
from tests import factories as f
from tests.conftest import login

from .conftest import add, checkout
from .test_order_flow import paid_order

TODAY = paris_day(utc_now())
PERIOD = {"du": (TODAY - timedelta(days=1)).isoformat(), "au": (TODAY + timedelta(days=1)).isoformat()}


@pytest.fixture
def admin(stripe_app):
    with stripe_app.app_context():
        f.user("admin@example.fr", is_admin=True)
        db.session.commit()
    client = stripe_app.test_client()
    login(client, "admin@example.fr")
    return client


def reconcile(admin, period=PERIOD) -> str:
    """Start the period's reconciliation (its job runs at once in tests) and read the page."""
    admin.post("/admin/rapprochement-stripe", data=period)
    return admin.get("/admin/rapprochement-stripe", query_string=period).get_data(as_text=True)


def test_empty_period_says_so(admin):
    page = admin.get("/admin/rapprochement-stripe").get_data(as_text=True)
    assert "pas encore été calculé pour cette période" in page and "Lancer le rapprochement" in page
    assert admin.get("/admin/rapprochement-stripe.csv", query_string=PERIOD).status_code == 409  # nothing yet
    page = reconcile(admin)
    assert "Aucune commande payée par carte bancaire sur cette période." in page
    assert 'data-testid="reconciliation"' not in page and "Recalculer" in page


def test_while_the_job_runs_the_page_shows_its_progress(stripe_app, admin):
    from marketplace import reconciliation
    from marketplace.models import ReconciliationRun

    with stripe_app.app_context():
        run = ReconciliationRun(starts_on=date.fromisoformat(PERIOD["du"]), ends_on=date.fromisoformat(PERIOD["au"]),
                                status="running", checked=20, total=57)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    page = admin.get("/admin/rapprochement-stripe", query_string=PERIOD).get_data(as_text=True)
    assert "20 commande(s) vérifiée(s) auprès de Stripe sur 57" in page
    assert 'data-job-status="running"' in page and "Lancer le rapprochement" not in page
    with stripe_app.app_context():  # the job (run again by a retry) finishes it
        reconciliation.run_job(run_id)
        assert db.session.get(ReconciliationRun, run_id).status == "done"
    page = admin.get("/admin/rapprochement-stripe", query_string=PERIOD).get_data(as_text=True)
    assert "Aucune commande payée par carte bancaire" in page and 'data-job-status="done"' in page


def test_matching_order_then_a_refund_made_outside_halle_is_highlighted(stripe_app, resident, shop_world, admin):
    order_id, _ = paid_order(stripe_app, resident, shop_world)
    page = reconcile(admin)
    with stripe_app.app_context():
        intent_id = db.session.get(Order, order_id).stripe_payment_intent_id
    assert intent_id in page and "aucun écart" in page and 'data-testid="mismatch"' not in page
    assert "17,30" in page  # expected, captured by Stripe and owed in the ledger

    with stripe_app.test_request_context():  # someone refunds 3 € in Stripe's dashboard
        payments.refund_payment_intent(intent_id, 300, {"order_id": order_id})
    page = admin.get("/admin/rapprochement-stripe", query_string=PERIOD).get_data(as_text=True)
    assert "aucun écart" in page  # the page shows the run as it was computed, until it is computed again
    page = reconcile(admin)
    assert 'data-testid="mismatch"' in page and "Stripe ne correspond pas à la commande" in page
    assert "1 avec un écart" in page
    csv = admin.get("/admin/rapprochement-stripe.csv", query_string=PERIOD)
    assert csv.status_code == 200 and "attachment" in csv.headers["Content-Disposition"]
    text = csv.data.decode("utf-8-sig")
    line = next(row for row in text.splitlines() if intent_id in row)
    assert line.split(";")[3:9] == ["17,30", "17,30", "3,00", "-3,00", "17,30", "0,00"]
    assert text.startswith("commande;état;PaymentIntent;attendu (€)")
    assert line.split(";")[1] == "payée" and line.endswith(";Stripe ne correspond pas à la commande")

    english = admin.get("/admin/rapprochement-stripe.csv", query_string={**PERIOD, "lang": "en"}).data.decode("utf-8-sig")
    assert english.startswith("order;status;PaymentIntent;expected (€)")
    line = next(row for row in english.splitlines() if intent_id in row)
    assert line.split(";")[1] == "paid" and line.endswith(";Stripe does not match the order")
    assert line.split(";")[3:9] == ["17,30", "17,30", "3,00", "-3,00", "17,30", "0,00"]  # French Excel numbers
    page = admin.get("/admin/rapprochement-stripe", query_string=PERIOD).get_data(as_text=True)
    assert "Stripe does not match the order" in page and "Stripe ne correspond pas" not in page


def _slow_payment(app, resident, shop_world, then=None):
    """The resident takes more than the hold's 30 minutes to pay the bank-card part."""
    add(resident, shop_world["comte"])
    checkout(resident, card_amount="2")
    with app.app_context():
        order_id = db.session.scalar(select(Order.id))
        assert len(holds.expire_holds(db.session, now=datetime.utcnow() + timedelta(hours=1))) == 1
        if then:
            then()
    resident.post(f"/commandes/{order_id}/paiement", json={"payment_method": "pm_card_visa"})
    resident.get(f"/commandes/{order_id}/retour")
    resident.get(f"/commandes/{order_id}/retour")  # confirmed twice: taken again once
    return order_id


def test_a_card_hold_that_expired_before_stripe_confirmed_is_taken_again(stripe_app, resident, shop_world, admin):
    _slow_payment(stripe_app, resident, shop_world)
    with stripe_app.app_context():
        assert card_balance(db.session, shop_world["card"]) == 2_000 - 200
        assert accounts.shop_payable_account(db.session, shop_world["cheese"]).balance_cents == 890
    page = reconcile(admin)
    assert "aucun écart" in page


def test_a_card_part_that_cannot_be_taken_again_shows_in_the_report(stripe_app, resident, shop_world, admin):
    def spend_everything():  # meanwhile the card paid 20 € at the bakery
        ledger.redeem(db.session, card_id=shop_world["card"], shop_id=shop_world["bakery"], amount_cents=2_000,
                      key="elsewhere", actor="system")

    order_id = _slow_payment(stripe_app, resident, shop_world, then=spend_everything)
    with stripe_app.app_context():
        assert db.session.get(Order, order_id).status == "paid"
    page = reconcile(admin)
    assert "part carte territoriale non encaissée" in page and "2,00 € / 0,00 €" in page.replace("\xa0", " ")


def test_bad_dates_are_named_and_the_report_is_for_admins_only(admin, resident):
    page = admin.get("/admin/rapprochement-stripe", query_string={"du": "hier", "au": "2026-11-01"})
    assert "Du : « hier » n&#39;est pas une date (jj/mm/aaaa)." in page.get_data(as_text=True)
    reversed_period = admin.get("/admin/rapprochement-stripe.csv",
                                query_string={"du": "2026-11-10", "au": "2026-11-01"})
    assert reversed_period.status_code == 400 and "précède son début" in reversed_period.get_data(as_text=True)
    assert resident.get("/admin/rapprochement-stripe").status_code == 403
    assert resident.post("/admin/rapprochement-stripe", data=PERIOD).status_code == 403
