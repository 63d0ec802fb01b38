"""The periodic jobs and their schedule (PERIODIC): each a plain function run as a job
(marketplace/jobs.py), idempotent, enqueued by `flask --app run jobs scheduler` (RQ's cron
scheduler: run exactly one) or run by cron with `flask --app run jobs run NAME`. The development
server (`python run.py`, `make demo`) runs them in a thread of its own
(`start_periodic_thread_on_first_request`), so the demo needs no scheduler.
"""
import functools
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, time as time_of_day, timedelta

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

import search
from loyalty import ledger
from loyalty.clock import PARIS, paris_day, utc_now
from loyalty.holds import DEFAULT_HOLD_MAX_AGE, expire_holds
from loyalty.verify import verify
from marketplace import (account_closure, accountant, bank_statements, campaigns, card_reminders, feeds, gift_cards,
                         jobs, lockers, once, orders, settlement_schedule, shop_overview, stock_alerts)
from marketplace.admins import tell_admins
from marketplace.employer.service import issue_campaign_job
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext, lazy_ngettext
from marketplace.jobs import DEFAULT_QUEUE, SEARCH_QUEUE
from marketplace.models import PeriodicRun
from marketplace.models.base import utcnow
from search import unmet

log = logging.getLogger(__name__)
_start_lock = threading.Lock()


def recorded(func=None, *, busy_only: bool = False):
    """Keep the job's last run, its result or its error (PeriodicRun), whoever runs it: the
    scheduler's worker, `jobs run`, the development server's thread or the admin's button.
    `busy_only`: a run that succeeds with nothing done (0 or None) is not kept, so that a job run
    every few seconds writes no row while there is nothing to do."""
    if func is None:
        return functools.partial(recorded, busy_only=busy_only)

    @functools.wraps(func)
    def run(*args, **kwargs):
        started = utcnow()
        try:
            result = func(*args, **kwargs)
        except Exception as error:
            db.session.rollback()
            _record(func.__name__, started, ok=False, result=f"{type(error).__name__}: {error}")
            raise
        if result or not busy_only:
            _record(func.__name__, started, ok=True, result="" if result is None else str(result))
        return result

    return run


def _record(name: str, started, *, ok: bool, result: str) -> None:
    try:
        row = db.session.get(PeriodicRun, name) or PeriodicRun(name=name, runs=0, failures=0)
        row.started_at, row.finished_at, row.ok, row.result = started, utcnow(), ok, result[:200]
        row.runs, row.failures = row.runs + 1, row.failures + (not ok)
        db.session.add(row)
        db.session.commit()
    except SQLAlchemyError:  # two runs of one job recording at once: the other one's row stands
        db.session.rollback()
        log.warning("periodic job %s: its run was not recorded", name, exc_info=True)


@recorded(busy_only=True)
def drain_search_outbox() -> int:
    """Index what the outbox holds (rebuilding first if the index is missing). Idempotent. The
    indexer's loop body (search/indexer.py): its runs are kept when they index something."""
    if search.get_backend().needs_rebuild():
        return search.rebuild()
    drained = search.drain_outbox()
    if drained:
        log.info("search index: %d outbox rows indexed", drained)
    return drained


@recorded(busy_only=True)
def record_unmet_searches() -> int:
    """The searches that found nothing, waiting in Redis (search.unmet): their rows for the admin's
    report and the shops' dashboards."""
    return unmet.drain_unmet_searches()


@recorded
def expire_grants() -> int:
    """Sweep the grants past their last day (daily; the ledger sweeps each grant once)."""
    grants = ledger.expire_grants(db.session)
    log.info("%d grant(s) expired", len(grants))
    return len(grants)


@recorded
def release_stale_holds() -> int:
    """Release the holds nobody captured in time (every few minutes; safe to run again)."""
    minutes = current_app.config.get("LOYALTY_HOLD_MAX_AGE_MINUTES")
    max_age = DEFAULT_HOLD_MAX_AGE if minutes is None else timedelta(minutes=minutes)
    holds = expire_holds(db.session, max_age=max_age)
    if holds:
        log.info("%d hold(s) released", len(holds))
    return len(holds)


@recorded
def verify_ledger() -> int:
    """Check the ledger's invariants every night (loyalty/verify.py), so that nobody has to remember
    `ledger verify`: a problem is logged as an error and mailed to the territory's admins."""
    problems = verify(db.session)
    if problems:
        log.error("ledger verify: %d problem(s): %s", len(problems), "; ".join(problems[:5]))
        listed = "\n".join(problems[:20]) + ("\n…" if len(problems) > 20 else "")
        tell_admins(lazy_ngettext("Grand livre de la carte : %(num)s anomalie",
                                  "Grand livre de la carte : %(num)s anomalies", len(problems)),
                    lazy_gettext("La vérification de cette nuit a trouvé dans le grand livre de la carte :\n\n"
                                 "%(problems)s\n\nTransmettez ce message à la personne qui exploite Halle "
                                 "(commande « flask --app run ledger verify »).", problems=listed))
    return len(problems)


@recorded
def send_books_to_accountant() -> str | None:
    """The month before's FEC and statement to the accountant, once, on the first run of the month
    (daily: a scheduler down on the 1st sends them the next day; marketplace/accountant.py)."""
    return accountant.send_last_month()


@recorded
def issue_due_campaigns() -> int:
    """Issue the funded campaigns whose issue day has come (each once: campaigns.start_issue)."""
    started = [campaign_id for campaign_id in campaigns.campaigns_due_for_issue()
               if campaigns.start_issue(campaign_id)]
    for campaign_id in started:
        jobs.enqueue(issue_campaign_job, campaign_id, "system:schedule", current_app.config["PUBLIC_URL"])
    return len(started)


@recorded
def report_ended_campaigns() -> int:
    """Mail HR each ended campaign's result, once its credit was swept (marketplace/campaigns.py)."""
    return campaigns.report_ended_campaigns()


@recorded
def optimize_search_index() -> None:
    """Merge the index segments at night (the Whoosh backend; a no-op for the others)."""
    search.get_backend().optimize()


@recorded
def expire_orders() -> int:
    """Fail the orders left unpaid past ORDER_PAYMENT_MINUTES (their stock and card holds come
    back) and stop the locker codes past their day (the shops are told): marketplace/orders.py."""
    failed, codes = orders.expire_stale(timedelta(minutes=current_app.config["ORDER_PAYMENT_MINUTES"]))
    if failed or codes:
        log.info("%d unpaid order(s) failed, %d locker code(s) expired", failed, codes)
    return failed + codes


@recorded
def remind_uncollected_orders() -> int:
    """Remind the residents whose order has waited for them a few days (each order once)."""
    return orders.remind_uncollected()


@recorded
def remind_expiring_credit() -> int:
    """Remind the holders of credit left on their card before its last day (each reminder once)."""
    return card_reminders.remind_expiring()


@recorded
def notify_back_in_stock() -> int:
    """Tell the residents waiting for a sold-out product that it is back (each request once)."""
    return stock_alerts.notify_back_in_stock()


@recorded
def send_weekly_summaries() -> int:
    """Mail each shop's owners their week, on Monday morning (each week once per shop)."""
    return shop_overview.send_weekly_summaries()


@recorded
def expire_locker_deposits() -> int:
    """Free the compartments of deposits whose code expired or booking was never filled (the
    businesses are told), and try again the refunds of paid deposits that failed."""
    expired = lockers.expire_deposits()
    refunded = lockers.retry_refunds()
    if refunded:
        log.info("%d locker deposit refund(s) went through on a retry", refunded)
    return expired


@recorded
def settle_on_schedule() -> int | None:
    """Make the shops' settlement run due at the territory's cadence (daily; made once per period,
    paid with no click when nothing needs a decision: marketplace/settlement_schedule.py)."""
    run = settlement_schedule.run_scheduled()
    return run.id if run is not None else None


@recorded
def import_bank_statements() -> int:
    """Import the new files of BANK_STATEMENT_DIR, each once (marketplace/bank_statements.py)."""
    return bank_statements.import_folder()


@recorded
def queue_due_feeds() -> int:
    """Queue a run of every catalogue feed whose time has come (each run is a job of its own)."""
    return feeds.queue_due()


@recorded
def send_due_gifts() -> int:
    """Email the gift cards whose delivery day has come (each once; see gift_cards.deliver_due)."""
    return gift_cards.deliver_due()


@recorded
def close_unconfirmed_accounts() -> int:
    """Close the accounts that never confirmed their address and hold nothing (marketplace/account_closure.py)."""
    return account_closure.close_unconfirmed()


@recorded
def forget_form_submissions() -> int:
    """Delete the creation forms' one-time tokens older than two days (marketplace/once.py)."""
    return once.forget_old()


# (function, queue, seconds between runs or None, cron line or None)
PERIODIC = (
    (drain_search_outbox, SEARCH_QUEUE, 5, None),
    (record_unmet_searches, SEARCH_QUEUE, 60, None),
    (expire_grants, DEFAULT_QUEUE, None, "10 3 * * *"),
    (report_ended_campaigns, DEFAULT_QUEUE, None, "0 8 * * *"),
    (release_stale_holds, DEFAULT_QUEUE, 300, None),
    (optimize_search_index, SEARCH_QUEUE, None, "40 3 * * *"),
    (verify_ledger, DEFAULT_QUEUE, None, "50 3 * * *"),
    (send_books_to_accountant, DEFAULT_QUEUE, None, "0 6 * * *"),
    (queue_due_feeds, DEFAULT_QUEUE, 60, None),
    (settle_on_schedule, DEFAULT_QUEUE, None, "15 5 * * *"),
    (import_bank_statements, DEFAULT_QUEUE, 900, None),
    (expire_orders, DEFAULT_QUEUE, 300, None),
    (remind_uncollected_orders, DEFAULT_QUEUE, None, "0 9 * * *"),
    (remind_expiring_credit, DEFAULT_QUEUE, None, "0 10 * * *"),
    (notify_back_in_stock, DEFAULT_QUEUE, 300, None),
    (send_weekly_summaries, DEFAULT_QUEUE, None, "0 7 * * 1"),
    (expire_locker_deposits, DEFAULT_QUEUE, 300, None),
    (send_due_gifts, DEFAULT_QUEUE, 300, None),
    (issue_due_campaigns, DEFAULT_QUEUE, 300, None),
    (forget_form_submissions, DEFAULT_QUEUE, None, "20 4 * * *"),
    (close_unconfirmed_accounts, DEFAULT_QUEUE, None, account_closure.CLOSING_CRON),
)


# What each job does, for the admin's page of jobs (/admin/taches).
LABELS = {
    "drain_search_outbox": lazy_gettext("Mettre à jour la recherche avec les produits modifiés"),
    "record_unmet_searches": lazy_gettext("Noter les recherches restées sans résultat"),
    "expire_grants": lazy_gettext("Reprendre les crédits arrivés à leur dernier jour"),
    "report_ended_campaigns": lazy_gettext("Envoyer aux RH le bilan des campagnes terminées"),
    "release_stale_holds": lazy_gettext("Libérer les réservations de carte jamais encaissées"),
    "optimize_search_index": lazy_gettext("Optimiser l'index de recherche"),
    "verify_ledger": lazy_gettext("Vérifier le grand livre de la carte"),
    "send_books_to_accountant": lazy_gettext("Envoyer au cabinet comptable les comptes du mois"),
    "queue_due_feeds": lazy_gettext("Relire les flux de catalogue des commerces"),
    "settle_on_schedule": lazy_gettext("Régler les commerces"),
    "import_bank_statements": lazy_gettext("Importer les relevés bancaires du dossier"),
    "expire_orders": lazy_gettext("Annuler les commandes impayées et les codes de consigne expirés"),
    "remind_uncollected_orders": lazy_gettext("Relancer les habitants dont la commande attend"),
    "remind_expiring_credit": lazy_gettext("Prévenir les titulaires d'un crédit qui va expirer"),
    "notify_back_in_stock": lazy_gettext("Prévenir les habitants des produits de retour en stock"),
    "send_weekly_summaries": lazy_gettext("Envoyer aux commerces le résumé de leur semaine"),
    "expire_locker_deposits": lazy_gettext("Libérer les casiers des dépôts expirés"),
    "send_due_gifts": lazy_gettext("Envoyer les cartes cadeaux dont le jour est venu"),
    "issue_due_campaigns": lazy_gettext("Émettre les campagnes payées dont le jour est venu"),
    "forget_form_submissions": lazy_gettext("Oublier les jetons des formulaires envoyés il y a plus de deux jours"),
    "close_unconfirmed_accounts": lazy_gettext("Fermer les comptes jamais confirmés qui n'ont ni commande ni carte"),
}
_WEEKDAYS = (lazy_gettext("le dimanche"), lazy_gettext("le lundi"), lazy_gettext("le mardi"),
             lazy_gettext("le mercredi"), lazy_gettext("le jeudi"), lazy_gettext("le vendredi"),
             lazy_gettext("le samedi"))


def schedule_label(every: int | None, cron: str | None, today: date | None = None) -> str:
    """'toutes les 5 min', 'chaque jour à 04:10 (heure de Paris)', 'le lundi à 08:00 (heure de Paris)':
    the cron line's UTC time as it is in Paris on `today` (default: today), a day of the week
    included; a cron line of another shape as it is."""
    if every is not None:
        if every == 60:
            return str(lazy_gettext("chaque minute"))
        return str(lazy_gettext("toutes les %(n)s s", n=every) if every < 60
                   else lazy_gettext("toutes les %(n)s min", n=every // 60))
    minute, hour, day, month, weekday = cron.split()
    if minute.isdigit() and hour.isdigit() and (day, month) == ("*", "*"):
        on = today or paris_day(utc_now())
        if weekday == "*":
            return str(lazy_gettext("chaque jour à %(time)s (heure de Paris)",
                                    time=_in_paris(on, int(hour), int(minute)).strftime("%H:%M")))
        if weekday.isdigit() and int(weekday) < 7:
            on += timedelta(days=(int(weekday) - on.isoweekday() % 7) % 7)  # that day of this week or the next
            moment = _in_paris(on, int(hour), int(minute))
            return str(lazy_gettext("%(day)s à %(time)s (heure de Paris)", day=_WEEKDAYS[moment.isoweekday() % 7],
                                    time=moment.strftime("%H:%M")))
    return cron


def _in_paris(on: date, hour: int, minute: int) -> datetime:
    """This UTC time of day on this day, seen in Paris (01:00 or 02:00 later, as the season has it)."""
    return datetime.combine(on, time_of_day(hour, minute), UTC).astimezone(PARIS)


@dataclass(frozen=True)
class JobRow:
    """One line of the admin's page of jobs (/admin/taches)."""

    name: str
    label: str
    schedule: str
    last_run: PeriodicRun | None
    backlog: int | None = None  # the search outbox's changes not indexed yet (its job only)


def job_rows() -> list[JobRow]:
    """Each periodic job, what it does, when (in Paris), its last recorded run; for the search,
    whose runs are kept only when they index something, also the changes waiting to be indexed."""
    last = {run.name: run for run in db.session.scalars(select(PeriodicRun))}
    backlog = search.pending_changes()
    return [JobRow(func.__name__, str(LABELS.get(func.__name__, func.__name__)), schedule_label(every, cron),
                   last.get(func.__name__), backlog if func is drain_search_outbox else None)
            for func, _queue, every, cron in PERIODIC]


def job_named(name: str):
    """The periodic job of this name, or None."""
    return next((func for func, *_ in PERIODIC if func.__name__ == name), None)


def cron_matches(cron: str, moment: datetime) -> bool:
    """Whether a cron line of PERIODIC's shape (each field `*` or numbers separated by commas; day of
    week 0 = Sunday) names this minute (UTC)."""
    fields = (moment.minute, moment.hour, moment.day, moment.month, moment.isoweekday() % 7)
    return all(spec == "*" or value in {int(part) for part in spec.split(",")}
               for spec, value in zip(cron.split(), fields, strict=True))


def run_periodic(app: Flask, stop: threading.Event, tick: float = 1.0, clock=utcnow) -> None:
    """Run the PERIODIC jobs until `stop`: those with an interval each when it has passed, those at
    a time of day when a minute their cron line names has come (UTC, from the thread's start; a
    minute passed during a long job still counts), as the scheduler would. The search outbox is
    left to the indexer thread (one index writer)."""
    last_run: dict = {}
    checked_until = clock().replace(second=0, microsecond=0)
    while not stop.is_set():
        now, minute = time.monotonic(), clock().replace(second=0, microsecond=0)
        new_minutes = min(int((minute - checked_until) / timedelta(minutes=1)), 24 * 60)
        passed = [minute - timedelta(minutes=n) for n in range(new_minutes)]  # since the last look
        checked_until = max(checked_until, minute)
        for func, _queue, every, cron in PERIODIC:
            if func is drain_search_outbox:
                continue
            if every is not None:
                if now - last_run.get(func, -every) < every:
                    continue
                last_run[func] = now
            elif not any(cron_matches(cron, moment) for moment in passed):
                continue
            with app.app_context():
                try:
                    func()
                except Exception:  # noqa: BLE001 - one failing job must not stop the others
                    log.exception("periodic job %s failed", func.__name__)
                    db.session.rollback()
                finally:
                    db.session.remove()
        stop.wait(tick)


_periodic_started: set[int] = set()


def start_periodic_thread_on_first_request(app: Flask) -> None:
    """For the development server only (not `flask …` commands, not the tests)."""

    @app.before_request
    def _start_periodic_jobs():
        with _start_lock:
            if id(app) in _periodic_started:
                return
            _periodic_started.add(id(app))
        threading.Thread(target=run_periodic, args=(app, threading.Event()), name="periodic-jobs",
                         daemon=True).start()
