"""The admin sees what runs by itself, when it last ran and how, and runs a job now."""
import html
import re
import threading
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

import search
from marketplace import periodic, stock_alerts
from marketplace.extensions import db
from marketplace.models import PeriodicRun, Shop
from search.indexer import run_forever
from tests.conftest import login


def _row(page: str, name: str) -> str:
    start = page.index(f'data-testid="job-{name}"')
    return page[start:page.index("</tr>", start)]


def test_the_admin_sees_every_job_and_runs_one_now(app, territory, client):
    login(client, territory.admin_email)
    page = html.unescape(client.get("/admin/taches").get_data(as_text=True))
    assert page.count('data-testid="job-') == len(periodic.PERIODIC)
    row = _row(page, "send_weekly_summaries")
    # The cron lines' UTC times, as they are in Paris these days (an hour or two later).
    assert "Envoyer aux commerces le résumé de leur semaine" in row
    assert re.search(r"le lundi à 0[89]:00 \(heure de Paris\)", row), row
    assert "jamais depuis l'installation" in row
    assert periodic.schedule_label(None, "50 3 * * *") in _row(page, "verify_ledger")
    assert "UTC" not in page

    done = client.post("/admin/taches/verify_ledger/lancer", follow_redirects=True)
    page = html.unescape(done.get_data(as_text=True))
    assert "« Vérifier le grand livre de la carte » est lancée" in page
    assert "réussie (0)" in _row(page, "verify_ledger")  # no problem found
    with app.app_context():
        run = db.session.get(PeriodicRun, "verify_ledger")
        assert (run.ok, run.result, run.runs, run.failures) == (True, "0", 1, 0)
    assert client.post("/admin/taches/inconnue/lancer").status_code == 404


def test_schedules_are_shown_in_paris_time_for_the_day_s_offset():
    winter, summer = date(2026, 12, 5), date(2027, 7, 1)
    assert periodic.schedule_label(None, "10 3 * * *", winter) == "chaque jour à 04:10 (heure de Paris)"
    assert periodic.schedule_label(None, "10 3 * * *", summer) == "chaque jour à 05:10 (heure de Paris)"
    assert periodic.schedule_label(None, "0 7 * * 1", winter) == "le lundi à 08:00 (heure de Paris)"
    assert periodic.schedule_label(None, "30 22 * * 0", summer) == "le lundi à 00:30 (heure de Paris)"  # Sunday, UTC
    assert periodic.schedule_label(5, None) == "toutes les 5 s"
    assert periodic.schedule_label(None, "*/5 1 * * *") == "*/5 1 * * *"


def test_the_last_run_is_shown_in_paris_time(app, territory, client):
    with app.app_context():
        db.session.add(PeriodicRun(name="verify_ledger", runs=1, failures=0, ok=True, result="0",
                                   started_at=datetime(2026, 12, 5, 2, 50), finished_at=datetime(2026, 12, 5, 2, 51)))
        db.session.commit()
    login(client, territory.admin_email)
    row = _row(html.unescape(client.get("/admin/taches").get_data(as_text=True)), "verify_ledger")
    assert "05/12/2026 03:51" in row


def test_the_search_row_tells_what_the_indexer_did_and_what_waits(app, territory, client):
    """The indexer thread drains the search outbox every second: its runs are kept when they index
    something (not a row written every few seconds for nothing), and the page says what waits."""
    login(client, territory.admin_email)
    with app.app_context():
        search.drain_outbox()
        assert periodic.drain_search_outbox() == 0
        assert db.session.get(PeriodicRun, "drain_search_outbox") is None  # nothing done, nothing written
    row = _row(html.unescape(client.get("/admin/taches").get_data(as_text=True)), "drain_search_outbox")
    assert "à jour : aucune modification en attente" in row and "jamais" not in row

    with app.app_context():
        shop = db.session.get(Shop, territory.fournil_id)
        shop.name += " bio"
        db.session.commit()
    row = _row(html.unescape(client.get("/admin/taches").get_data(as_text=True)), "drain_search_outbox")
    assert "1 modification en attente" in row

    stop = threading.Event()
    indexer = threading.Thread(target=run_forever, args=(app, 0.02, stop), daemon=True)
    indexer.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with app.app_context():
                if db.session.get(PeriodicRun, "drain_search_outbox"):
                    break
            time.sleep(0.05)
        time.sleep(0.2)  # more idle rounds
    finally:
        stop.set()
        indexer.join(10)
    with app.app_context():
        run = db.session.get(PeriodicRun, "drain_search_outbox")
        assert (run.runs, run.ok, run.result) == (1, True, "1")  # the idle rounds wrote nothing
    row = _row(html.unescape(client.get("/admin/taches").get_data(as_text=True)), "drain_search_outbox")
    assert "a indexé des modifications le" in row and "à jour : aucune modification en attente" in row


def test_a_failing_job_shows_its_error_and_the_count_of_failures(app, territory, client, monkeypatch):
    def broken():
        raise RuntimeError("SMTP refused")

    monkeypatch.setattr(stock_alerts, "notify_back_in_stock", broken)
    login(client, territory.admin_email)
    page = html.unescape(client.post("/admin/taches/notify_back_in_stock/lancer",
                                     follow_redirects=True).get_data(as_text=True))
    assert "a échoué : son erreur est ci-dessous" in page
    row = _row(page, "notify_back_in_stock")
    assert "échec" in row and "RuntimeError: SMTP refused" in row and "Échecs : 1 sur 1" in row
    with app.app_context():
        with pytest.raises(RuntimeError):
            periodic.notify_back_in_stock()  # the scheduler's worker runs the same recorded job
        assert db.session.scalar(select(PeriodicRun.failures).where(PeriodicRun.name == "notify_back_in_stock")) == 2


def test_only_the_admin_sees_and_runs_the_jobs(app, territory, client):
    login(client, territory.owner_email)
    assert client.get("/admin/taches").status_code == 403
    assert client.post("/admin/taches/verify_ledger/lancer").status_code == 403
    with app.app_context():
        assert db.session.get(PeriodicRun, "verify_ledger") is None


def test_cron_lines_name_their_minutes_in_utc():
    monday_7 = datetime(2026, 12, 7, 7, 0)
    assert periodic.cron_matches("0 7 * * 1", monday_7)
    assert not periodic.cron_matches("0 7 * * 1", monday_7 + timedelta(minutes=1))
    assert not periodic.cron_matches("0 7 * * 1", monday_7 - timedelta(days=1))  # Sunday
    assert periodic.cron_matches("50 3 * * *", datetime(2026, 12, 6, 3, 50))
    assert periodic.cron_matches("0 0 * * 0", datetime(2026, 12, 6))  # 0 is Sunday


def test_the_demo_s_thread_runs_a_job_at_its_time_of_day_once(app, territory):
    """`make demo` has no scheduler: its thread runs the Monday summaries when 07:00 (UTC) comes,
    once, and no other job set at a time of day."""
    moments = iter([datetime(2026, 12, 7, 6, 59, 30)])  # the thread starts; then it is 07:00 for good

    def clock():
        return next(moments, datetime(2026, 12, 7, 7, 0, 20))

    stop = threading.Event()
    thread = threading.Thread(target=periodic.run_periodic, args=(app, stop, 0.02, clock), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with app.app_context():
                if db.session.get(PeriodicRun, "send_weekly_summaries"):
                    break
            time.sleep(0.05)
        time.sleep(0.2)  # ten more ticks in the same minute
    finally:
        stop.set()
        thread.join(10)
    with app.app_context():
        runs = {run.name: run.runs for run in db.session.scalars(select(PeriodicRun))}
    assert runs.get("send_weekly_summaries") == 1
    assert "release_stale_holds" in runs  # the jobs with an interval run from the start
    assert not {"expire_grants", "verify_ledger", "send_books_to_accountant", "remind_uncollected_orders"} & set(runs)
