"""How long the demo seed takes (target < 30 s) and the EPCI import (target < 5 s).

Usage: .venv/bin/python bench/seed.py   (uses a temporary SQLite file)
"""
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadkit import load_average  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.demo import seed  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.territory_import import AUXOIS_MORVAN_EPCIS, import_territory  # noqa: E402


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}",
                     SEARCH_INDEX_DIR=str(folder / "index"))
    with app.app_context():
        db.create_all()
        print(load_average())
        started = time.perf_counter()
        import_territory(epci_codes=list(AUXOIS_MORVAN_EPCIS))
        print(f"territory import (6 EPCIs): {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        seed(echo=lambda *args: None)
        print(f"demo seed (with search index build): {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        seed(echo=lambda *args: None)
        print(f"demo seed, second run (idempotent): {time.perf_counter() - started:.2f} s")
        print(f"({load_average()} at the end)")


if __name__ == "__main__":
    main()
