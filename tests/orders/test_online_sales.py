"""The bank-card share of online sales in the ledger (loyalty.sales): owed to the shop once per
order, taken back by refunds, paid by the settlement run with the card payments."""
import threading

import pytest
from lxml import etree
from sqlalchemy import func, select

from loyalty.clock import paris_day, utc_now
from loyalty import accounts, sales
from loyalty.errors import IdempotencyConflict, RefundNotAllowed
from loyalty.models import Entry
from loyalty.verify import verify
from marketplace import orders, settlement
from marketplace.extensions import db
from marketplace.models import OrderShop, Shop
from marketplace.sepa import credit_transfer_xml
from tests.admin.conftest import IBAN, TERRITORY_IBAN
from tests.conftest import login

from .conftest import add, checkout
from .test_order_flow import paid_order


def _balances(shop_id):
    payable = accounts.shop_payable_account(db.session, shop_id).balance_cents
    stripe = accounts.territory_account(db.session, accounts.STRIPE_CLEARING).balance_cents
    db.session.commit()
    return payable, stripe


def _count(kind):
    return db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == kind))


def test_online_sale_and_its_refunds_are_idempotent_and_bounded(app, shop_world):
    with app.app_context():
        shop_id = shop_world["bakery"]
        sale = sales.record_online_sale(db.session, shop_id=shop_id, amount_cents=1_730, payment_ref="pi_1",
                                        key="order:1:shop:1:sale", actor="stripe")
        again = sales.record_online_sale(db.session, shop_id=shop_id, amount_cents=1_730, payment_ref="pi_1",
                                         key="order:1:shop:1:sale", actor="stripe")
        assert again.replayed and again.entry_id == sale.entry_id and _count("sale") == 1
        assert _balances(shop_id) == (1_730, -1_730)
        with pytest.raises(IdempotencyConflict):
            sales.record_online_sale(db.session, shop_id=shop_id, amount_cents=999, payment_ref="pi_1",
                                     key="order:1:shop:1:sale", actor="stripe")

        sales.refund_online_sale(db.session, sale_entry_id=sale.entry_id, amount_cents=1_230, key="r1",
                                 actor="order:1")
        sales.refund_online_sale(db.session, sale_entry_id=sale.entry_id, amount_cents=1_230, key="r1",
                                 actor="order:1")  # replayed: taken back once
        assert _balances(shop_id) == (500, -500)
        with pytest.raises(RefundNotAllowed, match="5,00"):
            sales.refund_online_sale(db.session, sale_entry_id=sale.entry_id, amount_cents=501, key="r2",
                                     actor="order:1")
        sales.refund_online_sale(db.session, sale_entry_id=sale.entry_id, amount_cents=500, key="r3",
                                 actor="order:1")
        assert _balances(shop_id) == (0, 0) and _count("salerefund") == 2
        with pytest.raises(RefundNotAllowed):  # only a sale can be refunded this way
            sales.refund_online_sale(db.session, sale_entry_id=sale.entry_id + 100, amount_cents=1, key="r4",
                                     actor="order:1")
        assert verify(db.session) == []


def test_paid_order_owes_each_shop_its_bank_card_share_and_refunds_take_it_back(stripe_app, resident, shop_world):
    """Bakery: 4,50 all by territorial card; cheese shop: 17,80, of which 17,30 by bank card."""
    order_id, subs = paid_order(stripe_app, resident, shop_world)
    cheese = shop_world["cheese"]
    resident.get(f"/commandes/{order_id}/retour")  # the return page again: no second sale
    with stripe_app.app_context():
        assert _count("sale") == 1
        sale = db.session.scalar(select(Entry).where(Entry.kind == "sale"))
        order_shop = db.session.get(OrderShop, subs[cheese])
        assert (sale.shop_id, sale.amount_cents, sale.memo) == (cheese, 1_730,
                                                               order_shop.order.stripe_payment_intent_id)
        assert _balances(cheese) == (50 + 1_730, -1_730)
        line = order_shop.lines[0]
        orders.refund_line(order_shop, line)  # 2 × 8,90: the bank card part first
        assert _balances(cheese) == (0, 0)  # 17,30 of sale and 0,50 of card payment given back
        assert _count("salerefund") == 1 and verify(db.session) == []


def test_refusal_gives_back_the_whole_sale(stripe_app, resident, shop_world):
    order_id, subs = paid_order(stripe_app, resident, shop_world)
    cheese = shop_world["cheese"]
    owner = stripe_app.test_client()
    login(owner, "fromager@example.fr")
    owner.post(f"/boutique/{cheese}/commandes/{subs[cheese]}/refuser", data={"reason": "Fermé"})
    with stripe_app.app_context():
        assert db.session.get(OrderShop, subs[cheese]).status == "refused"
        assert _balances(cheese) == (0, 0)
        refund = db.session.scalar(select(Entry).where(Entry.kind == "salerefund"))
        assert refund.amount_cents == 1_730 and refund.refunded_entry_id is not None


def test_settlement_pays_online_sales_with_the_card_payments(stripe_app, resident, shop_world, monkeypatch):
    monkeypatch.setitem(stripe_app.config, "TERRITORY_IBAN", TERRITORY_IBAN)
    monkeypatch.setitem(stripe_app.config, "SETTLEMENT_COMMISSION_BPS", 100)
    paid_order(stripe_app, resident, shop_world)
    cheese = shop_world["cheese"]
    with stripe_app.app_context():
        db.session.get(Shop, cheese).iban = IBAN
        db.session.commit()
        today = paris_day(utc_now())
        run = settlement.create_run("monthly", *settlement.period_bounds("monthly", today),
                                    execution_date=today)
        statement = next(s for s in run.statements if s.shop_id == cheese)
        assert sorted((line.kind, line.amount_cents) for line in statement.lines) == [("capture", 50),
                                                                                    ("sale", 1_730)]
        assert (statement.gross_cents, statement.commission_cents, statement.payout_cents) == (1_780, 18, 1_762)
        assert "Vente en ligne (carte bancaire)" in settlement.statement_csv(statement)
        document = etree.fromstring(credit_transfer_xml(run))
        ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
        assert document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "17.62"
        settlement.mark_paid(run)
        assert _balances(cheese)[0] == 0
        commission = accounts.territory_account(db.session, accounts.COMMISSION).balance_cents
        assert commission == 18  # the bakery (no IBAN) is not paid: no commission taken from it
        assert verify(db.session) == []


def test_return_page_and_webhook_at_the_same_time_owe_the_sale_once(stripe_app, resident, shop_world):
    """The webhook and the resident's return page both confirm the payment, at once."""
    add(resident, shop_world["comte"], 2)
    checkout(resident)
    with stripe_app.app_context():
        order_id = db.session.scalar(select(func.max(OrderShop.order_id)))
    resident.post(f"/commandes/{order_id}/paiement", json={"payment_method": "pm_card_visa"})
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm():
        with stripe_app.test_request_context():
            barrier.wait()
            outcomes.append(orders.confirm_paid(order_id))
            db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]  # one confirmation tells everyone, the other nothing
    with stripe_app.app_context():
        assert _count("sale") == 1
        assert _balances(shop_world["cheese"]) == (1_780, -1_780)
        assert verify(db.session) == []
