"""Request ids, JSON logs, /readyz and /metrics."""
import json
import logging
import os
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import DDL

import search
from marketplace.observability import JsonFormatter
from tests.till.test_pos_api import api_key, redeem
from tests.till.conftest import card_number


@pytest.fixture
def config(app):
    """Change app settings for one test."""
    saved = dict(app.config)

    def change(**values):
        app.config.update(values)
        app.extensions.pop("jobs_redis", None)

    yield change
    app.config.clear()
    app.config.update(saved)
    app.extensions.pop("jobs_redis", None)


@pytest.fixture
def search_ready(app):
    with app.app_context():
        search.rebuild()


def test_a_valid_request_id_is_echoed_and_a_bad_one_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.91"}).headers["X-Request-ID"] == "lb-7f3a.91"
    replaced = client.get("/healthz", headers={"X-Request-ID": "x" * 200}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert client.get("/healthz").headers["X-Request-ID"] != client.get("/healthz").headers["X-Request-ID"]


def test_readyz_is_ready_with_database_search_and_queue_depth(client, search_ready, config):
    if os.environ.get("TEST_REDIS_URL"):
        config(REDIS_URL=os.environ["TEST_REDIS_URL"], JOBS_BACKEND="rq")
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok" and body["failed"] == []
    assert body["checks"]["database"] == "ok" and body["checks"]["search"] == "ok"
    assert body["checks"]["queue_depth"]["search_outbox"] == 0
    if os.environ.get("TEST_REDIS_URL"):
        assert body["checks"]["redis"] == "ok" and body["checks"]["queue_depth"]["default"] >= 0


def test_readyz_names_redis_when_it_cannot_be_reached_and_logs_it_as_json(client, search_ready, config, caplog):
    config(REDIS_URL="redis://127.0.0.1:1/0", JOBS_BACKEND="rq")
    with caplog.at_level(logging.WARNING, logger="marketplace.health"):
        response = client.get("/readyz", headers={"X-Request-ID": "probe-1"})
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["redis"] and body["checks"]["redis"].startswith("error")
    [record] = [r for r in caplog.records if r.getMessage() == "not ready: redis"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "probe-1" and line["level"] == "WARNING" and line["message"] == "not ready: redis"


def test_readyz_names_search_when_the_index_must_be_rebuilt(client, app, tmp_path, config):
    config(SEARCH_INDEX_DIR=str(tmp_path / "no-index"))
    backend = app.extensions.pop("search_backend", None)
    try:
        response = client.get("/readyz")
    finally:
        app.extensions["search_backend"] = backend
    assert response.status_code == 503 and response.get_json()["failed"] == ["search"]


def test_json_log_lines_carry_the_request_id_of_the_request(app, config, capsys):
    """LOG_FORMAT=json: a record logged during a request prints as one JSON line with its id."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("marketplace.health")
    logger.addHandler(handler)
    try:
        config(REDIS_URL="redis://127.0.0.1:1/0", JOBS_BACKEND="rq")
        app.test_client().get("/readyz", headers={"X-Request-ID": "json-line-1"})
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert {"logger": "marketplace.health", "request_id": "json-line-1"}.items() <= lines[-1].items()
    # Redis is down; the search index may also want a rebuild, depending on the tests run before.
    assert lines[-1]["message"].startswith("not ready: ") and "redis" in lines[-1]["message"]


def metric(client, name: str, **labels) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_metrics_count_requests_per_endpoint_and_status(client):
    name = "halle_http_request_duration_seconds_count"
    before = metric(client, name, endpoint="public.healthz", method="GET", status="200")
    client.get("/healthz")
    client.get("/healthz")
    assert metric(client, name, endpoint="public.healthz", method="GET", status="200") == before + 2
    client.get("/pas-une-page-de-halle")
    assert metric(client, name, endpoint="unmatched", status="404") >= 1


def test_metrics_count_redemptions_made_at_the_till_once(app, client, till):
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    count = metric(client, "halle_redemptions_total")
    cents = metric(client, "halle_redemption_cents_total")
    assert redeem(client, key, {"card": number, "amount_cents": 1250}, idem="m1").status_code == 201
    assert redeem(client, key, {"card": number, "amount_cents": 1250}, idem="m1").status_code == 201  # replay
    assert metric(client, "halle_redemptions_total") == count + 1
    assert metric(client, "halle_redemption_cents_total") == cents + 1250


def test_metrics_time_searches_and_show_queue_depth(client):
    before = metric(client, "halle_search_duration_seconds_count")
    client.get("/recherche?q=pain")
    assert metric(client, "halle_search_duration_seconds_count") == before + 1
    assert metric(client, "halle_queue_depth", queue="search_outbox") == 0


def test_nothing_is_counted_while_metrics_are_off(app, client, till, config, search_ready):
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    counted = (("halle_http_request_duration_seconds_count", {"endpoint": "public.healthz", "status": "200"}),
               ("halle_search_duration_seconds_count", {}), ("halle_redemptions_total", {}),
               ("halle_redemption_cents_total", {}))
    before = [metric(client, name, **labels) for name, labels in counted]
    config(METRICS_ENABLED=False)
    assert client.get("/healthz").status_code == 200
    assert client.get("/recherche?q=pain").status_code == 200
    assert redeem(client, key, {"card": number, "amount_cents": 700}, idem="off-1").status_code == 201
    config(METRICS_ENABLED=True)
    assert [metric(client, name, **labels) for name, labels in counted] == before
    client.get("/healthz")  # and they count again once on
    assert metric(client, *counted[0][:1], **counted[0][1]) == before[0] + 1


def test_metrics_want_the_token_when_one_is_set_and_are_off_when_disabled(client, config):
    config(METRICS_TOKEN="s3cret")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    config(METRICS_TOKEN=None, METRICS_ENABLED=False)
    assert client.get("/metrics").status_code == 404


def test_readyz_and_ledger_verify_fail_when_halle_redeem_is_not_the_codes(client, app, search_ready):
    """PostgreSQL: a database whose halle_redeem is of another version (a migration not run)."""
    from loyalty.pg_redeem import REDEEM_FUNCTION, REDEEM_VERSION
    from loyalty.verify import verify
    from marketplace.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("halle_redeem exists on PostgreSQL only")
        old = str(REDEEM_FUNCTION.statement).replace("-- version: halle-redeem-", "-- version: halle-redeem-0")
        db.session.execute(DDL(old))
        db.session.commit()
        try:
            response = client.get("/readyz")
            assert response.status_code == 503 and response.get_json()["failed"] == ["ledger"]
            stale = REDEEM_VERSION.replace("halle-redeem-", "halle-redeem-0")
            assert f"halle_redeem is {stale}, the code expects {REDEEM_VERSION}" in verify(db.session)[0]
        finally:
            db.session.rollback()
            db.session.execute(REDEEM_FUNCTION)
            db.session.commit()
        assert client.get("/readyz").status_code == 200 and verify(db.session) == []
