"""Issuing a gift campaign to a large staff (a benchmark, not a test).

Creates a company with N employees (95 % with an e-mail) in a temporary SQLite database (or
DATABASE_URL), funds a campaign through the ledger, then times marketplace.campaigns.issue_campaign:
one new card, one grant and (with e-mail) one PIN and one message per employee. Runs it a second
time to show that a re-run issues nothing, then verifies the ledger.

    .venv/bin/python bench/issue_campaign.py [--employees 5000] [--batch 200]
"""
import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadkit import load_average  # noqa: E402

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from loyalty.ledger import fund
    from loyalty.models import Grant
    from loyalty.verify import verify
    from marketplace import campaigns, create_app
    from marketplace.extensions import db
    from marketplace.mail import outbox
    from marketplace.models import Campaign, Commune, Employee, Employer
    from marketplace.taxonomy import ensure_default_taxonomy

    folder = tempfile.mkdtemp(prefix="halle-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SEARCH_INDEX_DIR=f"{folder}/index")
    with app.app_context():
        db.drop_all()
        db.create_all()
        ensure_default_taxonomy(db.session)
        db.session.add(Commune(insee="21603", name="Semur-en-Auxois", slug="semur-en-auxois", postal_codes="21140",
                               latitude=47.49, longitude=4.33, epci_code="200071017", departement="21"))
        employer = Employer(name="Grande Entreprise", slug="grande-entreprise", commune_insee="21603",
                            status="approved")
        db.session.add(employer)
        db.session.flush()
        db.session.execute(Employee.__table__.insert(), [
            {"employer_id": employer.id, "external_id": f"E{n:06d}", "last_name": f"Nom{n}", "first_name": "Prénom",
             "email": f"salarie{n}@example.fr" if n % 20 else None, "children_under_16": n % 3,
             "children_under_26": n % 3, "archived": False}
            for n in range(args.employees)])
        db.session.commit()
        campaign = campaigns.create_campaign(
            employer, event="noel", label="Noël", amount_cents=10_000, child_amount_cents=2_000, audience="all",
            selection=None, expires_on=date(2099, 2, 28), allowed_categories=campaigns.default_categories("noel"),
            expiry_policy="employer", user_id=None, today=date(2098, 12, 1))
        fund(db.session, amount_cents=campaign.total_cents, key="bench:fund", actor="bench",
             employer_id=employer.id, source="bank")
        db.session.execute(Campaign.__table__.update().values(status="funded"))
        db.session.commit()
        campaign_id = campaign.id

    with app.test_request_context(base_url="https://halle.example"):
        assert campaigns.start_issue(campaign_id)
        started = time.perf_counter()
        issued = campaigns.issue_campaign(campaign_id, actor="bench", batch_size=args.batch)
        elapsed = time.perf_counter() - started
        mails = len(outbox())
        started_again = time.perf_counter()
        again = campaigns.issue_campaign(campaign_id, actor="bench", batch_size=args.batch)
        rerun = time.perf_counter() - started_again
        grants = db.session.scalar(select(func.count()).select_from(Grant))
        problems = verify(db.session)

    print(f"database: {url.split('@')[-1]}; {load_average()} at the end")
    print(f"{issued} grants issued and {mails} e-mails sent in {elapsed:.1f} s "
          f"({issued / elapsed:.0f} employees/s); re-run issued {again} in {rerun:.2f} s; "
          f"{grants} grants in the ledger; ledger {'OK' if not problems else problems[:3]}")


if __name__ == "__main__":
    main()
