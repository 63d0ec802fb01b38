"""The search page in process: worker CPU per request and SQL statements per page, no HTTP, no load.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/search_page.py \
        [--rounds 30] [--profile FILE]
    DATABASE_URL=… valgrind --tool=callgrind --instr-atstart=no .venv/bin/python bench/search_page.py --callgrind

Seeds the demo territory in a scratch database (halle_page_<pid>_<random>, dropped at the end),
then requests bench/http_load.py's SEARCH_PATHS (its 16-query mix, anonymous) through the app
in production mode with Flask's test client, and prints the CPU time of this process per request
(`time.process_time`: min, quartile and median over `--rounds` rounds of the mix; the machine's
load slows it less than wall-clock time, and the minimum is the least disturbed), the bare Flask
app's (bench/bare_app.py) the same way, and the SQL statements each page ran. With `--profile`,
one more series of rounds runs under cProfile (CPU time) and its statistics go to FILE
(`python -m pstats FILE`). No gunicorn, no HTTP parsing, no client: figures a little below
bench/http_load.py's worker CPU, to guide work on the request path, not to replace it.

With `--callgrind`, under valgrind as above, it prints instead the instructions per request of the
measured rounds only (seeding, imports and warm-up are not instrumented: callgrind_control turns
counting on and dumps around the rounds), the bare app's and the page's: the same code gives the
same count within 0.1 %, whatever the machine's load, to compare a change with its parent.
It then counts the same route with less and less of the page (a short text, the site's layout
around a heading, the page without a query): what the page's frame costs before any search.
"""
import argparse
import cProfile
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.http_load import SEARCH_PATHS
from bench.loadkit import PIN_SECRETS, RedisServer, drop_scratch_database, load_average, scratch_database

BASE_URL = "http://127.0.0.1:5000"


def rounds_of(client, paths, rounds: int) -> list[float]:
    """CPU ms per request of each round over `paths`, sorted."""
    per_round = []
    for _ in range(rounds):
        started = time.process_time()
        for path in paths:
            response = client.get(path, base_url=BASE_URL)
            if response.status_code != 200:
                sys.exit(f"{path}: HTTP {response.status_code}")
        per_round.append((time.process_time() - started) / len(paths) * 1000)
    return sorted(per_round)


def counted_instructions(run) -> int:
    """Instructions executed by `run()` alone, this process running under
    `valgrind --tool=callgrind --instr-atstart=no`."""
    pid = str(os.getpid())
    before = set(Path.cwd().glob(f"callgrind.out.{pid}.*"))
    subprocess.run(["callgrind_control", "--instr=on", pid], check=True, capture_output=True)
    run()
    subprocess.run(["callgrind_control", "--dump=measured", pid], check=True, capture_output=True)
    subprocess.run(["callgrind_control", "--instr=off", pid], check=True, capture_output=True)
    (dump,) = set(Path.cwd().glob(f"callgrind.out.{pid}.*")) - before
    totals = next(line for line in dump.read_text().splitlines() if line.startswith("totals:"))
    dump.unlink()
    return int(totals.split()[1])


def floors(app, client, requests: int, rounds: int):
    """(label, instructions) of the search page's route with less and less of the page: the same
    hooks (access, rate limiter, session, security and cache headers), the view's work replaced."""
    from unittest import mock

    from flask import render_template

    import search.views

    layout = app.jinja_env.from_string(
        '{% extends "base.html" %}{% block content %}<h1>Recherche</h1>{% endblock %}')
    paths = ["/recherche"] * (requests // rounds)
    views = (("the search route answering a short text", lambda: "<p>Recherche</p>"),
             ("the site's layout around a heading", lambda: render_template(layout)),
             ("the search page without a query (form, categories; no search)", None))
    for label, view in views:
        with mock.patch.object(search.views, "render_search_page", view or search.views.render_search_page):
            rounds_of(client, paths, 2)
            yield label, counted_instructions(lambda: rounds_of(client, paths, rounds))


def summary(label: str, per_round: list[float]) -> str:
    return (f"{label:<22} CPU per request: min {per_round[0]:.2f} ms, p25 {per_round[len(per_round) // 4]:.2f}, "
            f"median {per_round[len(per_round) // 2]:.2f} ({len(per_round)} rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the query mix")
    parser.add_argument("--profile", type=Path, help="also profile the page (cProfile, CPU time) into this file")
    parser.add_argument("--resident", metavar="INSEE",
                        help="as a resident who chose this commune (a session), not an anonymous visitor")
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions per request instead (under valgrind, see above)")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgresql"):
        sys.exit("DATABASE_URL must name a PostgreSQL server (the scratch database is made there)")

    url = scratch_database(server_url, "halle_page")
    index_dir = tempfile.mkdtemp(prefix="halle-index-")
    redis = RedisServer()
    try:
        redis.start()
        # As bench/loadkit.py's Gunicorn serves the app; before the first import of the app's
        # modules, whose configuration reads the environment once.
        os.environ.update({
            "HALLE_CONFIG": "production", "DATABASE_URL": url, "REDIS_URL": redis.url,
            "SECRET_KEY": "bench-secret-key", "LOG_FORMAT": "json", "PUBLIC_URL": BASE_URL,
            "METRICS_ENABLED": "1", "METRICS_TOKEN": "bench-metrics-token", "PIN_SECRETS": PIN_SECRETS,
            "MAIL_BACKEND": "console",
            "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="halle-metrics-"), "SEARCH_INDEX_DIR": index_dir})
        from marketplace import create_app
        from marketplace.demo import seed
        from marketplace.extensions import db

        seeding = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SEARCH_INDEX_DIR=index_dir)
        with seeding.app_context():
            db.create_all()
            seed(echo=lambda *a: None)
            db.session.remove()
            db.engine.dispose()
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        from bench.bare_app import app as bare
        from run import app

        if args.resident:  # a resident who chose their commune: a session cookie on every page
            from marketplace.territory import SESSION_KEY

            client = app.test_client()
            with client.session_transaction(base_url=BASE_URL) as session:
                session[SESSION_KEY] = args.resident
        else:
            client = app.test_client(use_cookies=False)
        rounds_of(client, SEARCH_PATHS, 2)  # imports, pools, index readers, reference data
        statements = {}
        current = [None]

        def count(conn, cursor, statement, *a):
            statements[current[0]] = statements.get(current[0], 0) + 1

        event.listen(Engine, "before_cursor_execute", count)
        for path in SEARCH_PATHS:
            current[0] = path
            client.get(path, base_url=BASE_URL)
        event.remove(Engine, "before_cursor_execute", count)
        if args.callgrind:
            # Valgrind runs ~50 times slower: the reference data's reload every 30 s of wall time
            # would land in a few dozen requests, where a served worker spreads it over thousands.
            app.config["SEARCH_CACHE_SECONDS"] = 3600
            requests = args.rounds * len(SEARCH_PATHS)
            bare_client = bare.test_client()
            rounds_of(bare_client, ["/"] * len(SEARCH_PATHS), 2)
            bare_count = counted_instructions(lambda: rounds_of(bare_client, ["/"] * len(SEARCH_PATHS), args.rounds))
            page_count = counted_instructions(lambda: rounds_of(client, SEARCH_PATHS, args.rounds))
            print(f"instructions per request ({args.rounds} rounds of the {len(SEARCH_PATHS)} queries): bare Flask "
                  f"{bare_count / requests / 1e6:.3f} M, search page {page_count / requests / 1e6:.3f} M; "
                  f"ratio {bare_count / page_count:.3f}")
            for label, count in floors(app, client, requests, args.rounds):
                print(f"  {label}: {count / requests / 1e6:.3f} M")
            return
        print(load_average())
        bare_rounds = rounds_of(bare.test_client(), ["/"] * len(SEARCH_PATHS), args.rounds)
        print(summary("bare Flask", bare_rounds))
        search_rounds = rounds_of(client, SEARCH_PATHS, args.rounds)
        print(summary(f"search ({len(SEARCH_PATHS)} queries)", search_rounds))
        print(f"bare Flask ÷ search, CPU (min): {bare_rounds[0] / search_rounds[0]:.2f}; "
              f"SQL statements through SQLAlchemy: {sum(statements.values())} for the {len(SEARCH_PATHS)} pages "
              f"{ {p: n for p, n in statements.items() if n} if statements else ''}; {load_average()}")
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            rounds_of(client, SEARCH_PATHS, args.rounds)
            profile.disable()
            profile.dump_stats(args.profile)
            print(f"profile of {args.rounds} rounds in {args.profile}")
    finally:
        redis.stop()
        drop_scratch_database(url)  # WITH (FORCE): the app's pooled connections too


if __name__ == "__main__":
    main()
