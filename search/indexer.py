"""The indexer: drains the index outbox. One loop body, two ways to run it:
an in-process daemon thread for the development server, `flask --app run search worker` in
production. Several indexers may run: the backend's writer lock makes them take turns.
"""
import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)


def run_forever(app: Flask, interval: float = 1.0, stop: threading.Event | None = None) -> None:
    """Rebuild if the schema changed, then drain the outbox every `interval` seconds."""
    import search
    from marketplace.extensions import db
    from marketplace.periodic import drain_search_outbox  # recorded for the admin's page of jobs

    stop = stop or threading.Event()
    with app.app_context():
        if search.get_backend().needs_rebuild():
            log.info("search index missing or of another schema version: rebuilding")
            search.rebuild()
        while not stop.is_set():
            try:
                drain_search_outbox()
            except Exception:  # noqa: BLE001 - the indexer must outlive one bad batch
                log.exception("search indexer: batch failed, retrying")
                db.session.rollback()
            finally:
                db.session.remove()
            stop.wait(interval)


_started: set[int] = set()
_lock = threading.Lock()


def start_thread(app: Flask) -> threading.Thread | None:
    """Start the in-process indexer of this app once."""
    with _lock:
        if id(app) in _started:
            return None
        _started.add(id(app))
    thread = threading.Thread(target=run_forever, args=(app,), name="search-indexer", daemon=True)
    thread.start()
    return thread


def start_thread_on_first_request(app: Flask) -> None:
    """Only a serving process indexes in-process (not `flask …` commands)."""

    @app.before_request
    def _start_search_indexer():
        if id(app) not in _started:
            start_thread(app)
