"""The ledger in the accountant's format: the chart of accounts and the FEC export.

The FEC (Fichier des Écritures Comptables, article A47 A-1 of the Livre des procédures fiscales)
lists every accounting line of a period in 18 columns. Here each ledger entry is one accounting
entry (écriture) and each of its postings one line: a posting that takes money out of a ledger
account is a debit, one that puts money in a credit (the ledger's accounts hold what the territory
owes — cards, employers, shops — and the outside world's accounts are its bank and Stripe, so this
is the territory's point of view: a transfer received debits the bank and credits the employer).

Which account number a ledger account gets is data, the chart (`ChartAccount` rows, PCG defaults
seeded by the migration and the demo, edited by the admin; a public body puts its M57 numbers):
a row is found by the account's code ("external:bank") first, then by its kind ("purse"). Shop and
funder accounts are auxiliary accounts (CompAuxNum = the row's prefix and the id, CompAuxLib = the
name). The journal of an entry follows from its kind (and, for money from outside, from where it
came): one journal per source, numbered from 1 without gap over the period exported.
"""
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from sqlalchemy import select

from loyalty.clock import paris_day, paris_day_bounds
from loyalty.models import Account, Entry, Posting
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models import Employer, Shop
from marketplace.models.accounting import ChartAccount

FEC_COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
               "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
               "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise")
SEPARATORS = {"tab": "\t", "pipe": "|"}

# The defaults, in the French PCG (plan comptable général): (ledger key, number, label, aux prefix).
# The migration that created the table keeps its own frozen copy.
DEFAULT_CHART = (
    ("external:bank", "512000", "Banque — compte du territoire", None),
    ("territory_clearing", "512000", "Banque — compte du territoire", None),
    ("external:stripe", "467100", "Stripe — encaissements par carte bancaire à recevoir", None),
    ("stripe_clearing", "467100", "Stripe — encaissements par carte bancaire à recevoir", None),
    ("counter_clearing", "467300", "Points de vente cartes — encaissements à remettre en banque", None),
    ("external", "471000", "Compte d'attente — autres encaissements", None),
    ("employer_funding", "419100", "Employeurs — fonds reçus à attribuer", "EMP"),
    ("territory_fund", "467500", "Fonds territorial (abondements, crédits expirés)", None),
    ("purse", "419800", "Porteurs de cartes — crédit disponible", None),
    ("card_holds", "419810", "Porteurs de cartes — crédit réservé (commandes en ligne)", None),
    ("shop_payable", "401000", "Commerces — sommes à reverser", "COM"),
    ("adjustments", "471800", "Corrections à analyser", None),
    ("commission", "706000", "Commissions sur les règlements des commerces", None),
    ("bank_fees", "627000", "Services bancaires et assimilés — frais de Stripe et de la banque", None),
)
LEDGER_KEYS = tuple(row[0] for row in DEFAULT_CHART)

# What each ledger key (an account's code, else its kind: loyalty/models.py ACCOUNT_KINDS) holds, in
# words, for the chart's page: the keys themselves are the program's, not the accountant's.
LEDGER_KEY_NAMES = {
    "external:bank": lazy_gettext("Banque du territoire : virements reçus et émis"),
    "territory_clearing": lazy_gettext("Sommes versées aux commerces (règlements)"),
    "external:stripe": lazy_gettext("Stripe : paiements par carte bancaire"),
    "stripe_clearing": lazy_gettext("Ventes en ligne payées par carte bancaire (Stripe)"),
    "counter_clearing": lazy_gettext("Encaissements des points de vente cartes (espèces, chèques, TPE)"),
    "external": lazy_gettext("Autres sources d'argent extérieures"),
    "employer_funding": lazy_gettext("Fonds versés par les employeurs, pas encore attribués"),
    "territory_fund": lazy_gettext("Fonds territorial (abondements publics, crédits expirés)"),
    "purse": lazy_gettext("Crédit disponible sur les cartes"),
    "card_holds": lazy_gettext("Crédit des cartes réservé par les commandes en ligne"),
    "shop_payable": lazy_gettext("Sommes dues aux commerces, pas encore réglées"),
    "adjustments": lazy_gettext("Corrections manuelles"),
    "commission": lazy_gettext("Commissions du territoire sur les règlements"),
    "bank_fees": lazy_gettext("Frais de Stripe et de la banque"),
}


def ledger_key_name(key: str) -> str:
    """The words for a ledger key ("purse": « Crédit disponible sur les cartes »); an unknown key as is."""
    return str(LEDGER_KEY_NAMES.get(key, key))

JOURNALS = {
    "CAR": "Carte territoriale en commerce",
    "VEL": "Ventes en ligne",
    "CAM": "Campagnes et dotations",
    "REG": "Règlements des commerces",
    "STR": "Stripe",
    "BQ": "Banque",
    "EXP": "Expirations",
    "OD": "Opérations diverses",
}
_JOURNAL_OF_KIND = {
    "redeem": "CAR", "void": "CAR", "refund": "CAR",
    "hold": "VEL", "capture": "VEL", "release": "VEL", "sale": "VEL", "salerefund": "VEL", "buyrefund": "VEL",
    "issue": "CAM", "replace": "CAM",
    "settle": "REG", "commission": "REG",
    "payout": "STR", "fee": "STR", "bank_fee": "BQ",
    "expire": "EXP",
}
# Written once, in French, like the rest of the books.
ENTRY_LABELS = {
    "fund": "Fonds reçus", "issue": "Crédit attribué", "redeem": "Paiement carte", "void": "Annulation paiement",
    "refund": "Remboursement paiement", "expire": "Crédit expiré", "settle": "Règlement commerce",
    "adjust": "Correction", "replace": "Remplacement de carte", "hold": "Réservation commande",
    "capture": "Encaissement commande", "release": "Libération réservation", "sale": "Vente en ligne CB",
    "salerefund": "Remboursement vente en ligne", "commission": "Commission", "buyrefund": "Remboursement achat",
    "payout": "Virement Stripe vers la banque", "fee": "Frais Stripe", "bank_fee": "Frais bancaires",
}


class AccountingError(Exception):
    """The export cannot be made as asked; the message, in French, says why."""


def journal_of(kind: str, codes: set[str]) -> str:
    """The journal of an entry of `kind` touching the accounts of `codes`."""
    if kind == "issue" and ("territory:stripe" in codes or any(c.startswith("counter:") for c in codes)):
        return "VEL"  # credit bought by bank card (gift cards, top-ups) or at a card counter
    if kind in _JOURNAL_OF_KIND:
        return _JOURNAL_OF_KIND[kind]
    if "external:stripe" in codes:
        return "STR"
    if "external:bank" in codes:
        return "BQ"
    return "OD"


def ensure_default_chart() -> int:
    """Add the default line of each ledger key the chart lacks (never changes an edited line);
    returns how many were added. The caller commits."""
    present = set(db.session.scalars(select(ChartAccount.ledger_key)))
    added = [ChartAccount(ledger_key=key, number=number, label=label, aux_prefix=prefix)
             for key, number, label, prefix in DEFAULT_CHART if key not in present]
    db.session.add_all(added)
    return len(added)


def chart_rows() -> list[ChartAccount]:
    """The chart's lines, in the order of DEFAULT_CHART (then any other, by key); a ledger key with
    no stored line gets its default, unsaved (saving the chart stores it)."""
    rows = {row.ledger_key: row for row in db.session.scalars(select(ChartAccount))}
    for key, number, label, prefix in DEFAULT_CHART:
        if key not in rows:
            rows[key] = ChartAccount(ledger_key=key, number=number, label=label, aux_prefix=prefix)
    order = {key: index for index, key in enumerate(LEDGER_KEYS)}
    return sorted(rows.values(), key=lambda row: (order.get(row.ledger_key, len(order)), row.ledger_key))


_NUMBER = re.compile(r"^[0-9A-Za-z]{1,20}$")
_PREFIX = re.compile(r"^[0-9A-Za-z]{0,10}$")


def update_chart(values: dict[str, tuple[str, str, str]]) -> list[str]:
    """Set the chart from {ledger key: (number, label, aux prefix)}; returns the problems (French,
    naming the line) and changes nothing when there is one. The caller commits."""
    problems = []
    for key, (number, label, prefix) in values.items():
        if key not in LEDGER_KEYS:
            problems.append(gettext("Ligne « %(key)s » : compte du registre inconnu.", key=key))
            continue
        if not _NUMBER.match(number.strip()):
            problems.append(gettext("Ligne « %(key)s » : le numéro de compte doit faire 1 à 20 chiffres ou lettres.",
                                    key=ledger_key_name(key)))
        if not label.strip() or len(label.strip()) > 200:
            problems.append(gettext("Ligne « %(key)s » : le libellé est obligatoire (200 caractères au plus).",
                                    key=ledger_key_name(key)))
        if not _PREFIX.match(prefix.strip()):
            problems.append(gettext("Ligne « %(key)s » : le préfixe auxiliaire fait au plus 10 chiffres ou lettres.",
                                    key=ledger_key_name(key)))
    if problems:
        return problems
    rows = {row.ledger_key: row for row in db.session.scalars(select(ChartAccount))}
    for key, (number, label, prefix) in values.items():
        row = rows.get(key) or ChartAccount(ledger_key=key)
        row.number, row.label, row.aux_prefix = number.strip(), label.strip(), prefix.strip() or None
        db.session.add(row)
    return []


def chart_snapshot() -> dict:
    return {row.ledger_key: [row.number, row.label, row.aux_prefix]
            for row in db.session.scalars(select(ChartAccount).order_by(ChartAccount.ledger_key))}


@dataclass
class _Chart:
    rows: dict[str, ChartAccount]
    shop_names: dict[int, str]
    employer_names: dict[int, str]

    def line_of(self, code: str | None, kind: str) -> ChartAccount:
        row = self.rows.get(code) if code else None
        row = row or self.rows.get(kind)
        if row is None:
            raise AccountingError(gettext("Le plan comptable n'a pas de compte pour les comptes « %(key)s » : "
                                          "complétez-le (page Plan comptable).", key=code or kind))
        return row

    def auxiliary(self, row: ChartAccount, shop_id: int | None, employer_id: int | None) -> tuple[str, str]:
        if not row.aux_prefix:
            return "", ""
        if shop_id is not None:
            return f"{row.aux_prefix}{shop_id:05d}", self.shop_names.get(shop_id, "")
        if employer_id is not None:
            return f"{row.aux_prefix}{employer_id:05d}", self.employer_names.get(employer_id, "")
        return "", ""


def chart_resolver() -> _Chart:
    """The chart's lines and the names of shops and employers, read once for an export."""
    return _Chart(rows={row.ledger_key: row for row in db.session.scalars(select(ChartAccount))},
                  shop_names=dict(db.session.execute(select(Shop.id, Shop.name)).all()),
                  employer_names=dict(db.session.execute(select(Employer.id, Employer.name)).all()))


def period_bounds(starts_on: date, ends_on: date):
    """[start, end) in stored form (naive UTC) of the Paris days from `starts_on` to `ends_on` included."""
    if ends_on < starts_on:
        raise AccountingError(gettext("La fin de la période précède son début."))
    return paris_day_bounds(starts_on)[0], paris_day_bounds(ends_on)[1]


@dataclass(frozen=True)
class FecLine:
    journal: str
    number: int
    day: date
    account_number: str
    account_label: str
    aux_number: str
    aux_label: str
    piece: str
    label: str
    debit_cents: int
    credit_cents: int


def fec_lines(starts_on: date, ends_on: date) -> Iterator[FecLine]:
    """Every line of the entries dated in the period (Paris days, both included), entries in the
    order they were written, numbered per journal from 1."""
    start, end = period_bounds(starts_on, ends_on)
    chart = chart_resolver()
    rows = db.session.execute(
        select(Entry.id, Entry.kind, Entry.created_at, Entry.memo, Entry.shop_id, Posting.amount_cents,
               Account.code, Account.kind, Account.shop_id, Account.employer_id)
        .join(Posting, Posting.entry_id == Entry.id).join(Account, Account.id == Posting.account_id)
        .where(Entry.created_at >= start, Entry.created_at < end)
        .order_by(Entry.created_at, Entry.id, Posting.id)
        .execution_options(yield_per=2000))
    numbers: Counter = Counter()
    for entry_id, postings in itertools.groupby(rows, key=lambda row: row[0]):
        postings = list(postings)
        _, kind, created_at, memo, shop_id = postings[0][:5]
        journal = journal_of(kind, {row[6] for row in postings if row[6]})
        numbers[journal] += 1
        day = paris_day(created_at)
        label = _entry_label(kind, chart.shop_names.get(shop_id) if shop_id else None, memo)
        for *_, cents, code, account_kind, account_shop, account_employer in postings:
            row = chart.line_of(code, account_kind)
            aux_number, aux_label = chart.auxiliary(row, account_shop, account_employer)
            yield FecLine(journal, numbers[journal], day, row.number, row.label, aux_number, aux_label,
                          str(entry_id), label, max(-cents, 0), max(cents, 0))


def _entry_label(kind: str, shop_name: str | None, memo: str) -> str:
    parts = [ENTRY_LABELS.get(kind, kind), shop_name, memo]
    return " — ".join(part for part in parts if part)[:200]


def fec_amount(cents: int) -> str:
    """'1234,50' (decimal comma, no thousands separator, as the FEC asks)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"


def _field(text: str) -> str:
    """No separator, tab or line break inside a field."""
    return re.sub(r"[\t|\r\n]+", " ", text or "").strip()


def fec_records(starts_on: date, ends_on: date, separator: str = "tab") -> Iterator[str]:
    """The FEC file, line by line (header first, each with its CRLF), UTF-8 text."""
    if separator not in SEPARATORS:
        raise AccountingError(gettext("Séparateur inconnu : « tab » ou « pipe »."))
    sep = SEPARATORS[separator]
    yield sep.join(FEC_COLUMNS) + "\r\n"
    for line in fec_lines(starts_on, ends_on):
        day = line.day.strftime("%Y%m%d")
        yield sep.join(_field(value) for value in (
            line.journal, JOURNALS[line.journal], str(line.number), day, line.account_number, line.account_label,
            line.aux_number, line.aux_label, line.piece, day, line.label, fec_amount(line.debit_cents),
            fec_amount(line.credit_cents), "", "", day, "", "")) + "\r\n"


def fec_filename(ends_on: date) -> str:
    """FECAAAAMMJJ.txt (the administration's name starts with the SIREN: the accountant adds it)."""
    return f"FEC{ends_on:%Y%m%d}.txt"


@dataclass
class FecSummary:
    entries: int = 0
    lines: int = 0
    debit_cents: int = 0
    credit_cents: int = 0
    journals: dict = field(default_factory=lambda: defaultdict(lambda: {"entries": 0, "debit_cents": 0}))


def fec_summary(starts_on: date, ends_on: date) -> FecSummary:
    """What the export of the period holds: entries and lines, totals, entries per journal."""
    summary = FecSummary()
    last = None
    for line in fec_lines(starts_on, ends_on):
        summary.lines += 1
        summary.debit_cents += line.debit_cents
        summary.credit_cents += line.credit_cents
        journal = summary.journals[line.journal]
        journal["debit_cents"] += line.debit_cents
        if (line.journal, line.number) != last:
            summary.entries += 1
            journal["entries"] += 1
            last = (line.journal, line.number)
    summary.journals = {code: dict(summary.journals[code], label=JOURNALS[code])
                        for code in JOURNALS if code in summary.journals}
    return summary


def missing_chart_keys() -> list[str]:
    """The ledger keys the ledger uses that the chart lacks (the export would stop on them)."""
    rows = set(db.session.scalars(select(ChartAccount.ledger_key)))
    kinds = set(db.session.scalars(select(Account.kind).distinct()))
    codes = set(db.session.scalars(select(Account.code).where(Account.kind == "external")))
    missing = {kind for kind in kinds if kind != "external" and kind not in rows}
    missing |= {code for code in codes if code not in rows and "external" not in rows}
    return sorted(missing)
