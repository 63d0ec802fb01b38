"""The monthly closing: the statement agrees with the ledger (balances, `ledger verify`, the FEC),
downloads as CSV and PDF, and once the admin locks the month (after confirming) no entry can be
dated in it any more; corrections go in the next month."""
import csv
import html
import re
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from loyalty import closing as ledger_closing
from loyalty import ledger
from loyalty.models import Account, Grant
from loyalty.verify import verify
from marketplace import accounting, closing
from marketplace.extensions import db
from marketplace.models import AuditEvent, Employer
from tests.admin.conftest import at
from tests.conftest import login

OCTOBER = date(2026, 10, 1)


@pytest.fixture
def books(app, territory):
    with app.app_context():
        employer_id = db.session.scalar(select(Employer.id))
        # A grant that expires in October; the sweep (dated when it runs: this month) sends what is left
        # back to the employer.
        card_id = territory.card_id
        ledger.issue_grant(db.session, card_id=card_id, amount_cents=3_000, label="Rentrée", expires_on=date(2026, 10, 2),
                           key="issue:short", actor="system", employer_id=employer_id, now=at(1))
        ledger.expire_grants(db.session, today=date(2026, 10, 3))
        ledger.settle_shop(db.session, shop_id=territory.fournil_id, key="settle", actor="system",
                           amount_cents=4_000, now=at(20))
        accounting.ensure_default_chart()
        db.session.commit()
    return territory


def test_the_statement_agrees_with_the_ledger(app, books):
    with app.app_context():
        assert verify(db.session) == []
        october = closing.statement(OCTOBER)
        [laiterie] = october.funders
        assert laiterie.label == "Laiterie"
        # 1000 € received, 500 € + 30 € granted; on the card: 500 − 20 − 30 + 5 − 10 € and the 30 € not yet swept.
        assert laiterie.unassigned_cents == 100_000 - 50_000 - 3_000
        assert laiterie.on_cards_cents == 50_000 - 2_000 - 3_000 + 500 - 1_000 + 3_000
        assert [(line.label, line.count, line.amount_cents) for line in october.funds_received] == [
            ("Laiterie", 1, 100_000)]
        assert october.paid_to_shops.amount_cents == 4_000 and october.paid_to_shops.count == 1
        assert october.expired == []
        assert october.balanced
        assert october.debit_cents == october.credit_cents

        # The latest month's closing balances are the ledger's balances, per funder and per account.
        latest = closing.statement(closing.months()[0])
        assert [(line.label, line.count, line.amount_cents) for line in latest.expired] == [("Laiterie", 1, 3_000)]
        purses = dict(db.session.execute(
            select(Grant.funder_account_id, func.sum(Account.balance_cents))
            .join(Account, Account.id == Grant.account_id).group_by(Grant.funder_account_id)).all())
        funding = db.session.scalar(select(Account.balance_cents).where(Account.kind == "employer_funding"))
        assert [(line.on_cards_cents, line.unassigned_cents) for line in latest.funders] == [
            (sum(purses.values()), funding)]
        assert latest.outstanding_cents == sum(purses.values())  # no pending hold
        owed = db.session.scalar(select(func.sum(Account.balance_cents)).where(Account.kind == "shop_payable"))
        assert latest.owed_to_shops_cents == owed
        chart = accounting.chart_resolver()
        by_number = {}
        for account in db.session.scalars(select(Account)):
            number = chart.line_of(account.code if account.kind == "external" else None, account.kind).number
            by_number[number] = by_number.get(number, 0) + account.balance_cents
        assert {line.number: line.closing_cents for line in latest.balances} == by_number
        # November opens where October closed.
        november = closing.statement(date(2026, 11, 1))
        assert ({line.number: line.opening_cents for line in november.balances}
                == {line.number: line.closing_cents for line in october.balances})


def test_the_statement_month_moves_are_the_fec_of_the_month(app, books, tmp_path):
    out = tmp_path / "fec.txt"
    result = app.test_cli_runner().invoke(args=["accounting", "fec", "--from", "2026-10-01", "--to", "2026-10-31",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode()), delimiter="\t", quoting=csv.QUOTE_NONE))
    debits = {}
    for row in rows:
        whole, cents = row["Debit"].split(",")
        debits[row["CompteNum"]] = debits.get(row["CompteNum"], 0) + int(whole) * 100 + int(cents)
    with app.app_context():
        october = closing.statement(OCTOBER)
    assert {line.number: line.debit_cents for line in october.balances if line.debit_cents} == {
        number: cents for number, cents in debits.items() if cents}


def test_csv_and_pdf(app, books, client):
    login(client, books.admin_email)
    page = client.get("/admin/comptabilite/clotures/2026-10")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Laiterie" in text and "Registre vérifié : aucune anomalie." in text and "Relevé équilibré." in text

    sheet = client.get("/admin/comptabilite/clotures/2026-10.csv")
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert ["Laiterie", "470,00", "475,00", "945,00"] in rows
    assert ["Reversé aux commerces", "1", "40,00"] in rows

    pdf = client.get("/admin/comptabilite/clotures/2026-10.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    body = pdf.get_data()
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    assert "(Relevé mensuel — 10/2026)".encode("cp1252") in body
    assert b"(Laiterie)" in body and "(475,00\xa0€)".encode("cp1252") in body
    assert client.get("/admin/comptabilite/clotures/octobre").status_code == 404


def test_the_admin_locks_a_month_after_confirming_and_it_takes_no_back_dated_entry(app, books, client):
    login(client, books.admin_email)
    assert client.post("/admin/comptabilite/clotures/2026-10/cloturer").status_code == 302  # not confirmed
    with app.app_context():
        assert ledger_closing.latest_closed_month(db.session) is None

    assert client.post("/admin/comptabilite/clotures/2026-10/cloturer", data={"confirm": "y"}).status_code == 302
    page = client.get("/admin/comptabilite/clotures/2026-10").get_data(as_text=True)
    assert "Mois clôturé le" in page and "admin@example.fr" in page
    assert "clôturé" in client.get("/admin/comptabilite/clotures").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="ledger.close_month"))
        assert event.actor == "admin@example.fr" and event.after["month"] == "2026-10-01"
        assert event.after["paid_to_shops_cents"] == 4_000
        row = db.session.scalar(select(ledger_closing.ClosedMonth))
        assert row.month == OCTOBER and row.figures == {k: v for k, v in event.after.items() if k != "month"}

        for when in (at(31, hour=12), at(15, month=9)):
            with pytest.raises(ledger_closing.PeriodClosed):
                ledger.redeem(db.session, card_id=books.card_id, shop_id=books.fournil_id, amount_cents=100,
                              key=f"late:{when}", actor="system", now=when)
            with pytest.raises(ledger_closing.PeriodClosed):
                ledger.settle_shop(db.session, shop_id=books.fournil_id, key=f"settle:{when}", actor="system",
                                   now=when)
        # November is open: a correction goes there.
        ledger.redeem(db.session, card_id=books.card_id, shop_id=books.fournil_id, amount_cents=100,
                      key="november", actor="system", now=at(4, month=11))
        assert verify(db.session) == []
        assert closing.statement(OCTOBER).locked is not None
        assert closing.statement(date(2026, 9, 1)).locked is not None  # the months before are closed too

    again = client.post("/admin/comptabilite/clotures/2026-10/cloturer", data={"confirm": "y"}, follow_redirects=True)
    assert "Ce mois est déjà clôturé." in again.get_data(as_text=True)


def test_the_current_month_cannot_be_locked(app, books, client):
    login(client, books.admin_email)
    with app.app_context():
        current = closing.months()[0]
    month = current.strftime("%Y-%m")
    page = client.get(f"/admin/comptabilite/clotures/{month}").get_data(as_text=True)
    assert "Ce mois n'est pas terminé" in page
    refused = client.post(f"/admin/comptabilite/clotures/{month}/cloturer", data={"confirm": "y"},
                          follow_redirects=True)
    assert "n'est pas terminé : il ne peut être clôturé qu'une fois fini." in html.unescape(refused.get_data(as_text=True))
    with app.app_context():
        assert ledger_closing.latest_closed_month(db.session) is None


def test_a_ledger_with_a_problem_cannot_be_locked(app, books, client):
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.kind == "employer_funding"))
        db.session.execute(Account.__table__.update().where(Account.__table__.c.id == account.id)
                           .values(balance_cents=Account.__table__.c.balance_cents + 1))
        db.session.commit()
    login(client, books.admin_email)
    refused = client.post("/admin/comptabilite/clotures/2026-10/cloturer", data={"confirm": "y"},
                          follow_redirects=True)
    refusal = html.unescape(refused.get_data(as_text=True))
    assert re.search(r"présente \d+ anomalies? \(ledger verify\) : corrigez-l", refusal)
    with app.app_context():
        assert ledger_closing.latest_closed_month(db.session) is None


def test_without_a_chart_line_the_statement_says_which(app, books, client):
    from marketplace.models.accounting import ChartAccount

    with app.app_context():
        db.session.delete(db.session.scalar(select(ChartAccount).filter_by(ledger_key="purse")))
        db.session.commit()
    login(client, books.admin_email)
    assert client.get("/admin/comptabilite/clotures").status_code == 200
    for url in ("/admin/comptabilite/clotures/2026-10", "/admin/comptabilite/clotures/2026-10.pdf"):
        refused = client.get(url)
        assert refused.status_code == 409 and "« purse »" in refused.get_data(as_text=True)
    client.post("/admin/comptabilite/clotures/2026-10/cloturer", data={"confirm": "y"})
    with app.app_context():
        assert ledger_closing.latest_closed_month(db.session) is None
