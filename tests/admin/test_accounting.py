"""The FEC export, checked by a parser of the format written from the text of article A47 A-1 of the
Livre des procédures fiscales, not from the code that writes it (tests/fec_check.py): the 18 columns
in order, dates YYYYMMDD, amounts with a decimal comma, each entry balanced, entries numbered per
journal without gap; and here the totals equal to the ledger's movements over the period."""
import html
from collections import defaultdict
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from loyalty import ledger, sales
from loyalty.clock import paris_day_bounds
from loyalty.models import Entry, Posting
from marketplace import accountant, accounting
from marketplace.extensions import db
from marketplace.models import AuditEvent
from marketplace.models.accounting import ChartAccount
from tests.admin.conftest import at
from tests.conftest import login
from tests.fec_check import read_fec

def ledger_movements(first: date, last: date) -> tuple[int, int]:
    """What the ledger moved over the period: (out of accounts, into accounts)."""
    start, end = paris_day_bounds(first)[0], paris_day_bounds(last)[1]
    dated = (select(Posting.amount_cents).join(Entry).where(Entry.created_at >= start, Entry.created_at < end)
             .subquery())
    out = -db.session.scalar(select(func.coalesce(func.sum(dated.c.amount_cents), 0)).where(dated.c.amount_cents < 0))
    into = db.session.scalar(select(func.coalesce(func.sum(dated.c.amount_cents), 0)).where(dated.c.amount_cents > 0))
    return out, into


@pytest.fixture
def books(app, territory):
    """The October of the admin tests, plus money by card (Stripe), an online sale and its refund, and a
    settlement with its commission; the chart of accounts as the migration seeds it."""
    with app.app_context():
        from marketplace.models import Employer

        employer_id = db.session.scalar(select(Employer.id))
        ledger.fund(db.session, amount_cents=20_000, key="fund:stripe", actor="system", employer_id=employer_id,
                    source="stripe", now=at(2))
        sale = sales.record_online_sale(db.session, shop_id=territory.fournil_id, amount_cents=4_200,
                                        payment_ref="pi_1", key="sale", actor="system", now=at(15))
        sales.refund_online_sale(db.session, sale_entry_id=sale.entry_id, amount_cents=1_200, key="salerefund",
                                 actor="system", now=at(16))
        ledger.settle_shop(db.session, shop_id=territory.fournil_id, key="settle", actor="system",
                           amount_cents=5_000, now=at(20))
        sales.take_commission(db.session, shop_id=territory.fournil_id, amount_cents=75, memo="Commission",
                              key="commission", actor="system", now=at(20))
        accounting.ensure_default_chart()
        db.session.commit()
    return territory


def export(app, tmp_path, first="2026-10-01", last="2026-10-31", separator="tab") -> str:
    out = tmp_path / f"fec-{separator}.txt"
    result = app.test_cli_runner().invoke(args=["accounting", "fec", "--from", first, "--to", last,
                                                "--out", str(out), "--separator", separator])
    assert result.exit_code == 0, result.output
    return out.read_bytes().decode("utf-8")


def test_the_fec_of_a_month_passes_the_independent_check(app, books, tmp_path):
    text = export(app, tmp_path)
    assert text.endswith("\r\n")
    lines = read_fec(text, "\t", date(2026, 10, 1), date(2026, 10, 31))
    with app.app_context():
        out, into = ledger_movements(date(2026, 10, 1), date(2026, 10, 31))
        october_entries = db.session.scalar(select(func.count()).select_from(Entry).where(
            Entry.created_at >= datetime(2026, 9, 30, 22), Entry.created_at < datetime(2026, 10, 31, 23)))
    assert sum(line["Debit"] for line in lines) == out
    assert sum(line["Credit"] for line in lines) == into
    assert len({(line["JournalCode"], line["EcritureNum"]) for line in lines}) == october_entries == 13
    assert "20261103" not in text  # November's payment is not in October's file

    journals = {line["PieceRef"]: line["JournalCode"] for line in lines}
    by_kind = defaultdict(set)
    with app.app_context():
        for entry_id, kind in db.session.execute(select(Entry.id, Entry.kind)):
            if str(entry_id) in journals:
                by_kind[kind].add(journals[str(entry_id)])
    assert by_kind == {"fund": {"BQ", "STR"}, "issue": {"CAM"}, "redeem": {"CAR"}, "void": {"CAR"},
                       "refund": {"CAR"}, "sale": {"VEL"}, "salerefund": {"VEL"}, "settle": {"REG"},
                       "commission": {"REG"}}

    # The bank transfer: the bank (512) is debited, the employer (419, auxiliary account) credited.
    transfer = [line for line in lines if line["JournalCode"] == "BQ"]
    assert sorted((line["CompteNum"], line["Debit"], line["Credit"]) for line in transfer) == [
        ("419100", 0, 100_000), ("512000", 100_000, 0)]
    employer_line = next(line for line in transfer if line["CompteNum"] == "419100")
    assert employer_line["CompAuxNum"].startswith("EMP") and employer_line["CompAuxLib"] == "Laiterie"
    assert employer_line["EcritureDate"] == "20261001"
    # A card payment: the card's credit (419800) debited, the shop (401, auxiliary) credited.
    payment = [line for line in lines if line["JournalCode"] == "CAR" and line["EcritureNum"] == "1"]
    assert {(line["CompteNum"], line["CompAuxLib"], line["Debit"], line["Credit"]) for line in payment} == {
        ("419800", "", 2_000, 0), ("401000", "Fournil", 0, 2_000)}
    assert payment[0]["EcritureDate"] == "20261005" and "Fournil" in payment[0]["EcritureLib"]
    # The settlement pays the shop from the bank; the commission is income (706).
    settle = {line["CompteNum"]: line for line in lines if line["JournalCode"] == "REG" and line["EcritureNum"] == "1"}
    assert settle["401000"]["Debit"] == 5_000 and settle["512000"]["Credit"] == 5_000
    assert any(line["CompteNum"] == "706000" and line["Credit"] == 75 for line in lines)


def test_a_pipe_separated_fec_of_a_longer_period_and_an_empty_one(app, books, tmp_path):
    text = export(app, tmp_path, "2026-09-01", "2026-11-30", "pipe")
    lines = read_fec(text, "|", date(2026, 9, 1), date(2026, 11, 30))
    with app.app_context():
        assert sum(line["Debit"] for line in lines) == ledger_movements(date(2026, 9, 1), date(2026, 11, 30))[0]
    assert any(line["EcritureDate"] == "20261103" for line in lines)
    empty = export(app, tmp_path, "2025-01-01", "2025-01-31")
    assert read_fec(empty, "\t", date(2025, 1, 1), date(2025, 1, 31)) == []


def test_the_command_refuses_bad_dates_and_a_missing_chart_line(app, books, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["accounting", "fec", "--from", "01/10/2026", "--to", "2026-10-31",
                                 "--out", str(tmp_path / "x.txt")])
    assert result.exit_code != 0 and "--from" in result.output
    result = runner.invoke(args=["accounting", "fec", "--from", "2026-10-31", "--to", "2026-10-01",
                                 "--out", str(tmp_path / "x.txt")])
    assert result.exit_code != 0 and "précède" in result.output
    with app.app_context():
        db.session.delete(db.session.scalar(select(ChartAccount).filter_by(ledger_key="purse")))
        db.session.commit()
    result = runner.invoke(args=["accounting", "fec", "--from", "2026-10-01", "--to", "2026-10-31",
                                 "--out", str(tmp_path / "x.txt")])
    assert result.exit_code != 0 and "purse" in result.output
    assert not (tmp_path / "x.txt").exists()


def test_the_admin_page_shows_the_period_and_downloads_the_same_file(app, books, client, tmp_path):
    login(client, books.admin_email)
    page = client.get("/admin/comptabilite?du=2026-10-01&au=2026-10-31&separateur=tab")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "13 écritures" in body and "Télécharger le FEC" in body
    download = client.get("/admin/comptabilite/fec.txt?du=2026-10-01&au=2026-10-31&separateur=tab")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=FEC20261031.txt"
    assert download.get_data(as_text=True) == export(app, tmp_path)

    bad = client.get("/admin/comptabilite?du=2026-13-01&au=2026-10-31")
    assert bad.status_code == 200 and "Du : « 2026-13-01 » n&#39;est pas une date (jj/mm/aaaa)." in bad.get_data(
        as_text=True)
    assert client.get("/admin/comptabilite/fec.txt?du=nope&au=2026-10-31").status_code == 400
    reversed_period = client.get("/admin/comptabilite?du=2026-10-31&au=2026-10-01").get_data(as_text=True)
    assert "La fin de la période précède son début." in reversed_period


def test_the_admin_edits_the_chart_and_the_export_follows(app, books, client, tmp_path):
    login(client, books.admin_email)
    page = client.get("/admin/comptabilite/plan")
    assert page.status_code == 200 and "419800" in page.get_data(as_text=True)
    # Each line is named in words, its ledger key under the name (for the accountant).
    chart = page.get_data(as_text=True).split('data-testid="chart"')[1]
    assert ('<th scope="row">Crédit disponible sur les cartes <small><code>purse</code></small></th>' in chart
            and "Banque du territoire : virements reçus et émis <small><code>external:bank</code>" in chart)
    assert set(accounting.LEDGER_KEY_NAMES) == set(accounting.LEDGER_KEYS)  # none left as a bare key
    with app.app_context():
        form = {f"{field}-{row.ledger_key}": value for row in accounting.chart_rows()
                for field, value in (("number", row.number), ("label", row.label), ("aux", row.aux_prefix or ""))}
    refused = client.post("/admin/comptabilite/plan", data={**form, "number-purse": "4 19",
                                                             "label-shop_payable": " "})
    text = refused.get_data(as_text=True)
    assert ("Ligne « Crédit disponible sur les cartes » : le numéro de compte" in text
            and "Ligne « Sommes dues aux commerces, pas encore réglées » : le libellé" in text)
    with app.app_context():
        assert db.session.scalar(select(ChartAccount.number).filter_by(ledger_key="purse")) == "419800"

    saved = client.post("/admin/comptabilite/plan", data={**form, "number-purse": "4672",
                                                           "label-purse": "Titulaires de cartes (M57)",
                                                           "aux-shop_payable": "F"})
    assert saved.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="accounting.chart"))
        assert event.before["purse"][0] == "419800" and event.after["purse"][0] == "4672"
    lines = read_fec(export(app, tmp_path), "\t", date(2026, 10, 1), date(2026, 10, 31))
    assert {line["CompteLib"] for line in lines if line["CompteNum"] == "4672"} == {"Titulaires de cartes (M57)"}
    assert "419800" not in {line["CompteNum"] for line in lines}
    assert {line["CompAuxNum"] for line in lines if line["CompteNum"] == "401000"} == {f"F{books.fournil_id:05d}",
                                                                                        f"F{books.epicerie_id:05d}"}


def test_without_a_chart_line_the_page_says_which_and_offers_no_download(app, books, client):
    with app.app_context():
        db.session.delete(db.session.scalar(select(ChartAccount).filter_by(ledger_key="shop_payable")))
        db.session.commit()
    login(client, books.admin_email)
    page = client.get("/admin/comptabilite?du=2026-10-01&au=2026-10-31").get_data(as_text=True)
    assert "« shop_payable »" in page and "Télécharger le FEC" not in page
    download = client.get("/admin/comptabilite/fec.txt?du=2026-10-01&au=2026-10-31")
    assert download.status_code == 409 and "shop_payable" in download.get_data(as_text=True)


def test_the_checker_refuses_what_the_format_forbids(app, books, tmp_path):
    """The independent check is not a rubber stamp: each broken rule is caught."""
    from tests.fec_check import FecError

    text = export(app, tmp_path)
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    header, *lines = text.split("\r\n")
    broken = {
        "dot": text.replace("\t20,00\t", "\t20.00\t", 1),
        "date": text.replace("\t20261005\t", "\t2026-10-05\t", 1),
        "order": text.replace("JournalLib\tEcritureNum", "EcritureNum\tJournalLib", 1),
        "unbalanced": "\r\n".join([header, *lines[1:]]),
        "gap": "\r\n".join([header, *[line for line in lines if not line.startswith("CAR\t")
                                      or line.split("\t")[2] != "2"]]),
    }
    for name, bad in broken.items():
        with pytest.raises(FecError):
            read_fec(bad, "\t", first, last)
            pytest.fail(name)
    with pytest.raises(FecError):
        read_fec(text, "\t", date(2026, 10, 2), last)  # a line dated before the period


def test_each_month_s_books_go_to_the_accountant_once_with_no_click(app, books, client, tmp_path):
    """The admin gives the accountant's address once; from then on, early each month, the month
    before's FEC (zipped, the same as the download) and its statement (PDF, CSV) go there, once."""
    import io
    import zipfile

    from marketplace import periodic
    from marketplace.mail import outbox

    login(client, books.admin_email)
    november = date(2026, 11, 1)
    with app.app_context():
        assert periodic.send_books_to_accountant in [job for job, *_ in periodic.PERIODIC]
        assert accountant.send_last_month(november) is None  # no address: nothing goes
    refused = client.post("/admin/comptabilite/cabinet", data={"email": "cabinet@"}, follow_redirects=True)
    assert "E-mail du cabinet comptable : adresse invalide « cabinet@ »." in html.unescape(
        refused.get_data(as_text=True))
    long = client.post("/admin/comptabilite/cabinet", data={"email": "c" * 300 + "@cabinet.fr"}, follow_redirects=True)
    assert "E-mail du cabinet comptable : 254 caractères au plus." in html.unescape(long.get_data(as_text=True))
    saved = client.post("/admin/comptabilite/cabinet", data={"email": "Compta@Cabinet-Martin.fr"},
                        follow_redirects=True).get_data(as_text=True)
    assert "partiront à compta@cabinet-martin.fr" in saved and 'value="compta@cabinet-martin.fr"' in saved

    with app.app_context():
        assert accountant.send_last_month(date(2026, 10, 15)) is None  # September: before the first entry
        assert accountant.send_last_month(november) == "2026-10"
        assert accountant.send_last_month(date(2026, 11, 20)) is None  # once a month
        [mail] = [m for m in outbox() if m["To"] == "compta@cabinet-martin.fr"]
        assert mail["Subject"] == "Comptabilité de la carte du territoire : 10/2026"
        assert "Ce mois est encore ouvert" in mail.get_body(("plain",)).get_content()
        files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
        assert set(files) == {"FEC20261031.txt.zip", "releve-mensuel-2026-10.pdf", "releve-mensuel-2026-10.csv"}
        with zipfile.ZipFile(io.BytesIO(files["FEC20261031.txt.zip"])) as archive:
            assert archive.read("FEC20261031.txt").decode("utf-8") == export(app, tmp_path)
        assert files["releve-mensuel-2026-10.pdf"].startswith(b"%PDF")
    page = client.get("/admin/comptabilite").get_data(as_text=True)
    assert "Dernier mois envoyé : 10/2026." in page

    # Emptied: nothing more goes.
    client.post("/admin/comptabilite/cabinet", data={"email": ""})
    with app.app_context():
        assert accountant.send_last_month(date(2026, 12, 1)) is None
