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
The periodic jobs and their schedule are in marketplace/periodic.py.
"""
import contextvars
import importlib
import logging
import os
import threading

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
