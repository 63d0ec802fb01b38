"""The sample gunicorn.conf.py serves Halle: real gunicorn, two workers, on a free loopback port."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import search
from config import BASE_DIR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_gunicorn_with_the_sample_config_serves_healthz_readyz_and_metrics(app, database_url, tmp_path):
    with app.app_context():
        search.rebuild()
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": "2",
           "HALLE_CONFIG": "production", "SECRET_KEY": "gunicorn-test-secret", "DATABASE_URL": database_url,
           "PUBLIC_URL": f"http://127.0.0.1:{port}", "METRICS_TOKEN": "gunicorn-metrics",
           "PIN_SECRETS": "t1:test-pin-secret-not-for-production",
           "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"], "HALLE_INSTANCE_DIR": str(tmp_path),
           "LOG_FORMAT": "json", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = tmp_path / "gunicorn.log"  # a file, read while gunicorn runs
    process = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "run:app"], cwd=BASE_DIR, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a wait for start-up, not a speed assertion
        while True:
            try:
                status, _, _ = get(f"{base}/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    process.wait()
                    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        assert status == 200
        status, headers, body = get(f"{base}/readyz", **{"X-Request-ID": "gunicorn-probe-1"})
        assert status == 200, body
        assert headers["X-Request-ID"] == "gunicorn-probe-1"
        assert json.loads(body)["checks"]["database"] == "ok"
        for _ in range(4):  # whichever worker answers, the metrics add up every worker's samples
            get(f"{base}/healthz")
        status, _, metrics = get(f"{base}/metrics", Authorization="Bearer gunicorn-metrics")
        assert status == 200
        assert 'halle_http_request_duration_seconds_count{endpoint="public.healthz",method="GET",status="200"} 5.0' \
            in metrics
        killed = _workers(process.pid)[0]
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 30  # a wait for the replacement, not a speed assertion
        while (killed in _workers(process.pid) or len(_workers(process.pid)) < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert killed not in _workers(process.pid) and len(_workers(process.pid)) == 2
        assert [get(f"{base}/healthz")[0] for _ in range(6)] == [200] * 6
        # Each worker reads the search index's data in the background as it starts serving (the
        # replacement too).
        def all_warmed(workers):
            lines = [line for line in log.read_text().splitlines() if "search warm-up done" in line]
            return all(any(f"(worker {pid})" in line for line in lines) for pid in workers)

        workers = _workers(process.pid)
        deadline = time.monotonic() + 30  # a wait for the background reads, not a speed assertion
        while not all_warmed(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all_warmed(workers), log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)
        output = log.read_text()
    assert process.returncode == 0, output
    access = [json.loads(line) for line in output.splitlines()
              if line.startswith("{") and '"gunicorn.access"' in line]
    probe = [line for line in access if line.get("request_id") == "gunicorn-probe-1"]
    assert probe and probe[0]["path"] == "/readyz" and probe[0]["status"] == "200"
    # The master imported the code, so that workers (the replacement too) are forked with it.
    assert "application code loaded in the master" in output
    assert "search warm-up failed" not in output


def test_the_sample_config_serves_the_benches_bare_yardstick_without_halle_s_warm_up(tmp_path):
    """bench/http_load.py serves bench/bare_app.py with the same settings: its workers have no
    search index to read."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": "1",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "bench.bare_app:app"], cwd=BASE_DIR,
                               env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60  # a wait for start-up, not a speed assertion
        while True:
            try:
                assert get(f"http://127.0.0.1:{port}/")[0] == 200
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        time.sleep(0.5)  # the time a warm-up thread would have taken to fail
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "warm-up" not in log.read_text(), log.read_text()


def test_the_sample_config_recycles_a_worker_rarely_unless_told_otherwise():
    """A recycled worker is missing for seconds and its start slows the others (gunicorn.conf.py): the
    sample config recycles one after 50,000 to 75,000 requests; GUNICORN_MAX_REQUESTS sets another."""
    gunicorn = Path(sys.executable).parent / "gunicorn"

    def settings(**env) -> dict:
        printed = subprocess.run([str(gunicorn), "-c", "gunicorn.conf.py", "--print-config", "bench.bare_app:app"],
                                 cwd=BASE_DIR, env={**os.environ, **env}, capture_output=True, text=True, check=True)
        return dict(re.findall(r"^(max_requests\w*)\s+= (\d+)$", printed.stdout, re.M))

    assert settings() == {"max_requests": "50000", "max_requests_jitter": "25000"}
    assert settings(GUNICORN_MAX_REQUESTS="1000") == {"max_requests": "1000", "max_requests_jitter": "500"}


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()]
