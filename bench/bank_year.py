"""A year of the territory's bank account, reconciled by its statements (a benchmark, not a test).

In a temporary SQLite database (or DATABASE_URL): shops with an IBAN, companies whose campaigns
wait for their transfer, card payments and online sales every day, weekly settlements made by the
scheduler (marketplace/settlement_schedule.py, SEPA files to a folder), and every day the bank's
CAMT.053 statement of what went through the account — the companies' transfers, Stripe's weekly
payout of the online sales less its fees (1.5 % + 0.25 € a charge, booked as bank fees by the import),
the settlement files executed the next bank day, the bank's own account fee at each month's end
(booked once by the admin's click with its label kept, then by the import) — imported as the
folder job does (marketplace/bank_statements.py). Prints the lines matched, the lines left, the
difference between the ledger's expected balance and the last closing balance, `ledger verify`,
the time spent importing, and whether the year's FEC export passes the independent check of
tests/fec_check.py (issue 24's measure: one year that exports, reconciles and verifies). Stripe's fees are left out (its payouts are the sales in full).

    .venv/bin/python bench/bank_year.py [--year 2025] [--shops 10] [--companies 6] [--payments 15]

Measured 2026-12-04 (load average ~10, --shops 5 --companies 3 --payments 8): 12 campaigns, 2,412
card payments, 365 online sales, 52 settlement runs; 324 bank lines in 112 daily statements, all
matched (12 campaign transfers, 260 settlement transfers, 52 Stripe payouts), 0 left, difference
0,00 €, ledger verify clean; importing took 13.3 s. Again (quiet machine, --shops 3 --companies 2
--payments 5): 216 lines matched, 0 left, difference 0,00 €, verify clean, the year's FEC (3,964
lines) accepted by the independent check. Again with Stripe's payouts net of its fees (2026-12-04, load
average ~11, --shops 3 --companies 2 --payments 5): 216 lines matched (8 campaign transfers, 156
settlement transfers, 52 Stripe payouts), 0 left, difference 0,00 €, 326,74 € of fees booked (all that
Stripe kept), verify clean, FEC (3,964 lines) accepted; importing took 8.2 s. Again once the payouts were
dated the day they landed (2026-12-05, quiet, load average 0.9, same options): 216 lines matched, 0 left,
difference 0,00 €, 326,74 € of fees, verify clean, the year's FEC has 4,172 lines (the 52 payouts and
their fees are now in 2025; they were dated at the import before) and is accepted; importing took 1.3 s.
Again with the bank's monthly account fee (2026-12-05, load average 0.9, same options): 228 lines
matched (12 bank fees, the first by the admin's one click, the other 11 by the import), 0 left,
difference 0,00 €, 431,74 € of fees booked (Stripe's 326,74 € and the bank's 105,00 €), verify clean,
the year's FEC (4,196 lines) accepted; importing took 1.6 s.
Refunds and expiries are in bench/books_year.py's year.
"""
import argparse
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadkit import load_average  # noqa: E402
TERRITORY_IBAN = "FR7630001002152114000000104"
MONTHS = ("JANVIER", "FEVRIER", "MARS", "AVRIL", "MAI", "JUIN", "JUILLET", "AOUT", "SEPTEMBRE", "OCTOBRE",
          "NOVEMBRE", "DECEMBRE")
SHOP_IBAN = "FR7630006000011234567890189"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--companies", type=int, default=6)
    parser.add_argument("--payments", type=int, default=15, help="card payments a day, all shops together")
    args = parser.parse_args()

    from lxml import etree
    from sqlalchemy import func, select

    from loyalty import ledger, sales
    from loyalty.cards import create_card
    from loyalty.models import Account
    from loyalty.verify import verify
    from marketplace import accounting, bank_statements, create_app, settlement_schedule
    from tests.fec_check import FecError, read_fec
    from marketplace.extensions import db
    from marketplace.models import BankLine, Campaign, CampaignPayment, Commune, Employer, Shop
    from marketplace.taxonomy import ensure_default_taxonomy
    from tests.camt053 import Line, Tx, statement

    folder = Path(tempfile.mkdtemp(prefix="halle-bench-bank-"))
    outbox = folder / "sepa"
    outbox.mkdir()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SEARCH_INDEX_DIR=str(folder / "index"),
                     TERRITORY_IBAN=TERRITORY_IBAN, TERRITORY_BIC="BDFEFRPPCCT", SEPA_OUTBOX_DIR=str(outbox),
                     SETTLEMENT_CADENCE="weekly", SETTLEMENT_COMMISSION_BPS=150)
    rng = random.Random(24)
    with app.app_context():
        db.drop_all()
        db.create_all()
        categories = ensure_default_taxonomy(db.session)
        db.session.add(Commune(insee="21603", name="Semur-en-Auxois", slug="semur-en-auxois", postal_codes="21140",
                               latitude=47.49, longitude=4.33, epci_code="200071017", departement="21"))
        category = next(iter(categories.values()))
        shops = [Shop(name=f"Commerce {n}", slug=f"commerce-{n}", commune_insee="21603", status="approved",
                      category_id=category.id, iban=SHOP_IBAN) for n in range(args.shops)]
        companies = [Employer(name=f"Entreprise {n}", slug=f"entreprise-{n}", commune_insee="21603",
                              status="approved") for n in range(args.companies)]
        db.session.add_all(shops + companies)
        db.session.commit()
        shop_ids, company_ids = [s.id for s in shops], [c.id for c in companies]

        # Each company funds a campaign per quarter, on a day of its own; its transfer arrives 3 days later.
        campaigns_on = defaultdict(list)  # day -> [(company id, total cents)]
        for index, company_id in enumerate(company_ids):
            for quarter in range(4):
                day = date(args.year, 3 * quarter + 1, 1 + (index * 2) % 27)
                campaigns_on[day].append((company_id, rng.randrange(20, 120) * 10_000))
        cards: list[int] = []
        transfers_on = defaultdict(list)  # day -> [Line]
        sales_of_week = fees_of_week = 0
        stats = defaultdict(int)
        closing, import_seconds, day = 0, 0.0, date(args.year, 1, 1)
        while day.year == args.year:
            noon = datetime(day.year, day.month, day.day, 11, tzinfo=UTC)
            for company_id, total in campaigns_on.get(day, []):  # HR confirms a campaign, pays by transfer
                campaign = Campaign(employer_id=company_id, event="noel", label=f"Campagne {day}", year=day.year,
                                    amount_cents=total, expires_on=date(args.year + 1, 12, 31),
                                    status="awaiting_payment", total_cents=total, funding_method="bank")
                db.session.add(campaign)
                db.session.flush()
                db.session.add(CampaignPayment(campaign_id=campaign.id, method="bank", amount_cents=total))
                db.session.commit()
                stats["campaigns"] += 1
                transfers_on[day + timedelta(days=3)].append(Line(total, day + timedelta(days=3), f"IN-{campaign.id}", [
                    Tx(total, "NOTPROVIDED", f"VIR SEPA HALLE CAMPAGNE {campaign.id}", f"ENTREPRISE {company_id}")]))
            lines = list(transfers_on.pop(day, []))
            if day.weekday() == 0 and sales_of_week:  # Stripe pays out last week's online sales, less its fees
                paid_out = sales_of_week - fees_of_week
                lines.append(Line(paid_out, day, f"PO-{day}", [Tx(paid_out, f"po_{day:%Y%m%d}",
                                                                  "STRIPE PAYOUT", "STRIPE PAYMENTS EUROPE")]))
                stats["Stripe fees (cents)"] += fees_of_week
                sales_of_week = fees_of_week = 0
            if (day + timedelta(days=1)).month != day.month:  # the bank takes its account fee, month's last day
                fee = 850 + 50 * (day.month % 2)
                lines.append(Line(-fee, day, f"FEE-{day}",
                                  info=f"FRAIS TENUE DE COMPTE {MONTHS[day.month - 1]} {day.year}"))
                stats["bank fees (cents)"] += fee
            for path in sorted(outbox.glob("*.xml")):  # the bank executes the files due today
                document = etree.fromstring(path.read_bytes())
                ns = {"p": document.nsmap[None]}
                if date.fromisoformat(document.findtext(".//p:ReqdExctnDt", namespaces=ns)) != day:
                    continue
                txs = [Tx(-round(float(tx.findtext(".//p:InstdAmt", namespaces=ns)) * 100),
                          tx.findtext(".//p:EndToEndId", namespaces=ns), "Halle", "Commerce", SHOP_IBAN)
                       for tx in document.findall(".//p:CdtTrfTxInf", ns)]
                lines.append(Line(sum(tx.cents for tx in txs), day, f"OUT-{path.stem}", txs))
                path.rename(path.with_suffix(".sent"))
            if lines:
                data = statement(f"{day:%Y%m%d}", lines, opening=closing, start=day, end=day)
                closing += sum(line.cents for line in lines)
                started = time.perf_counter()
                bank_statements.import_file(data, f"{day}.xml", source="folder")
                import_seconds += time.perf_counter() - started
                stats["statements"] += 1
                for line in db.session.scalars(select(BankLine).where(BankLine.match == "unknown_debit",
                                                                      BankLine.status == "unmatched")).all():
                    # The admin's one click: "Frais bancaires", with the label kept for the next months.
                    bank_statements.book_bank_fee(line, actor=None, keep_label=True)
                    stats["admin's clicks"] += 1
            for campaign in db.session.scalars(select(Campaign).where(Campaign.status == "funded")):
                per_card = campaign.total_cents // 20  # issued as 20 cards (what is left stays as credit)
                for n in range(20):
                    card = create_card(db.session, active=True, now=noon)
                    ledger.issue_grant(db.session, card_id=card.id, amount_cents=per_card, label=campaign.label,
                                       expires_on=campaign.expires_on, key=f"grant:{campaign.id}:{n}", actor="bench",
                                       employer_id=campaign.employer_id, campaign_id=campaign.id, now=noon)
                    cards.append(card.id)
                campaign = db.session.get(Campaign, campaign.id)
                campaign.status = "issued"
                db.session.commit()
            for n in range(args.payments if cards else 0):
                try:
                    ledger.redeem(db.session, card_id=rng.choice(cards), shop_id=rng.choice(shop_ids),
                                  amount_cents=rng.randrange(300, 4_000), key=f"pay:{day}:{n}", actor="bench",
                                  now=noon + timedelta(minutes=n))
                    stats["card payments"] += 1
                except Exception:  # noqa: BLE001 - a card spent out: the next one
                    db.session.rollback()
            for n in range(args.payments // 5):
                cents = rng.randrange(1_000, 8_000)
                sales.record_online_sale(db.session, shop_id=rng.choice(shop_ids), amount_cents=cents,
                                         payment_ref=f"pi_{day}_{n}", key=f"sale:{day}:{n}", actor="bench",
                                         now=noon + timedelta(hours=2, minutes=n))
                sales_of_week += cents
                fees_of_week += round(cents * 0.015) + 25
                stats["online sales"] += 1
            if day.weekday() == 0 and settlement_schedule.run_scheduled(today=day) is not None:
                stats["settlement runs"] += 1
            day += timedelta(days=1)

        matched = db.session.scalar(select(func.count()).select_from(BankLine).where(BankLine.status == "matched"))
        by_match = dict(db.session.execute(select(BankLine.match, func.count()).group_by(BankLine.match)).all())
        position = bank_statements.bank_position()
        fees_booked = -(db.session.scalar(select(Account.balance_cents).where(Account.code == "territory:bank_fees")) or 0)
        problems = verify(db.session)
        # The same year in the accountant's format, read back by the independent checker.
        accounting.ensure_default_chart()
        first, last = date(args.year, 1, 1), date(args.year, 12, 31)
        fec = folder / f"FEC{last:%Y%m%d}.txt"
        with open(fec, "w", encoding="utf-8", newline="") as file:
            file.writelines(accounting.fec_records(first, last))
        try:
            fec_result = f"{len(read_fec(fec.read_text(encoding='utf-8'), chr(9), first, last))} lines accepted"
        except FecError as error:
            fec_result = f"REFUSED: {error}"
    print(f"year {args.year}: " + ", ".join(f"{count} {name}" for name, count in stats.items()))
    print(f"bank lines: {matched} matched {by_match}; waiting for the admin: {position.waiting}")
    print(f"balance: ledger expects {position.expected_cents / 100:.2f} €, last statement "
          f"{position.statement_cents / 100:.2f} €, difference {position.difference_cents / 100:.2f} €")
    print(f"bank fees booked: {fees_booked / 100:.2f} € (kept by Stripe: {stats['Stripe fees (cents)'] / 100:.2f} €, "
          f"taken by the bank: {stats['bank fees (cents)'] / 100:.2f} €)")
    print(f"ledger verify: {'clean' if not problems else problems[:5]}")
    print(f"FEC of the year ({fec.name}), independent check: {fec_result}")
    print(f"importing {stats['statements']} statements: {import_seconds:.1f} s "
          f"({load_average()}); database in {folder}")


if __name__ == "__main__":
    main()
