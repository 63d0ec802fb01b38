"""Background work, in one place: `enqueue(func, *args, **kwargs)`.

JOBS_BACKEND chooses how a job runs (default: "rq" when REDIS_URL is set, "thread" otherwise;
"inline" in tests):
- rq: pushed on a Redis queue and run by `flask --app run jobs worker` (see README, Production);
- thread: in this process, in a daemon thread, while the request goes on (development server;
  outside a request, e.g. in `flask …` commands, the job runs inline);
- inline: right away, in the caller's thread (tests, and jobs enqueued by a running job).

Jobs are plain module-level functions, called inside an app context of their own (a fresh
database session), with the request id of the request that enqueued them in their log records.
Every job must be idempotent: RQ may run one twice (a worker killed mid-job, a retry).
Periodic jobs (outbox drain, grant expiries, nightly index optimise, due catalogue feeds, the shops'
settlement at the territory's cadence, the bank statements' folder) are
listed in PERIODIC and enqueued by `flask --app run jobs scheduler` (RQ's cron scheduler: run exactly one);
the development server (`python run.py`, `make demo`) runs those with an interval in a thread of its own
(`start_periodic_thread`), so the demo's feeds and stale holds need no scheduler either.
"""
import contextvars
import importlib
import logging
import os
import threading
import time

from flask import Flask, current_app, has_app_context, has_request_context

from marketplace.observability import (current_request_id, reset_job_id, reset_request_id, set_job_id,
                                       set_request_id)

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "default"
SEARCH_QUEUE = "search"
QUEUES = (DEFAULT_QUEUE, SEARCH_QUEUE)
_in_job: contextvars.ContextVar[bool] = contextvars.ContextVar("in_job", default=False)
_lock = threading.Lock()


def backend(app: Flask | None = None) -> str:
    config = (app or current_app).config
    return config.get("JOBS_BACKEND") or ("rq" if config.get("REDIS_URL") else "thread")


def enqueue(func, *args, queue: str = DEFAULT_QUEUE, job_id: str | None = None, **kwargs):
    """Run `func(*args, **kwargs)` in the background; returns the RQ job, the thread, or None.

    `job_id`: with rq, a job of the same id still waiting is not queued again.
    """
    app = current_app._get_current_object()
    path = job_path(func)
    request_id = current_request_id()
    chosen = "inline" if _in_job.get() else backend(app)
    if chosen == "thread" and not has_request_context():
        chosen = "inline"  # a `flask …` command could exit before the thread is done
    if chosen == "rq":
        from rq import Retry

        rq_queue = get_queue(queue)
        if job_id is not None:
            existing = rq_queue.fetch_job(job_id)
            if existing is not None and existing.get_status(refresh=False) in ("queued", "scheduled", "deferred"):
                return existing
        return rq_queue.enqueue(run_job, path, args, kwargs, request_id, job_id=job_id,
                                retry=Retry(max=3, interval=[10, 60, 300]),
                                job_timeout=app.config.get("JOBS_TIMEOUT", 1800),
                                description=path)
    if chosen == "thread":
        thread = threading.Thread(target=_run_with_app, args=(app, path, args, kwargs, request_id),
                                  name=f"job-{func.__name__}", daemon=True)
        thread.start()
        return thread
    _run_with_app(app, path, args, kwargs, request_id)
    return None


def job_path(func) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def run_job(path: str, args, kwargs, request_id: str | None = None):
    """The function RQ runs: the job's function inside an app context (created once per worker)."""
    from rq import get_current_job

    app = current_app._get_current_object() if has_app_context() else worker_app()
    job = get_current_job()
    token = set_job_id(job.id if job else None)
    try:
        return _run_with_app(app, path, args, kwargs, request_id)
    finally:
        reset_job_id(token)


def _run_with_app(app: Flask, path: str, args, kwargs, request_id: str | None):
    from marketplace.extensions import db

    module_name, _, name = path.partition(":")
    func = importlib.import_module(module_name)
    for part in name.split("."):
        func = getattr(func, part)
    token = set_request_id(request_id)
    in_job = _in_job.set(True)
    try:
        with app.app_context():
            try:
                return func(*args, **(kwargs or {}))
            except Exception:
                db.session.rollback()
                log.exception("job %s failed", path)
                raise
            finally:
                db.session.remove()
    finally:
        _in_job.reset(in_job)
        reset_request_id(token)


_worker_app: Flask | None = None


def worker_app() -> Flask:
    """The app of a worker process that was started without one (created once)."""
    global _worker_app
    if _worker_app is None:
        from marketplace import create_app

        _worker_app = create_app(os.environ.get("HALLE_CONFIG", "production"))
    return _worker_app


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


# --- RQ ------------------------------------------------------------------------------------------


def redis_connection(app: Flask | None = None):
    from redis import Redis

    app = app or current_app._get_current_object()
    connection = app.extensions.get("jobs_redis")
    if connection is None:
        connection = app.extensions["jobs_redis"] = Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
    return connection


def get_queue(name: str = DEFAULT_QUEUE):
    from rq import Queue

    return Queue(name, connection=redis_connection())


def queue_depths() -> dict[str, int]:
    """Jobs waiting per RQ queue (nothing when jobs do not go through Redis)."""
    if backend() != "rq":
        return {}
    return {name: get_queue(name).count for name in QUEUES}


# --- the periodic jobs -----------------------------------------------------------------------------


def drain_search_outbox() -> int:
    """Index what the outbox holds (rebuilding first if the index is missing). Idempotent."""
    import search

    if search.get_backend().needs_rebuild():
        return search.rebuild()
    drained = search.drain_outbox()
    if drained:
        log.info("search index: %d outbox rows indexed", drained)
    return drained


def expire_grants() -> int:
    """Sweep the grants past their last day (daily; the ledger sweeps each grant once)."""
    from loyalty.ledger import expire_grants as sweep
    from marketplace.extensions import db

    grants = sweep(db.session)
    log.info("%d grant(s) expired", len(grants))
    return len(grants)


def release_stale_holds() -> int:
    """Release the holds nobody captured in time (every few minutes; safe to run again)."""
    from datetime import timedelta

    from loyalty.holds import DEFAULT_HOLD_MAX_AGE, expire_holds
    from marketplace.extensions import db

    minutes = current_app.config.get("LOYALTY_HOLD_MAX_AGE_MINUTES")
    max_age = DEFAULT_HOLD_MAX_AGE if minutes is None else timedelta(minutes=minutes)
    holds = expire_holds(db.session, max_age=max_age)
    if holds:
        log.info("%d hold(s) released", len(holds))
    return len(holds)


def optimize_search_index() -> None:
    """Merge the index segments at night (the Whoosh backend; a no-op for the others)."""
    import search

    search.get_backend().optimize()


def expire_locker_deposits() -> int:
    """Free the compartments of deposits whose code expired or booking was never filled (the
    businesses are told)."""
    from marketplace import lockers

    return lockers.expire_deposits()


def settle_on_schedule() -> int | None:
    """Make the shops' settlement run due at the territory's cadence (daily; made once per period,
    paid with no click when nothing needs a decision: marketplace/settlement_schedule.py)."""
    from marketplace import settlement_schedule

    run = settlement_schedule.run_scheduled()
    return run.id if run is not None else None


def import_bank_statements() -> int:
    """Import the new files of BANK_STATEMENT_DIR, each once (marketplace/bank_statements.py)."""
    from marketplace import bank_statements

    return bank_statements.import_folder()


def queue_due_feeds() -> int:
    """Queue a run of every catalogue feed whose time has come (each run is a job of its own)."""
    from marketplace import feeds

    return feeds.queue_due()


def send_due_gifts() -> int:
    """Email the gift cards whose delivery day has come (each once; see gift_cards.deliver_due)."""
    from marketplace import gift_cards

    return gift_cards.deliver_due()


# (function, queue, seconds between runs or None, cron line or None)
PERIODIC = (
    (drain_search_outbox, SEARCH_QUEUE, 5, None),
    (expire_grants, DEFAULT_QUEUE, None, "10 3 * * *"),
    (release_stale_holds, DEFAULT_QUEUE, 300, None),
    (optimize_search_index, SEARCH_QUEUE, None, "40 3 * * *"),
    (queue_due_feeds, DEFAULT_QUEUE, 60, None),
    (settle_on_schedule, DEFAULT_QUEUE, None, "15 5 * * *"),
    (import_bank_statements, DEFAULT_QUEUE, 900, None),
    (expire_locker_deposits, DEFAULT_QUEUE, 300, None),
    (send_due_gifts, DEFAULT_QUEUE, 300, None),
)


def run_periodic(app: Flask, stop: threading.Event, tick: float = 1.0) -> None:
    """Run the PERIODIC jobs that have an interval, each when its interval has passed, until `stop`.
    The search outbox is left to the indexer thread (one index writer); nightly cron jobs are left to
    cron or the production scheduler."""
    from marketplace.extensions import db

    last_run: dict = {}
    while not stop.is_set():
        now = time.monotonic()
        for func, _queue, every, _cron in PERIODIC:
            if every is None or func is drain_search_outbox or now - last_run.get(func, -every) < every:
                continue
            last_run[func] = now
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
        with _lock:
            if id(app) in _periodic_started:
                return
            _periodic_started.add(id(app))
        threading.Thread(target=run_periodic, args=(app, threading.Event()), name="periodic-jobs",
                         daemon=True).start()
