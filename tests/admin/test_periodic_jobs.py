"""The admin sees what runs by itself, when it last ran and how, and runs a job now."""
import html

import pytest
from sqlalchemy import select

from marketplace import periodic, stock_alerts
from marketplace.extensions import db
from marketplace.models import PeriodicRun
from tests.conftest import login


def _row(page: str, name: str) -> str:
    start = page.index(f'data-testid="job-{name}"')
    return page[start:page.index("</tr>", start)]


def test_the_admin_sees_every_job_and_runs_one_now(app, territory, client):
    login(client, territory.admin_email)
    page = html.unescape(client.get("/admin/taches").get_data(as_text=True))
    assert page.count('data-testid="job-') == len(periodic.PERIODIC)
    row = _row(page, "send_weekly_summaries")
    assert "Envoyer aux commerces le résumé de leur semaine" in row and "le lundi à 07:00 (UTC)" in row
    assert "jamais depuis l'installation" in row
    assert "chaque jour à 03:50 (UTC)" in _row(page, "verify_ledger")

    done = client.post("/admin/taches/verify_ledger/lancer", follow_redirects=True)
    page = html.unescape(done.get_data(as_text=True))
    assert "« Vérifier le grand livre de la carte » est lancée" in page
    assert "réussie (0)" in _row(page, "verify_ledger")  # no problem found
    with app.app_context():
        run = db.session.get(PeriodicRun, "verify_ledger")
        assert (run.ok, run.result, run.runs, run.failures) == (True, "0", 1, 0)
    assert client.post("/admin/taches/inconnue/lancer").status_code == 404


def test_a_failing_job_shows_its_error_and_the_count_of_failures(app, territory, client, monkeypatch):
    def broken():
        raise RuntimeError("SMTP refused")

    monkeypatch.setattr(stock_alerts, "notify_back_in_stock", broken)
    login(client, territory.admin_email)
    page = html.unescape(client.post("/admin/taches/notify_back_in_stock/lancer",
                                     follow_redirects=True).get_data(as_text=True))
    assert "a échoué : son erreur est ci-dessous" in page
    row = _row(page, "notify_back_in_stock")
    assert "échec" in row and "RuntimeError: SMTP refused" in row and "1 échec(s) sur 1 exécutions" in row
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
