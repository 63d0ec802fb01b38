"""A separate process for the concurrency tests: edits products, or runs the indexer.

    python -m tests.search.edit_worker DATABASE_URL INDEX_DIR edit WORKER_NUMBER ROUNDS
    python -m tests.search.edit_worker DATABASE_URL INDEX_DIR index
"""
import sys

from marketplace import create_app
from marketplace.extensions import db


def main(database_url: str, index_dir: str, role: str, *args: str) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, SEARCH_INDEX_DIR=index_dir)
    with app.app_context():
        if role == "edit":
            edit(int(args[0]), int(args[1]))
        else:
            from search.indexer import run_forever

            run_forever(app, interval=0.05)


def edit(worker: int, rounds: int) -> None:
    """Rename this worker's products round after round: the last name must reach the index."""
    import time

    from sqlalchemy import select
    from sqlalchemy.exc import OperationalError

    from marketplace.models import Product

    for round_number in range(rounds):
        for attempt in range(100):
            try:
                products = db.session.execute(
                    select(Product).where(Product.sku.like(f"W{worker}-%")).order_by(Product.id)
                ).scalars().all()
                for product in products:
                    product.name = f"Produit {worker} tour{round_number} {product.sku}"
                    product.price_cents = 100 + round_number
                db.session.commit()
                break
            except OperationalError:  # SQLite: another writer committed since our read began
                db.session.rollback()
                time.sleep(0.01 * attempt)


if __name__ == "__main__":
    main(*sys.argv[1:])
