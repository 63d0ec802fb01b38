"""Stripe reconciliation: for each order paid (or meant to be paid) by bank card, what Halle
expects, what Stripe says it captured and refunded, and what the ledger owes the shops.

Expected (from the order): the bank-card part, captured once the order is paid, less the
bank-card refunds recorded on its sub-orders. Stripe: the PaymentIntent's captured amount and
the sum of its refunds, asked through the Stripe API. Ledger: the `sale` entries of the order
less their `salerefund` entries (loyalty.sales). The territorial-card part is checked too:
each paid sub-order should have captured its card hold; a hold that expired before Stripe
confirmed the payment is taken again (orders._capture_again), and when the card could no longer
pay it, it shows up here as a card part not captured.

Stripe is asked twice per order, so a period is reconciled by a background job (`start`, then
`run_job`): the database's side of every order first, then Stripe order by order, the progress
committed as it goes; the rows are stored on the ReconciliationRun, which the page and the CSV read.
"""
import logging
from dataclasses import asdict, dataclass, field
from datetime import date

from flask_babel import gettext
from sqlalchemy import case, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from loyalty.clock import paris_day_bounds
from loyalty.models import Entry
from marketplace import jobs, payments
from marketplace.exports import csv_document, euros
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models import Order, ReconciliationRun
from marketplace.models.base import utcnow
from marketplace.models.orders import BANK_CARD
from marketplace.orders import STATUS_LABELS

log = logging.getLogger(__name__)

UNPAID = ("pending_payment", "failed")
PROGRESS_EVERY = 10  # orders asked to Stripe between two progress commits
# A row's anomalies are codes, read in the reader's language when shown (page or CSV).
PROBLEM_LABELS = {
    "stripe_unreachable": lazy_gettext("Stripe n'a pas pu être interrogé"),
    "stripe_mismatch": lazy_gettext("Stripe ne correspond pas à la commande"),
    "ledger_mismatch": lazy_gettext("le grand livre ne correspond pas à la commande"),
    "card_not_captured": lazy_gettext("part carte territoriale non encaissée (réservation expirée avant la "
                                      "confirmation de Stripe ?)"),
}


@dataclass
class Row:
    """One order's line, plain values only (stored as JSON on its ReconciliationRun)."""
    order_reference: str
    order_status: str
    payment_intent_id: str
    expected_cents: int  # what Halle should have kept: captured − refunded
    stripe_captured_cents: int | None  # None: Stripe could not be asked
    stripe_refunded_cents: int | None
    ledger_cents: int  # online sales owed to the shops, net of their refunds
    card_expected_cents: int  # territorial-card part of the paid sub-orders
    card_captured_cents: int
    problems: list[str] = field(default_factory=list)  # codes of PROBLEM_LABELS

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.order_status, self.order_status))

    @property
    def problem_labels(self) -> list[str]:
        return [str(PROBLEM_LABELS[code]) for code in self.problems]

    @property
    def stripe_net_cents(self) -> int | None:
        if self.stripe_captured_cents is None:
            return None
        return self.stripe_captured_cents - self.stripe_refunded_cents

    @property
    def stripe_difference_cents(self) -> int | None:
        return None if self.stripe_net_cents is None else self.stripe_net_cents - self.expected_cents

    @property
    def ledger_difference_cents(self) -> int:
        return self.ledger_cents - self.expected_cents

    @property
    def card_difference_cents(self) -> int:
        return self.card_captured_cents - self.card_expected_cents


def start(starts_on: date, ends_on: date, actor_id: int | None) -> ReconciliationRun:
    """Queue the reconciliation of a period; the page follows the run."""
    run = ReconciliationRun(starts_on=starts_on, ends_on=ends_on, status="queued", checked=0,
                            requested_by_id=actor_id)
    db.session.add(run)
    db.session.commit()
    jobs.enqueue(run_job, run.id)
    return run


def latest_run(starts_on: date, ends_on: date) -> ReconciliationRun | None:
    return db.session.scalar(select(ReconciliationRun).where(
        ReconciliationRun.starts_on == starts_on, ReconciliationRun.ends_on == ends_on)
        .order_by(ReconciliationRun.id.desc()).limit(1))


def rows_of(run: ReconciliationRun) -> list[Row]:
    return [Row(**row) for row in run.rows or []]


def run_job(run_id: int) -> None:
    """The job. A report only reads, so running it twice (a retry, a duplicate job) just computes
    it again; a finished run is left as it is."""
    run = db.session.get(ReconciliationRun, run_id)
    if run is None or run.status == "done":
        return
    run.status, run.checked, run.error = "running", 0, None
    db.session.commit()

    def progress(checked: int, total: int) -> None:
        run.checked, run.total = checked, total
        db.session.commit()

    try:
        rows = report(run.starts_on, run.ends_on, progress)
        run.rows, run.status, run.finished_at = [asdict(row) for row in rows], "done", utcnow()
        db.session.commit()
    except OperationalError:
        db.session.rollback()  # the database went away: the job's retry starts again
        raise
    except Exception:  # noqa: BLE001 - any other failure is shown on the page
        db.session.rollback()
        log.exception("Stripe reconciliation %s failed", run_id)
        run.status, run.finished_at = "failed", utcnow()
        run.error = gettext("Erreur inattendue pendant le rapprochement : relancez-le.")
        db.session.commit()


def report(starts_on: date, ends_on: date, progress=None) -> list[Row]:
    """One row per order created in the period (Paris days) that has a PaymentIntent: the
    database's side of all of them first, then Stripe's, order by order (`progress(checked, total)`
    every PROGRESS_EVERY orders)."""
    start, _ = paris_day_bounds(starts_on)
    _, end = paris_day_bounds(ends_on)
    found = db.session.scalars(
        select(Order).options(selectinload(Order.shops))
        .where(Order.stripe_payment_intent_id.is_not(None), Order.created_at >= start, Order.created_at < end)
        .order_by(Order.id)
    ).all()
    ledger = _ledger_by_payment_intent([o.stripe_payment_intent_id for o in found])
    captures = _card_captures([s.capture_entry_id for o in found for s in o.shops if s.capture_entry_id])
    rows = [_row(order, ledger.get(order.stripe_payment_intent_id, 0), captures) for order in found]
    for checked, row in enumerate(rows, start=1):
        _ask_stripe(row)
        if progress is not None and (checked % PROGRESS_EVERY == 0 or checked == len(rows)):
            progress(checked, len(rows))
    return rows


def _row(order: Order, ledger_cents: int, captures: dict[int, int]) -> Row:
    """The order's line as the database sees it (Stripe's columns still empty)."""
    paid = order.status not in UNPAID
    expected = order.stripe_cents - sum(s.refunded_by(BANK_CARD) for s in order.shops) if paid else 0
    paid_subs = [s for s in order.shops if s.status not in UNPAID and s.card_cents > 0]
    return Row(order_reference=order.reference, order_status=order.status,
               payment_intent_id=order.stripe_payment_intent_id, expected_cents=expected,
               stripe_captured_cents=None, stripe_refunded_cents=None, ledger_cents=ledger_cents,
               card_expected_cents=sum(s.card_cents for s in paid_subs),
               card_captured_cents=sum(captures.get(s.capture_entry_id, 0) for s in paid_subs))


def _ask_stripe(row: Row) -> None:
    """Stripe's columns, then the row's anomalies."""
    try:
        row.stripe_captured_cents, row.stripe_refunded_cents = payments.captured_and_refunded(row.payment_intent_id)
    except payments.PaymentError:
        row.problems.append("stripe_unreachable")
    if row.stripe_difference_cents:
        row.problems.append("stripe_mismatch")
    if row.ledger_difference_cents:
        row.problems.append("ledger_mismatch")
    if row.card_difference_cents:
        row.problems.append("card_not_captured")


def _ledger_by_payment_intent(payment_intent_ids: list[str]) -> dict[str, int]:
    """Per PaymentIntent id (the memo of sale and salerefund entries): sales less refunds."""
    if not payment_intent_ids:
        return {}
    signed = case((Entry.kind == "sale", Entry.amount_cents), else_=-Entry.amount_cents)
    rows = db.session.execute(
        select(Entry.memo, func.sum(signed))
        .where(Entry.kind.in_(("sale", "salerefund")), Entry.memo.in_(payment_intent_ids))
        .group_by(Entry.memo)
    ).all()
    return {memo: int(total) for memo, total in rows}


def _card_captures(entry_ids: list[int]) -> dict[int, int]:
    if not entry_ids:
        return {}
    return dict(db.session.execute(select(Entry.id, Entry.amount_cents).where(Entry.id.in_(entry_ids))).all())


def report_csv(rows: list[Row]) -> str:
    """One line per order, header, state and anomalies in the reader's language; numbers in French
    Excel flavour (`;`, decimal comma) whatever the language, like the other exports."""
    header = [gettext("commande"), gettext("état"), "PaymentIntent", gettext("attendu (€)"),
              gettext("Stripe encaissé (€)"), gettext("Stripe remboursé (€)"), gettext("écart Stripe (€)"),
              gettext("grand livre (€)"), gettext("écart grand livre (€)"),
              gettext("carte territoriale attendue (€)"), gettext("carte territoriale encaissée (€)"),
              gettext("anomalies")]
    return csv_document([header, *([row.order_reference, row.status_label, row.payment_intent_id,
                                    euros(row.expected_cents), euros(row.stripe_captured_cents),
                                    euros(row.stripe_refunded_cents), euros(row.stripe_difference_cents),
                                    euros(row.ledger_cents), euros(row.ledger_difference_cents),
                                    euros(row.card_expected_cents), euros(row.card_captured_cents),
                                    " ; ".join(row.problem_labels)] for row in rows)])
