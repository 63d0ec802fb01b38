"""Benchmark: a catalogue feed of 10,000 lines served over HTTP on loopback, run three times.

    .venv/bin/python bench/feeds.py [lines]

1. first run (every product created), 2. the same content again (the hash says unchanged:
nothing parsed, nothing written), 3. a changed feed (a tenth of the prices changed, a hundred
products gone offline). Each changed run is followed by the search indexing of what it wrote
(the outbox drained into the Whoosh index), counted in its figure. Targets (issue 21): unchanged
≤ 2 s, changed ≤ 10 s, indexing included. Not a test: figures vary with the machine, whose load
average is printed with them.
"""
import random
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadkit import load_average  # noqa: E402
from marketplace import create_app, feeds, periodic  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import CatalogueFeed, Commune, Product, Shop  # noqa: E402
from marketplace.taxonomy import ensure_default_taxonomy  # noqa: E402

WORDS = ["Confiture", "Miel", "Pain", "Fromage", "Terrine", "Savon", "Bougie", "Tablier", "Moutarde", "Sirop"]
QUALIFIERS = ["d'abricot", "de châtaignier", "au levain", "fermier", "de campagne", "au lait d'ânesse", "artisanal",
              "bio", "à l'ancienne", "du Morvan"]
FAMILIES = ["Épicerie", "Boulangerie, pâtisserie", "Fromagerie, crèmerie", "Pâtisseries"]


def make_feed(lines: int, changed: bool) -> bytes:
    rng = random.Random(3)
    rows = ["Réf;Désignation;Famille;Prix TTC;Stock;Description"]
    for n in range(lines):
        cents = rng.randint(90, 250_000)
        row = (f"REF{n:05d};{rng.choice(WORDS)} {rng.choice(QUALIFIERS)} n°{n};{rng.choice(FAMILIES)};"
               f"{{}};{rng.randint(0, 200)};Produit du territoire")
        if changed and n < 100:
            continue  # gone from the feed: offline
        if changed and n % 10 == 0:
            cents += 10
        rows.append(row.format(f"{cents // 100},{cents % 100:02d}"))
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def serve(content: dict):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = content["body"]
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed_run(label: str, feed_id: int) -> None:
    started = time.perf_counter()
    run = feeds.run_feed(feed_id)
    ran = time.perf_counter() - started
    indexed = periodic.drain_search_outbox()
    total = time.perf_counter() - started
    print(f"  {label:<22} {run.status:<10} run {ran:6.2f} s, with indexing ({indexed} products) {total:6.2f} s"
          f"  {run.counts or ''}")


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    folder = Path(tempfile.mkdtemp(prefix="halle-bench-feeds-"))
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}",
                     SEARCH_INDEX_DIR=str(folder / "search-index"), JOBS_BACKEND="inline")
    content = {"body": make_feed(lines, changed=False)}
    server = serve(content)
    with app.app_context():
        db.create_all()
        categories = ensure_default_taxonomy(db.session)
        db.session.add(Commune(insee="21603", name="Semur-en-Auxois", slug="semur-en-auxois", postal_codes="21140",
                               latitude=47.49, longitude=4.33, epci_code="200071017", departement="21"))
        shop = Shop(name="Épicerie du banc d'essai", slug="banc-essai", category_id=categories["epicerie"].id,
                    commune_insee="21603", status="approved")
        db.session.add(shop)
        db.session.commit()
        feed = CatalogueFeed(shop_id=shop.id, url=f"http://127.0.0.1:{server.server_port}/catalogue.csv",
                             status="active", mapping={"sku": 0, "name": 1, "category": 2, "price": 3, "stock": 4,
                                                       "description": 5})
        db.session.add(feed)
        db.session.commit()
        periodic.drain_search_outbox()
        print(f"Feed of {lines} lines ({len(content['body']) / 1024:.0f} KB CSV over HTTP on loopback), "
              f"{load_average()} before")
        timed_run("first run", feed.id)
        timed_run("same content", feed.id)
        content["body"] = make_feed(lines, changed=True)
        timed_run("changed feed", feed.id)
        print(f"  {db.session.query(Product).filter_by(active=False).count()} products offline; "
              f"{load_average()} after")
    server.shutdown()


if __name__ == "__main__":
    main()
