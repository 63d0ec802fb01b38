"""How long the demo seed takes (target < 30 s) and the EPCI import (target < 5 s).

Usage: .venv/bin/python bench/seed.py   (uses a temporary SQLite file)
"""
import tempfile
import time
from pathlib import Path

from marketplace import create_app
from marketplace.demo import seed
from marketplace.extensions import db
from marketplace.territory_import import AUXOIS_MORVAN_EPCIS, import_territory


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}",
                     SEARCH_INDEX_DIR=str(folder / "index"))
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        import_territory(epci_codes=list(AUXOIS_MORVAN_EPCIS))
        print(f"territory import (6 EPCIs): {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        seed(echo=lambda *args: None)
        print(f"demo seed (with search index build): {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        seed(echo=lambda *args: None)
        print(f"demo seed, second run (idempotent): {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
