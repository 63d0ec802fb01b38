"""Stripe's fees in the books, with localstripe: a payout of the gross less the fees, announced by
Stripe's `payout.paid` event, books the fees and settles Stripe's accounts once — the bank
statement's line of the same payout is matched to it, not recorded again."""
import pytest
from sqlalchemy import func, select

from loyalty import sales
from loyalty.models import Account, Entry
from marketplace import payments
from marketplace.extensions import db
from marketplace.models import BankLine
from tests.camt053 import Line, Tx, statement

from .test_bank_statements import NOV, paris_today, settled, upload  # noqa: F401  (fixture)
from .test_stripe_funding import signed, stripe_app  # noqa: F401  (fixture)
from .test_transfer_received import awaiting, territory_account  # noqa: F401  (fixtures)


def paid_payout(app, cents: int) -> dict:
    """A payout Stripe made and paid (localstripe), as the server retrieves it."""
    with app.test_request_context():
        created = payments.client().v1.payouts.create(params={"amount": cents, "currency": "eur", "status": "paid"})
        return payments.retrieve_payout(created.id)


def deliver(client, payout: dict, event_id: str):
    body, signature = signed({"id": event_id, "object": "event", "type": "payout.paid", "data": {"object": payout}})
    return client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature},
                       content_type="application/json")


def books(app) -> tuple:
    with app.app_context():
        kinds = dict(db.session.execute(select(Entry.kind, func.count()).where(Entry.kind.in_(("payout", "fee")))
                                        .group_by(Entry.kind)).all())
        balances = dict(db.session.execute(select(Account.code, Account.balance_cents).where(
            Account.code.in_(("territory:stripe", "external:stripe", "territory:bank_fees")))).all())
        return kinds, balances["territory:stripe"] + balances["external:stripe"], balances.get("territory:bank_fees")


@pytest.mark.parametrize("fee_known_at_payment", [False, True])
def test_a_payout_event_net_of_fees_books_them_once_and_the_statement_line_matches_it(
        stripe_app, client, awaiting, settled, fee_known_at_payment):
    """Stripe collected 130,00 € (100 € campaign by card, 30 € online sale) and pays out 127,55 €."""
    if fee_known_at_payment:  # real Stripe tells each charge's fee; localstripe says 0, so it is booked here
        with stripe_app.app_context():
            sales.record_stripe_fee(db.session, amount_cents=245, memo="Stripe ch_test", key="stripe-fee:ch_test",
                                    actor="stripe")
    payout = paid_payout(stripe_app, 12_755)
    assert payout["status"] == "paid" and payout["id"].startswith("po_")
    for event_id in ("evt_payout_1", "evt_payout_1", "evt_payout_again"):  # redelivered, then a second event
        assert deliver(client, payout, event_id).status_code == 200
    assert books(stripe_app) == ({"payout": 1, "fee": 1}, 0, -245)
    with stripe_app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.kind == "payout"))
        assert entry.idempotency_key == f"stripe-payout:{payout['id']}" and entry.amount_cents == 12_755
    # The bank's statement shows the payout (without Stripe's id): matched to the event's, nothing booked again.
    line = Line(12_755, paris_today(), "2026120400077", [Tx(12_755, "NOTPROVIDED", "STRIPE PAYOUT",
                                                            "STRIPE PAYMENTS EUROPE LTD")])
    upload(awaiting["admin"], statement("STMT-PO", [line], **NOV))
    assert books(stripe_app) == ({"payout": 1, "fee": 1}, 0, -245)
    with stripe_app.app_context():
        row = db.session.scalar(select(BankLine))
        assert (row.match, row.status, row.stripe_payout_id, row.ledger_entry_id) == (
            "stripe_payout", "matched", payout["id"], entry.id)


def test_a_statement_line_first_then_the_event_records_the_payout_once(stripe_app, client, awaiting, settled):
    line = Line(12_755, paris_today(), "2026120400078", [Tx(12_755, "NOTPROVIDED", "STRIPE PAYOUT",
                                                            "STRIPE PAYMENTS EUROPE LTD")])
    upload(awaiting["admin"], statement("STMT-PO2", [line], **NOV))
    assert books(stripe_app) == ({"payout": 1, "fee": 1}, 0, -245)
    payout = paid_payout(stripe_app, 12_755)
    assert deliver(client, payout, "evt_payout_late").status_code == 200
    assert books(stripe_app) == ({"payout": 1, "fee": 1}, 0, -245)
    with stripe_app.app_context():
        assert db.session.scalar(select(BankLine.stripe_payout_id)) == payout["id"]


def test_a_card_payment_tells_its_fee(stripe_app):
    """The fee is read from the charge's balance transaction (localstripe's is 0: nothing to book)."""
    with stripe_app.test_request_context():
        intent = payments.create_payment_intent(amount_cents=2_000, purpose="test", metadata={},
                                                description="Carte cadeau")
        payments.confirm_with_payment_method(intent.id, "pm_card_visa")
        charge_id, fee = payments.charge_fee(payments.retrieve_payment_intent(intent.id).to_dict())
    assert charge_id.startswith("ch_") and fee == 0
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "fee")) == 0


def test_a_forged_payout_event_is_refused(stripe_app, client, awaiting, settled):
    body, signature = signed({"id": "evt_forged_po", "object": "event", "type": "payout.paid",
                              "data": {"object": {"id": "po_forged", "amount": 12_755, "status": "paid"}}},
                             secret="whsec_someone_else")
    assert client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature},
                       content_type="application/json").status_code == 400
    assert books(stripe_app)[0] == {}
