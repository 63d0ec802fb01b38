"""The territory's bank statement in CFONB 120 (tests/data/, written as French banks send them:
CRLF records of 120 characters, 05 complements with the payer's name and the end-to-end reference):
the same import and matching as CAMT.053 — a campaign's transfer funds it, a settlement transfer
marks its run paid, the bank's fees wait for the admin; the same file twice changes nothing; a bad
line is refused with its number and stores nothing."""
from datetime import date
from pathlib import Path

from sqlalchemy import select

from loyalty.verify import verify
from marketplace import bank_statements, cfonb120
from marketplace.extensions import db
from marketplace.models import BankLine, BankStatement, Campaign, SettlementRun
from tests.camt053 import TERRITORY_IBAN

from .test_bank_statements import counts, lines_by_match, settled, text, upload  # noqa: F401  (fixture)
from .test_transfer_received import awaiting, territory_account  # noqa: F401  (fixtures)

DATA = Path(__file__).resolve().parents[1] / "data"
NOVEMBER = (DATA / "releve-cfonb120-novembre.txt").read_bytes()


def test_a_cfonb_statement_funds_the_campaign_pays_the_settlement_and_twice_changes_nothing(
        app, awaiting, settled):
    assert awaiting["campaign"] == 1 and settled["number"] == "R0001-00002"  # the references the file carries
    page = text(upload(awaiting["admin"], NOVEMBER, "RELEVE.TXT"))
    assert "Relevé importé : 3 nouvelles lignes" in page
    assert lines_by_match(app) == {"exact": "matched", "settlement": "matched", "unknown_debit": "unmatched"}
    with app.app_context():
        assert db.session.get(Campaign, awaiting["campaign"]).status == "funded"
        assert db.session.get(SettlementRun, settled["run"]).status == "paid"
        row = db.session.scalar(select(BankStatement))
        assert (row.account_iban, row.message_version, row.opening_balance_cents, row.closing_balance_cents,
                row.closing_date) == (TERRITORY_IBAN, "cfonb120", 100_000, 143_450, date(2026, 11, 30))
        transfer = db.session.scalar(select(BankLine).where(BankLine.match == "exact"))
        assert (transfer.counterparty_name, transfer.bank_reference) == ("LAITERIE DE SEMUR SAS", "0004711")
        assert "HALLE CAMPAGNE 1" in transfer.reference
        paid = db.session.scalar(select(BankLine).where(BankLine.match == "settlement"))
        assert paid.end_to_end_id == "HALLE-R0001-00002" and paid.amount_cents == -7_500
        assert verify(db.session) == []
    assert "FRAIS TENUE DE COMPTE NOV" in text(awaiting["admin"].get("/admin/banque"))
    before = counts(app)
    page = text(upload(awaiting["admin"], NOVEMBER, "RELEVE.TXT"))
    assert "est déjà importé : rien n&#39;a changé." in page
    # The same records run together without line breaks (some banks' transfers): the same lines, stored once.
    upload(awaiting["admin"], NOVEMBER.replace(b"\r\n", b""), "RELEVE-BRUT.TXT")
    assert counts(app) == before


def test_a_bad_line_is_refused_with_its_number_and_nothing_is_stored(app, awaiting, settled):
    before = counts(app)
    page = text(upload(awaiting["admin"], (DATA / "releve-cfonb120-ligne-invalide.txt").read_bytes(), "RELEVE.TXT"))
    assert ("Relevé refusé : Relevé CFONB 120 : Ligne 6 : montant « 0000000000750X » illisible (13 chiffres, puis "
            "un chiffre codé par une lettre pour le signe).") in page
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(Campaign, awaiting["campaign"]).status == "awaiting_payment"


def test_the_format_rules_each_name_their_line(app):
    records = NOVEMBER.decode("latin-1").split("\r\n")[:-1]

    def refused(lines) -> str:
        try:
            bank_statements.parse_statements("\r\n".join(lines).encode("latin-1"))
        except bank_statements.BankStatementError as error:
            return str(error)
        raise AssertionError("accepted")

    with app.test_request_context():
        assert "Ligne 10 : le nouveau solde (1 434,50 €) n'est pas l'ancien (1 000,00 €) plus les mouvements " \
               "(436,00 €)" in refused(records[:9] + records[10:]).replace("\u202f", " ").replace("\xa0", " ")
        assert "n'a pas de nouveau solde" in refused(records[:-1])
        assert "Ligne 2 : devise « USD »" in refused([records[0], records[1].replace("EUR", "USD"), *records[2:]])
        assert "Ligne 3 : 121 caractères" in refused([*records[:2], records[2] + "X", *records[3:]])
        assert "Ligne 2 : « 311326 » n'est pas une date JJMMAA" in refused(
            [records[0], records[1][:34] + "311326" + records[1][40:], *records[2:]]).replace("date d'opération ", "")
        assert "Ligne 2 : code d'enregistrement « 03 » inconnu" in refused([records[0], "03" + records[1][2:],
                                                                             *records[2:]])
        assert "Ligne 2 : complément (05) sans mouvement (04)" in refused([records[0], *records[2:]])
        assert cfonb120.french_iban("30001", "00215", "21140000001") == TERRITORY_IBAN
        # Amounts: the last digit and the sign in one letter, the decimals as the record says.
        assert cfonb120.amount_cents("0000000005110{", "2", 1) == 51_100
        assert cfonb120.amount_cents("0000000000015}", "2", 1) == -150
        assert cfonb120.amount_cents("0000000000123R", "0", 1) == -123_900
        assert cfonb120.amount_cents("0000000001234{", "3", 1) == 1_234
        assert "Ligne 6 : montant avec des fractions de centime." in refused(
            [*records[:5], records[5][:19] + "3" + records[5][20:90] + "0000000001234E" + records[5][104:],
             *records[6:]])
