"""The monthly closing: a statement of the month for the accountant, and locking the month.

The statement is read from the ledger alone (entries dated in the Paris month, balances at its
end): the credit outstanding per funder at the end (the liability: what each funder's money
still stands at, on cards or not yet granted), the funds received, what was paid to the shops,
the commission, the credit that expired and where it went, the entries of the month by kind, and
a trial balance per account of the chart (opening, debit, credit, closing) whose debits and
credits are the month's FEC (marketplace/accounting.py). Locking the month (loyalty.closing)
freezes it: the ledger refuses any entry dated in it or before, corrections go in the next month.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext, ngettext
from sqlalchemy import case, func, select

from loyalty import closing as ledger_closing
from loyalty.clock import paris_day, utc_now
from loyalty.errors import LedgerError
from loyalty.models import Account, Entry, Grant, Posting
from loyalty.verify import verify
from marketplace import audit
from marketplace.accounting import ENTRY_LABELS, chart_resolver
from marketplace.exports import csv_document, euros
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.i18n import error_message
from marketplace.models import Employer, Shop
from marketplace.pdf import Column, Document

FUNDER_KINDS = ("employer_funding", "territory_fund")


class ClosingError(Exception):
    """A refused closing action; the message is for the admin."""


@dataclass
class FunderLine:
    label: str
    unassigned_cents: int  # on its funding account, not yet granted
    on_cards_cents: int  # on the cards' grants it funded

    @property
    def total_cents(self) -> int:
        return self.unassigned_cents + self.on_cards_cents


@dataclass
class AmountLine:
    label: str
    count: int
    amount_cents: int


@dataclass
class BalanceLine:
    number: str
    label: str
    opening_cents: int = 0  # credit balance (what the accounts hold), at the start of the month
    debit_cents: int = 0
    credit_cents: int = 0

    @property
    def closing_cents(self) -> int:
        return self.opening_cents + self.credit_cents - self.debit_cents


@dataclass
class MonthStatement:
    month: date
    funders: list[FunderLine]
    holds_cents: int
    owed_to_shops_cents: int
    funds_received: list[AmountLine]
    paid_to_shops: AmountLine
    commission: AmountLine
    expired: list[AmountLine]
    by_kind: list[AmountLine]
    balances: list[BalanceLine]
    locked: ledger_closing.ClosedMonth | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def outstanding_cents(self) -> int:
        """The credit on the cards at the end of the month (spendable or held for an order)."""
        return sum(line.on_cards_cents for line in self.funders) + self.holds_cents

    @property
    def funds_received_cents(self) -> int:
        return sum(line.amount_cents for line in self.funds_received)

    @property
    def expired_cents(self) -> int:
        return sum(line.amount_cents for line in self.expired)

    @property
    def debit_cents(self) -> int:
        return sum(line.debit_cents for line in self.balances)

    @property
    def credit_cents(self) -> int:
        return sum(line.credit_cents for line in self.balances)

    @property
    def balanced(self) -> bool:
        """Every entry balanced: debits equal credits, and the accounts sum to 0 at both ends."""
        return (self.debit_cents == self.credit_cents and sum(line.closing_cents for line in self.balances) == 0
                and sum(line.opening_cents for line in self.balances) == 0)

    def figures(self) -> dict:
        """The main figures, as kept with the lock and in the audit log."""
        return {"outstanding_cents": self.outstanding_cents, "funds_received_cents": self.funds_received_cents,
                "paid_to_shops_cents": self.paid_to_shops.amount_cents,
                "commission_cents": self.commission.amount_cents, "expired_cents": self.expired_cents,
                "debit_cents": self.debit_cents, "credit_cents": self.credit_cents}


def _funder_labels(account_ids) -> dict[int, str]:
    """A readable name for each funding account: the employer's name, the territory fund…"""
    accounts = db.session.scalars(select(Account).where(Account.id.in_(list(account_ids)))).all()
    employers = dict(db.session.execute(select(Employer.id, Employer.name).where(
        Employer.id.in_([a.employer_id for a in accounts if a.employer_id]))).all())
    shops = dict(db.session.execute(select(Shop.id, Shop.name).where(
        Shop.id.in_([a.shop_id for a in accounts if a.shop_id]))).all())
    fixed = {"territory_fund": gettext("Fonds territorial"),
             "stripe_clearing": gettext("Crédit acheté par carte bancaire (cartes cadeaux, recharges)")}
    labels = {}
    for account in accounts:
        if account.employer_id in employers:
            labels[account.id] = employers[account.employer_id]
        elif account.shop_id in shops:
            labels[account.id] = shops[account.shop_id]
        else:
            # A top-up programme's budget is of the territory fund's kind: named by its own label.
            labels[account.id] = (account.label if (account.code or "").startswith("programme:")
                                  else fixed.get(account.kind, account.label))
    return labels


def _dated(query, start, end):
    query = query.join(Entry, Entry.id == Posting.entry_id)
    if start is not None:
        query = query.where(Entry.created_at >= start)
    return query.where(Entry.created_at < end)


def statement(month: date) -> MonthStatement:
    """The statement of the Paris month containing `month`."""
    month = ledger_closing.month_start(month)
    start, end = ledger_closing.month_bounds(month)

    on_cards = dict(db.session.execute(_dated(
        select(Grant.funder_account_id, func.sum(Posting.amount_cents))
        .select_from(Posting).join(Grant, Grant.account_id == Posting.account_id), None, end)
        .group_by(Grant.funder_account_id)).all())
    funding = dict(db.session.execute(_dated(
        select(Posting.account_id, func.sum(Posting.amount_cents)).select_from(Posting)
        .join(Account, Account.id == Posting.account_id).where(Account.kind.in_(FUNDER_KINDS)), None, end)
        .group_by(Posting.account_id)).all())
    by_kind_at_end = dict(db.session.execute(_dated(
        select(Account.kind, func.sum(Posting.amount_cents)).select_from(Posting)
        .join(Account, Account.id == Posting.account_id), None, end).group_by(Account.kind)).all())
    funder_ids = {i for i, cents in on_cards.items() if cents} | {i for i, cents in funding.items() if cents}
    labels = _funder_labels(funder_ids)
    funders = sorted((FunderLine(labels[i], int(funding.get(i) or 0), int(on_cards.get(i) or 0)) for i in funder_ids),
                     key=lambda line: line.label.lower())

    def moved(kind: str, sign: int):
        """Per account, what the entries of `kind` in the month moved into it (sign 1) or out of it (-1)."""
        rows = db.session.execute(_dated(
            select(Posting.account_id, func.count(), func.sum(Posting.amount_cents)).select_from(Posting)
            .where(Posting.amount_cents * sign > 0), start, end).where(Entry.kind == kind)
            .group_by(Posting.account_id)).all()
        return [(account_id, count, int(cents) * sign) for account_id, count, cents in rows]

    def lines(rows) -> list[AmountLine]:
        names = _funder_labels([account_id for account_id, _, _ in rows])
        return sorted((AmountLine(names[account_id], count, cents) for account_id, count, cents in rows),
                      key=lambda line: line.label.lower())

    def total(kind: str) -> AmountLine:
        count, cents = db.session.execute(
            select(func.count(), func.coalesce(func.sum(Entry.amount_cents), 0))
            .where(Entry.kind == kind, Entry.created_at >= start, Entry.created_at < end)).one()
        return AmountLine(ENTRY_LABELS[kind], count, int(cents))

    by_kind = [AmountLine(ENTRY_LABELS.get(kind, kind), count, int(cents)) for kind, count, cents in db.session.execute(
        select(Entry.kind, func.count(), func.coalesce(func.sum(Entry.amount_cents), 0))
        .where(Entry.created_at >= start, Entry.created_at < end).group_by(Entry.kind).order_by(Entry.kind)).all()]

    return MonthStatement(
        month=month, funders=funders, holds_cents=int(by_kind_at_end.get("card_holds") or 0),
        owed_to_shops_cents=int(by_kind_at_end.get("shop_payable") or 0),
        funds_received=lines(moved("fund", 1)), paid_to_shops=total("settle"), commission=total("commission"),
        expired=lines(moved("expire", 1)), by_kind=by_kind, balances=_trial_balance(start, end),
        locked=_lock_of(month))


def _trial_balance(start, end) -> list[BalanceLine]:
    """Per account number of the chart: the balance at the start, the month's debits and credits."""
    chart = chart_resolver()
    external_code = case((Account.kind == "external", Account.code), else_=None)
    lines: dict[tuple[str, str], BalanceLine] = {}

    def line(code, kind) -> BalanceLine:
        row = chart.line_of(code, kind)
        return lines.setdefault((row.number, row.label), BalanceLine(row.number, row.label))

    opening = db.session.execute(_dated(
        select(external_code, Account.kind, func.sum(Posting.amount_cents)).select_from(Posting)
        .join(Account, Account.id == Posting.account_id), None, start).group_by(external_code, Account.kind)).all()
    for code, kind, cents in opening:
        line(code, kind).opening_cents += int(cents)
    debit = func.sum(case((Posting.amount_cents < 0, -Posting.amount_cents), else_=0))
    credit = func.sum(case((Posting.amount_cents > 0, Posting.amount_cents), else_=0))
    movements = db.session.execute(_dated(
        select(external_code, Account.kind, debit, credit).select_from(Posting)
        .join(Account, Account.id == Posting.account_id), start, end).group_by(external_code, Account.kind)).all()
    for code, kind, debits, credits in movements:
        balance_line = line(code, kind)
        balance_line.debit_cents += int(debits)
        balance_line.credit_cents += int(credits)
    return sorted(lines.values(), key=lambda balance_line: (balance_line.number, balance_line.label))


def _lock_of(month: date) -> ledger_closing.ClosedMonth | None:
    """The locking that closed `month` (its own, or a later month's), if any."""
    return db.session.scalar(select(ledger_closing.ClosedMonth).where(ledger_closing.ClosedMonth.month >= month)
                             .order_by(ledger_closing.ClosedMonth.month))


def months() -> list[date]:
    """The months that have entries, latest first, and the current month."""
    first = db.session.scalar(select(func.min(Entry.created_at)))
    current = ledger_closing.month_start(paris_day(utc_now()))
    month = ledger_closing.month_start(paris_day(first)) if first else current
    found = []
    while month <= current:
        found.append(month)
        month = ledger_closing.next_month(month)
    return list(reversed(found))


def lock(month: date, *, actor) -> ledger_closing.ClosedMonth:
    """Close `month` (and the months before it) once the ledger is sound and the month is over;
    audit-logged. Raises ClosingError saying why not."""
    problems = verify(db.session)
    if problems:
        raise ClosingError(ngettext("Le registre présente %(num)s anomalie (ledger verify) : corrigez-la avant de "
                                    "clôturer. La voici : %(first)s",
                                    "Le registre présente %(num)s anomalies (ledger verify) : corrigez-les avant de "
                                    "clôturer. Première : %(first)s", len(problems), first=problems[0]))
    month_statement = statement(month)
    if not month_statement.balanced:
        raise ClosingError(gettext("Le relevé du mois n'est pas équilibré : clôture impossible."))
    if month_statement.locked is not None:
        raise ClosingError(gettext("Ce mois est déjà clôturé."))
    figures = month_statement.figures()
    try:
        row = ledger_closing.lock_month(db.session, month_statement.month, actor=getattr(actor, "email", "system"),
                                        figures=figures)
    except LedgerError as error:
        db.session.rollback()
        raise ClosingError(error_message(error)) from error
    audit.record("ledger.close_month", None, actor=actor,
                 summary=f"Mois {month_statement.month:%m/%Y} clôturé (et les mois précédents)",
                 before={"closed_through": None}, after={"month": month_statement.month.isoformat(), **figures})
    db.session.commit()
    return row


def _rows(month_statement: MonthStatement) -> list[list]:
    """The statement as rows (section title, then its lines): the CSV, and the PDF's tables."""
    s = month_statement
    rows: list[list] = [[gettext("Relevé mensuel du registre de la carte territoriale"), s.month.strftime("%m/%Y")],
                        [gettext("État"), gettext("clôturé") if s.locked else gettext("ouvert")], []]
    rows += [[gettext("Crédit en circulation par financeur à la fin du mois"), gettext("non attribué"),
              gettext("sur les cartes"), gettext("total")]]
    rows += [[line.label, euros(line.unassigned_cents), euros(line.on_cards_cents), euros(line.total_cents)]
             for line in s.funders]
    rows += [[gettext("Réservé pour des commandes en ligne"), "", euros(s.holds_cents), euros(s.holds_cents)],
             [gettext("Crédit en circulation (passif)"), "", euros(s.outstanding_cents), ""],
             [gettext("Dû aux commerces (pas encore réglé)"), "", "", euros(s.owed_to_shops_cents)], []]
    rows += [[gettext("Fonds reçus"), gettext("opérations"), gettext("montant")]]
    rows += [[line.label, line.count, euros(line.amount_cents)] for line in s.funds_received]
    rows += [[gettext("Total"), "", euros(s.funds_received_cents)], []]
    rows += [[gettext("Reversé aux commerces"), s.paid_to_shops.count, euros(s.paid_to_shops.amount_cents)],
             [gettext("Commission du territoire"), s.commission.count, euros(s.commission.amount_cents)], []]
    rows += [[gettext("Crédit expiré, rendu à"), gettext("opérations"), gettext("montant")]]
    rows += [[line.label, line.count, euros(line.amount_cents)] for line in s.expired]
    rows += [[gettext("Total"), "", euros(s.expired_cents)], []]
    rows += [[gettext("Écritures du mois par nature"), gettext("écritures"), gettext("montant")]]
    rows += [[line.label, line.count, euros(line.amount_cents)] for line in s.by_kind]
    rows += [[]]
    rows += [[gettext("Compte"), gettext("libellé"), gettext("solde d'ouverture (créditeur)"), gettext("débit"),
              gettext("crédit"), gettext("solde de clôture (créditeur)")]]
    rows += [[line.number, line.label, euros(line.opening_cents), euros(line.debit_cents), euros(line.credit_cents),
              euros(line.closing_cents)] for line in s.balances]
    rows += [[gettext("Total"), "", euros(sum(line.opening_cents for line in s.balances)), euros(s.debit_cents),
              euros(s.credit_cents), euros(sum(line.closing_cents for line in s.balances))]]
    return rows


def statement_csv(month_statement: MonthStatement) -> str:
    return csv_document(_rows(month_statement))


def statement_pdf(month_statement: MonthStatement) -> bytes:
    s = month_statement
    title = gettext("Relevé mensuel — %(month)s", month=s.month.strftime("%m/%Y"))
    doc = Document(footer=title)
    doc.heading(title, 16)
    state = (gettext("Mois clôturé le %(day)s par %(who)s.", day=s.locked.locked_at.strftime("%d/%m/%Y"),
                     who=s.locked.locked_by) if s.locked else gettext("Mois ouvert : ces chiffres peuvent encore changer."))
    doc.paragraph(state)
    doc.heading(gettext("Crédit en circulation par financeur à la fin du mois"), 11)
    doc.table([Column(gettext("Financeur"), 231), Column(gettext("Non attribué"), 90, True),
               Column(gettext("Sur les cartes"), 90, True), Column(gettext("Total"), 100, True)],
              [[line.label, money(line.unassigned_cents), money(line.on_cards_cents), money(line.total_cents)]
               for line in s.funders]
              + [[gettext("Réservé pour des commandes en ligne"), "", money(s.holds_cents), money(s.holds_cents)],
                 [gettext("Crédit en circulation (passif)"), "", money(s.outstanding_cents), ""]], bold_last=True)
    doc.paragraph(gettext("Dû aux commerces (pas encore réglé) : %(amount)s.", amount=money(s.owed_to_shops_cents)))
    doc.heading(gettext("Mouvements du mois"), 11)
    amounts = [Column(gettext("Nature"), 331), Column(gettext("Opérations"), 80, True),
               Column(gettext("Montant"), 100, True)]
    doc.table(amounts, [[gettext("Fonds reçus : %(who)s", who=line.label), str(line.count), money(line.amount_cents)]
                        for line in s.funds_received]
              + [[gettext("Reversé aux commerces"), str(s.paid_to_shops.count), money(s.paid_to_shops.amount_cents)],
                 [gettext("Commission du territoire"), str(s.commission.count), money(s.commission.amount_cents)]]
              + [[gettext("Crédit expiré, rendu à : %(who)s", who=line.label), str(line.count),
                  money(line.amount_cents)] for line in s.expired])
    doc.heading(gettext("Écritures du mois par nature"), 11)
    doc.table(amounts, [[line.label, str(line.count), money(line.amount_cents)] for line in s.by_kind])
    doc.heading(gettext("Balance des comptes"), 11)
    doc.table([Column(gettext("Compte"), 50), Column(gettext("Libellé"), 171), Column(gettext("Ouverture"), 72, True),
               Column(gettext("Débit"), 72, True), Column(gettext("Crédit"), 72, True),
               Column(gettext("Clôture"), 74, True)],
              [[line.number, line.label, money(line.opening_cents), money(line.debit_cents), money(line.credit_cents),
                money(line.closing_cents)] for line in s.balances]
              + [[gettext("Total"), "", money(sum(line.opening_cents for line in s.balances)), money(s.debit_cents),
                  money(s.credit_cents), money(sum(line.closing_cents for line in s.balances))]], bold_last=True)
    doc.paragraph(gettext("Soldes créditeurs : ce que les comptes détiennent (un solde négatif est débiteur). Les "
                          "débits et crédits du mois sont ceux du FEC de la période."))
    return doc.bytes()


def last_day(month: date) -> date:
    return date.fromordinal(ledger_closing.next_month(month).toordinal() - 1)


def is_over(month: date) -> bool:
    """Only a month that is over can be locked."""
    return ledger_closing.month_bounds(month)[1] <= utc_now().replace(tzinfo=None)

