"""The territory account's bank statement (CAMT.053 or CFONB 120), reconciled with what Halle expects.

A statement is read (any camt.053.001.xx version: the namespace is not looked at beyond its name,
elements are found by their local names; or a CFONB 120 file, read by marketplace/cfonb120.py and
told apart by its content), checked (the territory's account, euros, booked entries, balances),
then stored — one code path whatever the format: a `BankStatement` per statement and a `BankLine` per booked
movement (each transaction of a batch booking is a line). Importing the same statement again
changes nothing: a statement is unique by account and statement id, a line by `line_key`.

Each new line is then classified and, when nothing needs a human, applied:
- money in with a campaign's reference (HALLE-CAMPAGNE-12, however the bank spells it): of the
  amount asked, it funds the campaign through `campaigns.record_bank_transfer`, the function the
  admin's "Virement reçu" uses (exact); less or more than asked, or a campaign waiting for no
  transfer, waits for the admin, with what recording it would do;
- money in from Stripe: a payout, recorded in the ledger with the fees it explains
  (`marketplace.stripe_payouts`), once even when Stripe's event recorded it first;
- money out with a settlement statement's reference (the SEPA file's EndToEndId HALLE-R0003-00012)
  and its amount: the settlement run is marked paid (`settlement.mark_paid`, idempotent);
- anything else is unmatched: listed for the admin, who records it for a campaign or notes how it
  was dealt with outside Halle.

The bank balance the ledger expects is what came in through the bank (`external:bank`, which goes
negative by it) less what the settlements paid out (`territory:clearing`).
"""
import hashlib
import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.parsers import expat

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from loyalty import accounts as acc
from loyalty import sales
from loyalty.errors import LedgerError
from loyalty.models import Account
from loyalty.money import euros as money
from marketplace import audit, campaigns, cfonb120, settlement, stripe_payouts
from marketplace.extensions import db
from marketplace.i18n import error_message, lazy_gettext
from marketplace.models import Campaign, CampaignPayment, SettlementRun, SettlementStatement
from marketplace.models.bank import BankFeeLabel, BankLine, BankStatement
from marketplace.models.base import utcnow
from marketplace.territory import fold

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
CAMPAIGN_REFERENCE = re.compile(r"HALLE\W*CAMPAGNE\W*(\d+)", re.IGNORECASE)
STATEMENT_REFERENCE = re.compile(r"HALLE\W*R(\d{4,})\W*(\d{5,})", re.IGNORECASE)
STRIPE = re.compile(r"\bSTRIPE\b", re.IGNORECASE)
RECENT_RUN_DAYS = 120  # a whole SEPA file debited without details is looked for among the runs this recent

MATCH_LABELS = {
    "exact": lazy_gettext("Virement de campagne, montant exact : campagne financée"),
    "recorded": lazy_gettext("Virement de campagne déjà enregistré à la main"),
    "partial": lazy_gettext("Virement de campagne inférieur au montant attendu"),
    "over": lazy_gettext("Virement de campagne supérieur au montant attendu"),
    "not_waiting": lazy_gettext("Référence d'une campagne qui n'attend pas de virement"),
    "unknown_reference": lazy_gettext("Virement reçu sans référence connue"),
    "sender": lazy_gettext("Virement de campagne sans référence, reconnu à son émetteur et à son montant"),
    "settlement": lazy_gettext("Reversement d'un règlement aux commerces"),
    "settlement_batch": lazy_gettext("Fichier de virements d'un règlement, débité en une fois"),
    "settlement_mismatch": lazy_gettext("Reversement qui ne correspond pas à son relevé de règlement"),
    "stripe_payout": lazy_gettext("Versement Stripe des ventes en ligne"),
    "unknown_debit": lazy_gettext("Débit sans règlement correspondant"),
    "bank_fee": lazy_gettext("Frais bancaires"),
    "bank_fee_over": lazy_gettext("Libellé de frais bancaires, au-delà du montant habituel"),
}
STATUS_LABELS = {"new": lazy_gettext("à classer"), "matched": lazy_gettext("rapproché"),
                 "to_decide": lazy_gettext("à décider"), "unmatched": lazy_gettext("non rapproché"),
                 "handled": lazy_gettext("traité hors Halle")}
WAITING = ("to_decide", "unmatched")


class BankStatementError(Exception):
    """A refused file or action; the message (French) names what is wrong."""


# --- reading a CAMT.053 file ------------------------------------------------------------------


@dataclass
class ParsedLine:
    key: str
    booking_date: date
    value_date: date | None
    amount_cents: int
    reference: str = ""
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    bank_reference: str = ""
    info: str = ""


@dataclass
class ParsedStatement:
    version: str
    statement_ref: str
    iban: str
    from_date: date | None
    to_date: date | None
    opening_cents: int | None
    closing_cents: int
    closing_date: date | None
    lines: list[ParsedLine] = field(default_factory=list)
    skipped_pending: int = 0


def parse_statements(data: bytes, filename: str = "") -> list[ParsedStatement]:
    """The statements of a file in either format, told by its content: CFONB 120 (it starts with an
    old balance record, 01, or it is a text file, .txt, that is not XML) or CAMT.053. Raises
    BankStatementError naming what is wrong."""
    if len(data) > MAX_FILE_BYTES:
        raise BankStatementError(gettext("Fichier trop volumineux (plus de %(mb)s Mo).", mb=MAX_FILE_BYTES // 2**20))
    if cfonb120.looks_like_cfonb(data) or (filename.lower().endswith(".txt") and not _looks_like_xml(data)):
        try:
            return [_from_cfonb(statement) for statement in cfonb120.parse(data)]
        except cfonb120.CfonbError as error:
            raise BankStatementError(gettext("Relevé CFONB 120 : %(why)s", why=str(error))) from None
    return parse_camt053(data)


def parse_camt053(data: bytes) -> list[ParsedStatement]:
    """The statements of a CAMT.053 file. Raises BankStatementError naming what is wrong."""
    _refuse_dtd(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:  # the parser's words (English, technical) go to the log, not to the admin
        log.info("bank statement: not readable XML (%s)", error)
        if _looks_like_xml(data):
            raise BankStatementError(gettext(
                "Ce fichier XML est incomplet ou abîmé : ce n'est pas un relevé CAMT.053 lisible. Téléchargez-le à "
                "nouveau depuis l'espace de la banque.")) from None
        raise BankStatementError(gettext("Ce fichier n'est ni un relevé CAMT.053 (fichier XML) ni un relevé CFONB 120 "
                                         "(fichier texte de 120 caractères par ligne). Téléchargez le relevé de compte "
                                         "depuis l'espace de la banque dans l'un de ces deux formats.")) from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = element.tag.rsplit("}", 1)[-1]
    version = namespace.rsplit(":", 1)[-1] if namespace else ""
    if root.tag != "Document" or root.find("BkToCstmrStmt") is None:
        found = version or root.tag
        if version.startswith(("camt.052", "camt.054")):
            raise BankStatementError(gettext("Ce fichier est un %(found)s (relevé intrajournalier ou avis d'opéré), "
                                             "pas un relevé de compte camt.053.", found=found))
        raise BankStatementError(gettext("Ce fichier n'est pas un relevé CAMT.053 (élément racine « %(found)s » ; "
                                         "attendu : Document/BkToCstmrStmt, camt.053.001.xx).", found=found))
    if version and not version.startswith("camt.053"):
        raise BankStatementError(gettext("Ce fichier est un %(found)s, pas un relevé camt.053.", found=version))
    statements = [_statement(stmt, version or "camt.053") for stmt in root.find("BkToCstmrStmt").findall("Stmt")]
    if not statements:
        raise BankStatementError(gettext("Ce relevé CAMT.053 ne contient aucun relevé de compte (élément Stmt)."))
    return statements


def _looks_like_xml(data: bytes) -> bool:
    """True when the content starts as XML does (after a byte order mark or blanks)."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _refuse_dtd(data: bytes) -> None:
    """A bank statement never has a DTD: one is refused before anything is expanded (entity bombs,
    external entities), with the standard library's expat."""
    parser = expat.ParserCreate()

    def refuse(*_args):
        raise BankStatementError(gettext("Ce fichier contient une déclaration DOCTYPE ou ENTITY, qu'un relevé "
                                         "CAMT.053 n'a jamais : il est refusé."))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        pass  # reported by ElementTree next, with the line


def _text(element, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _date(element, path: str) -> date | None:
    node = element.find(path) if element is not None else None
    if node is None:
        return None
    text = _text(node, "Dt") or _text(node, "DtTm")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _amount(element, where: str) -> int:
    """Cents of an <Amt Ccy="EUR">12.50</Amt>; refused unless euros with at most 2 decimals."""
    currency = element.get("Ccy", "EUR")
    if currency != "EUR":
        raise BankStatementError(gettext("%(where)s : montant en %(currency)s ; seuls les euros sont acceptés.",
                                         where=where, currency=currency))
    text = (element.text or "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or value < 0 or value.as_tuple().exponent < -2:
        raise BankStatementError(gettext("%(where)s : « %(text)s » n'est pas un montant.", where=where, text=text))
    return int(value * 100)


def _signed(cents: int, indicator: str, where: str) -> int:
    if indicator not in ("CRDT", "DBIT"):
        raise BankStatementError(gettext("%(where)s : sens « %(found)s » inconnu (CdtDbtInd : CRDT ou DBIT).",
                                         where=where, found=indicator))
    return cents if indicator == "CRDT" else -cents


def _statement(stmt, version: str) -> ParsedStatement:
    ref = _text(stmt, "Id")
    if not ref:
        raise BankStatementError(gettext("Le relevé n'a pas d'identifiant (Stmt/Id)."))
    iban = _text(stmt, "Acct/Id/IBAN").replace(" ", "").upper()
    if not iban:
        raise BankStatementError(gettext("Relevé %(ref)s : le compte n'a pas d'IBAN (Acct/Id/IBAN).", ref=ref))
    opening = closing = closing_date = None
    for balance in stmt.findall("Bal"):
        code = _text(balance, "Tp/CdOrPrtry/Cd") or _text(balance, "Tp/CdOrPrtry/Prtry")
        amount = balance.find("Amt")
        if amount is None:
            continue
        where = gettext("Relevé %(ref)s, solde %(code)s", ref=ref, code=code)
        cents = _signed(_amount(amount, where), _text(balance, "CdtDbtInd"), where)
        if code in ("OPBD", "PRCD") and opening is None:
            opening = cents
        elif code == "CLBD":
            closing, closing_date = cents, _date(balance, "Dt")
    if closing is None:
        raise BankStatementError(gettext("Relevé %(ref)s : pas de solde de clôture (Bal de type CLBD).", ref=ref))
    parsed = ParsedStatement(version, ref, iban, _day(_text(stmt, "FrToDt/FrDtTm")),
                             _day(_text(stmt, "FrToDt/ToDtTm")), opening, closing, closing_date)
    seen: Counter = Counter()
    for number, entry in enumerate(stmt.findall("Ntry"), start=1):
        status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
        if status != "BOOK":
            parsed.skipped_pending += 1
            continue
        parsed.lines.extend(_entry_lines(entry, iban, number, seen, ref))
    return parsed


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _entry_lines(entry, iban: str, number: int, seen: Counter, ref: str) -> list[ParsedLine]:
    where = gettext("Relevé %(ref)s, écriture n° %(number)s", ref=ref, number=number)
    amount = entry.find("Amt")
    if amount is None:
        raise BankStatementError(gettext("%(where)s : pas de montant (Amt).", where=where))
    indicator = _text(entry, "CdtDbtInd")
    total = _signed(_amount(amount, where), indicator, where)
    booked = _date(entry, "BookgDt")
    if booked is None:
        raise BankStatementError(gettext("%(where)s : pas de date de comptabilisation (BookgDt).", where=where))
    valued = _date(entry, "ValDt")
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    info = _text(entry, "AddtlNtryInf")
    details = [tx for d in entry.findall("NtryDtls") for tx in d.findall("TxDtls")]
    amounts = [_tx_amount(tx, indicator, where) for tx in details]
    if len(details) > 1 and None not in amounts:
        if sum(amounts) != total:
            raise BankStatementError(gettext("%(where)s : ses transactions (%(sum)s) ne font pas son montant "
                                             "(%(total)s).", where=where, sum=money(sum(amounts)), total=money(total)))
        parts = list(zip(details, amounts, strict=True))
    else:
        parts = [(details[0] if details else None, total)]
    lines = []
    for index, (tx, cents) in enumerate(parts, start=1):
        line = ParsedLine(key="", booking_date=booked, value_date=valued, amount_cents=cents,
                          bank_reference=entry_ref[:140], info=info[:500])
        if tx is not None:
            _tx_fields(line, tx, cents)
        tx_ref = (_text(tx, "Refs/AcctSvcrRef") or _text(tx, "Refs/TxId") or line.end_to_end_id) if tx is not None \
            else ""
        line.key = _line_key(line, iban, entry_ref, tx_ref or str(index), seen)
        lines.append(line)
    return lines


def _line_key(line: ParsedLine, iban: str, entry_ref: str, tx_ref: str, seen: Counter) -> str:
    """The account, the bank's reference of the entry and of the transaction; with no bank
    reference, what the line says and its rank among identical ones."""
    if entry_ref:
        return f"{iban}|{entry_ref}|{tx_ref}"[:255]
    content = "|".join([iban, line.booking_date.isoformat(), str(line.amount_cents), line.reference,
                        line.end_to_end_id, line.counterparty_name])
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    seen[digest] += 1
    return f"{iban}|h:{digest}|{seen[digest]}"


def _from_cfonb(statement: cfonb120.Statement) -> ParsedStatement:
    """A CFONB 120 statement as the import takes any statement: its id is the account and the dates
    of its two balances; a movement's line, its label and complements (names, end-to-end reference)."""
    iban = statement.iban
    ref = (f"CFONB-{statement.bank_code}{statement.branch_code}{statement.account_number}-"
           f"{statement.opening_date:%Y%m%d}-{statement.closing_date:%Y%m%d}")
    parsed = ParsedStatement("cfonb120", ref, iban, statement.opening_date, statement.closing_date,
                             statement.opening_cents, statement.closing_cents, statement.closing_date)
    seen: Counter = Counter()
    for movement in statement.movements:
        names = [text for qualifier, text in movement.complements if qualifier in cfonb120.NAME_QUALIFIERS]
        references = [text for qualifier, text in movement.complements
                      if qualifier in cfonb120.REFERENCE_QUALIFIERS and text.upper() != "NOTPROVIDED"]
        texts = [text for qualifier, text in movement.complements
                 if qualifier not in cfonb120.NAME_QUALIFIERS | cfonb120.REFERENCE_QUALIFIERS]
        line = ParsedLine(key="", booking_date=movement.booking_date, value_date=movement.value_date,
                          amount_cents=movement.amount_cents,
                          reference=" ".join(part for part in [movement.label, *texts] if part)[:500],
                          end_to_end_id=(references[0] if references else "")[:140],
                          counterparty_name=(names[0] if names else "")[:140],
                          bank_reference=movement.entry_number[:140], info=movement.reference[:500])
        entry_ref = f"{movement.booking_date:%Y%m%d}-{movement.entry_number}" if movement.entry_number else ""
        line.key = _line_key(line, iban, entry_ref, "1", seen)
        parsed.lines.append(line)
    return parsed


def _tx_amount(tx, indicator: str, where: str) -> int | None:
    amount = tx.find("Amt")
    if amount is None:
        amount = tx.find("AmtDtls/TxAmt/Amt")
    if amount is None:
        return None
    return _signed(_amount(amount, where), _text(tx, "CdtDbtInd") or indicator, where)


def _tx_fields(line: ParsedLine, tx, cents: int) -> None:
    e2e = _text(tx, "Refs/EndToEndId")
    line.end_to_end_id = "" if e2e.upper() == "NOTPROVIDED" else e2e[:140]
    remittance = [(node.text or "").strip() for node in tx.findall("RmtInf/Ustrd")]
    remittance += [(node.text or "").strip() for node in tx.findall("RmtInf/Strd/CdtrRefInf/Ref")]
    line.reference = " ".join(part for part in remittance if part)[:500]
    party = "Dbtr" if cents > 0 else "Cdtr"
    line.counterparty_name = (_text(tx, f"RltdPties/{party}/Nm") or _text(tx, f"RltdPties/{party}/Pty/Nm"))[:140]
    line.counterparty_iban = _text(tx, f"RltdPties/{party}Acct/Id/IBAN").replace(" ", "").upper()[:34]
    extra = _text(tx, "AddtlTxInf")
    if extra:
        line.info = f"{line.info} {extra}".strip()[:500]


# --- importing --------------------------------------------------------------------------------


@dataclass
class ImportReport:
    statements: list[int] = field(default_factory=list)  # ids of the statements stored
    already: list[str] = field(default_factory=list)  # statement ids imported before
    new_lines: int = 0
    known_lines: int = 0  # lines already stored by an earlier (overlapping) statement
    skipped_pending: int = 0


def import_file(data: bytes, filename: str = "", *, source: str = "upload", actor=None) -> ImportReport:
    """Store the file's statements (CAMT.053 or CFONB 120) and lines that are not stored yet, then
    reconcile the new lines. A refused file stores nothing (BankStatementError)."""
    parsed = parse_statements(data, filename)
    territory_iban = (current_app.config.get("TERRITORY_IBAN") or "").replace(" ", "").upper()
    for statement in parsed:
        if territory_iban and statement.iban != territory_iban:
            raise BankStatementError(gettext("Le relevé %(ref)s est celui du compte %(iban)s, pas celui du territoire "
                                             "(%(territory)s) : rien n'est importé.", ref=statement.statement_ref,
                                             iban=statement.iban, territory=territory_iban))
    file_sha = hashlib.sha256(data).hexdigest()
    report = ImportReport()
    for statement in parsed:
        report.skipped_pending += statement.skipped_pending
        if db.session.scalar(select(BankStatement.id).where(BankStatement.account_iban == statement.iban,
                                                            BankStatement.statement_ref == statement.statement_ref)):
            report.already.append(statement.statement_ref)
            continue
        row = BankStatement(file_sha256=file_sha, filename=filename[:255], source=source, status="imported",
                            account_iban=statement.iban, statement_ref=statement.statement_ref[:140],
                            message_version=statement.version[:40], from_date=statement.from_date,
                            to_date=statement.to_date, opening_balance_cents=statement.opening_cents,
                            closing_balance_cents=statement.closing_cents, closing_date=statement.closing_date,
                            imported_by_id=getattr(actor, "id", None))
        db.session.add(row)
        keys = {line.key for line in statement.lines}
        known = set(db.session.scalars(select(BankLine.line_key).where(BankLine.line_key.in_(keys)))) if keys else set()
        for line in statement.lines:
            if line.key in known:
                report.known_lines += 1
                continue
            known.add(line.key)
            db.session.add(BankLine(statement=row, line_key=line.key, booking_date=line.booking_date,
                                    value_date=line.value_date, amount_cents=line.amount_cents,
                                    reference=line.reference, end_to_end_id=line.end_to_end_id,
                                    counterparty_name=line.counterparty_name,
                                    counterparty_iban=line.counterparty_iban, bank_reference=line.bank_reference,
                                    info=line.info, status="new"))
            report.new_lines += 1
        try:
            db.session.flush()
            audit.record("bank.import", row, actor=actor, summary=f"Relevé {statement.statement_ref} importé "
                         f"({len(statement.lines)} lignes, solde {money(statement.closing_cents)})")
            db.session.commit()
        except IntegrityError:  # the same statement imported at the same moment by another process
            db.session.rollback()
            report.already.append(statement.statement_ref)
            continue
        report.statements.append(row.id)
    reconcile_new_lines()
    return report


def import_folder() -> int:
    """The scheduled job: import each new file of BANK_STATEMENT_DIR once (a refused file is
    recorded with its reason, and not read again). Returns the number of files read."""
    folder = current_app.config.get("BANK_STATEMENT_DIR")
    if not folder or not Path(folder).is_dir():
        return 0
    read = 0
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else b""
        file_sha = hashlib.sha256(data).hexdigest() if data else hashlib.sha256(path.name.encode()).hexdigest()
        if db.session.scalar(select(BankStatement.id).where(BankStatement.file_sha256 == file_sha).limit(1)):
            continue
        read += 1
        try:
            if not data:
                raise BankStatementError(gettext("Fichier vide ou trop volumineux."))
            report = import_file(data, path.name, source="folder")
        except BankStatementError as error:
            db.session.rollback()
            log.warning("bank statement %s refused: %s", path.name, error)
            db.session.add(BankStatement(file_sha256=file_sha, filename=path.name[:255], source="folder",
                                         status="refused", error=str(error)[:500]))
            db.session.commit()
            continue
        if not report.statements:  # every statement of it was imported before: remember the file
            db.session.add(BankStatement(file_sha256=file_sha, filename=path.name[:255], source="folder",
                                         status="duplicate"))
            db.session.commit()
    return read


# --- reconciling ------------------------------------------------------------------------------


def reconcile_new_lines() -> int:
    """Classify (and apply when no decision is needed) every line not classified yet."""
    ids = db.session.scalars(select(BankLine.id).where(BankLine.status == "new").order_by(BankLine.id)).all()
    db.session.commit()
    for line_id in ids:
        _reconcile(line_id)
    return len(ids)


def _reconcile(line_id: int) -> None:
    line = db.session.get(BankLine, line_id)
    if line is None or line.status != "new":
        return
    text = " ".join((line.reference, line.end_to_end_id, line.info))
    if line.amount_cents > 0:
        if STRIPE.search(f"{line.counterparty_name} {text}"):
            _stripe_payout(line)
        elif found := CAMPAIGN_REFERENCE.search(text):
            _campaign_transfer(line, db.session.get(Campaign, int(found.group(1))))
        elif recognised := _sender_campaign(line):
            campaign, why = recognised
            line.campaign_id = campaign.id
            db.session.commit()
            _record_for_campaign(line, campaign, actor=None, match="sender", why=why)
        else:
            _classify(line, "unknown_reference", "unmatched", gettext(
                "Retrouvez l'émetteur (nom, IBAN, libellé) : si le virement paie une campagne, enregistrez-le pour "
                "elle ; sinon renvoyez-le à l'émetteur et notez-le."))
    else:
        found = STATEMENT_REFERENCE.search(text)
        if found:
            _settlement_payment(line, int(found.group(1)), int(found.group(2)))
        elif runs := _runs_of_total(-line.amount_cents):
            _settlement_batch(line, runs)
        elif kept := _kept_fee_label(line):
            _kept_fee(line, kept)
        else:
            _classify(line, "unknown_debit", "unmatched", gettext(
                "Aucun règlement de Halle n'explique ce débit : frais de la banque ? Inscrivez-les en frais "
                "bancaires. Virement fait hors Halle ? Notez ce que c'est."))


def _classify(line: BankLine, match: str, status: str, note: str = "", **links) -> None:
    line.match, line.status, line.note = match, status, note[:500]
    for name, value in links.items():
        setattr(line, name, value)
    db.session.commit()


def waiting_payment(campaign: Campaign | None) -> CampaignPayment | None:
    """The bank transfer a campaign waits for, if it waits for one."""
    if campaign is None or campaign.status != "awaiting_payment":
        return None
    return next((p for p in campaign.payments if p.method == "bank" and p.status == "pending"), None)


def _campaign_transfer(line: BankLine, campaign: Campaign | None) -> None:
    if campaign is not None and (by_hand := _recorded_by_hand(campaign, line.amount_cents)):
        _classify(line, "recorded", "matched", gettext("Déjà enregistré à la main (« Virement reçu »)."),
                  campaign_id=campaign.id, campaign_payment_id=by_hand.id, ledger_entry_id=by_hand.ledger_entry_id)
        return
    payment = waiting_payment(campaign)
    if payment is None:
        _classify(line, "not_waiting" if campaign else "unknown_reference", "to_decide" if campaign else "unmatched",
                  gettext("Cette campagne n'attend pas de virement (déjà payée, ou payée par carte) : renvoyez-le à "
                          "l'entreprise, ou enregistrez-le pour une autre campagne.") if campaign else
                  gettext("Aucune campagne ne porte ce numéro : retrouvez l'émetteur et enregistrez le virement pour "
                          "sa campagne, ou renvoyez-le."),
                  campaign_id=campaign.id if campaign else None)
        return
    asked = payment.amount_cents
    if line.amount_cents == asked:
        line.campaign_id = campaign.id
        db.session.commit()
        _record_for_campaign(line, campaign, actor=None, match="exact")
    elif line.amount_cents < asked:
        _classify(line, "partial", "to_decide", gettext(
            "Il manque %(missing)s. Enregistrez-le : la campagne attendra le reste et l'entreprise en est prévenue ; "
            "ou renvoyez-le.", missing=money(asked - line.amount_cents)), campaign_id=campaign.id)
    else:
        _classify(line, "over", "to_decide", gettext(
            "%(surplus)s de plus que demandé. Enregistrez-le : la campagne est financée et l'excédent reste au crédit "
            "de l'entreprise pour sa prochaine campagne ; ou renvoyez l'excédent.",
            surplus=money(line.amount_cents - asked)), campaign_id=campaign.id)


def _recorded_by_hand(campaign: Campaign, cents: int) -> CampaignPayment | None:
    """A transfer of this amount the admin recorded with "Virement reçu" that no statement line
    explains yet: the line is that transfer, not a second one."""
    explained = select(BankLine.campaign_payment_id).where(BankLine.campaign_payment_id.is_not(None))
    return db.session.scalar(select(CampaignPayment).where(
        CampaignPayment.campaign_id == campaign.id, CampaignPayment.method == "bank",
        CampaignPayment.status == "succeeded", CampaignPayment.amount_cents == cents,
        CampaignPayment.recorded_by_id.is_not(None), CampaignPayment.id.not_in(explained))
        .order_by(CampaignPayment.id).limit(1))


_NOT_A_NAME = frozenset("sa sas sasu sarl eurl sci scop snc gie earl gaec ste societe ets etablissements "
                        "the and les des".split())


def _name_words(name: str) -> frozenset:
    """The words that name a company, without its legal form or short words ("LAITERIE DE SEMUR SAS"
    → laiterie, semur)."""
    return frozenset(w for w in re.sub(r"[^a-z0-9]+", " ", fold(name)).split() if len(w) > 2 and w not in _NOT_A_NAME)


def _sender_campaign(line: BankLine) -> tuple[Campaign, str] | None:
    """A transfer without the campaign's reference (HR forgot it), for the one campaign that waits
    for exactly its amount from a company recognised by the account it paid from before, or else by
    its name; with the reason, for the line's note. None when it is not that certain."""
    waiting = [campaign for campaign, payment in waiting_campaigns() if payment.amount_cents == line.amount_cents]
    if not waiting:
        return None
    if line.counterparty_iban:
        payers = set(db.session.scalars(select(Campaign.employer_id).join(BankLine, BankLine.campaign_id == Campaign.id)
                                        .where(BankLine.counterparty_iban == line.counterparty_iban,
                                               BankLine.status == "matched")))
        if payers:
            from_payer = [campaign for campaign in waiting if campaign.employer_id in payers]
            return (from_payer[0], gettext(
                "Sans référence : reconnu au compte d'où l'entreprise a déjà payé, et au montant.")) \
                if len(payers) == 1 and len(from_payer) == 1 else None
    sender = _name_words(line.counterparty_name)
    named = [campaign for campaign in waiting if (words := _name_words(campaign.employer.name)) and words <= sender]
    return (named[0], gettext("Sans référence : reconnu au nom de l'entreprise et au montant.")) \
        if len(named) == 1 else None


def _record_for_campaign(line: BankLine, campaign: Campaign, *, actor, match: str, why: str = "") -> None:
    """Record the line's amount for the campaign, as the admin's "Virement reçu" does; `why`: how
    the line was recognised, when it was not by its reference."""
    line_id, campaign_id = line.id, campaign.id
    try:
        done = campaigns.record_bank_transfer(campaign, reference=campaigns.transfer_reference(campaign),
                                              amount_cents=line.amount_cents, admin_id=getattr(actor, "id", None))
    except campaigns.CampaignError as error:
        db.session.rollback()
        line = db.session.get(BankLine, line_id)
        _classify(line, line.match or match, "to_decide", str(error), campaign_id=campaign_id)
        return
    payment = db.session.get(CampaignPayment, done.payment_id)
    line = db.session.get(BankLine, line_id)
    campaign = db.session.get(Campaign, campaign_id)
    audit.record("campaign.bank_transfer", campaign, actor=actor, before={"status": "awaiting_payment"},
                 after={"status": campaign.status, "bank_line": line.id, "received_cents": done.received_cents},
                 summary=f"Virement du relevé ({line.booking_date:%d/%m/%Y}) de {money(done.received_cents)} "
                         f"enregistré pour « {campaign.label} » ({campaign.employer.name})")
    _resolve(line, actor)
    _classify(line, match, "matched", " ".join(filter(None, (why, _outcome(done)))), campaign_id=campaign_id,
              campaign_payment_id=payment.id, ledger_entry_id=payment.ledger_entry_id)


def _outcome(done: campaigns.TransferRecorded) -> str:
    if done.remaining_cents:
        return gettext("Enregistré : la campagne attend encore %(left)s.", left=money(done.remaining_cents))
    if done.surplus_cents:
        return gettext("Enregistré : campagne financée, %(surplus)s au crédit de l'entreprise.",
                       surplus=money(done.surplus_cents))
    return gettext("Campagne financée.")


def _stripe_payout(line: BankLine) -> None:
    """Stripe's payout: recorded with the fees it explains (marketplace.stripe_payouts), once — the
    payout Stripe's event recorded already is this line's."""
    line_id, cents = line.id, line.amount_cents
    memo = " ".join(part for part in (line.counterparty_name, line.reference, line.bank_reference) if part)
    payout_id = stripe_payouts.payout_id_in(" ".join((line.reference, line.end_to_end_id, line.info,
                                                      line.bank_reference)))
    if payout_id and (other := db.session.scalar(select(BankLine.id).where(BankLine.stripe_payout_id == payout_id))):
        _classify(line, "stripe_payout", "to_decide", gettext(
            "Le versement Stripe %(payout)s est déjà sur la ligne n° %(other)s : ce second crédit est-il un doublon ?",
            payout=payout_id, other=other))
        return
    if found := stripe_payouts.recorded_payout(payout_id, cents):
        entry, payout_id = found
        _classify(line, "stripe_payout", "matched", gettext(
            "Versement Stripe %(payout)s, déjà inscrit au grand livre à l'avis de Stripe.", payout=payout_id),
            ledger_entry_id=entry.id, stripe_payout_id=payout_id)
        return
    key = f"{stripe_payouts.PAYOUT_KEY}{payout_id}" if payout_id else f"bank-line:{line_id}:stripe-payout"
    db.session.commit()
    try:
        booked = stripe_payouts.book_payout(cents, key=key, memo=memo or "Stripe",
                                            landed_on=line.booking_date,
                                            actor="system:bank-statement")
    except LedgerError as error:
        db.session.rollback()
        _classify(db.session.get(BankLine, line_id), "stripe_payout", "to_decide", error_message(error))
        return
    note = booked.message or (gettext("Versement Stripe inscrit au grand livre, frais de %(fee)s compris.",
                                      fee=money(booked.fee_cents)) if booked.fee_cents
                              else gettext("Versement Stripe inscrit au grand livre."))
    _classify(db.session.get(BankLine, line_id), "stripe_payout", "to_decide" if booked.message else "matched", note,
              ledger_entry_id=booked.entry_id, stripe_payout_id=payout_id)


def _settlement_payment(line: BankLine, run_id: int, shop_id: int) -> None:
    statement = db.session.scalar(select(SettlementStatement).where(SettlementStatement.run_id == run_id,
                                                                    SettlementStatement.shop_id == shop_id))
    number = f"R{run_id:04d}-{shop_id:05d}"
    if statement is None or statement.run.status == "cancelled" or statement.status in ("cancelled", "unpaid"):
        _classify(line, "settlement_mismatch", "to_decide", gettext(
            "Le relevé de règlement %(number)s n'est pas à payer (inconnu, annulé ou sans IBAN) : vérifiez ce "
            "virement auprès de la banque.", number=number))
        return
    if -line.amount_cents != statement.payout_cents:
        _classify(line, "settlement_mismatch", "to_decide", gettext(
            "Le relevé %(number)s verse %(expected)s, la banque a débité %(debited)s : vérifiez le fichier envoyé.",
            number=number, expected=money(statement.payout_cents), debited=money(-line.amount_cents)),
            settlement_statement_id=statement.id)
        return
    other = db.session.scalar(select(BankLine.id).where(BankLine.settlement_statement_id == statement.id,
                                                        BankLine.status == "matched", BankLine.id != line.id))
    if other:
        _classify(line, "settlement_mismatch", "to_decide", gettext(
            "Le relevé %(number)s a déjà été débité (ligne n° %(other)s) : ce second débit est-il un doublon ?",
            number=number, other=other), settlement_statement_id=statement.id)
        return
    line_id, statement_id, run = line.id, statement.id, statement.run
    if run.status in ("draft", "paying"):
        try:
            settlement.mark_paid(run)
        except settlement.SettlementError as error:
            db.session.rollback()
            _classify(db.session.get(BankLine, line_id), "settlement_mismatch", "to_decide", str(error),
                      settlement_statement_id=statement_id)
            return
    statement = db.session.get(SettlementStatement, statement_id)
    line = db.session.get(BankLine, line_id)
    if statement.status != "paid":
        _classify(line, "settlement_mismatch", "to_decide", gettext(
            "Le relevé %(number)s n'a pas pu être marqué payé : voyez la page du règlement.", number=number),
            settlement_statement_id=statement_id)
        return
    _classify(line, "settlement", "matched", gettext("Reversement du relevé %(number)s : payé.", number=number),
              settlement_statement_id=statement_id, ledger_entry_id=statement.settle_entry_id)


def _runs_of_total(cents: int) -> list[SettlementRun]:
    """The runs whose SEPA file transfers `cents` in all and whose payment no line shows yet (a bank
    that books a whole file as one debit, without the transactions' details)."""
    found = []
    recent = utcnow() - timedelta(days=RECENT_RUN_DAYS)
    for run in db.session.scalars(select(SettlementRun).where(SettlementRun.status.in_(("draft", "paying", "paid")),
                                                              SettlementRun.created_at >= recent)
                                  .order_by(SettlementRun.id)):
        payable = [s for s in run.statements if s.iban_valid and s.payout_cents > 0
                   and s.status in (("paid",) if run.status == "paid" else ("draft", "paid"))]
        if not payable or sum(s.payout_cents for s in payable) != cents:
            continue
        seen = db.session.scalar(select(BankLine.id).where(
            BankLine.settlement_statement_id.in_([s.id for s in payable]), BankLine.status == "matched"))
        if not seen:
            found.append(run)
    return found


def _settlement_batch(line: BankLine, runs: list[SettlementRun]) -> None:
    if len(runs) > 1:
        _classify(line, "settlement_batch", "to_decide", gettext(
            "Ce débit a le montant de plusieurs règlements (n° %(runs)s) : voyez avec la banque lequel elle a payé.",
            runs=", ".join(str(run.id) for run in runs)))
        return
    run, line_id = runs[0], line.id
    run_id, first = run.id, min(s.id for s in run.statements if s.iban_valid and s.payout_cents > 0)
    if run.status in ("draft", "paying"):
        try:
            settlement.mark_paid(run)
        except settlement.SettlementError as error:
            db.session.rollback()
            _classify(db.session.get(BankLine, line_id), "settlement_batch", "to_decide", str(error),
                      settlement_statement_id=first)
            return
    _classify(db.session.get(BankLine, line_id), "settlement_batch", "matched", gettext(
        "Fichier de virements du règlement n° %(run)s, débité en une fois : payé.", run=run_id),
        settlement_statement_id=first)


def _resolve(line: BankLine, actor) -> None:
    if actor is not None:
        line.resolved_by_id, line.resolved_at = getattr(actor, "id", None), utcnow()


# --- the admin's decisions --------------------------------------------------------------------


def record_for_campaign(line: BankLine, campaign_id: int | None, *, actor) -> None:
    """The admin records a line waiting for a decision for a campaign (the one of its reference,
    or one they chose for a transfer without a known reference)."""
    if line.status not in WAITING or line.amount_cents <= 0:
        raise BankStatementError(gettext("Cette ligne n'attend pas de décision, ou n'est pas un virement reçu."))
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
    payment = waiting_payment(campaign)
    if payment is None:
        raise BankStatementError(gettext("Campagne : choisissez une campagne qui attend un virement."))
    match = "exact" if line.amount_cents == payment.amount_cents else (
        "partial" if line.amount_cents < payment.amount_cents else "over")
    line.campaign_id = campaign.id
    db.session.commit()
    _record_for_campaign(line, campaign, actor=actor, match=match)
    line = db.session.get(BankLine, line.id)
    if line.status != "matched":
        raise BankStatementError(line.note)


def mark_handled(line: BankLine, note: str, *, actor) -> None:
    """The admin dealt with the line outside Halle (sent back, bank fees…) and says how."""
    note = (note or "").strip()
    if line.status not in WAITING:
        raise BankStatementError(gettext("Cette ligne n'attend pas de décision."))
    if len(note) < 3:
        raise BankStatementError(gettext("Note : dites en quelques mots ce qui a été fait de cette ligne."))
    line.status, line.note = "handled", note[:500]
    _resolve(line, actor)
    audit.record("bank.line_handled", line, actor=actor, summary=f"Ligne de relevé n° {line.id} "
                 f"({money(line.amount_cents)}) traitée hors Halle : {note}"[:500])
    db.session.commit()


def waiting_campaigns() -> list[tuple[Campaign, CampaignPayment]]:
    """The campaigns waiting for a transfer, to record an unmatched line for one of them."""
    rows = db.session.execute(select(Campaign, CampaignPayment).join(CampaignPayment)
                              .where(CampaignPayment.method == "bank", CampaignPayment.status == "pending",
                                     Campaign.status == "awaiting_payment").order_by(Campaign.id)).all()
    return [(campaign, payment) for campaign, payment in rows]


# --- the bank's own fees ----------------------------------------------------------------------

FEE_CEILING_FACTOR = 2  # a kept fee label books, with no click, debits up to twice the fee it was kept from
_MONTHS = frozenset("janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre "
                    "janv fevr fev avr juil sept oct nov dec".split())


def fee_text(line: BankLine) -> str:
    """What the statement says of a debit, as the page shows it."""
    return " ".join(part for part in (line.counterparty_name, line.reference, line.info) if part).strip()


def fee_label_key(text: str) -> str:
    """A fee's label without what changes from month to month: case, accents, digits, punctuation,
    month names ("FRAIS TENUE DE COMPTE NOVEMBRE 2026" → "frais tenue de compte")."""
    words = re.sub(r"[^a-z]+", " ", fold(text)).split()
    return " ".join(word for word in words if word not in _MONTHS)[:200]


def _kept_fee_label(line: BankLine) -> BankFeeLabel | None:
    key = fee_label_key(fee_text(line))
    return db.session.scalar(select(BankFeeLabel).where(BankFeeLabel.label_key == key)) if key else None


def _kept_fee(line: BankLine, kept: BankFeeLabel) -> None:
    """A debit with a label the admin kept as the bank's fees: booked, unless above its ceiling."""
    if -line.amount_cents > kept.ceiling_cents:
        _classify(line, "bank_fee_over", "to_decide", gettext(
            "Libellé des frais bancaires « %(label)s », mais pour plus de %(ceiling)s : vérifiez auprès de la "
            "banque, puis inscrivez-le en frais bancaires ou notez ce que c'est.",
            label=kept.label, ceiling=money(kept.ceiling_cents)))
        return
    line_id = line.id
    try:
        _book_fee(line, actor="system:bank-statement", note=gettext(
            "Frais bancaires inscrits au grand livre, sans clic : libellé « %(label)s » retenu.", label=kept.label))
    except BankStatementError as error:
        _classify(db.session.get(BankLine, line_id), "bank_fee_over", "to_decide", str(error))


def _book_fee(line: BankLine, *, actor: str, note: str) -> None:
    """Books the debit as the bank's fees, dated the day it left the account (as a payout's
    landing: stripe_payouts.payout_moment), and classifies the line."""
    line_id, cents, day, memo = line.id, -line.amount_cents, line.booking_date, fee_text(line)
    db.session.commit()
    try:
        result = sales.record_bank_fee(db.session, amount_cents=cents, memo=memo or "Frais bancaires",
                                       key=f"bank-line:{line_id}:fee", actor=actor,
                                       now=stripe_payouts.payout_moment(day))
    except LedgerError as error:
        db.session.rollback()
        raise BankStatementError(error_message(error)) from error
    _classify(db.session.get(BankLine, line_id), "bank_fee", "matched", note, ledger_entry_id=result.entry_id)


def book_bank_fee(line: BankLine, *, actor, keep_label: bool = False) -> None:
    """The admin says a waiting debit is the bank's fees: booked in the ledger (bank fees, 627000),
    so the account's expected balance follows the bank's. With `keep_label`, the next debits with
    the same label, up to FEE_CEILING_FACTOR times this one, are booked at their import."""
    if line.status not in WAITING or line.amount_cents >= 0:
        raise BankStatementError(gettext("Cette ligne n'attend pas de décision, ou n'est pas un débit."))
    text, cents = fee_text(line), -line.amount_cents
    key = fee_label_key(text)
    if keep_label and not key:
        raise BankStatementError(gettext(
            "Ce débit n'a pas de libellé à reconnaître : inscrivez-le sans le retenir pour les suivants."))
    line_id = line.id
    _book_fee(line, actor=f"user:{actor.id}" if actor is not None else "system:bank-statement",
              note=gettext("Frais bancaires inscrits au grand livre."))
    line = db.session.get(BankLine, line_id)
    _resolve(line, actor)
    audit.record("bank.line_fee", line, actor=actor, summary=f"Ligne de relevé n° {line.id} ({money(-cents)}) "
                 f"inscrite en frais bancaires" + (f", libellé « {text} » retenu" if keep_label else ""))
    db.session.commit()
    if keep_label and db.session.scalar(select(BankFeeLabel.id).where(BankFeeLabel.label_key == key)) is None:
        db.session.add(BankFeeLabel(label_key=key, label=text[:500], ceiling_cents=cents * FEE_CEILING_FACTOR,
                                    created_by_id=getattr(actor, "id", None)))
        try:
            db.session.commit()
        except IntegrityError:  # kept at the same moment from another line with that label
            db.session.rollback()


def kept_fee_labels() -> list[BankFeeLabel]:
    return list(db.session.scalars(select(BankFeeLabel).order_by(BankFeeLabel.label)))


def forget_fee_label(label_id: int, *, actor) -> BankFeeLabel | None:
    """The next debits with this label wait for the admin again; what was booked stays booked."""
    kept = db.session.get(BankFeeLabel, label_id)
    if kept is not None:
        audit.record("bank.fee_label_forgotten", kept, actor=actor,
                     summary=f"Libellé de frais bancaires oublié : « {kept.label} »"[:500])
        db.session.delete(kept)
        db.session.commit()
    return kept


# --- what the page and the dashboard show -----------------------------------------------------


@dataclass(frozen=True)
class BankPosition:
    expected_cents: int  # what the ledger says the account holds
    statement_cents: int | None  # the last statement's closing balance
    statement_date: date | None
    statement_ref: str | None
    waiting: int  # lines waiting for the admin (to decide or unmatched)

    @property
    def difference_cents(self) -> int | None:
        return None if self.statement_cents is None else self.statement_cents - self.expected_cents


def expected_balance_cents() -> int:
    """Money in through the bank (external:bank goes negative by it) less the settlements paid."""
    balances = dict(db.session.execute(select(Account.code, Account.balance_cents).where(
        Account.code.in_(("external:bank", acc.TERRITORY_CLEARING)))).all())
    return -int(balances.get("external:bank", 0)) - int(balances.get(acc.TERRITORY_CLEARING, 0))


def latest_statement() -> BankStatement | None:
    return db.session.scalar(select(BankStatement).where(BankStatement.status == "imported")
                             .order_by(BankStatement.closing_date.desc(), BankStatement.id.desc()).limit(1))


def bank_position() -> BankPosition:
    latest = latest_statement()
    waiting = db.session.scalar(select(func.count()).select_from(BankLine).where(BankLine.status.in_(WAITING)))
    return BankPosition(expected_balance_cents(), latest.closing_balance_cents if latest else None,
                        latest.closing_date if latest else None, latest.statement_ref if latest else None, waiting)


def lines(status: str | None = None, limit: int = 500) -> list[BankLine]:
    query = select(BankLine).order_by(BankLine.booking_date.desc(), BankLine.id.desc()).limit(limit)
    if status == "waiting":
        query = query.where(BankLine.status.in_(WAITING))
    return list(db.session.scalars(query))


def recent_statements(limit: int = 20) -> list[BankStatement]:
    return list(db.session.scalars(select(BankStatement).order_by(BankStatement.id.desc()).limit(limit)))


def paid_not_seen() -> list[tuple[SettlementRun, int]]:
    """Recent runs marked paid whose transfers no statement line shows yet, with what they pay: the
    ledger counts them out of the account, the bank may not have executed them (a difference)."""
    recent = utcnow() - timedelta(days=RECENT_RUN_DAYS)
    found = []
    for run in db.session.scalars(select(SettlementRun).where(SettlementRun.status == "paid",
                                                              SettlementRun.created_at >= recent)
                                  .order_by(SettlementRun.id)):
        paid = [s for s in run.statements if s.status == "paid"]
        seen = set(db.session.scalars(select(BankLine.settlement_statement_id).where(
            BankLine.settlement_statement_id.in_([s.id for s in paid]), BankLine.status == "matched")))
        if paid and not seen:
            found.append((run, sum(s.payout_cents for s in paid)))
    return found
