"""The settlement run: statements, SEPA file (validated against pain.001.001.03), ledger."""
import csv as csv_module
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from loyalty.models import Account, Entry
from loyalty.verify import verify
from marketplace import settlement
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import (
    AuditEvent,
    SettlementLine,
    SettlementRun,
    SettlementStatement,
    Shop,
)
from marketplace.sepa import credit_transfer_xml
from tests.admin.conftest import IBAN, TERRITORY_IBAN
from tests.conftest import login

XSD = Path(__file__).resolve().parents[1] / "data" / "pain.001.001.03.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
OCTOBER = ("monthly", date(2026, 10, 1), date(2026, 10, 31))


def payable(shop_id: int) -> int:
    return db.session.scalar(select(Account.balance_cents).where(Account.kind == "shop_payable",
                                                                Account.shop_id == shop_id))


def validate(xml: bytes) -> etree._Element:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(xml)
    schema.assertValid(document)
    return document


def test_period_bounds():
    assert settlement.period_bounds("monthly", date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert settlement.period_bounds("weekly", date(2026, 10, 8)) == (date(2026, 10, 5), date(2026, 10, 11))
    assert settlement.last_complete_period("monthly", date(2026, 1, 10)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert settlement.commission_of(4_500, 150) == 68  # 67.5 rounded half up
    assert settlement.commission_of(-100, 150) == 0


def test_a_run_made_just_after_midnight_in_paris_is_paid_the_next_paris_day(app, territory, monkeypatch):
    """At 00:30 in Paris (23:30 UTC the day before), "tomorrow" is the Paris one: a transfer dated by
    the UTC day would ask the bank to execute it today, or in the past."""
    monkeypatch.setattr(settlement, "utc_now", lambda: datetime(2026, 12, 5, 23, 30, tzinfo=UTC))
    with app.app_context():
        assert settlement.create_run(*OCTOBER).execution_date == date(2026, 12, 7)


def test_monthly_run_statements_sepa_and_ledger_agree(app, territory):
    with app.app_context():
        run = settlement.create_run(*OCTOBER)
        assert run.commission_bps == 150
        fournil, epicerie = sorted(run.statements, key=lambda s: s.shop_id)
        # 2 000 + 1 500 − 1 500 (void) + 3 000 − 500 (refund); November's 700 waits.
        assert [line.amount_cents for line in fournil.lines] == [2_000, 1_500, -1_500, 3_000, -500]
        assert (fournil.gross_cents, fournil.commission_cents, fournil.payout_cents) == (4_500, 68, 4_432)
        assert fournil.iban == IBAN and fournil.iban_valid
        assert (epicerie.payout_cents, epicerie.iban_valid) == (985, False)

        document = validate(credit_transfer_xml(run))
        assert document.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == TERRITORY_IBAN
        transfers = document.findall(".//p:CdtTrfTxInf", NS)
        assert len(transfers) == 1  # the shop without IBAN is not in the file…
        assert transfers[0].findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == IBAN
        assert Decimal(transfers[0].findtext(".//p:InstdAmt", namespaces=NS)) == Decimal("44.32")
        assert Decimal(document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS)) == Decimal("44.32")

        settlement.mark_paid(run)
        run = db.session.get(SettlementRun, run.id)
        fournil, epicerie = sorted(run.statements, key=lambda s: s.shop_id)
        settle = db.session.get(Entry, fournil.settle_entry_id)
        assert (settle.kind, settle.amount_cents, settle.idempotency_key) == (
            "settle", 4_432, f"settlement:{run.id}:shop:{territory.fournil_id}")
        assert payable(territory.fournil_id) == 700  # only November is still owed
        assert epicerie.status == "unpaid" and epicerie.lines == []  # …and it waits for the next run
        assert payable(territory.epicerie_id) == 1_000
        assert verify(db.session) == []
        assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == [
            "settlement.create", "settlement.pay"]
        assert [m["To"] for m in outbox()] == ["owner@example.fr"]  # the shop without IBAN was not paid
        assert "44,32" in outbox()[0]["Subject"]


def test_a_payment_cut_short_resumes_without_paying_twice(app, territory, monkeypatch):
    with app.app_context():
        run = settlement.create_run(*OCTOBER)
        calls = []
        real_commission = settlement.sales.take_commission

        def crash_once(*args, **kwargs):
            calls.append(kwargs["key"])
            if len(calls) == 1:
                raise RuntimeError("the server died here")
            return real_commission(*args, **kwargs)

        monkeypatch.setattr(settlement.sales, "take_commission", crash_once)
        with pytest.raises(RuntimeError):
            settlement.mark_paid(run)
        db.session.rollback()
        run = db.session.get(SettlementRun, run.id)
        assert run.status == "paying"
        with pytest.raises(settlement.SettlementError):
            settlement.cancel_run(run)  # the bank may already have the file: no cancelling now
        settlement.mark_paid(db.session.get(SettlementRun, run.id))
        assert db.session.get(SettlementRun, run.id).status == "paid"
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "settle")) == 1
        assert payable(territory.fournil_id) == 700
        assert verify(db.session) == []


def test_same_period_twice_pays_nothing_twice(app, territory):
    with app.app_context():
        run = settlement.create_run(*OCTOBER)
        with pytest.raises(settlement.SettlementError):
            settlement.create_run(*OCTOBER)  # every October line is already in a run
        settlement.mark_paid(run)
        with pytest.raises(settlement.SettlementError):
            settlement.mark_paid(db.session.get(SettlementRun, run.id))
        again = settlement.create_run(*OCTOBER)  # only the shop that had no IBAN is left
        assert [s.shop_id for s in again.statements] == [territory.epicerie_id]
        settled = db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "settle"))
        assert settled == 1


def test_cancelled_run_releases_its_lines(app, territory):
    with app.app_context():
        run = settlement.create_run(*OCTOBER)
        settlement.cancel_run(run)
        assert db.session.scalar(select(func.count()).select_from(SettlementLine)) == 0
        with pytest.raises(settlement.SettlementError):
            settlement.cancel_run(db.session.get(SettlementRun, run.id))
        again = settlement.create_run(*OCTOBER)
        assert sum(s.gross_cents for s in again.statements) == 5_500
        settlement.mark_paid(again)
        with pytest.raises(settlement.SettlementError):
            settlement.cancel_run(db.session.get(SettlementRun, again.id))
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "settle")) == 1


def test_admin_runs_and_pays_the_settlement_and_the_owner_downloads_the_statement(app, territory, client):
    login(client, territory.admin_email)
    response = client.post("/admin/reglements", data={"period": "monthly", "day": "2026-10-15"})
    assert response.status_code == 302
    run_url = response.headers["Location"]
    page = client.get(run_url).get_data(as_text=True)
    assert "Epicerie" in page and "Commerces sans IBAN valide" in page and "44,32" in page
    sepa = client.get(f"{run_url}/virements.xml")
    assert sepa.status_code == 200 and "attachment" in sepa.headers["Content-Disposition"]
    validate(sepa.data)
    assert client.post(f"{run_url}/payer", data={"confirm": "y"}).status_code == 302
    assert "payé le" in client.get(run_url).get_data(as_text=True)
    assert "1 relevé" not in client.get("/admin/").get_data(as_text=True)

    with app.app_context():
        statement = db.session.scalar(select(SettlementStatement).where(
            SettlementStatement.shop_id == territory.fournil_id))
        statement_id = statement.id
    # Each way to a statement has its way back: the admin's to the run, the shop's to its statements.
    assert f'<a href="{run_url}" class="quiet-link" data-testid="statement-back">' in client.get(
        f"/admin/reglements/releves/{statement_id}").get_data(as_text=True)
    client.post("/deconnexion")
    login(client, territory.owner_email)
    listing = client.get(f"/boutique/{territory.fournil_id}/releves/").get_data(as_text=True)
    assert "44,32" in listing and "payé" in listing
    shown = client.get(f"/boutique/{territory.fournil_id}/releves/{statement_id}").get_data(as_text=True)
    assert "Annulation" in shown and "Remboursement" in shown
    assert (f'<a href="/boutique/{territory.fournil_id}/releves/" class="quiet-link" data-testid="statement-back">'
            "← Relevés de règlement</a>") in shown
    csv = client.get(f"/boutique/{territory.fournil_id}/releves/{statement_id}.csv")
    text = csv.data.decode("utf-8-sig")
    assert text.count("\n") == 2 + 5 + 3 and "Virement;;;44,32" in text
    # Refunds and the commission are negative numbers, written as numbers; a formula-like shop
    # name is text (marketplace/exports.py).
    amounts = [row[-1] for row in csv_module.reader(io.StringIO(text, newline=""), delimiter=";")][2:]
    assert [a for a in amounts if a.startswith("-")] and not [a for a in amounts if a.startswith("'")]
    with app.app_context():
        db.session.get(Shop, territory.fournil_id).name = "=1+1"
        db.session.commit()
    text = client.get(f"/boutique/{territory.fournil_id}/releves/{statement_id}.csv").data.decode("utf-8-sig")
    assert text.splitlines()[0].split(";")[2] == "'=1+1"
    # The other shop's statement is not this owner's business.
    with app.app_context():
        other = db.session.scalar(select(SettlementStatement.id).where(
            SettlementStatement.shop_id == territory.epicerie_id))
    assert client.get(f"/boutique/{territory.fournil_id}/releves/{other}").status_code == 404


def test_paying_or_cancelling_a_run_asks_for_an_explicit_confirmation(app, territory, client):
    with app.app_context():
        run_id = settlement.create_run(*OCTOBER).id
    login(client, territory.admin_email)
    page = client.get(f"/admin/reglements/{run_id}").get_data(as_text=True)
    pay, cancel = page.split('data-testid="run-pay"')[1].split('data-testid="run-cancel"')
    assert 'name="confirm"' in pay and "/payer" in pay and "/annuler" not in pay
    assert 'name="confirm"' in cancel and "/annuler" in cancel and "<hr" in pay  # apart, a rule between them
    for action in ("payer", "annuler"):
        answer = client.post(f"/admin/reglements/{run_id}/{action}", follow_redirects=True).get_data(as_text=True)
        assert "Cochez la case pour confirmer, puis réessayez." in answer
        with app.app_context():
            assert db.session.get(SettlementRun, run_id).status == "draft"  # nothing changed
            assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "settle")) == 0
    client.post(f"/admin/reglements/{run_id}/annuler", data={"confirm": "y"})
    with app.app_context():
        assert db.session.get(SettlementRun, run_id).status == "cancelled"


def test_sepa_file_needs_the_territory_iban(app, territory, client, monkeypatch):
    monkeypatch.setitem(app.config, "TERRITORY_IBAN", "")
    with app.app_context():
        run_id = settlement.create_run(*OCTOBER).id
    login(client, territory.admin_email)
    # Said before anyone clicks: no download link, the reason and what to do.
    for url in (f"/admin/reglements/{run_id}", "/admin/reglements"):
        page = client.get(url).get_data(as_text=True)
        assert 'data-testid="sepa-unavailable"' in page and "TERRITORY_IBAN et TERRITORY_BIC" in page
        assert "virements.xml" not in page
    # Called anyway: an error page (not a redirect a browser download would save as a file).
    response = client.get(f"/admin/reglements/{run_id}/virements.xml")
    assert response.status_code == 409 and response.mimetype == "text/html"
    assert "L&#39;IBAN du territoire (TERRITORY_IBAN) est absent" in response.get_data(as_text=True)


def test_a_period_not_over_yet_is_settled_only_once_confirmed(app, territory, client):
    from loyalty.clock import paris_day, utc_now

    login(client, territory.admin_email)
    this_week = {"period": "weekly", "day": paris_day(utc_now()).isoformat()}
    page = client.post("/admin/reglements", data=this_week)
    assert page.status_code == 200
    assert "Cette période n&#39;est pas terminée" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SettlementRun)) == 0
    done = client.post("/admin/reglements", data={**this_week, "settle_unfinished": "y"}, follow_redirects=True)
    assert "Règlement préparé : 2 relevés." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SettlementRun)) == 1


def test_settlement_from_the_command_line(app, territory, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["settlement", "run", "--period", "monthly", "--day", "2026-10-20"])
    assert result.exit_code == 0, result.output
    assert "Run 1: 2026-10-01 to 2026-10-31, 2 statements, 54,17 EUR." in result.output
    assert "Epicerie: 9,85  NO VALID IBAN" in result.output
    again = runner.invoke(args=["settlement", "run", "--day", "2026-10-20"])
    assert again.exit_code == 1 and "Rien à régler" in again.output
    output = tmp_path / "virements.xml"
    assert runner.invoke(args=["settlement", "sepa", "1", "-o", str(output)]).exit_code == 0
    validate(output.read_bytes())
    assert runner.invoke(args=["settlement", "pay", "1"]).output == "Run 1 paid.\n"
    assert "paiement n'a pas commencé" in runner.invoke(args=["settlement", "cancel", "1"]).output


def test_the_commission_goes_to_the_territory_commission_account(app, territory):
    with app.app_context():
        settlement.mark_paid(settlement.create_run(*OCTOBER))
        commission = db.session.scalar(select(Account).where(Account.kind == "commission"))
        assert commission.balance_cents == 68
        entry = db.session.scalar(select(Entry).where(Entry.kind == "commission"))
        assert (entry.shop_id, entry.amount_cents) == (territory.fournil_id, 68)
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "adjust")) == 0
        assert verify(db.session) == []


def test_a_run_whose_commission_was_adjusted_before_is_not_charged_twice(app, territory):
    """Runs paid before the commission account existed moved it with an `adjust` keyed
    "…:commission": resuming such a run does not take the commission again."""
    from loyalty import ledger

    with app.app_context():
        run = settlement.create_run(*OCTOBER)
        key = f"settlement:{run.id}:shop:{territory.fournil_id}"
        payable_id = db.session.scalar(select(Account.id).where(Account.shop_id == territory.fournil_id))
        db.session.commit()
        ledger.settle_shop(db.session, shop_id=territory.fournil_id, key=key, actor="system", amount_cents=4_432)
        ledger.adjust(db.session, account_id=payable_id, amount_cents=-68, key=f"{key}:commission",
                      actor="system", reason=f"Commission du règlement n° {run.id}")
        settlement.mark_paid(db.session.get(SettlementRun, run.id))
        assert payable(territory.fournil_id) == 700
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "commission")) == 0
        assert verify(db.session) == []


def _refund_after_the_run(territory, cents=2_500):
    """The baker refunds the rest of the 30 € payment once the run is computed."""
    from loyalty import ledger

    bought = db.session.scalar(select(Entry.id).where(Entry.idempotency_key == "r3"))
    db.session.commit()
    ledger.refund(db.session, purchase_id=bought, shop_id=territory.fournil_id, amount_cents=cents,
                  key="late-refund", actor="system")


def test_a_run_stopped_by_a_later_refund_is_recomputed_from_the_admin_page(app, territory, client):
    with app.app_context():
        run_id = settlement.create_run(*OCTOBER).id
        _refund_after_the_run(territory)
        with pytest.raises(settlement.SettlementError, match="Fournil"):
            settlement.mark_paid(db.session.get(SettlementRun, run_id))
        assert db.session.get(SettlementRun, run_id).status == "paying"
    login(client, territory.admin_email)
    page = client.get(f"/admin/reglements/{run_id}").get_data(as_text=True)
    assert "Le paiement de ce règlement s&#39;est arrêté" in page or "Le paiement de ce règlement s'est arrêté" in page
    assert "44,32" in page and "27,00" in page and "-25,00" in page.replace("−", "-")
    assert client.post(f"/admin/reglements/{run_id}/recalculer").status_code == 302
    with app.app_context():
        run = db.session.get(SettlementRun, run_id)
        fournil = next(s for s in run.statements if s.shop_id == territory.fournil_id)
        assert run.status == "draft"  # nothing was paid: a new SEPA file replaces the old one
        assert [line.amount_cents for line in fournil.lines] == [2_000, 1_500, -1_500, 3_000, -500, -2_500]
        assert (fournil.gross_cents, fournil.commission_cents, fournil.payout_cents) == (2_000, 30, 1_970)
        document = validate(credit_transfer_xml(run))
        assert Decimal(document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS)) == Decimal("19.70")
    assert client.post(f"/admin/reglements/{run_id}/payer", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(SettlementRun, run_id).status == "paid"
        assert payable(territory.fournil_id) == 700
        assert verify(db.session) == []


def test_the_unpaid_rest_of_a_stopped_run_can_be_cancelled(app, territory, client):
    with app.app_context():
        run_id = settlement.create_run(*OCTOBER).id
        _refund_after_the_run(territory)
        with pytest.raises(settlement.SettlementError):
            settlement.mark_paid(db.session.get(SettlementRun, run_id))
        assert settlement.stuck_statements(db.session.get(SettlementRun, run_id))[0]["owed_cents"] == 2_700
    login(client, territory.admin_email)
    assert 'id="confirm-cancel-unpaid"' in client.get(f"/admin/reglements/{run_id}").get_data(as_text=True)
    client.post(f"/admin/reglements/{run_id}/abandonner")  # not confirmed: nothing changes
    with app.app_context():
        assert db.session.get(SettlementRun, run_id).status == "paying"
    assert client.post(f"/admin/reglements/{run_id}/abandonner", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        run = db.session.get(SettlementRun, run_id)
        assert run.status == "cancelled" and {s.status for s in run.statements} == {"cancelled"}
        assert db.session.scalar(select(func.count()).select_from(SettlementLine)) == 0
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "settle")) == 0
        again = settlement.create_run(*OCTOBER)  # the lines go to the next run, the refund with them
        fournil = next(s for s in again.statements if s.shop_id == territory.fournil_id)
        assert fournil.gross_cents == 4_500
    # Recompute and cancel-the-rest are only for a stopped run.
    assert "s&#39;est arrêté" not in client.get(f"/admin/reglements/{run_id}").get_data(as_text=True)
    client.post(f"/admin/reglements/{again.id}/recalculer")
    with app.app_context():
        assert db.session.get(SettlementRun, again.id).status == "draft"


def test_a_stopped_run_from_the_command_line(app, territory):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["settlement", "run", "--day", "2026-10-20"]).exit_code == 0
    with app.app_context():
        _refund_after_the_run(territory)
    stopped = runner.invoke(args=["settlement", "pay", "1"])
    assert stopped.exit_code == 1 and "Fournil" in stopped.output
    assert runner.invoke(args=["settlement", "recompute", "1"]).output == "Run 1 recomputed.\n"
    assert "arrêté" in runner.invoke(args=["settlement", "cancel-unpaid", "1"]).output  # back to draft: refused
    assert runner.invoke(args=["settlement", "pay", "1"]).output == "Run 1 paid.\n"
    with app.app_context():
        assert payable(territory.fournil_id) == 700 and verify(db.session) == []
