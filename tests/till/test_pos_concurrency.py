"""20 tills hit the POS API at the same instant for one 100 € card: it never goes below zero."""
import http.client
import json
import threading

from werkzeug.serving import make_server

from loyalty.verify import verify
from marketplace.extensions import db
from tests.till.conftest import card_number
from tests.till.test_pos_api import api_key
from tests.till.test_till_page import balance


def test_parallel_http_redemptions_cannot_overspend(app, till):
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = threading.Barrier(20)
    statuses = []

    def redeem(index: int):
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
        start.wait()
        connection.request("POST", "/api/v1/redemptions",
                           body=json.dumps({"card": number, "amount_cents": 1000}),
                           headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"till-{index}",
                                    "Content-Type": "application/json"})
        statuses.append(connection.getresponse().status)
        connection.close()

    threads = [threading.Thread(target=redeem, args=(i,)) for i in range(20)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.shutdown()
    assert sorted(statuses) == [201] * 10 + [402] * 10
    assert balance(app, till["card"]) == 0
    with app.app_context():
        assert verify(db.session) == []
