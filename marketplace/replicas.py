"""Read replicas: the public pages that may be slightly stale read from a PostgreSQL streaming
replica (DATABASE_REPLICA_URL); everything else reads and writes on the primary (DATABASE_URL).

Who reads the replica (all of it in this module; the routes are untouched):
- a GET (or HEAD) of an endpoint of REPLICA_ENDPOINTS, the one table of the pages that may be a
  few seconds stale (search page and API, home, communes, shops, products, categories, figures);
- unless the browser wrote within READ_YOUR_WRITES_SECONDS: a POST/PUT/PATCH/DELETE whose
  transaction committed gets a signed cookie (WROTE_COOKIE, timestamped), and while it is fresh
  that browser reads the primary, so it sees its own writes at once;
- unless the replica is down or lags more than REPLICA_MAX_LAG_SECONDS: the lag is measured on the
  replica at most every REPLICA_CHECK_SECONDS per process; meanwhile those pages read the primary,
  a warning is logged when the state changes and halle_replica_fallbacks counts the requests.
  A lost connection to the replica marks it down at once (the page that lost it gets an error).

Within such a request, the ORM's writes (a flush, an insert/update/delete statement) go to the
primary, and so does every read after them (the request sticks to the primary once it wrote);
the rows of PRIMARY_TABLES (logins) are always read on the primary, so a logout or a disabled
account counts at once. Text SQL that writes would reach the replica: write with the ORM or Core.

The routing is a Session whose get_bind returns the replica's engine when the request put it in
the session's info. Without DATABASE_REPLICA_URL nothing of this is installed: no hook, no
session class, no query.

A writer never reads older than its own write as long as READ_YOUR_WRITES_SECONDS is at least
REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS (the lag can grow by the time between two checks);
init_app warns otherwise. docs/replicas.md tells how to run one.
"""
import logging
import math
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask_sqlalchemy.session import Session
from itsdangerous import BadSignature, TimestampSigner
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from marketplace.extensions import db

log = logging.getLogger(__name__)

# The pages that may read the replica (GET/HEAD only): public, the same for everyone, fine a few
# seconds stale. Add an endpoint here, not in its route.
REPLICA_ENDPOINTS = frozenset({
    "public.home", "public.search", "public.commune", "public.shop", "public.product", "public.category",
    "public.commune_suggestions", "public.communes_geojson", "territory_stats.headline",
    "api.search", "api.suggest",
})
# Tables read on the primary even on those pages: who is logged in.
PRIMARY_TABLES = frozenset({"users", "user_sessions"})
READ_METHODS = frozenset({"GET", "HEAD"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WROTE_COOKIE = "halle_wrote"
DOWN_RECHECK_SECONDS = 30
_SALT = "halle.replicas.read-your-writes"
_READ_BIND = "halle_read_bind"  # session.info: the replica's engine, while the request may read it
_COMMITTED = "halle_committed"  # session.info: the request's transaction committed

FALLBACKS = Counter("halle_replica_fallbacks", "Requests for a replica page that read the primary "
                    "because the replica was down or lagging.", ["reason"])

# Seconds the replica is behind: 0 when it replayed all it received (or is not a standby), else
# the age of the last transaction it replayed; NULL when it has replayed none since it started.
_LAG = sa.text("""
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
        ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
    END
""")


class ReplicaSession(Session):
    """db.session when a replica is configured: reads go to the engine the request put in
    info[_READ_BIND], writes (and what follows them) to the primary."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        replica = self.info.get(_READ_BIND)
        if replica is not None and bind is None:
            if self._flushing or isinstance(clause, sa.UpdateBase):
                del self.info[_READ_BIND]  # this request wrote: it reads the primary from now on
            elif not _primary_table(mapper):
                return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _primary_table(mapper) -> bool:
    table = getattr(mapper, "local_table", None) if mapper is not None else None
    if table is None and isinstance(mapper, type):
        table = getattr(sa.inspect(mapper, raiseerr=False), "local_table", None)
    return table is not None and table.name in PRIMARY_TABLES


def _remember_commit(session) -> None:
    session.info[_COMMITTED] = True


@dataclass(frozen=True)
class ReplicaStatus:
    state: str  # ok | lagging | down
    lag_seconds: float | None
    checked_at: float  # time.monotonic()
    error: str | None = None

    def as_dict(self) -> dict:
        body = {"status": self.state, "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
                "reads_from": "replica" if self.state == "ok" else "primary",
                "measured_seconds_ago": round(time.monotonic() - self.checked_at, 1)}
        if self.error:
            body["error"] = self.error
        return body


class Replica:
    """The replica of one app: its engine and the last lag measured (per process)."""

    def __init__(self, app: Flask):
        config = app.config
        url = sa.engine.make_url(config["DATABASE_REPLICA_URL"])
        if not url.get_backend_name().startswith("postgresql"):
            raise RuntimeError("DATABASE_REPLICA_URL must be a PostgreSQL streaming replica "
                               f"(postgresql://…), not {url.get_backend_name()}")
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})  # the primary's pool settings
        connect_args = dict(options.pop("connect_args", {}))
        if "connect_timeout" not in url.query:
            connect_args.setdefault("connect_timeout", config["REPLICA_CONNECT_TIMEOUT_SECONDS"])
        self.engine = sa.create_engine(url, connect_args=connect_args, **options)
        sa.event.listen(self.engine, "handle_error", self._lost)
        self.max_lag = float(config["REPLICA_MAX_LAG_SECONDS"])
        self.check_every = float(config["REPLICA_CHECK_SECONDS"])
        self.status: ReplicaStatus | None = None
        self._lock = threading.Lock()

    def measure(self) -> ReplicaStatus:
        """Ask the replica now how far behind it is."""
        try:
            with self.engine.connect() as connection:
                lag = connection.execute(_LAG).scalar()
        except sa.exc.SQLAlchemyError as error:
            status = ReplicaStatus("down", None, time.monotonic(), error.__class__.__name__)
        else:
            lag = None if lag is None else max(float(lag), 0.0)
            fresh = lag is not None and lag <= self.max_lag
            status = ReplicaStatus("ok" if fresh else "lagging", lag, time.monotonic())
        self._record(status)
        return status

    def current(self) -> ReplicaStatus:
        """The last measure, measured again when older than REPLICA_CHECK_SECONDS (DOWN_RECHECK_SECONDS
        while the replica is down: an address that does not answer costs a request the connect timeout)."""
        status = self.status
        if status is None or time.monotonic() - status.checked_at >= (
                max(self.check_every, DOWN_RECHECK_SECONDS) if status.state == "down" else self.check_every):
            status = self.measure()
        return status

    def _lost(self, context) -> None:
        """A page lost its connection to the replica: the next ones read the primary at once,
        without waiting for the next measure (that page gets an error)."""
        if context.is_disconnect:
            self._record(ReplicaStatus("down", None, time.monotonic(), context.original_exception.__class__.__name__))

    def _record(self, status: ReplicaStatus) -> None:
        with self._lock:
            previous, self.status = self.status, status
        if previous is not None and previous.state == status.state:
            return
        if status.state == "ok":
            log.info("read replica in use (lag %.1f s)", status.lag_seconds)
        elif status.state == "lagging":
            lag = "unknown" if status.lag_seconds is None else f"{status.lag_seconds:.1f} s"
            log.warning("read replica lagging (%s, limit %s s): public pages read the primary", lag, self.max_lag)
        else:
            log.warning("read replica unreachable (%s): public pages read the primary", status.error)


def replica(app: Flask | None = None) -> Replica | None:
    """The app's replica, None when DATABASE_REPLICA_URL is unset."""
    return (app or current_app).extensions.get("replica")


def readiness_check() -> dict | None:
    """For /readyz: the replica's state and lag as the pages use them (measured at most
    REPLICA_CHECK_SECONDS ago; None without a replica). Never a reason to be unready: when it is
    down or lagging, the pages read the primary."""
    found = replica()
    return None if found is None else found.current().as_dict()


class ReplicaCollector:
    """halle_replica_up and halle_replica_lag_seconds at scrape time (for /metrics)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        status = replica(self.app).current()
        up = GaugeMetricFamily("halle_replica_up", "1 when the read replica answers, else 0.")
        up.add_metric([], 0 if status.state == "down" else 1)
        yield up
        if status.lag_seconds is not None:
            lag = GaugeMetricFamily("halle_replica_lag_seconds", "How far the read replica is behind the primary.")
            lag.add_metric([], status.lag_seconds)
            yield lag


# --- per request ---------------------------------------------------------------------------------


def _signer(app: Flask) -> TimestampSigner:
    return TimestampSigner(app.secret_key, salt=_SALT)


def _wrote_recently(app: Flask) -> bool:
    value = request.cookies.get(WROTE_COOKIE)
    if not value:
        return False
    try:
        _signer(app).unsign(value, max_age=app.config["READ_YOUR_WRITES_SECONDS"])
    except BadSignature:  # forged, or older than the window (SignatureExpired)
        return False
    return True


def _choose_database():
    if request.method not in READ_METHODS or request.endpoint not in REPLICA_ENDPOINTS:
        return
    app = current_app._get_current_object()
    if _wrote_recently(app):
        return
    found = app.extensions["replica"]
    status = found.current()
    if status.state != "ok":
        FALLBACKS.labels(reason=status.state).inc()
        return
    db.session().info[_READ_BIND] = found.engine


def _remember_write(response):
    """After a write that committed: this browser reads the primary for READ_YOUR_WRITES_SECONDS."""
    if request.method in WRITE_METHODS and db.session.registry.has() and db.session().info.get(_COMMITTED):
        app = current_app._get_current_object()
        seconds = app.config["READ_YOUR_WRITES_SECONDS"]
        response.set_cookie(WROTE_COOKIE, _signer(app).sign("1").decode(), max_age=math.ceil(seconds),
                            secure=app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


def _forget(exc=None):
    if db.session.registry.has():
        info = db.session().info
        info.pop(_READ_BIND, None)
        info.pop(_COMMITTED, None)


def _install_session_class() -> None:
    """db.session's factory makes ReplicaSession objects from now on (Flask-SQLAlchemy's Session
    subclassed, as its documentation says to customise db.session)."""
    factory = db.session.session_factory
    if not issubclass(factory.class_, ReplicaSession):
        factory.class_ = type(ReplicaSession.__name__, (ReplicaSession,), {})
    if not sa.event.contains(ReplicaSession, "after_commit", _remember_commit):
        sa.event.listen(ReplicaSession, "after_commit", _remember_commit)


def init_app(app: Flask) -> None:
    """With DATABASE_REPLICA_URL: the replica's engine, the routing session and the request hooks.
    Without: nothing (the requests cost what they did)."""
    if not app.config.get("DATABASE_REPLICA_URL"):
        return
    app.extensions["replica"] = Replica(app)
    window = float(app.config["READ_YOUR_WRITES_SECONDS"])
    needed = float(app.config["REPLICA_MAX_LAG_SECONDS"]) + float(app.config["REPLICA_CHECK_SECONDS"])
    if window < needed:
        log.warning("READ_YOUR_WRITES_SECONDS (%s) is below REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS (%s): "
                    "a writer may read the replica before its write reached it", window, needed)
    _install_session_class()
    app.before_request(_choose_database)
    app.after_request(_remember_write)
    app.teardown_request(_forget)
