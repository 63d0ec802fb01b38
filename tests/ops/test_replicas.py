"""Read replicas (marketplace/replicas.py): the public pages read a real PostgreSQL streaming
replica that the test starts on loopback; a writer reads its own writes; a lagging or
unreachable replica sends those pages to the primary; /readyz and /metrics show the lag."""
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

import search
from marketplace import create_app, replicas
from marketplace.extensions import db
from marketplace.taxonomy import ensure_default_taxonomy
from search.models import UnmetSearch
from tests import factories as f
from tests.conftest import login

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: then its commands run as the postgres user."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
    try:
        subprocess.run(["id", "postgres"], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        pytest.skip("running as root and there is no postgres user to start PostgreSQL as")
    return ["runuser", "-u", "postgres", "--"]


def _wait_for(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def cluster():
    """A primary (wal_level=replica) and its hot standby made by pg_basebackup -R, on free
    loopback ports, in a temporary directory; stopped and removed afterwards."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_basebackup").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (apt install postgresql-15, or set PG_BIN)")
    prefix = _as_postgres()
    root = Path(tempfile.mkdtemp(prefix="halle_replica_"))
    if prefix:
        shutil.chown(root, "postgres")
    ports = {"primary": _free_port(), "standby": _free_port()}
    started = []

    def run(*command):
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, cwd=root)
        if done.returncode:
            logs = "".join(log.read_text() for log in root.glob("*.log"))
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}\n{logs}")

    def start(name: str, *settings: str):
        options = f"-p {ports[name]} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off " + " ".join(settings)
        run(str(PG_BIN / "pg_ctl"), "-D", str(root / name), "-l", str(root / f"{name}.log"), "-w", "-o", options,
            "start")
        started.append(name)

    def stop(name: str):
        subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(root / name), "-m", "immediate", "stop"],
                       capture_output=True, cwd=root)

    try:
        run(str(PG_BIN / "initdb"), "-D", str(root / "primary"), "-A", "trust", "-U", "postgres", "--no-sync")
        start("primary", "-c wal_level=replica -c max_wal_senders=4")
        run(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(ports["primary"]), "-U", "postgres",
            "-D", str(root / "standby"), "-R", "-X", "stream")
        start("standby", "-c hot_standby=on")
        urls = {name: f"postgresql://postgres@127.0.0.1:{port}/postgres" for name, port in ports.items()}
        yield {**urls, "stop": stop}
    finally:
        for name in reversed(started):
            stop(name)
        shutil.rmtree(root, ignore_errors=True)


def _caught_up(primary, standby) -> None:
    """Wait until the standby replayed everything the primary wrote so far."""
    with primary.connect() as connection:
        position = connection.execute(text("SELECT pg_current_wal_lsn()::text")).scalar()

    def replayed():
        with standby.connect() as connection:
            return connection.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:p AS pg_lsn)"),
                                      {"p": position}).scalar()

    _wait_for(replayed, "the standby to replay the primary's writes")


def _received_not_replayed(standby) -> bool:
    with standby.connect() as connection:
        return connection.execute(text("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()")).scalar()


def _replay(standby, action: str) -> None:
    """Pause or resume the standby's replay (it keeps receiving WAL meanwhile)."""
    wanted = "paused" if action == "pause" else "not paused"
    with standby.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"SELECT pg_wal_replay_{action}()"))

        def reached():
            return connection.execute(text("SELECT pg_get_wal_replay_pause_state()")).scalar() == wanted

        _wait_for(reached, f"the standby's replay to be {wanted}")


def _found(client, words: str) -> list[str]:
    response = client.get("/api/v1/search", query_string={"q": words})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [hit["name"] for hit in response.get_json()["results"]]


def _fallbacks(reason: str) -> float:
    return REGISTRY.get_sample_value("halle_replica_fallbacks_total", {"reason": reason}) or 0.0


def test_public_pages_read_the_replica_and_a_writer_reads_its_writes(cluster, tmp_path, caplog):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=cluster["primary"], DATABASE_REPLICA_URL=cluster["standby"],
                     SEARCH_BACKEND="postgres", SEARCH_INDEX_DIR=str(tmp_path / "index"),
                     MEDIA_DIR=str(tmp_path / "media"), RATELIMIT_STORAGE_URI="memory://",
                     REPLICA_MAX_LAG_SECONDS=3600, REPLICA_CHECK_SECONDS=0)
    replica = replicas.replica(app)
    with app.app_context():
        db.create_all()
        categories = ensure_default_taxonomy(db.session)
        bakery = f.shop("Boulangerie Moreau", f.commune(), category=categories["boulangerie-patisserie"])
        f.shop_member(bakery, f.user("staff@example.fr"), "staff")
        f.product(bakery, "Pain de campagne", 240)
        db.session.commit()
        search.rebuild()
        bakery_id, category_id = bakery.id, categories["boulangerie-patisserie"].id
        primary = db.engine
    try:
        _caught_up(primary, replica.engine)
        visitor, writer, forger = app.test_client(), app.test_client(), app.test_client()
        assert _found(visitor, "pain campagne") == ["Pain de campagne"]
        login(writer, "staff@example.fr")

        _replay(replica.engine, "pause")
        created = writer.post(f"/boutique/{bakery_id}/produits/nouveau", data={
            "name": "Brioche au beurre", "price": "12,50", "unit": "la pièce", "category": str(category_id),
            "stock": "8", "description": "Beurre de Bourgogne.", "sku": "B010", "ean": "", "active": "y"})
        assert created.status_code == 302
        assert replicas.WROTE_COOKIE in created.headers["Set-Cookie"]
        _wait_for(lambda: _received_not_replayed(replica.engine), "the standby to receive the write")

        # The writer's browser reads the primary: its brioche is there, in the API and on the page.
        assert _found(writer, "brioche") == ["Brioche au beurre"]
        assert "Brioche au beurre" in writer.get("/recherche?q=brioche").get_data(as_text=True)
        # Everyone else reads the paused replica: not yet; a forged cookie changes nothing.
        assert _found(visitor, "brioche") == []
        assert "Brioche au beurre" not in visitor.get("/recherche?q=brioche").get_data(as_text=True)
        forger.set_cookie(replicas.WROTE_COOKIE, "1.forged.signature")
        assert _found(forger, "brioche") == []
        # A search nobody can answer is recorded: the write of a replica page goes to the primary.
        assert _found(visitor, "cassoulet") == []
        with app.app_context():
            assert "cassoulet" in db.session.scalars(select(UnmetSearch.text)).all()
        # Logins are read on the primary: someone who logs in now is logged in on the public pages
        # once their write window is over (their account is not on the paused replica yet).
        with app.app_context():
            f.user("reader@example.fr")
            db.session.commit()
        reader = app.test_client()
        login(reader, "reader@example.fr")
        reader.delete_cookie(replicas.WROTE_COOKIE)  # what the browser does after READ_YOUR_WRITES_SECONDS
        page = reader.get("/recherche?q=brioche").get_data(as_text=True)
        assert "Se déconnecter" in page and "Brioche au beurre" not in page

        ready = visitor.get("/readyz")
        assert ready.status_code == 200, ready.get_json()
        lag = ready.get_json()["checks"]["replica"]
        assert lag["status"] == "ok" and lag["reads_from"] == "replica" and lag["lag_seconds"] > 0
        assert "halle_replica_lag_seconds" in visitor.get("/metrics").get_data(as_text=True)

        # Lagging beyond the limit: the public pages read the primary, /readyz still ready, logged, counted.
        replica.max_lag = lag["lag_seconds"] / 2
        before = _fallbacks("lagging")
        with caplog.at_level(logging.WARNING, logger="marketplace.replicas"):
            assert _found(visitor, "brioche") == ["Brioche au beurre"]
        assert any("read replica lagging" in r.getMessage() for r in caplog.records)
        assert _fallbacks("lagging") == before + 1
        ready = visitor.get("/readyz")
        assert ready.status_code == 200
        assert ready.get_json()["checks"]["replica"]["status"] == "lagging"
        assert ready.get_json()["checks"]["replica"]["reads_from"] == "primary"

        # Replay resumed and the limit back: the replica has the brioche.
        replica.max_lag = 3600
        _replay(replica.engine, "resume")
        _caught_up(primary, replica.engine)
        assert _found(visitor, "brioche") == ["Brioche au beurre"]
        assert visitor.get("/readyz").get_json()["checks"]["replica"]["status"] == "ok"

        # The replica stops between two measures: the page that was reading it fails, the next
        # ones read the primary at once.
        replica.check_every = 3600
        cluster["stop"]("standby")
        with pytest.raises(OperationalError):
            visitor.get("/recherche?q=brioche")
        assert _found(visitor, "brioche") == ["Brioche au beurre"]
        assert visitor.get("/readyz").get_json()["checks"]["replica"]["status"] == "down"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        replica.engine.dispose()


def test_an_unreachable_replica_sends_the_public_pages_to_the_primary(database_url, tmp_path, caplog):
    closed = f"postgresql://postgres@127.0.0.1:{_free_port()}/halle"  # nothing listens there
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, DATABASE_REPLICA_URL=closed,
                     SEARCH_INDEX_DIR=str(tmp_path / "index"), MEDIA_DIR=str(tmp_path / "media"),
                     RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        db.create_all()
        bakery = f.shop("Boulangerie Moreau", f.commune())
        product_id = f.product(bakery, "Pain de campagne", 240).id
        db.session.commit()
    client = app.test_client()
    before = _fallbacks("down")
    with caplog.at_level(logging.WARNING, logger="marketplace.replicas"):
        page = client.get(f"/produits/{product_id}")
    assert page.status_code == 200 and "Pain de campagne" in page.get_data(as_text=True)
    assert _fallbacks("down") == before + 1
    assert any("read replica unreachable" in r.getMessage() for r in caplog.records)
    ready = client.get("/readyz").get_json()["checks"]["replica"]
    assert ready["status"] == "down" and ready["reads_from"] == "primary" and ready["lag_seconds"] is None


def test_without_a_replica_nothing_changes(app, client, make_user):
    make_user(email="resident@example.fr")
    assert login(client, "resident@example.fr").status_code == 302
    assert client.get_cookie(replicas.WROTE_COOKIE) is None
    assert "replica" not in client.get("/readyz").get_json()["checks"]


def test_a_replica_url_that_is_not_postgresql_is_refused():
    with pytest.raises(RuntimeError, match="DATABASE_REPLICA_URL must be a PostgreSQL streaming replica"):
        create_app("testing", DATABASE_REPLICA_URL="sqlite:///replica.db")
