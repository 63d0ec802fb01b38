"""Operations: request ids, JSON logs and the Prometheus metrics the code counts (the /readyz and
/metrics views are in marketplace/health.py).

- Request id: taken from the `X-Request-ID` header when it looks sane, generated otherwise;
  echoed in the response header and attached to every log record of the request (and of the
  background jobs the request enqueues, see marketplace/jobs.py).
- LOG_FORMAT=json: one JSON object per line on stderr (default in production; text otherwise).
- Metrics: prometheus_client, in multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set
  (gunicorn.conf.py sets it). They are counted, and /metrics answers, when METRICS_ENABLED; if
  METRICS_TOKEN is set the scraper must send `Authorization: Bearer <token>` (production does not
  start with metrics on and no token: config.check_production_settings).
"""
import contextvars
import json
import logging
import re
import time
import uuid
from contextlib import nullcontext
from datetime import datetime, timezone

from flask import Flask, current_app, g, request
from prometheus_client import Counter, Histogram

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)

# --- request ids in log records -------------------------------------------------------------------


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None):
    """Set the id for this context (a request, or a job); returns the token to reset it."""
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


def set_job_id(value: str | None):
    """The RQ job being run (in the worker's log records); returns the token to reset it."""
    return _job_id.set(value)


def reset_job_id(token) -> None:
    _job_id.reset(token)


def _install_record_factory() -> None:
    """Every log record carries `request_id`, whatever the logger (ours, Flask's, SQLAlchemy's)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_halle_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get()
        record.job_id = _job_id.get()
        return record

    factory._halle_request_id = True
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, exception.

    gunicorn's access records (args: its dict of atoms) become method/path/status/duration fields.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            entry.update(method=atoms.get("m"), path=atoms.get("U"), status=atoms.get("s"),
                         duration_ms=atoms.get("M"), remote=atoms.get("h"))
            header_id = atoms.get("{x-request-id}o")
            if header_id and header_id != "-":
                request_id = header_id
        if request_id:
            entry["request_id"] = request_id
        job_id = getattr(record, "job_id", None)
        if job_id:
            entry["job_id"] = job_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """Text logs by default (Flask's development logging untouched); JSON when LOG_FORMAT=json."""
    _install_record_factory()
    root = logging.getLogger()
    if app.config.get("LOG_FORMAT") == "json":
        if not root.handlers:
            root.addHandler(logging.StreamHandler())
        for handler in root.handlers:
            handler.setFormatter(JsonFormatter())
        root.setLevel(logging.INFO)
    else:
        logging.basicConfig(level=logging.INFO)


# --- metrics -------------------------------------------------------------------------------------

REQUEST_LATENCY = Histogram(
    "halle_http_request_duration_seconds", "Time to answer a request, per Flask endpoint.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REDEMPTIONS = Counter("halle_redemptions", "Card redemptions made at the tills and through the POS API.")
REDEMPTION_CENTS = Counter("halle_redemption_cents", "Sum redeemed on territorial cards, in cents.")
SEARCH_LATENCY = Histogram(
    "halle_search_duration_seconds", "Time to answer a catalogue search (backend and reference data).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)


def metrics_on() -> bool:
    """METRICS_ENABLED: with metrics off nothing is counted either (a request's histogram costs a
    few percent of a small page)."""
    return bool(current_app.config.get("METRICS_ENABLED"))


def timed_search():
    """The search's timer, or nothing to time with metrics off."""
    return SEARCH_LATENCY.time() if metrics_on() else nullcontext()


def count_redemption(amount_cents: int) -> None:
    """Called by the till service after a redemption (not a replay) went through."""
    if metrics_on():
        REDEMPTIONS.inc()
        REDEMPTION_CENTS.inc(amount_cents)


# --- wiring --------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    configure_logging(app)

    @app.before_request
    def _start_request():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_id = request_id
        g.request_id_token = set_request_id(request_id)
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        if started is not None and metrics_on():
            REQUEST_LATENCY.labels(endpoint=request.endpoint or "unmatched", method=request.method,
                                   status=str(response.status_code)).observe(time.perf_counter() - started)
        return response

    @app.teardown_request
    def _end_request(exc):
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                reset_request_id(token)
            except ValueError:  # set in another context (copied into a streaming response)
                set_request_id(None)
