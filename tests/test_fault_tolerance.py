"""Production faults under load (issue 10): while the POS API takes redemptions through gunicorn,
one worker is SIGKILLed and Redis (our own redis-server) is restarted. Afterwards the ledger
verifies, every acknowledged redemption is in it, and the site answers again by itself.

PostgreSQL only (gunicorn's workers and the test share the database); see bench/fault.py.
"""
import shutil

import pytest

from bench.fault import run_fault


@pytest.fixture
def postgres_app(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL (several gunicorn workers share the database)")
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server (the test restarts its own)")
    return app


def test_killed_worker_and_redis_restart_lose_no_acknowledged_redemption(postgres_app, database_url):
    report = run_fault(postgres_app, database_url, seconds=8, rate=25, workers=2, cards=5)

    assert report.killed_worker and report.acknowledged > 0, report.lines()
    assert report.missing == []
    assert report.verify_problems == []
    assert report.recovered, report.lines()
    # While Redis restarts, rate limits fall back to memory: the till never gets a server error.
    assert 500 not in report.statuses, report.lines()
