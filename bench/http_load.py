"""HTTP load test (a benchmark, not a test): gunicorn on loopback, on PostgreSQL and a private Redis.

In one run, against the demo territory: the yardstick (bench/bare_app.py, a bare Flask app with
one route returning a short HTML string, served by the same gunicorn settings) and the search
page with a varied query mix (plain words, several words, typos, a commune and radius, a
category, a price, page 2, a search that finds nothing) and the search page without a query (its
frame: layout, form, categories), in turns (`--repeat` rounds of phases: the ratios printed are
their medians), then /healthz (one database round trip), as fast as
`--clients` concurrent clients can go, as anonymous visitors (the gunicorn workers' CPU per request is
compared too: the client's share, in this process, weighs more on a bare request); then the POS
redemption API as a till sends it (POST /api/v1/redemptions with the shop's API key, a fresh
Idempotency-Key each, cards with a PIN as campaign cards have by default, and enough credit) at
a constant `--rate` (open loop: latency counts from when each request was due). Each phase is
bounded in time and in requests. Prints requests/s, p50/p99 and the ratios against the targets
(search ≥ 0.3 × bare Flask; redemption p99 ≤ 100 ms at 200/s) with the machine's load average,
then checks the ledger.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/http_load.py \
        [--seconds 10] [--repeat 3] [--clients 8] [--rate 200] [--workers 4] [--seed demo|small] [--no-pin]

A scratch database of a unique name (halle_http_<pid>_<random>) is created and dropped on that server; the client runs in
this process, on the same machine, so it takes its share of the CPU. (Not named bench/http.py:
run as a script, that file would shadow the standard library's `http` for every bench script.)
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fault import _missing, _verify
from bench.loadkit import (PIN_SECRETS, CpuMeter, Gunicorn, RedemptionCall, RedisServer, closed_loop, constant_rate,
                           load_average, seed_pos)

SEARCH_PATHS = [  # words of the demo catalogue and communes of Auxois Morvan
    "/recherche?q=pain", "/recherche?q=confiture+abricot", "/recherche?q=fromage&commune=21603&radius_km=20",
    "/recherche?q=chaussures+randonnee", "/recherche?q=confiure", "/recherche?q=miel&sort=price_asc",
    "/recherche?q=tournevis&max_price_cents=2000", "/recherche?q=biere&commune=21425&radius_km=10", "/recherche?q=laine&page=2",
    "/recherche?q=pate+en+croute", "/recherche?q=moutrade", "/recherche?q=trottinette+electrique",
    "/recherche?q=saucisson&in_stock=1", "/recherche?q=vin+rouge", "/recherche?q=bougie&card=1",
    "/recherche?q=cafe",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the closed-loop phases")
    parser.add_argument("--rate", type=float, default=200.0, help="redemptions per second offered")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--max-requests", type=int, default=50_000, help="cap per closed-loop phase")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of phases: bare Flask, search, the page without a query (ratios: their medians)")
    parser.add_argument("--seed", choices=("demo", "small"), default="demo",
                        help="demo: the demo territory (search has a catalogue); small: one shop")
    parser.add_argument("--no-pin", action="store_true", help="cards without a PIN (the easier case)")
    args = parser.parse_args()

    from bench.loadkit import drop_scratch_database, scratch_database
    from marketplace import create_app
    from marketplace.extensions import db

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgresql"):
        sys.exit("DATABASE_URL must name a PostgreSQL server (the scratch database is made there)")
    url = scratch_database(server_url, "halle_http")
    index_dir = tempfile.mkdtemp(prefix="halle-index-")
    redis, web = RedisServer(), None
    try:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SEARCH_INDEX_DIR=index_dir,
                         PIN_SECRETS=PIN_SECRETS)  # the served app's key: the seeded cards' PINs check there
        started = time.perf_counter()
        with app.app_context():
            db.create_all()
            if args.seed == "demo":
                from marketplace.demo import seed

                seed(echo=lambda *a: None)
            db.session.remove()
        seed = seed_pos(app, cards=50, pin=None if args.no_pin else "4821")
        print(f"seed ({args.seed}) in {time.perf_counter() - started:.1f} s; gunicorn {args.workers} sync workers, "
              f"{os.cpu_count()} CPUs (shared), client threads in this process")
        redis.start()
        web = Gunicorn(url, redis.url, workers=args.workers, extra_env={"SEARCH_INDEX_DIR": index_dir})
        web.start()
        bare_web = Gunicorn(url, redis.url, workers=args.workers, app="bench.bare_app:app", ready_path="/")
        bare_web.start()
        closed_loop(bare_web.port, "/", clients=args.workers, seconds=1, max_requests=4 * args.workers)
        for path in ("/healthz", SEARCH_PATHS):  # warm every worker (imports, pools, index readers)
            closed_loop(web.port, path, clients=args.workers, seconds=2, max_requests=len(SEARCH_PATHS) * args.workers)
        # and the payment path: the shop's first payment opens its account (the concurrent first
        # ones wait for it, ~0.5 s), each worker compiles its statements once.
        warm_up = constant_rate(web.port, RedemptionCall(seed), rate=10 * args.workers, seconds=1,
                                clients=args.workers)

        print(load_average())

        def closed_phase(server, path, label: str):
            """The phase's outcome and its workers' CPU ms per answered request."""
            meter = CpuMeter(server)
            outcome = closed_loop(server.port, path, clients=args.clients, seconds=args.seconds,
                                  max_requests=args.max_requests)
            print(outcome.summary(label))
            print(meter.summary(outcome.ok))
            return outcome, meter.per_request(outcome.ok)[1]

        # The yardstick and the search page in turns: this machine's speed drifts by a tenth or more
        # within a minute, so one pair of phases can put the ratio anywhere between 0.21 and 0.28.
        # The ratio of the workers' CPU per request leaves out the client, whose share (in this
        # process) is a third of a bare request's cost and a tenth of a search's.
        # The page without a query (its layout, form and categories; no search) shows what the
        # page's frame alone leaves of the target.
        ratios, cpu_ratios, frame_ratios = [], [], []
        for _ in range(args.repeat):
            bare, bare_cpu = closed_phase(bare_web, "/", "bare Flask")
            search, search_cpu = closed_phase(web, SEARCH_PATHS, f"search ({len(SEARCH_PATHS)} queries)")
            frame, _ = closed_phase(web, "/recherche", "search page without a query")
            ratios.append(search.rate() / bare.rate() if bare.rate() else 0.0)
            cpu_ratios.append(bare_cpu / search_cpu if search_cpu else 0.0)
            frame_ratios.append(frame.rate() / bare.rate() if bare.rate() else 0.0)
        bare_web.stop()
        closed_phase(web, "/healthz", "/healthz")
        meter = CpuMeter(web)
        pay = constant_rate(web.port, RedemptionCall(seed), rate=args.rate, seconds=args.seconds,
                            clients=max(32, args.clients))
        print(pay.summary(f"redemption ({'PIN cards' if seed.pin else 'cards without PIN'})"))
        print(meter.summary(pay.ok))

        ratio = statistics.median(ratios)
        p99 = pay.percentile(99) * 1000
        print(f"search ÷ bare Flask = {ratio:.2f}, the median of {len(ratios)} rounds of phases "
              f"({', '.join(f'{r:.2f}' for r in ratios)}) (target ≥ 0.30: {'met' if ratio >= 0.3 else 'NOT met'}); "
              f"{load_average()}")
        print(f"gunicorn workers' CPU per request, bare Flask ÷ search = {statistics.median(cpu_ratios):.2f}, "
              f"the median of ({', '.join(f'{r:.2f}' for r in cpu_ratios)}): the server's side alone")
        print(f"search page without a query ÷ bare Flask = {statistics.median(frame_ratios):.2f}, the median of "
              f"({', '.join(f'{r:.2f}' for r in frame_ratios)}): the page's frame alone, before any search")
        print(f"redemption at {args.rate:g}/s offered: {pay.rate():.0f}/s answered 2xx, p99 {p99:.0f} ms "
              f"(target ≤ 100 ms: {'met' if p99 <= 100 and pay.ok >= 0.99 * args.rate * args.seconds else 'NOT met'})")
        web.stop()
        missing = _missing(app, seed, warm_up.acknowledged + pay.acknowledged)
        problems = _verify(app)
        print(f"ledger verify: {'OK' if not problems else problems}; acknowledged redemptions missing: {len(missing)}")
        with app.app_context():
            db.engine.dispose()
    finally:
        if web:
            web.stop()
            bare_web.stop()
        redis.stop()
        drop_scratch_database(url)


if __name__ == "__main__":
    main()
