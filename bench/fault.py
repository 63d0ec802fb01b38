"""Fault test: redemptions through the POS API while a gunicorn worker is SIGKILLed and Redis is
restarted; then the ledger verifies, every acknowledged (2xx) redemption is in the ledger, and
the site answers again without anyone touching it. Prints what it checked.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/fault.py

It works in a scratch database of a unique name (halle_fault_…) on that server, with its own redis-server on a
free port (never the machine's Redis). tests/test_fault_tolerance.py runs the same checks.
"""
import argparse
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadkit import Gunicorn, RedemptionCall, RedisServer, constant_rate, request, seed_pos, wait_for



@dataclass
class FaultReport:
    acknowledged: int
    missing: list[str]  # acknowledged idempotency keys with no ledger entry
    verify_problems: list[str]
    recovered: bool  # /healthz and a new redemption answered after the faults
    killed_worker: int
    statuses: dict[int, int]
    errors: dict[str, int]

    def lines(self) -> list[str]:
        return [
            f"answers during the run: {dict(sorted(self.statuses.items()))}"
            + (f", connection errors {self.errors}" if self.errors else ""),
            f"worker {self.killed_worker} SIGKILLed; Redis restarted",
            f"acknowledged redemptions: {self.acknowledged}, missing from the ledger: {len(self.missing)}",
            f"ledger verify: {'OK' if not self.verify_problems else self.verify_problems}",
            f"site answers again without manual action: {'yes' if self.recovered else 'NO'}",
        ]

    @property
    def passed(self) -> bool:
        return not self.missing and not self.verify_problems and self.recovered and self.acknowledged > 0


def run_fault(app, database_url: str, *, seconds: float = 12.0, rate: float = 40.0, workers: int = 3,
              cards: int = 10) -> FaultReport:
    """Against `app`'s database (schema created): seed, serve, load, break, check."""
    seed = seed_pos(app, cards=cards)
    redis = RedisServer()
    redis.start()
    server = Gunicorn(database_url, redis.url, workers=workers)
    try:
        server.start()
        send = RedemptionCall(seed)
        killed = {}

        def faults() -> None:
            time.sleep(seconds * 0.25)
            killed["pid"] = server.kill_one_worker()
            time.sleep(seconds * 0.25)
            redis.restart()

        breaker = threading.Thread(target=faults, daemon=True)
        breaker.start()
        outcome = constant_rate(server.port, send, rate=rate, seconds=seconds, clients=16)
        breaker.join()
        recovered = _recovers(server, send)
    finally:
        server.stop()
        redis.stop()
    return FaultReport(acknowledged=len(outcome.acknowledged),
                       missing=_missing(app, seed, outcome.acknowledged),
                       verify_problems=_verify(app), recovered=recovered, killed_worker=killed.get("pid", 0),
                       statuses=outcome.statuses, errors=outcome.errors)


def _recovers(server: Gunicorn, send: RedemptionCall, timeout: float = 30) -> bool:
    """Within `timeout`, with no help: /healthz says 200 and a new redemption is acknowledged."""
    from bench.loadkit import Outcome

    def answers() -> bool:
        if request(server.port, "GET", "/healthz", timeout=5)[0] != 200:
            return False
        probe = Outcome()
        send(server.port, probe)
        return probe.ok == 1

    try:
        wait_for(answers, timeout, "the site")
        return True
    except RuntimeError:
        return False


def _missing(app, seed, acknowledged: list[str]) -> list[str]:
    """Acknowledged client keys with no redemption entry (keys stored as the API builds them:
    service.idempotency_key of `api:<client key>`, whichever of the shop's API keys sent it)."""
    from sqlalchemy import select

    from loyalty.models import Entry
    from marketplace.extensions import db
    from marketplace.till.service import idempotency_key

    def stored_key(key: str) -> str:
        return idempotency_key(seed.shop_id, f"api:{key}")

    with app.app_context():
        stored = set(db.session.scalars(select(Entry.idempotency_key).where(
            Entry.kind == "redeem", Entry.shop_id == seed.shop_id)))
        db.session.remove()
    return [key for key in acknowledged if stored_key(key) not in stored]


def _verify(app) -> list[str]:
    from loyalty.verify import verify
    from marketplace.extensions import db

    with app.app_context():
        problems = verify(db.session)
        db.session.remove()
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=50.0, help="redemptions per second offered")
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    from bench.loadkit import drop_scratch_database, scratch_database
    from marketplace import create_app
    from marketplace.extensions import db

    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgresql"):
        sys.exit("DATABASE_URL must name a PostgreSQL server (the scratch database is made there)")
    url = scratch_database(server, "halle_fault")
    try:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            db.create_all()
        report = run_fault(app, url, seconds=args.seconds, rate=args.rate, workers=args.workers)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        print("\n".join(report.lines()))
        print("PASS" if report.passed else "FAIL")
    finally:
        drop_scratch_database(url)
    sys.exit(0 if report.passed else 1)


if __name__ == "__main__":
    main()
