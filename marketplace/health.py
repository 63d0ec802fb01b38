"""The operations views: /readyz (can this server serve: database, Redis, search, the ledger's
SQL function, queue depths; the read replica's lag, which never makes it unready) and /metrics
(Prometheus exposition of marketplace/observability.py's metrics, the queue depths and the
replica's lag, read at scrape time)."""
import hmac
import logging
import os

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

import search
from loyalty.pg_redeem import version_problem
from marketplace import jobs, replicas
from marketplace.access import PUBLIC, access
from marketplace.extensions import db
from search.outbox import pending_count

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)


class _QueueDepthCollector:
    """Queue depths read at scrape time (a gauge no process has to keep up to date)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        gauge = GaugeMetricFamily("halle_queue_depth", "Jobs or rows waiting, per queue.", labels=["queue"])
        with self.app.app_context():
            for name, depth in queue_depths().items():
                if depth is not None:
                    gauge.add_metric([name], depth)
        yield gauge


def queue_depths() -> dict[str, int | None]:
    """Background-job queues (RQ, when used) and the search index outbox."""
    depths: dict[str, int | None] = {}
    try:
        depths.update(jobs.queue_depths())
    except Exception:  # noqa: BLE001 - Redis down: /readyz says so; metrics just lack the figure
        for name in jobs.QUEUES:
            depths[name] = None
    try:
        depths["search_outbox"] = pending_count(db.session)
    finally:
        db.session.rollback()
    return depths


def _metrics_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    return registry




@bp.route("/readyz")
@access(PUBLIC)
def readyz():
    """Readiness: 200 when this server can serve (database, Redis, search); 503 naming what failed."""
    checks, failed = readiness()
    if failed:
        log.warning("not ready: %s", ", ".join(failed))
    body = {"status": "ok" if not failed else "error", "checks": checks, "failed": failed}
    return jsonify(body), (200 if not failed else 503)


def readiness() -> tuple[dict, list[str]]:
    checks: dict = {}
    failed: list[str] = []
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - readiness reports any failure
        checks["database"] = f"error: {error.__class__.__name__}"
        failed.append("database")
    finally:
        db.session.rollback()
    if current_app.config.get("REDIS_URL"):
        try:
            jobs.redis_connection().ping()
            checks["redis"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["redis"] = f"error: {error.__class__.__name__}"
            failed.append("redis")
    try:
        checks["search"] = "rebuild needed" if search.get_backend().needs_rebuild() else "ok"
    except Exception as error:  # noqa: BLE001
        checks["search"] = f"error: {error.__class__.__name__}"
    if checks["search"] != "ok":
        failed.append("search")
    if "database" not in failed:
        checks["ledger"] = _ledger_function_check(db)
        if checks["ledger"] != "ok":
            failed.append("ledger")
        checks["queue_depth"] = queue_depths()
    replica = replicas.readiness_check()
    if replica is not None:  # down or lagging: the public pages read the primary, still ready
        checks["replica"] = replica
    return checks, failed


def _ledger_function_check(db) -> str:
    """PostgreSQL: the database's halle_redeem is the code's version (loyalty/pg_redeem.py)."""
    try:
        return version_problem(db.session.connection()) or "ok"
    except Exception as error:  # noqa: BLE001 - readiness reports any failure
        return f"error: {error.__class__.__name__}"
    finally:
        db.session.rollback()


@bp.route("/metrics")
@access(PUBLIC)
def metrics():
    """Prometheus exposition; off unless METRICS_ENABLED, token-protected when METRICS_TOKEN is set."""
    config = current_app.config
    if not config.get("METRICS_ENABLED"):
        abort(404)
    token = config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            abort(401)
    app = current_app._get_current_object()
    registry = _metrics_registry()
    data = generate_latest(registry)
    queue_registry = CollectorRegistry(auto_describe=False)
    queue_registry.register(_QueueDepthCollector(app))
    if replicas.replica(app) is not None:
        queue_registry.register(replicas.ReplicaCollector(app))
    data += generate_latest(queue_registry)
    return Response(data, mimetype=CONTENT_TYPE_LATEST)
