"""A year of the card's books, exported and closed month by month (a benchmark, not a test).

In a temporary SQLite database (or DATABASE_URL): shops and companies; each month the companies pay
in (bank transfer or bank card) and grant credit to their staff's cards (some grants expire within
the year, to the company or to the territory fund), the cards pay at the shops every day (a few
voided the same day, some refunded later), online sales by bank card and their refunds; at each
month's end Stripe pays the online sales out to the bank and the shops are settled less a 1.5 %
commission, the month's statement is made and the month is closed; a back-dated entry into a closed
month is tried and must be refused. Then the year is exported as a FEC and read back by the independent checker (tests/fec_check.py), its totals are
compared with the ledger's movements, the last statement with the ledger's balances, and `ledger
verify` is run. Prints the figures and the time each step took; writes the last month's statement
(PDF, CSV) and the FEC next to the database.

    .venv/bin/python bench/books_year.py [--year 2025] [--shops 15] [--companies 8] [--cards 200] [--payments 25]

The journals must hold every kind of source: BQ, STR (payouts, card payments of companies), CAM,
CAR, VEL, REG, EXP.
"""
import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadkit import load_average  # noqa: E402

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--shops", type=int, default=15)
    parser.add_argument("--companies", type=int, default=8)
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--payments", type=int, default=25, help="card payments a day, all shops together")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from loyalty import closing as ledger_closing
    from loyalty import ledger, sales
    from loyalty.cards import create_card
    from loyalty.errors import LedgerError
    from loyalty.models import Account, Entry, Grant, Posting
    from loyalty.verify import verify
    from marketplace import accounting, closing, create_app
    from marketplace.extensions import db
    from tests import factories as f
    from tests.fec_check import read_fec

    folder = Path(tempfile.mkdtemp(prefix="halle-bench-books-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SEARCH_INDEX_DIR=str(folder / "index"))
    rng = random.Random(24)
    timings: dict[str, float] = {}

    def clock(day: date, hour: int = 10) -> datetime:
        return datetime(day.year, day.month, day.day, hour - 1, rng.randrange(60), tzinfo=UTC)

    with app.app_context():
        db.drop_all()
        db.create_all()
        accounting.ensure_default_chart()
        commune = f.commune()
        shops = [f.shop(f"Commerce {n}", commune, iban="FR7630006000011234567890189").id
                 for n in range(args.shops)]
        companies = [f.employer(f"Entreprise {n}", commune).id for n in range(args.companies)]
        db.session.commit()
        cards = [create_card(db.session, active=True, now=clock(date(args.year, 1, 1))).id for _ in range(args.cards)]
        started = time.perf_counter()
        payments: list[tuple[int, int, date]] = []  # (entry id, shop id, day)
        sold: list[int] = []
        refused = 0
        month = date(args.year, 1, 1)
        while month.year == args.year:
            last = closing.last_day(month)
            for company in companies:  # pay in (at least what it grants this month), then grant to some cards
                grants = [rng.randrange(20, 60) * 100 for _ in range(6)]
                amount = max(rng.randrange(200, 800) * 100, sum(grants))
                source = "bank" if rng.random() < 0.8 else "stripe"
                ledger.fund(db.session, amount_cents=amount, key=f"fund:{company}:{month}", actor="bench",
                            employer_id=company, source=source, now=clock(month))
                for n, (card, cents) in enumerate(zip(rng.sample(cards, 6), grants)):
                    expires = month + timedelta(days=rng.choice([20, 45, 400]))
                    ledger.issue_grant(db.session, card_id=card, amount_cents=cents,
                                       label=f"Dotation {month:%m/%Y}", expires_on=expires,
                                       key=f"issue:{company}:{month}:{n}", actor="bench", employer_id=company,
                                       expiry_policy=rng.choice(["employer", "territory"]), now=clock(month, 11))
            day = month
            while day <= last:
                with mock.patch("loyalty.steps.utc_now", return_value=clock(day, 6)):  # the nightly sweep
                    ledger.expire_grants(db.session, today=day, actor="bench")
                for n in range(args.payments):
                    shop = rng.choice(shops)
                    try:
                        paid = ledger.redeem(db.session, card_id=rng.choice(cards), shop_id=shop,
                                             amount_cents=rng.randrange(300, 4000), allow_partial=True,
                                             key=f"pay:{day}:{n}", actor="bench", now=clock(day, 12))
                    except LedgerError:
                        continue
                    payments.append((paid.entry_id, shop, day))
                    if rng.random() < 0.02:
                        ledger.void(db.session, redemption_id=paid.entry_id, shop_id=shop, key=f"void:{day}:{n}",
                                    actor="bench", now=clock(day, 13))
                        payments.pop()
                if payments and rng.random() < 0.3:  # a refund of an earlier payment
                    entry_id, shop, _ = rng.choice(payments)
                    try:
                        ledger.refund(db.session, purchase_id=entry_id, shop_id=shop, amount_cents=100,
                                      key=f"refund:{day}", actor="bench", now=clock(day, 15))
                    except LedgerError:
                        pass
                sale = sales.record_online_sale(db.session, shop_id=rng.choice(shops), amount_cents=rng.randrange(1000, 9000),
                                                payment_ref=f"pi_{day}", key=f"sale:{day}", actor="bench",
                                                now=clock(day, 16))
                sold.append(sale.entry_id)
                if rng.random() < 0.1:
                    sales.refund_online_sale(db.session, sale_entry_id=rng.choice(sold), amount_cents=500,
                                             key=f"salerefund:{day}", actor="bench", now=clock(day, 17))
                day += timedelta(days=1)
            at_stripe = -db.session.scalar(select(Account.balance_cents).where(Account.code == "territory:stripe"))
            if at_stripe > 0:  # Stripe pays the online sales out to the territory's bank account
                sales.record_stripe_payout(db.session, amount_cents=at_stripe, payout_ref=f"po_{month}",
                                           key=f"payout:{month}", actor="bench", now=clock(last, 19))
            for shop in shops:  # the month's settlement, less the commission
                owed = db.session.scalar(select(Account.balance_cents).where(Account.code == f"shop:{shop}:payable"))
                if owed and owed > 0:
                    commission = owed * 150 // 10_000
                    ledger.settle_shop(db.session, shop_id=shop, key=f"settle:{month}:{shop}", actor="bench",
                                       amount_cents=owed - commission, now=clock(last, 20))
                    if commission:
                        sales.take_commission(db.session, shop_id=shop, amount_cents=commission, memo="Commission",
                                              key=f"commission:{month}:{shop}", actor="bench", now=clock(last, 20))
            statement = closing.statement(month)
            if not statement.balanced:
                raise SystemExit(f"{month:%m/%Y}: the statement does not balance")
            ledger_closing.lock_month(db.session, month, actor="bench", figures=statement.figures())
            db.session.commit()
            try:
                ledger.fund(db.session, amount_cents=100, key=f"late:{month}", actor="bench",
                            employer_id=companies[0], now=clock(last, 18))
            except ledger_closing.PeriodClosed:
                refused += 1
            month = ledger_closing.next_month(month)
        timings["activity"] = time.perf_counter() - started

        first, last = date(args.year, 1, 1), date(args.year, 12, 31)
        started = time.perf_counter()
        fec = folder / f"FEC{last:%Y%m%d}.txt"
        with open(fec, "w", encoding="utf-8", newline="") as file:
            file.writelines(accounting.fec_records(first, last))
        timings["FEC export"] = time.perf_counter() - started
        started = time.perf_counter()
        lines = read_fec(fec.read_bytes().decode("utf-8"), "\t", first, last)
        timings["independent check"] = time.perf_counter() - started
        start, end = ledger_closing.month_bounds(first)[0], ledger_closing.month_bounds(last)[1]
        moved = select(Posting.amount_cents).join(Entry).where(Entry.created_at >= start, Entry.created_at < end).subquery()
        out = -db.session.scalar(select(func.coalesce(func.sum(moved.c.amount_cents), 0)).where(moved.c.amount_cents < 0))
        debit = sum(line["Debit"] for line in lines)
        entries = db.session.scalar(select(func.count()).select_from(Entry).where(Entry.created_at < end))
        journals: dict[str, int] = {}
        for line in lines:
            journals[line["JournalCode"]] = max(journals.get(line["JournalCode"], 0), int(line["EcritureNum"]))

        started = time.perf_counter()
        december = closing.statement(date(args.year, 12, 1))
        timings["December statement"] = time.perf_counter() - started
        purses = sum(db.session.scalars(select(Account.balance_cents).join(Grant, Grant.account_id == Account.id)))
        (folder / "releve-decembre.pdf").write_bytes(closing.statement_pdf(december))
        (folder / "releve-decembre.csv").write_text(closing.statement_csv(december), encoding="utf-8")
        problems = verify(db.session)

        print(f"Year {args.year}: {entries} ledger entries, {len(lines)} FEC lines; FEC accepted by the independent check.")
        print("Entries per journal: " + ", ".join(f"{code} {count}" for code, count in sorted(journals.items())))
        print(f"FEC debits = credits = {debit / 100:.2f} EUR; ledger movements {out / 100:.2f} EUR: "
              f"{'equal' if debit == out else 'DIFFERENT'}.")
        print(f"December statement: credit outstanding {december.outstanding_cents / 100:.2f} EUR, on the "
              f"cards' grants {purses / 100:.2f} EUR ({'equal' if december.outstanding_cents == purses else 'DIFFERENT'}); "
              f"expired in December {december.expired_cents / 100:.2f} EUR; balanced: {december.balanced}.")
        print(f"12 months closed; back-dated entries refused: {refused}/12.")
        print(f"ledger verify: {'OK' if not problems else problems[:3]}")
        print("Time: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
              + f"; {load_average()} at the end")
        print(f"Files in {folder}")
        db.session.remove()
        db.engine.dispose()
        if problems or debit != out or refused != 12 or december.outstanding_cents != purses:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
