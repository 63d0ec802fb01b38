"""Benchmark: import a 10,000-line French Excel CSV into one shop, then re-import it.

    .venv/bin/python bench/import_catalogue.py [lines]

Prints the time of each step (read, check, write) on a fresh SQLite database. The target
(issue 3) is under 10 s for 10,000 lines on a 2-core machine. Not a test: timings vary.
"""
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadkit import load_average  # noqa: E402
from marketplace import create_app, product_import  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import Commune, Product, Shop  # noqa: E402
from marketplace.taxonomy import ensure_default_taxonomy  # noqa: E402

WORDS = ["Confiture", "Miel", "Pain", "Fromage", "Terrine", "Savon", "Bougie", "Tablier", "Moutarde", "Sirop"]
QUALIFIERS = ["d'abricot", "de châtaignier", "au levain", "fermier", "de campagne", "au lait d'ânesse", "artisanal",
              "bio", "à l'ancienne", "du Morvan"]
FAMILIES = ["Épicerie", "Boulangerie, pâtisserie", "Fromagerie, crèmerie", "Famille inconnue"]


def make_csv(lines: int) -> bytes:
    rng = random.Random(3)
    rows = ["Réf;Désignation;Famille;Prix TTC;Stock;Description"]
    for n in range(lines):
        cents = rng.randint(90, 250_000)
        price = f"{cents // 100:,}".replace(",", " ") + f",{cents % 100:02d} €"
        stock = rng.choice(["", "sur commande", str(rng.randint(0, 200))])
        rows.append(f"REF{n:05d};{rng.choice(WORDS)} {rng.choice(QUALIFIERS)} n°{n};{rng.choice(FAMILIES)};"
                    f"{price};{stock};Produit du territoire")
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def timed(label, function, *args):
    started = time.perf_counter()
    result = function(*args)
    elapsed = time.perf_counter() - started
    print(f"  {label:<8} {elapsed:6.2f} s")
    return result, elapsed


def run_import(data: bytes, shop: Shop) -> float:
    table, read_s = timed("lecture", product_import.read_table, data, "catalogue.csv")
    mapping = product_import.propose_mapping(table.headers)
    plan, check_s = timed("contrôle", product_import.check_import, table, mapping, shop)
    counts, write_s = timed("écriture", product_import.apply_import, plan, shop)
    print(f"  {counts} ; {len(plan.errors)} erreur(s), {len(plan.warnings)} avertissement(s)")
    return read_s + check_s + write_s


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    folder = Path(tempfile.mkdtemp(prefix="halle-bench-"))
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}",
                     SEARCH_INDEX_DIR=str(folder / "search-index"))
    data = make_csv(lines)
    with app.app_context():
        db.create_all()
        categories = ensure_default_taxonomy(db.session)
        db.session.add(Commune(insee="21603", name="Semur-en-Auxois", slug="semur-en-auxois", postal_codes="21140",
                               latitude=47.49, longitude=4.33, epci_code="200071017", departement="21"))
        shop = Shop(name="Épicerie du banc d'essai", slug="banc-essai", category_id=categories["epicerie"].id,
                    commune_insee="21603", status="approved")
        db.session.add(shop)
        db.session.commit()
        print(f"Import de {lines} lignes ({len(data) / 1024:.0f} Ko, CSV cp1252 « ; ») ; {load_average()} :")
        first = run_import(data, shop)
        print(f"Premier import : {first:.2f} s pour {lines} lignes")
        print("Ré-import du même fichier (aucun changement attendu) :")
        second = run_import(data, shop)
        print(f"Ré-import : {second:.2f} s ; {db.session.query(Product).count()} produits en base ; "
              f"{load_average()} à la fin")


if __name__ == "__main__":
    main()
