"""1,000 concurrent online purchases on one top-up programme (a benchmark, not a test).

Sets up a programme whose budget covers only part of what the purchases would claim, then N
worker processes record the purchases as paid at the same time (gift_cards.record_paid: what
the Stripe webhook or the return page calls), each granting its top-up while the budget lasts.
Prints the purchases accepted, the top-ups granted, the budget used against the budget (never
more), `ledger verify` and the throughput.

    .venv/bin/python bench/topup_programme.py [--purchases 1000] [--workers 8] [--budget-share 0.6]

DATABASE_URL: default a temporary SQLite file. For PostgreSQL give the server
(postgresql://postgres@127.0.0.1:5432/postgres): the bench works in a scratch database of a
unique name (halle_topup_<pid>_<random>) that it creates and drops; it never touches the one named.
"""
import argparse
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.engine import make_url

from bench.loadkit import drop_scratch_database, load_average, scratch_database

AMOUNT_CENTS = 2_000  # each purchase: a 20 € gift card
RATE = 50  # +50 %: a 10 € top-up each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--budget-share", type=float, default=0.6,
                        help="the budget, as a share of what all the purchases' top-ups would take")
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/halle-topup.db"
    postgres = server.startswith("postgresql")
    url = scratch_database(server, "halle_topup") if postgres else server
    try:
        budget = int(args.purchases * AMOUNT_CENTS * RATE // 100 * args.budget_share)
        purchase_ids, programme_id = _set_up(url, args.purchases, budget)
        print(f"{args.purchases} purchases of {AMOUNT_CENTS / 100:.2f} €, +{RATE} %, budget {budget / 100:.2f} €, "
              f"{args.workers} workers on {make_url(url).get_backend_name()}")
        elapsed, failures = _run(url, purchase_ids, args.workers)
        _report(url, programme_id, budget, elapsed, failures)
    finally:
        if postgres:
            drop_scratch_database(url)


def _app(url: str):
    from marketplace import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=url,
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 2, "max_overflow": 2})


def _set_up(url: str, count: int, budget: int) -> tuple[list[int], int]:
    from loyalty.clock import paris_day, utc_now
    from marketplace import topup_programmes
    from marketplace.extensions import db
    from marketplace.models import CreditPurchase, CreditPurchaseItem
    from tests import factories

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        factories.shop("Bench", factories.commune())
        admin = factories.user("admin@bench.example", is_admin=True)
        db.session.commit()
        today = paris_day(utc_now())
        programme = topup_programmes.create(topup_programmes.ProgrammeTerms(
            name="Bench", budget_cents=budget, rate_percent=RATE, cap_per_purchase_cents=AMOUNT_CENTS,
            cap_per_person_cents=AMOUNT_CENTS, starts_on=today, ends_on=today + timedelta(days=30),
            allowed_categories=None, allowed_communes=None), admin=admin)
        later = today + timedelta(days=7)  # the gifts are sent later: no email work in the figures
        purchases = [CreditPurchase(kind="gift", token=secrets.token_urlsafe(32), form_token=secrets.token_urlsafe(24),
                                    buyer_name=f"Buyer {n}", buyer_email=f"buyer{n}@bench.example",
                                    amount_cents=AMOUNT_CENTS, status="pending",
                                    stripe_payment_intent_id=f"pi_bench_{n}_{secrets.token_hex(4)}",
                                    items=[CreditPurchaseItem(amount_cents=AMOUNT_CENTS, recipient_name="R",
                                                              recipient_email=f"r{n}@bench.example", deliver_on=later)])
                     for n in range(count)]
        db.session.add_all(purchases)
        db.session.commit()
        ids, programme_id = [p.id for p in purchases], programme.id
        db.session.remove()
        db.engine.dispose()
    return ids, programme_id


def _worker(url, ids, ready, results) -> None:
    from marketplace import gift_cards
    from marketplace.extensions import db

    app = _app(url)
    failures = 0
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        db.session.commit()
        ready.wait()
        for purchase_id in ids:
            try:
                gift_cards.record_paid(purchase_id)
            except Exception as error:  # counted and shown: a bench reports, it does not stop
                failures += 1
                db.session.rollback()
                print(f"purchase {purchase_id}: {error!r}", file=sys.stderr)
        db.session.remove()
        db.engine.dispose()
    results.put(failures)


def _run(url: str, ids: list[int], workers: int) -> tuple[float, int]:
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(workers + 1), context.Queue()
    processes = [context.Process(target=_worker, args=(url, ids[i::workers], ready, results)) for i in range(workers)]
    for process in processes:
        process.start()
    ready.wait()
    start = time.perf_counter()
    failures = sum(results.get() for _ in processes)
    elapsed = time.perf_counter() - start
    for process in processes:
        process.join()
    return elapsed, failures


def _report(url: str, programme_id: int, budget: int, elapsed: float, failures: int) -> None:
    from sqlalchemy import func, select

    from loyalty.models import Account
    from loyalty.verify import verify
    from marketplace.extensions import db
    from marketplace.models import CreditPurchase, TopUpAward

    app = _app(url)
    with app.app_context():
        paid = db.session.scalar(select(func.count()).select_from(CreditPurchase).where(CreditPurchase.status == "paid"))
        awards = db.session.scalar(select(func.count()).select_from(TopUpAward))
        granted = db.session.scalar(select(func.coalesce(func.sum(TopUpAward.amount_cents), 0)))
        left = db.session.scalar(select(Account.balance_cents).where(Account.code == f"programme:{programme_id}"))
        problems = verify(db.session)
        db.session.remove()
        db.engine.dispose()
    print(f"purchases accepted: {paid} (failed: {failures})")
    print(f"top-ups granted: {awards}")
    print(f"budget used: {granted / 100:.2f} € of {budget / 100:.2f} € (left {left / 100:.2f} €)"
          f" — {'never exceeded' if granted <= budget and granted + left == budget else 'EXCEEDED OR UNBALANCED'}")
    print(f"ledger verify: {'OK' if not problems else problems}")
    print(f"throughput: {paid / elapsed:.0f} purchases/s ({elapsed:.1f} s); {load_average()} at the end")
    if problems or granted > budget or failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
