"""Redemption throughput of the ledger (a benchmark, not a test).

N worker processes redeem random amounts on M cards at S shops through loyalty.ledger.redeem for
a few seconds, then the ledger is verified. Prints redemptions/s, p50/p99 latency and the CPU
spent per redemption (in the workers, and on the whole machine, which includes the database
server when it runs here). On PostgreSQL these plain redemptions are paid in one round trip
(loyalty/pg_redeem.py). On
PostgreSQL, when pgbench is installed, the same number of clients run pgbench's TPC-B-like
script on the same server for the same time, as a yardstick for what the hardware can do; and
the same one-call statement is sent by as many bare clients (no app code), which shows what the
database's own work per redemption allows.

    .venv/bin/python bench/redeem.py [--workers 8] [--cards 1000] [--shops 100] [--seconds 10]

The scale fits the clients, as pgbench's does: a shop's payments queue on its account row until
they commit, as pgbench's transactions on their branch row, so the default has many more shops
and cards than workers (16 tills busy at once are at 16 shops, on 16 cards); `--shops 4
--cards 50` measures 16 tills queuing at 4 shops instead. The shops have been paid before (their
accounts exist) and each worker pays once before the clock starts: a process's first payment
and a shop's first one take the Python path (statements compiled, the account opened), which
a day's traffic pays once.

DATABASE_URL: default a temporary SQLite file. For PostgreSQL give the server
(postgresql://postgres@127.0.0.1:5432/postgres): the bench works in scratch databases of unique
names (halle_bench_<pid>_<random>, halle_pgbench_…) that it creates and drops; it never touches
the one named. pgbench runs at a scale of at least its number of clients (one branch row each).
"""
import argparse
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.engine import make_url

from bench.loadkit import drop_scratch_database, load_average, machine_cpu_seconds, scratch_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--shops", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/halle-bench.db"
    postgres = server.startswith("postgresql")
    url = scratch_database(server, "halle_bench") if postgres else server
    try:
        card_ids, shop_ids = _set_up(url, args.cards, args.shops)
        print(f"{args.workers} workers, {args.cards} cards, {args.shops} shops, {args.seconds:g} s on "
              f"{make_url(url).get_backend_name()}; {load_average()}")
        rate = _run_redemptions(url, card_ids, shop_ids, args.workers, args.seconds)
        if postgres:
            _compare_with_bare_clients(url, card_ids, shop_ids, args.workers, args.seconds, rate)
        problems = _verify(url)
        print(f"verify: {'OK' if not problems else problems}")
        if postgres:
            _compare_with_pgbench(server, args.workers, args.seconds, rate)
        print(f"({load_average()} at the end)")
    finally:
        if postgres:
            drop_scratch_database(url)


def _set_up(url: str, card_count: int, shop_count: int) -> tuple[list[int], list[int]]:
    from loyalty import accounts, cards, ledger
    from loyalty.clock import paris_day, utc_now
    from marketplace.extensions import db
    from tests import factories

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        commune = factories.commune()
        category = factories.category("epicerie", "Épicerie")
        shops = [factories.shop(f"Shop {i}", commune, category=category) for i in range(shop_count)]
        employer = factories.employer("Bench", commune)
        db.session.commit()
        shop_ids, employer_id = [s.id for s in shops], employer.id
        # Shops that have been paid before (their account exists), as on any day after the first:
        # a shop's first payment opens its account through the Python path.
        for shop_id in shop_ids:
            accounts.shop_payable_account(db.session, shop_id)
        db.session.commit()
        per_card = 10_000_000
        ledger.fund(db.session, amount_cents=per_card * card_count, key="bench:fund", actor="bench",
                    employer_id=employer_id)
        card_ids = []
        for index in range(card_count):
            card = cards.create_card(db.session, active=True)
            card_ids.append(card.id)
            ledger.issue_grant(db.session, card_id=card.id, amount_cents=per_card, label="Bench",
                               expires_on=paris_day(utc_now()) + timedelta(days=365), key=f"bench:issue:{index}",
                               actor="bench", employer_id=employer_id)
        db.session.remove()
        db.engine.dispose()
    return card_ids, shop_ids


def _in_processes(target, workers: int, *args) -> tuple[list, float]:
    """Run `target(*args, index, ready, results)` in `workers` processes that start together once
    all have loaded the app and connected (a barrier), so that start-up costs stay out of the
    figures; their results, and the machine's CPU seconds from the start to the last result."""
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(workers + 1), context.Queue()
    processes = [context.Process(target=target, args=(*args, i, ready, results)) for i in range(workers)]
    for process in processes:
        process.start()
    ready.wait()
    machine_before = machine_cpu_seconds()
    outcomes = [results.get() for _ in processes]
    machine_cpu = machine_cpu_seconds() - machine_before
    for process in processes:
        process.join()
    return outcomes, machine_cpu


def _run_redemptions(url: str, card_ids: list[int], shop_ids: list[int], workers: int, seconds: float) -> float:
    outcomes, machine_cpu = _in_processes(_worker, workers, url, card_ids, shop_ids, seconds)
    latencies = sorted(latency for done, _, _, _ in outcomes for latency in done)
    refused = sum(r for _, r, _, _ in outcomes)
    failed = [error for _, _, errors, _ in outcomes for error in errors]
    client_cpu = sum(cpu for _, _, _, cpu in outcomes)
    rate = len(latencies) / seconds
    print(f"redemptions: {len(latencies)} in {seconds:g} s = {rate:.0f}/s "
          f"(refused {refused}, errors {len(failed)}{': ' + failed[0] if failed else ''})")
    if latencies:
        print(f"latency: p50 {_percentile(latencies, 50) * 1000:.1f} ms, "
              f"p99 {_percentile(latencies, 99) * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
        done = len(latencies) + refused
        print(f"CPU per redemption: {client_cpu / done * 1000:.2f} ms in the workers (Python), "
              f"{machine_cpu / done * 1000:.2f} ms on the whole machine (workers, database server and "
              f"anything else running)")
    return rate


def _worker(url: str, card_ids: list[int], shop_ids: list[int], seconds: float, index: int, ready, results) -> None:
    from loyalty import ledger
    from loyalty.errors import InsufficientBalance
    from marketplace.extensions import db

    app = _app(url)
    random.seed(index)
    latencies, refused, errors = [], 0, []
    with app.app_context():
        # One redemption before the clock starts (the connection, the prepared statement), as
        # pgbench leaves its connections out of its figures.
        ledger.redeem(db.session, card_id=random.choice(card_ids), shop_id=random.choice(shop_ids),
                      amount_cents=100, key=f"bench:warm-up:{index}", actor=f"bench:{index}")
        ready.wait()
        cpu_before = time.process_time()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                ledger.redeem(db.session, card_id=random.choice(card_ids), shop_id=random.choice(shop_ids),
                              amount_cents=random.randint(100, 5000), key=f"bench:{uuid.uuid4()}",
                              actor=f"bench:{index}")
                latencies.append(time.perf_counter() - began)
            except InsufficientBalance:
                refused += 1
            except Exception as error:  # noqa: BLE001 - reported, the bench goes on
                errors.append(f"{type(error).__name__}: {error}"[:300])
                db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    results.put((latencies, refused, errors, time.process_time() - cpu_before))


def _compare_with_bare_clients(url: str, card_ids: list[int], shop_ids: list[int], workers: int, seconds: float,
                               rate: float) -> None:
    """The same one-call statement (the shop's terms and halle_redeem, prepared) sent by as many
    processes doing nothing else: what the database does per redemption, without the app's Python.
    Its entries are real redemptions too, checked by the verify that follows."""
    outcomes, _ = _in_processes(_bare_worker, workers, url, card_ids, shop_ids, seconds)
    ceiling = sum(outcomes) / seconds
    print(f"the same statement from {workers} bare clients (no app code): {ceiling:.0f}/s; "
          f"ledger.redeem reaches {rate / ceiling:.2f} of it")


def _bare_worker(url: str, card_ids: list[int], shop_ids: list[int], seconds: float, index: int, ready,
                 results) -> None:
    from loyalty import accounts, ledger
    from loyalty.clock import paris_day, stored_now
    from marketplace.extensions import db

    app = _app(url)
    random.seed(1000 + index)
    with app.app_context():
        prepare, execute, defaults = ledger._one_call_statement(db.engine.dialect)
        connection = db.engine.raw_connection()
        driver = connection.driver_connection
        driver.autocommit = True
        cursor = driver.cursor()
        cursor.execute(prepare)
        ready.wait()
        done, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            shop_id, now = random.choice(shop_ids), stored_now()
            cursor.execute(execute, {
                **defaults, "card_id": random.choice(card_ids), "shop_id": shop_id,
                "payable_code": accounts.shop_payable_code(shop_id), "amount": random.randint(100, 5000),
                "allow_partial": False, "pin_hash": None, "pin_free_up_to": None, "key": f"bare:{uuid.uuid4()}",
                "fingerprint": "bench", "actor": f"bench:{index}", "today": paris_day(now), "now": now})
            done += cursor.fetchone() is not None
        cursor.close()
        connection.close()
        db.engine.dispose()
    results.put(done)


def _verify(url: str) -> list[str]:
    from loyalty.verify import verify
    from marketplace.extensions import db

    app = _app(url)
    with app.app_context():
        problems = verify(db.session)
        db.session.remove()
        db.engine.dispose()
    return problems


def _compare_with_pgbench(server: str, clients: int, seconds: float, rate: float) -> None:
    pgbench = shutil.which("pgbench") or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))), None)
    if pgbench is None:
        print("pgbench not found: no comparison")
        return
    url = make_url(scratch_database(server, "halle_pgbench"))
    connection = [pgbench, "-h", url.host or "localhost", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    try:
        # TPC-B updates one branch row per transaction: below one branch per client, pgbench measures
        # lock waits on the branches, not the hardware.
        scale = max(1, clients)
        subprocess.run([*connection[:1], "-i", "-q", "-s", str(scale), *connection[1:], url.database], env=env,
                       check=True, capture_output=True)
        run = subprocess.run([*connection, "-c", str(clients), "-j", str(clients), "-T", str(int(seconds)),
                              url.database], env=env, check=True, capture_output=True, text=True)
        tps = float(re.search(r"tps = ([\d.]+)", run.stdout).group(1))
        print(f"pgbench tpcb-like, scale {scale}, {clients} clients: {tps:.0f} tps; "
              f"redemptions/s ÷ tps = {rate / tps:.2f}")
    finally:
        drop_scratch_database(url.render_as_string(hide_password=False))


def _app(url: str):
    from marketplace import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=url,
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 2, "max_overflow": 2})


def _percentile(ordered: list[float], percent: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


if __name__ == "__main__":
    main()
