"""The territory's bank statement (CAMT.053) reconciles itself: campaign transfers (exact, partial,
too much, unknown reference), settlement transfers, Stripe payouts; the same statement twice
changes nothing; a bad file is refused with a message naming what is wrong and stores nothing."""
import io
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from loyalty import closing, ledger, sales
from loyalty.clock import paris_day, utc_now
from loyalty.models import Account, Entry
from loyalty.verify import verify
from marketplace import accounting, bank_statements, campaigns, settlement
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import BankLine, BankStatement, Campaign, SettlementRun, Shop
from tests.camt053 import TERRITORY_IBAN, Line, Tx, statement
from tests.conftest import login
from tests.fec_check import read_fec

from .test_campaigns import create
from .test_transfer_received import awaiting, territory_account  # noqa: F401  (fixtures)

SHOP_IBAN = "FR7630006000011234567890189"
NOV = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}


def upload(admin, data: bytes, name: str = "releve.xml"):
    return admin.post("/admin/banque", data={"file": (io.BytesIO(data), name)},
                      content_type="multipart/form-data", follow_redirects=True)


def text(response) -> str:
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")


def transfer(campaign_id: int, cents: int, ref: str = "2026113000001", day: int = 12) -> Line:
    return Line(cents, date(2026, 11, day), ref, [Tx(cents, "NOTPROVIDED", f"VIR SEPA HALLE CAMPAGNE {campaign_id} NOEL",
                                                     "LAITERIE DE SEMUR SAS", "FR7610107001011234567890129")])


def lines_by_match(app) -> dict:
    with app.app_context():
        return {line.match: line.status for line in db.session.scalars(select(BankLine))}


def counts(app) -> tuple:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (BankStatement, BankLine, Entry))


def campaign_state(app, campaign_id):
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        return (campaign.status, sorted((p.method, p.status, p.amount_cents) for p in campaign.payments),
                campaigns.available_credit_cents(campaign.employer_id))


def test_an_exact_transfer_funds_the_campaign_with_no_click_and_twice_changes_nothing(
        app, awaiting, territory_account):
    data = statement("STMT-2026-11-30", [transfer(awaiting["campaign"], 51_100)], **NOV)
    page = text(upload(awaiting["admin"], data))
    assert "Relevé importé : 1 nouvelle ligne" in page
    assert campaign_state(app, awaiting["campaign"]) == ("funded", [("bank", "succeeded", 51_100)], 0)
    assert lines_by_match(app) == {"exact": "matched"}
    with app.app_context():
        assert outbox()[-1]["Subject"].startswith("Paiement reçu pour la campagne")
        line = db.session.scalar(select(BankLine))
        assert db.session.get(Entry, line.ledger_entry_id).amount_cents == 51_100
        assert db.session.scalar(select(BankLine.counterparty_name)) == "LAITERIE DE SEMUR SAS"
    before = counts(app)
    page = text(upload(awaiting["admin"], data))
    assert "Ce relevé (STMT-2026-11-30) est déjà importé : rien n&#39;a changé." in page
    assert counts(app) == before
    # The same line in a later statement (a re-sent month, another statement id) is not stored twice.
    upload(awaiting["admin"], statement("STMT-2026-11-30-BIS", [transfer(awaiting["campaign"], 51_100)], **NOV))
    assert counts(app)[1:] == before[1:]


def test_a_partial_transfer_waits_for_the_admin_who_records_it(app, hr_client, awaiting, territory_account):
    upload(awaiting["admin"], statement("STMT-P", [transfer(awaiting["campaign"], 40_000)], **NOV))
    assert lines_by_match(app) == {"partial": "to_decide"}
    assert campaign_state(app, awaiting["campaign"]) == ("awaiting_payment", [("bank", "pending", 51_100)], 0)
    page = text(awaiting["admin"].get("/admin/banque"))
    assert "Il manque 111,00 €. Enregistrez-le : la campagne attendra le reste" in page
    with app.app_context():
        line_id = db.session.scalar(select(BankLine.id))
    answer = awaiting["admin"].post(f"/admin/banque/lignes/{line_id}/campagne",
                                    data={"campaign_id": awaiting["campaign"]}, follow_redirects=True)
    assert "Virement de 400,00 € enregistré pour la campagne." in text(answer)
    assert campaign_state(app, awaiting["campaign"]) == (
        "awaiting_payment", [("bank", "pending", 11_100), ("bank", "succeeded", 40_000)], 0)
    assert lines_by_match(app) == {"partial": "matched"}
    # The rest arrives on the next statement: of the amount still asked, it funds the campaign.
    upload(awaiting["admin"], statement("STMT-P2", [transfer(awaiting["campaign"], 11_100, ref="2026120100002")],
                                        start=date(2026, 12, 1), end=date(2026, 12, 1), opening=40_000))
    assert campaign_state(app, awaiting["campaign"])[0] == "funded"


def test_more_than_asked_waits_then_funds_with_the_surplus_as_credit(app, awaiting, territory_account):
    upload(awaiting["admin"], statement("STMT-O", [transfer(awaiting["campaign"], 60_000)], **NOV))
    assert lines_by_match(app) == {"over": "to_decide"}
    assert "89,00 € de plus que demandé" in text(awaiting["admin"].get("/admin/banque"))
    with app.app_context():
        line_id = db.session.scalar(select(BankLine.id))
    awaiting["admin"].post(f"/admin/banque/lignes/{line_id}/campagne", data={"campaign_id": awaiting["campaign"]})
    assert campaign_state(app, awaiting["campaign"]) == ("funded", [("bank", "succeeded", 60_000)], 8_900)


def test_an_unknown_reference_is_listed_and_the_admin_says_what_was_done(app, awaiting, territory_account):
    stranger = Line(2_500, date(2026, 11, 14), "2026111400007",
                    [Tx(2_500, "NOTPROVIDED", "REMBT TROP PERCU", "M DUPONT JEAN", "FR7630004000031234567890143")])
    fees = Line(-1_200, date(2026, 11, 30), "2026113000099", info="FRAIS TENUE DE COMPTE NOVEMBRE")
    upload(awaiting["admin"], statement("STMT-U", [stranger, fees], **NOV))
    assert lines_by_match(app) == {"unknown_reference": "unmatched", "unknown_debit": "unmatched"}
    page = text(awaiting["admin"].get("/admin/banque"))
    assert "M DUPONT JEAN" in page and "Retrouvez l&#39;émetteur" in page and "FRAIS TENUE DE COMPTE" in page
    with app.app_context():
        ids = dict(db.session.execute(select(BankLine.match, BankLine.id)).all())
    answer = awaiting["admin"].post(f"/admin/banque/lignes/{ids['unknown_debit']}/traitee", data={"note": ""},
                                    follow_redirects=True)
    assert "Note : dites en quelques mots ce qui a été fait" in text(answer)
    awaiting["admin"].post(f"/admin/banque/lignes/{ids['unknown_debit']}/traitee",
                           data={"note": "Frais bancaires du mois"})
    assert lines_by_match(app)["unknown_debit"] == "handled"
    # The stranger's transfer was in fact the campaign's (its sender forgot the reference).
    awaiting["admin"].post(f"/admin/banque/lignes/{ids['unknown_reference']}/campagne",
                           data={"campaign_id": awaiting["campaign"]})
    assert campaign_state(app, awaiting["campaign"]) == (
        "awaiting_payment", [("bank", "pending", 48_600), ("bank", "succeeded", 2_500)], 0)
    assert bank_statements_waiting(app) == 0


def fee_entries(app) -> list[tuple[int, str]]:
    """The bank fees booked: (amount, journal) of each bank_fee entry."""
    with app.app_context():
        return [(entry.amount_cents, accounting.journal_of(entry.kind, set()))
                for entry in db.session.scalars(select(Entry).where(Entry.kind == "bank_fee").order_by(Entry.id))]


def test_bank_fees_are_booked_once_and_their_kept_label_books_the_next_months_with_no_click(
        app, hr_client, awaiting, territory_account):
    admin = awaiting["admin"]
    received = transfer(awaiting["campaign"], 51_100)
    november_fee = Line(-1_200, date(2026, 11, 30), "2026113000099", info="FRAIS TENUE DE COMPTE NOVEMBRE 2026")
    upload(admin, statement("STMT-F11", [received, november_fee], **NOV))
    with app.app_context():
        fee_id = db.session.scalar(select(BankLine.id).where(BankLine.match == "unknown_debit"))
        received_id = db.session.scalar(select(BankLine.id).where(BankLine.match == "exact"))
        assert bank_statements.bank_position().difference_cents == -1_200  # the bank took it, the books do not know

    # Only a waiting debit, only by the admin.
    assert hr_client.post(f"/admin/banque/lignes/{fee_id}/frais", data={"keep_label": "y"}).status_code in (302, 403)
    refused = admin.post(f"/admin/banque/lignes/{received_id}/frais", follow_redirects=True)
    assert "Cette ligne n&#39;attend pas de décision, ou n&#39;est pas un débit." in text(refused)
    assert fee_entries(app) == []

    booked = admin.post(f"/admin/banque/lignes/{fee_id}/frais", data={"keep_label": "y"}, follow_redirects=True)
    page = text(booked)
    assert ("Débit de 12,00 € inscrit en frais bancaires. "
            "Les prochains débits de ce libellé le seront sans clic.") in page
    assert "« FRAIS TENUE DE COMPTE NOVEMBRE 2026 » : jusqu'à 24,00 €" in page
    again = admin.post(f"/admin/banque/lignes/{fee_id}/frais", data={"keep_label": "y"}, follow_redirects=True)
    assert "n&#39;attend pas de décision" in text(again)
    assert fee_entries(app) == [(1_200, "BQ")]  # once, in the bank journal
    with app.app_context():
        assert bank_statements.bank_position().difference_cents == 0
        assert db.session.get(BankLine, fee_id).status == "matched"
        assert verify(db.session) == []
        accounting.ensure_default_chart()
        fec = "".join(accounting.fec_records(NOV["start"], NOV["end"]))
    booked_rows = [(row["JournalCode"], row["CompteNum"], row["Debit"], row["Credit"], row["EcritureDate"])
                   for row in read_fec(fec, "\t", NOV["start"], NOV["end"]) if row["JournalCode"] == "BQ"
                   and row["CompteNum"] in ("627000", "512000") and 1_200 in (row["Debit"], row["Credit"])]
    assert sorted(booked_rows) == [("BQ", "512000", 0, 1_200, "20261130"), ("BQ", "627000", 1_200, 0, "20261130")]

    # December: the same label (another month in it) is booked at the import; a debit with that
    # label above twice November's fee waits, naming the ceiling.
    december = {"start": date(2026, 12, 1), "end": date(2026, 12, 31)}
    usual = Line(-1_250, date(2026, 12, 31), "2026123100099", info="FRAIS TENUE DE COMPTE DECEMBRE 2026")
    unusual = Line(-9_000, date(2026, 12, 31), "2026123100100", info="Frais tenue de compte décembre")
    upload(admin, statement("STMT-F12", [usual, unusual], opening=51_100 - 1_200, **december))
    with app.app_context():
        lines = {line.bank_reference: line for line in db.session.scalars(select(BankLine))}
        assert (lines["2026123100099"].match, lines["2026123100099"].status) == ("bank_fee", "matched")
        assert "sans clic" in lines["2026123100099"].note
        assert (lines["2026123100100"].match, lines["2026123100100"].status) == ("bank_fee_over", "to_decide")
        assert "pour plus de 24,00 €" in lines["2026123100100"].note.replace("\u202f", " ").replace("\xa0", " ")
        assert bank_statements.bank_position().difference_cents == -9_000
    assert fee_entries(app) == [(1_200, "BQ"), (1_250, "BQ")]

    # Forgotten, the label books nothing more.
    with app.app_context():
        label_id = bank_statements.kept_fee_labels()[0].id
    admin.post(f"/admin/banque/libelles-frais/{label_id}/oublier")
    january = Line(-1_200, date(2027, 1, 31), "2027013100099", info="FRAIS TENUE DE COMPTE JANVIER 2027")
    upload(admin, statement("STMT-F01", [january], start=date(2027, 1, 1), end=date(2027, 1, 31)))
    assert fee_entries(app) == [(1_200, "BQ"), (1_250, "BQ")]
    with app.app_context():
        assert bank_statements.kept_fee_labels() == []
        assert db.session.scalar(select(BankLine.match).where(BankLine.bank_reference == "2027013100099")) \
            == "unknown_debit"
        assert verify(db.session) == []


def test_a_fee_label_keeps_what_does_not_change_from_month_to_month():
    key = bank_statements.fee_label_key
    assert key("FRAIS TENUE DE COMPTE NOVEMBRE 2026") == key("Frais tenue de compte - déc. 2026") \
        == "frais tenue de compte"
    assert key("COTIS. CARTE BUSINESS 11/2026") == "cotis carte business"
    assert key("12/2026 - 0042") == ""


def without_reference(cents: int, name: str, iban: str, ref: str, day: int = 20) -> Line:
    """A transfer whose sender forgot the campaign's reference."""
    return Line(cents, date(2026, 11, day), ref, [Tx(cents, "NOTPROVIDED", "VIREMENT CADEAUX SALARIES", name, iban)])


def test_a_transfer_without_its_reference_is_recorded_when_its_company_and_amount_leave_no_doubt(
        app, hr_client, awaiting, territory_account):
    """HR forgot the reference: the campaign waiting for exactly that amount from that company (by
    the account it paid from before, or else by its name) is funded; any doubt leaves it to the admin."""
    admin, employer_id = awaiting["admin"], awaiting["employer"]
    # By its name ("Laiterie"), its first transfer: a wrong amount or another company's name waits.
    upload(admin, statement("STMT-N1", [
        without_reference(51_000, "LAITERIE DE SEMUR SAS", "FR7610107001011234567890129", "N1"),
        without_reference(51_100, "FORGES DU MORVAN", "FR7630004000031234567890143", "N2")], **NOV))
    assert lines_by_match(app) == {"unknown_reference": "unmatched"}
    assert campaign_state(app, awaiting["campaign"])[0] == "awaiting_payment"
    upload(admin, statement("STMT-N2", [
        without_reference(51_100, "LAITERIE DE SEMUR SAS", "FR7610107001011234567890129", "N3")], **NOV))
    assert campaign_state(app, awaiting["campaign"]) == ("funded", [("bank", "succeeded", 51_100)], 0)
    with app.app_context():
        line = db.session.scalar(select(BankLine).where(BankLine.bank_reference == "N3"))
        assert (line.match, line.status, line.campaign_id) == ("sender", "matched", awaiting["campaign"])
        assert line.note.startswith("Sans référence : reconnu au nom de l'entreprise et au montant.")
    page = text(admin.get("/admin/banque?lignes=toutes"))
    assert "Virement de campagne sans référence, reconnu à son émetteur et à son montant" in page

    # Its next campaign, paid from the same account under another name: known by the account.
    second = create(hr_client, employer_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{second}/confirmer", data={"acknowledge": "y"})
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{second}/paiement/virement")
    with app.app_context():
        due = campaigns.amount_due_cents(db.session.get(Campaign, second))
    upload(admin, statement("STMT-N3", [
        without_reference(due, "SERVICE COMPTABILITE", "FR7610107001011234567890129", "N4", day=25)], **NOV))
    assert campaign_state(app, second)[0] == "funded"
    with app.app_context():
        note = db.session.scalar(select(BankLine.note).where(BankLine.bank_reference == "N4"))
        assert note.startswith("Sans référence : reconnu au compte d'où l'entreprise a déjà payé, et au montant.")
        assert verify(db.session) == []


def test_two_campaigns_waiting_for_the_same_amount_leave_a_transfer_without_reference_to_the_admin(
        app, hr_client, awaiting, territory_account):
    employer_id = awaiting["employer"]
    twin = create(hr_client, employer_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{twin}/confirmer", data={"acknowledge": "y"})
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{twin}/paiement/virement")
    assert campaign_state(app, twin)[0] == "awaiting_payment"
    upload(awaiting["admin"], statement("STMT-T", [
        without_reference(51_100, "LAITERIE DE SEMUR SAS", "FR7610107001011234567890129", "T1")], **NOV))
    assert lines_by_match(app) == {"unknown_reference": "unmatched"}
    assert campaign_state(app, twin)[0] == campaign_state(app, awaiting["campaign"])[0] == "awaiting_payment"


def bank_statements_waiting(app) -> int:
    with app.app_context():
        return bank_statements.bank_position().waiting


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", "releve.xlsx",
     "Ce fichier n&#39;est ni un relevé CAMT.053 (fichier XML) ni un relevé CFONB 120 (fichier texte de 120 "
     "caractères par ligne)."),
    (b"Date;Libelle;Montant\r\n30/11/2026;VIR SEPA;511,00\r\n", "releve.txt",  # a text file: read as CFONB 120
     "Relevé CFONB 120 : Ligne 1 : code d&#39;enregistrement « Da » inconnu (01, 04, 05 ou 07 attendu) : ce n&#39;est "
     "pas un relevé CFONB 120."),
])
def test_a_file_of_another_kind_is_refused_in_plain_french_without_the_parser_s_words(
        app, awaiting, territory_account, data, name, message):
    before = counts(app)
    page = text(upload(awaiting["admin"], data, name))
    assert "Relevé refusé : " in page and message in page
    assert "syntax error" not in page and "line 1, column" not in page and "XML lisible" not in page
    assert counts(app) == before


@pytest.mark.parametrize(("data", "message"), [
    (b"<Document><BkToCstmrStmt><Stmt>", "Ce fichier XML est incomplet ou abîmé"),
    (b"\x89PNG\r\n\x1a\n", "Ce fichier n&#39;est ni un relevé CAMT.053 (fichier XML) ni un relevé CFONB 120"),
    (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/>'
     b"</Document>", "Ce fichier n&#39;est pas un relevé CAMT.053 (élément racine « pain.001.001.03 »"),
    (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn/>'
     b"</Document>", "Ce fichier est un camt.054.001.02"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><Document>&b;'
     b"</Document>", "déclaration DOCTYPE ou ENTITY"),
    (statement("S-OTHER", [], iban="FR7630004000031234567890143", **NOV),
     "est celui du compte FR7630004000031234567890143, pas celui du territoire"),
    (statement("S-AMOUNT", [Line(1_000, date(2026, 11, 3), "R1")], **NOV).replace(b"10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>",
                                                                                  b"10,5x</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>"),
     "Relevé S-AMOUNT, écriture n° 1 : « 10,5x » n&#39;est pas un montant."),
    (statement("S-NOCLOSE", [], **NOV).replace(b"<Cd>CLBD</Cd>", b"<Cd>ITBD</Cd>"),
     "Relevé S-NOCLOSE : pas de solde de clôture (Bal de type CLBD)."),
])
def test_a_bad_file_is_refused_with_what_is_wrong_and_changes_nothing(app, awaiting, territory_account,
                                                                       data, message):
    before = counts(app)
    answer = upload(awaiting["admin"], data)
    assert answer.status_code == 422
    assert "Relevé refusé : " in text(answer) and message in text(answer)
    assert counts(app) == before


def test_an_empty_file_is_said_to_be_empty(app, awaiting, territory_account):
    before = counts(app)
    answer = upload(awaiting["admin"], b"", "releve-vide.xml")
    assert answer.status_code == 422
    page = text(answer)
    assert "Relevé : le fichier « releve-vide.xml » est vide (0 octet)" in page and "choisissez le fichier" not in page
    assert counts(app) == before


def test_only_the_admin_imports(app, hr_client, awaiting, territory_account):
    data = statement("STMT-HR", [transfer(awaiting["campaign"], 51_100)], **NOV)
    assert hr_client.post("/admin/banque", data={"file": (io.BytesIO(data), "r.xml")},
                          content_type="multipart/form-data").status_code in (302, 403)
    assert counts(app)[0] == 0


@pytest.fixture
def settled(app, hr_world, territory_account):
    """The bakery (with an IBAN) was paid 45,00 € by card and sold 30,00 € online by bank card;
    a draft settlement run for November pays it (commission 0)."""
    with app.app_context():
        shop_id = hr_world["shops"]["bakery"]
        db.session.get(Shop, shop_id).iban = SHOP_IBAN
        db.session.commit()
        from loyalty import cards

        ledger.fund(db.session, amount_cents=10_000, key="card-funding", actor="system",
                    employer_id=hr_world["employer_id"], source="stripe")
        card = cards.create_card(db.session, active=True)
        ledger.issue_grant(db.session, card_id=card.id, amount_cents=10_000, label="Noël", key="grant",
                           expires_on=date(2027, 12, 31), actor="system", employer_id=hr_world["employer_id"])
        ledger.redeem(db.session, card_id=card.id, shop_id=shop_id, amount_cents=4_500, key="pay", actor="system")
        sales.record_online_sale(db.session, shop_id=shop_id, amount_cents=3_000, payment_ref="pi_123",
                                 key="sale", actor="system")
        today = paris_day(utc_now())
        run = settlement.create_run("monthly", today.replace(day=1), today, commission_bps=0)
        statement_row = run.statements[0]
        return {"run": run.id, "shop": shop_id, "number": statement_row.number, "payout": statement_row.payout_cents}


def settlement_debit(settled, cents=None, ref="2026113000050") -> Line:
    cents = -(settled["payout"] if cents is None else cents)
    return Line(cents, date(2026, 11, 30), ref, [Tx(cents, f"HALLE-{settled['number']}",
                                                    f"Halle releve {settled['number']}", "Boulangerie Semur",
                                                    SHOP_IBAN)])


def test_a_settlement_transfer_on_the_statement_marks_the_run_paid(app, awaiting, settled):
    assert settled["payout"] == 7_500
    upload(awaiting["admin"], statement("STMT-S", [settlement_debit(settled)], opening=10_000, **NOV))
    assert lines_by_match(app) == {"settlement": "matched"}
    with app.app_context():
        run = db.session.get(SettlementRun, settled["run"])
        assert run.status == "paid" and run.statements[0].status == "paid"
        line = db.session.scalar(select(BankLine))
        assert line.ledger_entry_id == run.statements[0].settle_entry_id
        assert settlement.payable_balance(settled["shop"]) == 0  # the shop is paid in the ledger


def test_a_settlement_transfer_of_another_amount_waits(app, awaiting, settled):
    upload(awaiting["admin"], statement("STMT-S2", [settlement_debit(settled, cents=7_000)], opening=10_000, **NOV))
    assert lines_by_match(app) == {"settlement_mismatch": "to_decide"}
    assert "verse 75,00 €, la banque a débité 70,00 €" in text(awaiting["admin"].get("/admin/banque"))
    with app.app_context():
        assert db.session.get(SettlementRun, settled["run"]).status == "draft"


def paris_today() -> date:
    return paris_day(utc_now())


def stripe_accounts(app) -> dict:
    """The balances of Stripe's accounts (what it collected: clearing, campaigns by card) and of the fees."""
    with app.app_context():
        return dict(db.session.execute(select(Account.code, Account.balance_cents).where(
            Account.code.in_(("territory:stripe", "external:stripe", "territory:bank_fees")))).all())


def stripe_payout(cents: int, remittance: str = "STRIPE PAYOUT po_1QxYz2STRIPE", ref: str = "2026120400031") -> Line:
    return Line(cents, paris_today(), ref, [Tx(cents, "NOTPROVIDED", remittance, "STRIPE PAYMENTS EUROPE LTD",
                                             "IE59STRP99000000000001")])


def test_a_stripe_payout_net_of_fees_books_the_fees_and_settles_stripe(app, awaiting, settled):
    """Stripe collected 100,00 € (a campaign by card) and 30,00 € (an online sale) and pays out 127,55 €:
    the 2,45 € it kept are booked as bank fees (627), Stripe's accounts are settled, the bank reconciles."""
    upload(awaiting["admin"], statement("STMT-ST", [stripe_payout(12_755)], **NOV))
    assert lines_by_match(app) == {"stripe_payout": "matched"}
    page = text(awaiting["admin"].get("/admin/banque?lignes=toutes"))
    assert "Versement Stripe inscrit au grand livre, frais de 2,45 € compris." in page
    with app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.kind == "payout"))
        assert entry.amount_cents == 12_755 and "STRIPE PAYMENTS EUROPE LTD" in entry.memo
        assert entry.idempotency_key == "stripe-payout:po_1QxYz2STRIPE"
        fee = db.session.scalar(select(Entry).where(Entry.kind == "fee"))
        assert fee.amount_cents == 245 and fee.idempotency_key == "stripe-payout:po_1QxYz2STRIPE:fees"
        line = db.session.scalar(select(BankLine))
        assert line.stripe_payout_id == "po_1QxYz2STRIPE" and line.ledger_entry_id == entry.id
        assert bank_statements.bank_position().difference_cents == 0
    balances = stripe_accounts(app)
    assert balances["territory:stripe"] + balances["external:stripe"] == 0
    assert balances["territory:bank_fees"] == -245
    with app.app_context():  # in the accountant's file: an expense of the Stripe journal, checked independently
        accounting.ensure_default_chart()
        fec = "".join(accounting.fec_records(paris_today(), paris_today()))
    fees = [row for row in read_fec(fec, "\t", paris_today(), paris_today()) if row["CompteNum"] == "627000"]
    assert [(row["JournalCode"], row["Debit"], row["Credit"]) for row in fees] == [("STR", 245, 0)]
    before = counts(app)
    upload(awaiting["admin"], statement("STMT-ST", [stripe_payout(12_755)], **NOV))
    upload(awaiting["admin"], statement("STMT-ST-BIS", [stripe_payout(12_755, ref="OTHER-REF")], **NOV))
    assert counts(app)[2] == before[2]  # no entry more: the same payout id on another line waits
    assert "déjà sur la ligne n°" in text(awaiting["admin"].get("/admin/banque"))


def test_a_payout_short_beyond_the_tolerance_is_left_for_the_admin(app, awaiting, settled):
    upload(awaiting["admin"], statement("STMT-ST", [stripe_payout(9_000, "STRIPE PAYOUT")], **NOV))
    assert lines_by_match(app) == {"stripe_payout": "to_decide"}
    page = text(awaiting["admin"].get("/admin/banque"))
    assert ("Stripe a versé 90,00 €, le grand livre attendait 130,00 € : l&#39;écart de 40,00 € dépasse la "
            "tolérance des frais (6,50 €).") in page
    with app.app_context():
        assert db.session.scalar(select(Entry.amount_cents).where(Entry.kind == "payout")) == 9_000
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "fee")) == 0
        line = db.session.scalar(select(BankLine))
        bank_statements.mark_handled(line, "Solde de 40 € versé par Stripe le lendemain", actor=None)
    assert lines_by_match(app) == {"stripe_payout": "handled"}


def test_a_statement_whose_lines_all_match_leaves_nothing_and_the_ledger_agrees(app, awaiting, settled):
    """November on the territory's account (camt.053.001.08, the settlement booked as a batch):
    the campaign's transfer, Stripe's payout, the settlement; 0 lines left, the balances agree."""
    payout = Line(13_000, paris_today(), "2026112000031",
                  [Tx(13_000, "NOTPROVIDED", "STRIPE PAYOUT po_9", "STRIPE", "IE59STRP99000000000001")])
    batch = Line(-settled["payout"], date(2026, 11, 30), "2026113000050",
                 [Tx(-7_500, f"HALLE-{settled['number']}", f"Halle releve {settled['number']}", "Boulangerie Semur",
                     SHOP_IBAN)])
    pending = Line(999, date(2026, 11, 30), "2026113000051", status="PDNG")
    data = statement("STMT-2026-11", [transfer(awaiting["campaign"], 51_100), payout, batch, pending], version=8,
                     **NOV)
    upload(awaiting["admin"], data)
    assert lines_by_match(app) == {"exact": "matched", "stripe_payout": "matched", "settlement": "matched"}
    with app.app_context():
        position = bank_statements.bank_position()
        assert position.waiting == 0
        assert position.statement_cents == 51_100 + 13_000 - 7_500
        assert position.difference_cents == 0
        assert verify(db.session) == []
    page = text(awaiting["admin"].get("/admin/"))
    assert "0,00 €</strong> d'écart : le compte est juste" in page and "566,00 €" in page


def test_a_batch_booking_is_split_into_its_transfers(app, awaiting, territory_account):
    """One debit of the SEPA file holding two transfers: each is a line of its own."""
    data = statement("STMT-B", [Line(-3_000, date(2026, 11, 30), "B1", [
        Tx(-1_000, "HALLE-R0042-00001", "Halle releve R0042-00001", "A"),
        Tx(-2_000, "HALLE-R0042-00002", "Halle releve R0042-00002", "B")])], opening=5_000, **NOV)
    upload(awaiting["admin"], data)
    with app.app_context():
        assert sorted(db.session.scalars(select(BankLine.amount_cents))) == [-2_000, -1_000]
        assert set(db.session.scalars(select(BankLine.match))) == {"settlement_mismatch"}  # no run 42


def test_the_folder_job_reads_each_new_file_once(app, awaiting, territory_account, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BANK_STATEMENT_DIR", str(tmp_path))
    (tmp_path / "2026-11-30.xml").write_bytes(statement("F1", [transfer(awaiting["campaign"], 51_100)], **NOV))
    (tmp_path / "broken.xml").write_bytes(b"<Document>")
    from marketplace import periodic

    with app.app_context():
        assert periodic.import_bank_statements() == 2
        assert periodic.import_bank_statements() == 0  # nothing new
        refused = db.session.scalar(select(BankStatement).where(BankStatement.status == "refused"))
        assert refused.filename == "broken.xml" and "XML est incomplet" in refused.error
    assert campaign_state(app, awaiting["campaign"])[0] == "funded"
    assert "broken.xml" in text(awaiting["admin"].get("/admin/banque"))


def test_a_transfer_recorded_by_hand_before_the_import_is_not_recorded_twice(app, awaiting, territory_account):
    """The admin clicked "Virement reçu" for 400,00 € (reference and amount read on the bank's site);
    the statement then shows that transfer: it is the same one, matched, nothing recorded again."""
    reference = f"HALLE-CAMPAGNE-{awaiting['campaign']}"
    awaiting["admin"].post(awaiting["record"], data={"reference": reference, "amount": "400,00"})
    before = campaign_state(app, awaiting["campaign"])
    assert before == ("awaiting_payment", [("bank", "pending", 11_100), ("bank", "succeeded", 40_000)], 0)
    upload(awaiting["admin"], statement("STMT-H", [transfer(awaiting["campaign"], 40_000)], **NOV))
    assert lines_by_match(app) == {"recorded": "matched"}
    assert campaign_state(app, awaiting["campaign"]) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "fund")) == 1
    # The rest, when it comes, funds the campaign with no click.
    upload(awaiting["admin"], statement("STMT-H2", [transfer(awaiting["campaign"], 11_100, ref="2026120100003")],
                                        start=date(2026, 12, 1), end=date(2026, 12, 1), opening=40_000))
    assert campaign_state(app, awaiting["campaign"])[0] == "funded"


def test_a_settlement_file_booked_as_one_debit_without_details_marks_its_run_paid(app, awaiting, settled):
    """Some banks book the whole SEPA file as one line ("REMISE VIREMENTS"), without its transfers."""
    remittance = Line(-settled["payout"], date(2026, 11, 30), "2026113000077", info="REMISE VIREMENTS SEPA 1 OPE")
    upload(awaiting["admin"], statement("STMT-R", [remittance], opening=10_000, **NOV))
    assert lines_by_match(app) == {"settlement_batch": "matched"}
    with app.app_context():
        assert db.session.get(SettlementRun, settled["run"]).status == "paid"
    # The same amount again is no longer the run's (it is paid and seen): a debit nobody explains.
    upload(awaiting["admin"], statement("STMT-R2", [Line(-settled["payout"], date(2026, 12, 1), "2026120100078",
                                                         info="REMISE VIREMENTS SEPA 1 OPE")],
                                        start=date(2026, 12, 1), end=date(2026, 12, 1)))
    with app.app_context():
        assert db.session.scalar(select(BankLine.match).where(BankLine.bank_reference == "2026120100078")) == \
            "unknown_debit"


def test_a_run_paid_but_not_on_the_statement_explains_the_difference(app, awaiting, settled):
    with app.app_context():
        settlement.mark_paid(db.session.get(SettlementRun, settled["run"]))
    upload(awaiting["admin"], statement("STMT-T", [], opening=10_000, **NOV))
    with app.app_context():
        assert bank_statements.bank_position().difference_cents == 10_000 + 7_500  # the 75,00 € not debited yet
    page = text(awaiting["admin"].get("/admin/banque"))
    assert "Règlements payés pas encore vus sur un relevé" in page and f"Règlement n° {settled['run']}" in page
    upload(awaiting["admin"], statement("STMT-T2", [settlement_debit(settled)], opening=10_000, **NOV))
    assert "Règlements payés pas encore vus sur un relevé" not in text(awaiting["admin"].get("/admin/banque"))


def a_month_ago_payout(app, hr_world):
    """An online sale of 30,00 € paid by bank card mid-last-month, and the statement line of its
    payout (29,30 €: 0,70 € of fees) booked on the last day of last month."""
    last_day = paris_today().replace(day=1) - timedelta(days=1)
    with app.app_context():
        sales.record_online_sale(db.session, shop_id=hr_world["shops"]["bakery"], amount_cents=3_000,
                                 payment_ref="pi_last_month", key="sale-last-month", actor="system",
                                 now=datetime.combine(last_day.replace(day=15), time(10, 0)))
    line = Line(2_930, last_day, "2026113000077",
                [Tx(2_930, "NOTPROVIDED", "STRIPE PAYOUT po_LASTMONTH", "STRIPE", "IE59STRP99000000000001")])
    return last_day, statement("STMT-LAST-MONTH", [line], start=last_day.replace(day=1), end=last_day)


def payout_and_fee_days(app) -> dict:
    with app.app_context():
        return {entry.kind: paris_day(entry.created_at)
                for entry in db.session.scalars(select(Entry).where(Entry.kind.in_(("payout", "fee"))))}


def test_a_payout_imported_after_the_month_ended_is_booked_in_the_month_it_landed(app, awaiting, hr_world):
    """The statement of the last day of the month, imported in the next month: the payout and its
    fees go in the month the money reached the bank, and the accountant's file of that month has them."""
    last_day, data = a_month_ago_payout(app, hr_world)
    upload(awaiting["admin"], data)
    assert lines_by_match(app) == {"stripe_payout": "matched"}
    assert payout_and_fee_days(app) == {"payout": last_day, "fee": last_day}
    with app.app_context():
        accounting.ensure_default_chart()
        fec = "".join(accounting.fec_records(last_day.replace(day=1), last_day))
    fees = [row for row in read_fec(fec, "\t", last_day.replace(day=1), last_day) if row["CompteNum"] == "627000"]
    assert [(row["Debit"], row["Credit"]) for row in fees] == [(70, 0)]


def test_a_payout_of_a_closed_month_is_booked_at_the_import(app, awaiting, hr_world):
    last_day, data = a_month_ago_payout(app, hr_world)
    with app.app_context():
        closing.lock_month(db.session, last_day.replace(day=1), actor="test")
        db.session.commit()
    upload(awaiting["admin"], data)
    assert lines_by_match(app) == {"stripe_payout": "matched"}
    assert payout_and_fee_days(app) == {"payout": paris_today(), "fee": paris_today()}
    with app.app_context():
        assert verify(db.session) == []
