"""Sample gunicorn configuration for Halle: `gunicorn -c gunicorn.conf.py run:app`.

Every value comes from the environment, so one file serves every host:
PORT / HOST (bind), WEB_CONCURRENCY (worker processes), GUNICORN_THREADS, GUNICORN_TIMEOUT,
LOG_FORMAT=json (access and error logs as JSON lines, like the application's),
PROMETHEUS_MULTIPROC_DIR (metrics shared by the workers; a fresh temporary directory if unset).
"""
import os
import tempfile

HALLE_CONFIG = os.environ.setdefault("HALLE_CONFIG", "production")

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 20))
keepalive = 5
# gunicorn's control socket (gunicornc): off unless a path is given, so that several
# gunicorns on one host (tests, benches) do not fight over the default one.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
# No preload of the app: each worker creates it (and its database pool) after the fork. The
# master imports the code only (on_starting), so a worker starts in ~0.1 s instead of ~1.3 s of
# CPU. A consequence: new code needs a restart of the master (or a USR2 upgrade), not a HUP.
preload_app = False
# Recycle workers now and then, should a library leak; the jitter spreads the recycling so that the
# workers do not all restart in the same minute. Not often: a recycled worker is missing for ~2.5 s
# (the master replaces it within a second, the new one warms its search data up) and its start
# takes ~1.5 s of CPU from the others. At 200 till payments a second on 2 cores, their p99 went
# from ~20 to ~400 ms in a phase with one recycle (bench/http_load.py), while a worker's memory
# stays flat: 267.0 MB after 1,900 requests, 267.3 MB after 40,000 (bench/search_page.py).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50_000))
max_requests_jitter = max_requests // 2
# Behind a load balancer: trust its X-Forwarded-* headers (set FORWARDED_ALLOW_IPS to its address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'

if os.environ.get("LOG_FORMAT", "json" if HALLE_CONFIG == "production" else "text") == "json":
    # The application's JSON formatter for gunicorn's own loggers too: one line format to ship.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "marketplace.observability.JsonFormatter"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stdout"}},
        "root": {"handlers": ["stdout"], "level": loglevel.upper()},
        "loggers": {
            "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False},
            "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        },
    }

# Prometheus multiprocess mode: every worker writes its samples under this directory and
# /metrics adds them up. It must exist, empty, before the workers start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="halle-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def on_starting(server):
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(path):  # samples of a previous run
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
    from marketplace import import_application_code

    server.log.info("application code loaded in the master: %d modules", import_application_code())


def post_worker_init(worker):
    """The new worker reads the search index's per-generation data (columns, field lengths, typo
    corrector) in the background while it starts serving, so that no visitor's search waits for
    it (2.6 s at 100,000 products; workers are replaced every few thousand requests)."""
    import threading
    import time

    app = worker.wsgi
    if "SEARCH_INDEX_DIR" not in getattr(app, "config", {}):  # not Halle (the benches' bare Flask yardstick)
        return

    def warm_up():
        import search

        started = time.perf_counter()
        try:
            with app.app_context():
                search.warm_up()
        except Exception:  # the first search reads it instead
            worker.log.exception("search warm-up failed")
        else:
            worker.log.info("search warm-up done in %.0f ms (worker %d)", (time.perf_counter() - started) * 1000,
                            os.getpid())

    threading.Thread(target=warm_up, name="search-warm-up", daemon=True).start()


def child_exit(server, worker):
    """A dead worker's live gauges must not be summed any more."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
