"""What the load and fault benches share: a private Redis, gunicorn on loopback, a POS seed and
HTTP clients (open loop at a constant rate, or closed loop as fast as possible).

Used by bench/http_load.py, bench/fault.py and tests/test_fault_tolerance.py. Only processes started
here are ever stopped (by their own pid).
"""
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def scratch_database(server: str, prefix: str) -> str:
    """Create a database of a unique name (prefix, pid, random) on the PostgreSQL server `server` and
    return its URL: two people running the benches on one server never touch each other's data."""
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _admin_connection(server) as connection:
        connection.execute(_sql(f'CREATE DATABASE "{name}"'))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_scratch_database(url: str) -> None:
    """Drop a database made by scratch_database (and only such a one), its connections included."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with _admin_connection(url) as connection:
        connection.execute(_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _admin_connection(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT").connect()


def _sql(statement: str):
    from sqlalchemy import text

    return text(statement)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


class RedisServer:
    """A redis-server of our own on a free port (never the machine's one), without persistence."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server not found")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, 10, "redis-server")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")


# The PIN key of the served app: the app that seeds PIN cards (seed_pos) must be built with it too.
PIN_SECRETS = "b1:bench-pin-secret-not-for-production"


class Gunicorn:
    """gunicorn serving run:app on loopback (sync workers, explicit options), in production mode."""

    def __init__(self, database_url: str, redis_url: str, *, workers: int = 3, extra_env: dict | None = None,
                 app: str = "run:app", ready_path: str = "/healthz"):
        self.port = free_port()
        self.app, self.ready_path = app, ready_path
        self.log = tempfile.NamedTemporaryFile(prefix="halle-gunicorn-", suffix=".log", delete=False)
        self.env = {**os.environ, "HALLE_CONFIG": "production", "DATABASE_URL": database_url,
                    "REDIS_URL": redis_url, "SECRET_KEY": "bench-secret-key", "LOG_FORMAT": "json",
                    "PUBLIC_URL": f"http://127.0.0.1:{self.port}",
                    "METRICS_ENABLED": "1", "METRICS_TOKEN": "bench-metrics-token",  # as production runs
                    "PIN_SECRETS": PIN_SECRETS,
                    "API_LOOKUP_RATE_LIMIT": "1000000 per minute", "MAIL_BACKEND": "console",
                    "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="halle-metrics-"),
                    "SEARCH_INDEX_DIR": tempfile.mkdtemp(prefix="halle-index-"),
                    **(extra_env or {})}
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--worker-class", "sync", "--timeout", "30", "--graceful-timeout", "5",
             "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null", self.app],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.get(self.ready_path)[0] == 200, 60, "gunicorn")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (no process-name matching)."""
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_one_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def get(self, path: str) -> tuple[int, bytes]:
        return request(self.port, "GET", path)

    def recycled_workers(self) -> int:
        """Workers recycled so far (gunicorn's max_requests): each is missing for a few seconds and
        its start takes CPU from the others, which shows in a phase's latency."""
        return Path(self.log.name).read_text(errors="replace").count("Autorestarting worker")

    def workers_cpu_seconds(self) -> float:
        """CPU time (user + system) spent so far by the workers: the live ones, and the recycled or
        killed ones (counted in the master's reaped children)."""
        return (sum(process_cpu_seconds(pid) for pid in self.worker_pids())
                + process_cpu_seconds(self.process.pid, reaped_children=True))


def process_cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """A process's CPU time (user + system) from /proc/<pid>/stat, or that of its children it has
    waited for; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    first = 13 if reaped_children else 11  # cutime, cstime / utime, stime
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """The machine's load, printed beside every figure: a figure taken on a busy machine says so."""
    return "load average {:.1f} {:.1f} {:.1f} ({} CPUs)".format(*os.getloadavg(), os.cpu_count())


def machine_cpu_seconds() -> float:
    """CPU time spent by the whole machine so far (Linux /proc/stat: user+nice+system+irq+softirq)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(fields[i]) for i in (0, 1, 2, 5, 6))
    return busy / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Where a load phase's CPU went: this process (the client threads), the gunicorn workers and
    the rest of the machine (database, Redis, kernel), per answered request."""

    def __init__(self, web: "Gunicorn"):
        self.web = web
        self.recycled_before = web.recycled_workers()  # read before the CPU sample: not the phase's work
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float]:
        return time.process_time(), self.web.workers_cpu_seconds(), machine_cpu_seconds()

    def per_request(self, requests: int) -> tuple[float, float, float]:
        """CPU ms per request so far: (client, gunicorn workers, rest of the machine)."""
        client, workers, machine = (after - before for after, before in zip(self._sample(), self.start))
        per = 1000 / max(requests, 1)
        return client * per, workers * per, (machine - client - workers) * per

    def summary(self, requests: int) -> str:
        client, workers, rest = self.per_request(requests)
        recycled = self.web.recycled_workers() - self.recycled_before
        return (f"{'':<12} CPU per request: client {client:.2f} ms, gunicorn workers {workers:.2f} ms, "
                f"rest of the machine {rest:.2f} ms" + (f"; workers recycled during the phase: {recycled}"
                                                        if recycled else ""))


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 30) -> tuple[int, bytes]:
    """One request on a new connection (sync workers close it after each response anyway)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class PosSeed:
    api_key: str
    api_key_id: int
    shop_id: int
    card_numbers: list[str]
    pin: str | None = None


def seed_pos(app, *, cards: int = 20, credit_cents: int = 10_000_000, pin: str | None = None) -> PosSeed:
    """In `app`'s database: an approved shop taking the card, its POS API key, and `cards` active
    cards (with `pin`, as campaign cards have by default, or none) holding `credit_cents` each
    (enough for any run)."""
    from loyalty import ledger
    from loyalty.cards import create_card
    from loyalty.clock import paris_day, utc_now
    from loyalty.models import Card
    from marketplace.api_keys import create_api_key
    from marketplace.extensions import db
    from tests import factories

    with app.app_context():
        commune = _first_commune() or factories.commune()
        shop = factories.shop(f"Banc d'essai {uuid.uuid4().hex[:6]}", commune,
                              category=factories.category("epicerie", "Épicerie"))
        owner = factories.user(f"bench-{uuid.uuid4().hex[:8]}@example.fr")
        factories.shop_member(shop, owner, "owner")
        db.session.commit()
        row, key = create_api_key(shop.id, "Banc d'essai", owner.id)
        numbers = []
        for index in range(cards):
            card = create_card(db.session, active=True, pin=pin)
            suffix = f"{card.id}:{uuid.uuid4().hex[:6]}"
            ledger.fund(db.session, amount_cents=credit_cents, key=f"bench:fund:{suffix}", actor="bench")
            ledger.issue_grant(db.session, card_id=card.id, amount_cents=credit_cents, label="Banc d'essai",
                               expires_on=paris_day(utc_now()) + timedelta(days=90), key=f"bench:grant:{suffix}",
                               actor="bench", expiry_policy="territory")
            numbers.append(db.session.get(Card, card.id).number)
        seed = PosSeed(api_key=key, api_key_id=row.id, shop_id=shop.id, card_numbers=numbers, pin=pin)
        db.session.remove()
    return seed


def _first_commune():
    from marketplace.extensions import db
    from marketplace.models import Commune

    return db.session.query(Commune).order_by(Commune.insee).first()


@dataclass
class Outcome:
    """What a load run saw: latencies of answered requests by status, and failures."""
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    acknowledged: list[str] = field(default_factory=list)  # idempotency keys answered 2xx
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int | None, latency: float, error: str | None = None, key: str | None = None):
        with self.lock:
            if status is None:
                self.errors[error] = self.errors.get(error, 0) + 1
                return
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                self.latencies.append(latency)
                if key:
                    self.acknowledged.append(key)

    @property
    def ok(self) -> int:
        return len(self.latencies)

    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, percent: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))] if ordered else float("nan")

    def summary(self, name: str) -> str:
        return (f"{name:<12} {self.ok:>6} ok in {self.seconds:5.1f} s = {self.rate():7.1f} req/s, "
                f"p50 {self.percentile(50) * 1000:6.1f} ms, p99 {self.percentile(99) * 1000:6.1f} ms, "
                f"statuses {dict(sorted(self.statuses.items()))}"
                + (f", errors {self.errors}" if self.errors else ""))


class RedemptionCall:
    """A POST /api/v1/redemptions with a fresh idempotency key on one of the seeded cards."""

    def __init__(self, seed: PosSeed, amount_cents: int = 100):
        self.seed = seed
        self.amount_cents = amount_cents
        self.counter = 0
        self.lock = threading.Lock()

    def __call__(self, port: int, outcome: Outcome, due: float | None = None) -> None:
        with self.lock:
            self.counter += 1
            number = self.seed.card_numbers[self.counter % len(self.seed.card_numbers)]
        key = f"load-{uuid.uuid4()}"
        body = json.dumps({"card": number, "amount_cents": self.amount_cents}
                          | ({"pin": self.seed.pin} if self.seed.pin else {})).encode()
        headers = {"Authorization": f"Bearer {self.seed.api_key}", "Idempotency-Key": key,
                   "Content-Type": "application/json"}
        call(port, outcome, "POST", "/api/v1/redemptions", body, headers, key=key, started=due)


def call(port: int, outcome: Outcome, method: str, path: str, body=None, headers=None, *, key=None,
         started: float | None = None) -> None:
    began = started if started is not None else time.perf_counter()
    try:
        status, _ = request(port, method, path, body, headers, timeout=10)
    except (OSError, http.client.HTTPException) as error:
        outcome.record(None, 0.0, type(error).__name__)
        return
    outcome.record(status, time.perf_counter() - began, key=key)


def closed_loop(port: int, path: str | list[str], *, clients: int, seconds: float,
                max_requests: int = 100_000) -> Outcome:
    """`clients` threads send GET `path` (or the paths of a list, in turn) back to back for
    `seconds` (or `max_requests` in all)."""
    outcome, budget = Outcome(), iter(range(max_requests))
    paths = itertools.cycle([path] if isinstance(path, str) else path)
    budget_lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < deadline:
            with budget_lock:
                if next(budget, None) is None:
                    return
                path = next(paths)
            call(port, outcome, "GET", path)

    began = time.perf_counter()
    _run_threads(client, clients)
    outcome.seconds = time.perf_counter() - began
    return outcome


def constant_rate(port: int, send, *, rate: float, seconds: float, clients: int = 32) -> Outcome:
    """Open loop: request i is due at start + i/rate (rate × seconds requests in all), whatever
    the answers' speed; its latency counts from when it was due, so a stall is not hidden
    (no coordinated omission). `send(port, outcome, due)` makes one request."""
    outcome, total = Outcome(), int(rate * seconds)
    next_index, index_lock = iter(range(total)), threading.Lock()
    start = time.perf_counter() + 0.05

    def client() -> None:
        while True:
            with index_lock:
                index = next(next_index, None)
            if index is None:
                return
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            send(port, outcome, due)

    _run_threads(client, clients)
    outcome.seconds = max(seconds, time.perf_counter() - start)  # a run that fell behind took longer
    return outcome


def _run_threads(target, count: int) -> None:
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
