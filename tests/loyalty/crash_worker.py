"""Run by test_crash.py in a subprocess: redeem from several threads until killed, printing
each entry id (flushed) as soon as its call has returned, i.e. once it is committed.

usage: python crash_worker.py DATABASE_URL SHOP_ID CARD_ID[,CARD_ID…]
"""
import sys
import threading
import uuid

from loyalty import holds, ledger
from marketplace import create_app
from marketplace.extensions import db

print_lock = threading.Lock()


def work(app, shop_id: int, card_id: int) -> None:
    with app.app_context():
        for round_number in range(1_000_000):
            if round_number % 3 == 2:
                held = holds.hold(db.session, card_id=card_id, shop_id=shop_id, amount_cents=2,
                                  key=f"crash:{uuid.uuid4()}", actor="crash")
                result = holds.capture(db.session, hold_id=held.hold_id, amount_cents=1,
                                       key=f"crash:{uuid.uuid4()}", actor="crash")
            else:
                result = ledger.redeem(db.session, card_id=card_id, shop_id=shop_id, amount_cents=1,
                                       key=f"crash:{uuid.uuid4()}", actor="crash")
            with print_lock:
                print(result.entry_id, flush=True)


def main() -> None:
    url, shop_id, card_ids = sys.argv[1], int(sys.argv[2]), [int(c) for c in sys.argv[3].split(",")]
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    threads = [threading.Thread(target=work, args=(app, shop_id, card_id), daemon=True) for card_id in card_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
