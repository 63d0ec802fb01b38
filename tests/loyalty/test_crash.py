"""A till process killed mid-payment (power cut, OOM kill) leaves a sound ledger in which every
payment it confirmed is there."""
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from loyalty.models import Entry
from loyalty.verify import verify
from marketplace.extensions import db
from tests.loyalty.conftest import make_card

ROOT = Path(__file__).resolve().parents[2]
CONFIRMED_BEFORE_KILL = 60


def test_kill_9_mid_load_loses_no_confirmed_payment(world, database_url):
    card_ids = [make_card(world, (100_000, date.today() + timedelta(days=365))) for _ in range(3)]
    db.session.remove()
    worker = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("crash_worker.py")), database_url, str(world.bakery_id),
         ",".join(map(str, card_ids))],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    confirmed = []
    try:
        for line in worker.stdout:
            confirmed.append(int(line))
            if len(confirmed) == CONFIRMED_BEFORE_KILL:
                break
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(timeout=30)
    assert len(confirmed) == CONFIRMED_BEFORE_KILL, worker.stderr.read()[-3000:]

    assert worker.returncode == -signal.SIGKILL
    found = set(db.session.scalars(select(Entry.id).where(Entry.id.in_(confirmed))))
    assert found == set(confirmed)
    assert verify(db.session) == []
