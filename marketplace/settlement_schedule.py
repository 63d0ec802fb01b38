"""Settling the shops at the territory's cadence (daily or weekly, `card_settings().settlement_cadence`),
with no click when nothing needs a human decision, and telling each shop what comes next.

The scheduler (`periodic.settle_on_schedule`, every morning) drafts the run of the last complete period
(yesterday, or last week Monday–Sunday): everything not yet settled up to its end, as a run made by
hand would. Running it again the same day finds the run made and does nothing. When every
statement is clean (each shop has a valid IBAN, the territory's account is configured) and the
SEPA file can go to the bank by itself (`SEPA_OUTBOX_DIR`, the folder the bank's transfer client
reads), the file is written there and the run marked paid. Otherwise the run stays a draft on the
dashboard, with what it waits for; when its transfers show on an imported bank statement, the run
is marked paid then (marketplace/bank_statements.py).
"""
import logging
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from loyalty.clock import paris_day, utc_now
from marketplace import settlement
from marketplace.extensions import db
from marketplace.models import SettlementRun, Shop
from marketplace.sepa import SepaConfigError, credit_transfer_xml, debtor, valid_iban
from marketplace.settings import card_settings

log = logging.getLogger(__name__)


def next_business_day(day: date) -> date:
    """The first Monday–Friday after `day` (SEPA transfers are executed on bank days)."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def run_scheduled(today: date | None = None) -> SettlementRun | None:
    """Make the run due today at the territory's cadence, if not made yet; finalise it when
    nothing needs a decision. Returns the run made, or None (manual cadence, made already,
    nothing to pay)."""
    cadence = card_settings().settlement_cadence
    if cadence == "manual":
        return None
    today = today or paris_day(utc_now())
    starts_on, ends_on = settlement.last_complete_period(cadence, today)
    made = db.session.scalar(select(SettlementRun.id).where(SettlementRun.period == cadence,
                                                            SettlementRun.starts_on == starts_on,
                                                            SettlementRun.ends_on == ends_on).limit(1))
    if made:  # made earlier today (or cancelled by the admin: not made again)
        return None
    try:
        run = settlement.create_run(cadence, starts_on, ends_on, execution_date=next_business_day(today))
    except settlement.SettlementError:
        db.session.rollback()
        return None  # nothing to pay, or a run made by hand took it all
    if not decisions(run):
        finalise(run)
    return db.session.get(SettlementRun, run.id)


def decisions(run: SettlementRun) -> list[str]:
    """What a draft run waits for from a human (nothing: it can be paid without a click)."""
    if run.status != "draft":
        return []
    waiting = []
    no_iban = [s.shop.name for s in run.statements if s.status == "draft" and not s.iban_valid]
    if no_iban:
        waiting.append(gettext("Sans IBAN valide, ne peuvent pas être payés : %(shops)s. Demandez-leur leur IBAN, "
                               "ou payez les autres (leurs opérations iront au règlement suivant).",
                               shops=", ".join(no_iban)))
    try:
        debtor()
    except SepaConfigError as error:
        waiting.append(str(error))
    if not current_app.config.get("SEPA_OUTBOX_DIR"):
        waiting.append(gettext("Téléchargez le fichier de virements et envoyez-le à la banque : le règlement sera "
                               "marqué payé à l'import du relevé qui montre ses virements (ou marquez-le payé)."))
    return waiting


def finalise(run: SettlementRun) -> bool:
    """Write the run's SEPA file to SEPA_OUTBOX_DIR (once; written whole, then renamed) and mark
    the run paid. False, and the run left a draft, if either fails."""
    run_id = run.id
    target = Path(current_app.config["SEPA_OUTBOX_DIR"]) / f"virements-reglement-{run_id}.xml"
    try:
        if not target.exists():
            partial = target.with_suffix(".xml.part")
            partial.write_bytes(credit_transfer_xml(run))
            os.replace(partial, target)
        settlement.mark_paid(run)
    except (OSError, SepaConfigError, settlement.SettlementError):
        db.session.rollback()
        log.exception("automatic settlement run %s left as a draft", run_id)
        return False
    return True


@dataclass(frozen=True)
class NextPayment:
    """What the shop will be paid at the next automatic run, as things stand."""
    cadence: str
    starts_on: date  # the period the next run covers (and anything older not settled yet)
    ends_on: date
    run_on: date  # the day the run is made
    execution_date: date  # the day the bank is asked to transfer
    gross_cents: int
    commission_cents: int
    payout_cents: int
    commission_bps: int
    iban_valid: bool


def next_payment(shop: Shop, today: date | None = None) -> NextPayment | None:
    """None when the territory settles by hand."""
    current = card_settings()
    if current.settlement_cadence == "manual":
        return None
    today = today or paris_day(utc_now())
    starts_on, ends_on = settlement.period_bounds(current.settlement_cadence, today)
    lines = settlement.unsettled_lines(ends_on, shop_id=shop.id).get(shop.id, [])
    gross = sum(line["amount_cents"] for line in lines)
    commission = settlement.commission_of(gross, current.commission_bps)
    run_on = ends_on + timedelta(days=1)
    return NextPayment(current.settlement_cadence, starts_on, ends_on, run_on, next_business_day(run_on),
                       gross, commission, max(gross - commission, 0), current.commission_bps,
                       valid_iban((shop.iban or "").replace(" ", "").upper()))
