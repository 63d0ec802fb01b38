"""Test fixtures: a real database (a SQLite file, or PostgreSQL when TEST_DATABASE_URL is set).

Do database set-up inside `with app.app_context():` blocks and make requests outside them:
a request made while an app context is pushed would reuse it (and its `g`, where Flask-Login
keeps the logged-in user).
"""
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db, limiter


TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def pytest_sessionstart(session):
    """Compile the translation catalogues the pages read (what `make translations` does), so a bare
    `pytest` on a fresh clone renders English pages too."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po, mo_path.open("wb") as mo:
                write_mo(mo, read_po(po))


# What `make test-fast` leaves out: browsers, real servers and processes, races, crashes, property and
# fuzz runs, the whole demo seed.
SLOW = ("tests/e2e/", "tests/ops/test_gunicorn.py", "tests/test_fault_tolerance.py", "tests/loyalty/test_crash.py",
        "tests/loyalty/test_concurrency.py", "tests/loyalty/test_stateful.py", "tests/till/test_pos_concurrency.py",
        "tests/till/test_pos_schema.py", "tests/test_migrations.py", "tests/test_dev_stripe.py",
        "tests/test_demo_seed.py", "tests/test_route_fuzz.py",
        "tests/search/test_index_sync.py::test_concurrent_editors_and_a_killed_indexer_lose_nothing",
        "tests/ops/test_replicas.py::test_public_pages_read_the_replica")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: left out of the quick lane (make test-fast)")
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker:
        _give_worker_its_own_services(worker)


def _give_worker_its_own_services(worker: str) -> None:
    """Under pytest-xdist (`-n 2`) each worker empties its database and rate-limit store after every
    test, so each gets its own: database `<name>_<worker>` next to TEST_DATABASE_URL's (created when
    missing) and the Redis database below TEST_REDIS_URL's (15 → 15 for gw0, 14 for gw1). SQLite files
    and folders already come from per-worker temporary directories."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        url = make_url(base)
        name = f"{url.database}_{worker}"
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if exists.scalar() is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        os.environ["TEST_DATABASE_URL"] = url.set(database=name).render_as_string(hide_password=False)
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        head, _, number = redis_url.rpartition("/")
        os.environ["TEST_REDIS_URL"] = f"{head}/{(int(number or 0) - int(worker.removeprefix('gw'))) % 16}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'halle-test.db'}"
    )


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        SEARCH_INDEX_DIR=str(tmp_path_factory.mktemp("search-index")),
        MEDIA_DIR=str(tmp_path_factory.mktemp("media")),
        RATELIMIT_STORAGE_URI=os.environ.get("TEST_REDIS_URL") or "memory://",
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def clear_database() -> None:
    """Empty every table (faster than re-creating the schema for each test)."""
    db.session.remove()
    tables = [table.name for table in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture(autouse=True)
def _clean_state(app):
    yield
    with app.app_context():
        clear_database()
        app.extensions.get("mail_outbox", []).clear()
        app.extensions.get("sms_outbox", []).clear()
    limiter.reset()


@pytest.fixture(params=["python", "sql"])
def redemption_path(request, database_url, monkeypatch):
    """Run a ledger test through each redemption path: "python" (loyalty.ledger in Python only)
    and "sql" (the one-call halle_redeem first, loyalty/pg_redeem.py). The suites whose
    redemptions matter use it autouse (tests/loyalty, tests/till conftests)."""
    from loyalty import ledger

    if request.param == "sql" and not database_url.startswith("postgresql"):
        pytest.skip("the one-call redemption (halle_redeem) exists on PostgreSQL only: on SQLite every "
                    "redemption takes the Python path; set TEST_DATABASE_URL to cover the SQL path")
    monkeypatch.setattr(ledger, "ONE_CALL_REDEMPTIONS", request.param == "sql")
    return request.param


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    """An app context for domain-level tests that make no HTTP request."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def make_user(app):
    from marketplace.models import User
    from marketplace.models.base import utcnow

    def make(email="resident@example.fr", password="motdepasse-solide", **fields):
        """An account that confirmed its address (unless `email_confirmed_at=None`)."""
        with app.app_context():
            user = User(email=email, **{"email_confirmed_at": utcnow(), **fields})
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            return user.id

    return make


def login(client, email, password="motdepasse-solide", follow_redirects=False):
    return client.post(
        "/connexion",
        data={"email": email, "password": password},
        follow_redirects=follow_redirects,
    )


@contextmanager
def sql_statements(app):
    """The SQL statements the app's engine runs inside the block, as a list filled while it runs."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def post_twice_at_once(app, email, url, data):
    """A double click: the same form (same data, same one-time token) sent twice at the same
    moment by the same user, from two clients (threads) against the real database file."""
    clients = []
    for _ in range(2):
        client = app.test_client()
        login(client, email)
        clients.append(client)
    answers = [None, None]
    start = threading.Barrier(2)

    def send(index):
        start.wait()
        answers[index] = clients[index].post(url, data=data)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
