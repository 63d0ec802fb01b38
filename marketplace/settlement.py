"""Settlement runs: paying the shops what the territorial card and online sales brought them.

A run covers a period (a day, a week or a month, Paris days); the scheduler makes one at the
territory's cadence (marketplace/settlement_schedule.py). Each shop gets a statement listing every
ledger entry on its payable account not yet in a run and dated before the end of the period —
card payments, captured holds and online sales paid by bank card (positive), voids and refunds
(negative) — less the commission
(`SETTLEMENT_COMMISSION_BPS`, basis points, stored on the run). A shop whose lines sum to nothing
or less gets no statement: its lines wait for the next run.

Idempotence: a ledger entry is in at most one statement line (unique `entry_id`), so the same
period run twice finds nothing left to pay; cancelling a draft run deletes its lines, which go to
the next run. Marking a run paid writes one `settle` entry per statement with the key
"settlement:{run}:shop:{shop}" (and, when a commission was kept, a `commission` entry moving it
to the territory's commission account; runs paid before that account existed used an `adjust`
with the key "…:commission"), so a repeated click or a crash half-way replays, never pays twice.

A refund made after a run computed its lines can leave a shop owing less than its statement:
marking paid then stops ("paying"). `stuck_statements` says why; `recompute_run` rebuilds the
unpaid statements with those refunds, `cancel_unpaid` gives up the unpaid rest.
"""
import calendar
from collections import defaultdict
from datetime import UTC, date, timedelta

from flask_babel import gettext
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from loyalty import ledger, sales
from loyalty.clock import PARIS, paris_day, paris_day_bounds, utc_now
from loyalty.errors import LedgerError
from loyalty.models import Account, Card, Entry, Posting
from loyalty.money import euros as money
from marketplace import audit, mail
from marketplace.exports import csv_document, euros
from marketplace.extensions import db
from marketplace.formatting import day
from marketplace.i18n import error_message, lazy_gettext
from marketplace.models import SettlementLine, SettlementRun, SettlementStatement, Shop
from marketplace.sepa import valid_iban
from marketplace.shops import owner_emails
from marketplace.settings import card_settings

SETTLED_KINDS = ("redeem", "capture", "void", "refund", "sale", "salerefund")
LATER_DEDUCTIONS = ("void", "refund", "salerefund")  # taken into a recomputed run even after its end
PERIOD_LABELS = {"daily": "Jour", "weekly": "Semaine", "monthly": "Mois"}
KIND_LABELS = {"redeem": lazy_gettext("Paiement carte"),
               "capture": lazy_gettext("Commande en ligne (carte territoriale)"),
               "void": lazy_gettext("Annulation"), "refund": lazy_gettext("Remboursement"),
               "sale": lazy_gettext("Vente en ligne (carte bancaire)"),
               "salerefund": lazy_gettext("Remboursement vente en ligne")}


class SettlementError(Exception):
    """A refused settlement action; the message is for the admin, in French."""


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """First and last day of the day, week (Monday–Sunday) or month containing `day`."""
    if period == "daily":
        return day, day
    if period == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "monthly":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    raise ValueError(f"unknown period {period!r}")


def period_not_over(ends_on: date, today: date) -> bool:
    """A period still running (it ends today or later): settling it now pays what was sold so far,
    and what comes later goes to the next run."""
    return ends_on >= today


def last_complete_period(period: str, today: date) -> tuple[date, date]:
    start, _ = period_bounds(period, today)
    return period_bounds(period, start - timedelta(days=1))


def commission_of(gross_cents: int, bps: int) -> int:
    """The commission on `gross_cents` at `bps` basis points, rounded half up to the cent."""
    return (gross_cents * bps + 5_000) // 10_000 if gross_cents > 0 else 0


def unsettled_lines(ends_on: date, *, shop_id: int | None = None,
                    later_deductions: bool = False) -> dict[int, list[dict]]:
    """Per shop id, the payable-account movements not yet in a run, dated up to `ends_on`
    (with `later_deductions`, also the voids and refunds dated after it)."""
    _, end = paris_day_bounds(ends_on)
    dated = Entry.created_at < end
    if later_deductions:
        dated = or_(dated, Entry.kind.in_(LATER_DEDUCTIONS))
    query = (
        select(Account.shop_id, Entry.id, Entry.kind, Entry.created_at, Posting.amount_cents, Card.number)
        .join(Posting, Posting.account_id == Account.id)
        .join(Entry, Entry.id == Posting.entry_id)
        .outerjoin(Card, Card.id == Entry.card_id)
        .outerjoin(SettlementLine, SettlementLine.entry_id == Entry.id)
        .where(Account.kind == "shop_payable", Entry.kind.in_(SETTLED_KINDS), dated,
               SettlementLine.id.is_(None))
        .order_by(Entry.created_at, Entry.id)
    )
    if shop_id is not None:
        query = query.where(Account.shop_id == shop_id)
    rows = db.session.execute(query).all()
    by_shop: dict[int, list[dict]] = defaultdict(list)
    for owner, entry_id, kind, created_at, cents, number in rows:
        by_shop[owner].append({"entry_id": entry_id, "kind": kind, "created_at": created_at,
                                 "amount_cents": int(cents),
                                 "card_number": f"•••• {number[-4:]}" if number else ""})
    return by_shop


def create_run(period: str, starts_on: date, ends_on: date, *, actor=None, execution_date: date | None = None,
               commission_bps: int | None = None) -> SettlementRun:
    """Draft the run for the period: statements with their lines. Raises SettlementError when
    there is nothing to pay (e.g. the period was already settled)."""
    if ends_on < starts_on:
        raise SettlementError(gettext("La fin de la période précède son début."))
    bps = int(card_settings().commission_bps if commission_bps is None else commission_bps)
    if not 0 <= bps < 10_000:
        raise SettlementError(gettext("Le taux de commission doit être compris entre 0 et 9 999 points de base."))
    by_shop = {shop_id: lines for shop_id, lines in unsettled_lines(ends_on).items()
               if sum(line["amount_cents"] for line in lines) > 0}
    if not by_shop:
        raise SettlementError(gettext("Rien à régler : aucun paiement par carte non encore réglé jusqu'au %(day)s.",
                                      day=day(ends_on)))
    run = SettlementRun(period=period, starts_on=starts_on, ends_on=ends_on, commission_bps=bps,
                        execution_date=execution_date or (paris_day(utc_now()) + timedelta(days=1)),
                        created_by_id=getattr(actor, "id", None))
    db.session.add(run)
    for shop_id, lines in sorted(by_shop.items()):
        shop = db.session.get(Shop, shop_id)
        iban = (shop.iban or "").replace(" ", "").upper() or None
        statement = SettlementStatement(run=run, shop_id=shop_id, iban=iban, iban_valid=valid_iban(iban))
        _fill(statement, lines, bps)
        db.session.add(statement)
    try:
        db.session.flush()
        audit.record("settlement.create", run, actor=actor,
                     summary=f"Règlement du {starts_on:%d/%m/%Y} au {ends_on:%d/%m/%Y} : "
                             f"{len(by_shop)} commerces, {money(total_payout(run))}",
                     after=run_snapshot(run))
        db.session.commit()
    except IntegrityError:  # a concurrent run took some of these entries first (unique entry_id)
        db.session.rollback()
        raise SettlementError(gettext("Un autre règlement vient de prendre ces paiements : rechargez la page.")
                              ) from None
    return run


def _fill(statement: SettlementStatement, lines: list[dict], bps: int) -> None:
    """Give the statement these lines and the amounts that follow from them."""
    gross = sum(line["amount_cents"] for line in lines)
    statement.gross_cents, statement.commission_cents = gross, commission_of(gross, bps)
    statement.payout_cents = gross - statement.commission_cents
    statement.lines = [SettlementLine(**line) for line in lines]


def total_payout(run: SettlementRun) -> int:
    return sum(s.payout_cents for s in run.statements if s.status != "cancelled")


def run_snapshot(run: SettlementRun) -> dict:
    return {"status": run.status, "period": run.period, "starts_on": run.starts_on.isoformat(),
            "ends_on": run.ends_on.isoformat(), "commission_bps": run.commission_bps,
            "statements": {str(s.shop_id): {"gross": s.gross_cents, "commission": s.commission_cents,
                                            "payout": s.payout_cents, "status": s.status} for s in run.statements}}


def cancel_run(run: SettlementRun, *, actor=None) -> None:
    """Cancel a draft run: its lines are released for the next run."""
    before = run_snapshot(run)
    if not _claim(run, "draft", "cancelled"):
        raise SettlementError(gettext("Seul un règlement dont le paiement n'a pas commencé peut être annulé."))
    for statement in run.statements:
        statement.lines = []
        statement.status = "cancelled"
    run.cancelled_at = utc_now().replace(tzinfo=None)
    audit.record("settlement.cancel", run, actor=actor, summary=f"Règlement n° {run.id} annulé",
                 before=before, after=run_snapshot(run))
    db.session.commit()


def mark_paid(run: SettlementRun, *, actor=None) -> None:
    """The SEPA file was sent to the bank: record one settle entry per paid statement.

    Statements of shops without a valid IBAN are not paid; their lines go to the next run."""
    before = run_snapshot(run)
    if run.status != "paying" and not _claim(run, "draft", "paying"):
        raise SettlementError(gettext("Ce règlement est déjà payé ou annulé."))
    db.session.commit()  # from now on it cannot be cancelled; a retry resumes where this stopped
    actor_label = f"user:{actor.id}" if getattr(actor, "id", None) else "system"
    run_id = run.id
    for statement_id in [s.id for s in run.statements]:
        statement = db.session.get(SettlementStatement, statement_id)
        if statement.status == "cancelled":  # nothing left to pay after a recomputation
            continue
        if not (statement.iban_valid and statement.payout_cents > 0):
            statement.lines = []
            statement.status = "unpaid"
            db.session.commit()
            continue
        shop_id, payout, commission = statement.shop_id, statement.payout_cents, statement.commission_cents
        db.session.commit()  # the ledger runs its own transactions on a clean session
        key = f"settlement:{run_id}:shop:{shop_id}"
        try:
            result = ledger.settle_shop(db.session, shop_id=shop_id, key=key, actor=actor_label, amount_cents=payout)
            if commission and not _entry_exists(f"{key}:commission"):  # (an older run's adjust)
                sales.take_commission(db.session, shop_id=shop_id, amount_cents=commission,
                                      key=f"{key}:commission-account", actor=actor_label,
                                      memo=f"Commission du règlement n° {run_id}")
        except LedgerError as error:
            db.session.rollback()
            shop = db.session.get(Shop, shop_id)
            raise SettlementError(gettext("%(shop)s : %(error)s", shop=shop.name,
                                          error=error_message(error))) from error
        statement = db.session.get(SettlementStatement, statement_id)
        statement.settle_entry_id, statement.status = result.entry_id, "paid"
        db.session.commit()
    run = db.session.get(SettlementRun, run_id)
    run.status, run.paid_at = "paid", utc_now().replace(tzinfo=None)
    audit.record("settlement.pay", run, actor=actor, summary=f"Règlement n° {run.id} marqué payé : "
                 f"{money(sum(s.payout_cents for s in run.statements if s.status == 'paid'))}",
                 before=before, after=run_snapshot(run))
    db.session.commit()
    for statement in run.statements:
        if statement.status == "paid":
            _notify_owners(statement)


def _entry_exists(key: str) -> bool:
    found = db.session.scalar(select(Entry.id).where(Entry.idempotency_key == key)) is not None
    db.session.commit()  # the ledger wants a clean session
    return found


def payable_balance(shop_id: int) -> int:
    return db.session.scalar(select(Account.balance_cents).where(Account.kind == "shop_payable",
                                                                Account.shop_id == shop_id)) or 0


def stuck_statements(run: SettlementRun) -> list[dict]:
    """For a run whose payment stopped: each unpaid statement that pays more than the shop is now
    owed, with what is owed and the later voids/refunds that explain it."""
    if run.status != "paying":
        return []
    stuck = []
    for statement in run.statements:
        owed = payable_balance(statement.shop_id)
        if statement.status == "draft" and statement.payout_cents > 0 and statement.payout_cents > owed:
            later = [line for line in unsettled_lines(run.ends_on, shop_id=statement.shop_id,
                                                      later_deductions=True).get(statement.shop_id, [])
                     if line["amount_cents"] < 0]
            stuck.append({"statement": statement, "owed_cents": owed, "later": later})
    return stuck


def recompute_run(run: SettlementRun, *, actor=None) -> None:
    """Rebuild the unpaid statements of a stopped run with the voids and refunds made since it
    was computed; a statement left with nothing to pay is cancelled. With nothing paid yet the
    run goes back to draft: a new SEPA file must replace the one given to the bank."""
    if run.status != "paying":
        raise SettlementError(gettext("Seul un règlement dont le paiement s'est arrêté peut être recalculé."))
    before = run_snapshot(run)
    for statement in run.statements:
        if statement.status != "draft":
            continue
        statement.lines = []
        db.session.flush()
        lines = unsettled_lines(run.ends_on, shop_id=statement.shop_id,
                                later_deductions=True).get(statement.shop_id, [])
        _fill(statement, lines, run.commission_bps)
        if statement.gross_cents <= 0:
            statement.lines, statement.status = [], "cancelled"
            statement.gross_cents = statement.commission_cents = statement.payout_cents = 0
    if not any(s.status == "paid" for s in run.statements):
        run.status = "draft"
    audit.record("settlement.recompute", run, actor=actor, summary=f"Règlement n° {run.id} recalculé",
                 before=before, after=run_snapshot(run))
    db.session.commit()


def cancel_unpaid(run: SettlementRun, *, actor=None) -> None:
    """Give up what a stopped run has not paid: its unpaid statements are cancelled and their
    lines go to the next run; the run ends paid (for what it paid) or cancelled."""
    if run.status != "paying":
        raise SettlementError(gettext("Seul un règlement dont le paiement s'est arrêté peut être abandonné ainsi."))
    before = run_snapshot(run)
    for statement in run.statements:
        if statement.status == "draft":
            statement.lines, statement.status = [], "cancelled"
    now = utc_now().replace(tzinfo=None)
    if any(s.status == "paid" for s in run.statements):
        run.status, run.paid_at = "paid", now
    else:
        run.status, run.cancelled_at = "cancelled", now
    audit.record("settlement.cancel", run, actor=actor, summary=f"Règlement n° {run.id} : reste non payé annulé",
                 before=before, after=run_snapshot(run))
    db.session.commit()


def _claim(run: SettlementRun, current: str, new: str) -> bool:
    """Move the run from `current` to `new` status unless someone else moved it first."""
    moved = db.session.execute(update(SettlementRun).where(SettlementRun.id == run.id,
                                                           SettlementRun.status == current)
                               .values(status=new)).rowcount
    db.session.refresh(run)
    return moved == 1


def _notify_owners(statement: SettlementStatement) -> None:
    run = statement.run
    for email in owner_emails(statement.shop):
        payout = mail.amount(statement.payout_cents)
        mail.send_mail(email, lazy_gettext("Relevé %(number)s : %(amount)s virés", number=statement.number,
                                           amount=payout),
                       lazy_gettext("Bonjour,\n\nLe territoire vient de virer %(amount)s à %(shop)s pour les "
                                    "paiements par carte et les ventes en ligne du %(start)s au %(end)s (relevé "
                                    "%(number)s).\nLe détail est dans votre espace commerce, rubrique « Relevés »."
                                    "\n\nHalle", amount=payout, shop=statement.shop.name,
                                    start=mail.date(run.starts_on), end=mail.date(run.ends_on),
                                    number=statement.number))


def statement_csv(statement: SettlementStatement) -> str:
    """Every line of the statement, then the totals; French Excel flavour (`;`, decimal comma), the
    labels in the reader's language."""
    run = statement.run
    rows = [[gettext("Relevé"), statement.number, statement.shop.name,
             gettext("du %(start)s au %(end)s", start=f"{run.starts_on:%d/%m/%Y}", end=f"{run.ends_on:%d/%m/%Y}")],
            [gettext("date"), gettext("opération"), gettext("carte"), gettext("écriture"), gettext("montant (€)")]]
    rows += [[_paris(line.created_at), KIND_LABELS.get(line.kind, line.kind), line.card_number, line.entry_id,
              euros(line.amount_cents)] for line in statement.lines]
    rows += [["", gettext("Total des opérations"), "", "", euros(statement.gross_cents)],
             ["", gettext("Commission (%(rate)s %%)", rate=f"{run.commission_bps / 100:.2f}".replace(".", ",")),
              "", "", euros(-statement.commission_cents)],
             ["", gettext("Virement"), "", "", euros(statement.payout_cents)]]
    return csv_document(rows)


def _paris(moment) -> str:
    return moment.replace(tzinfo=UTC).astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def decimal_euros(cents: int) -> str:
    """'-12,50' from -1250: euros with a decimal comma, no symbol (the terminal)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def shop_statements(shop_id: int) -> list[SettlementStatement]:
    """A shop's statements, newest first (cancelled runs left out)."""
    return list(db.session.scalars(
        select(SettlementStatement).join(SettlementRun)
        .where(SettlementStatement.shop_id == shop_id, SettlementStatement.status != "cancelled")
        .order_by(SettlementRun.ends_on.desc(), SettlementStatement.id.desc())
    ))
