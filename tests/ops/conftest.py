"""Fixtures of the operations tests: RQ against a real Redis (TEST_REDIS_URL), the till world."""
import os

import pytest

from tests.till.conftest import till  # noqa: F401  (fixture)


@pytest.fixture
def rq_jobs(app):
    """The app sends its jobs to RQ on TEST_REDIS_URL; returns `run_worker()` (a real RQ worker,
    in this process, that runs what is queued and stops)."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set: the RQ tests need a real Redis (e.g. redis://127.0.0.1:6379/3)")
    from redis import Redis
    from rq import SimpleWorker

    from marketplace import jobs

    saved = {key: app.config.get(key) for key in ("JOBS_BACKEND", "REDIS_URL")}
    app.config.update(JOBS_BACKEND="rq", REDIS_URL=url)
    app.extensions.pop("jobs_redis", None)
    connection = Redis.from_url(url)
    connection.flushdb()  # our own test database only

    def run_worker() -> int:
        """Run every queued job; returns how many ran."""
        with app.app_context():
            queues = [jobs.get_queue(name) for name in jobs.QUEUES]
            waiting = sum(queue.count for queue in queues)
            SimpleWorker(queues, connection=jobs.redis_connection()).work(burst=True)
        return waiting

    yield run_worker
    app.config.update(saved)
    app.extensions.pop("jobs_redis", None)
    connection.flushdb()
