"""Background jobs: with REDIS_URL, a real RQ worker runs them (idempotent when run twice);
without it, they run in the process (inline in tests, in a thread for the development server)."""
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

import search
from config import BASE_DIR
from loyalty.models import Card, Grant
from loyalty.queries import card_balance
from loyalty.verify import verify
from marketplace import jobs, periodic
from marketplace.employer import service
from marketplace.extensions import db
from marketplace.mail import deliver, outbox, send_mail
from marketplace.models import Campaign, Employee
from marketplace.observability import JsonFormatter, reset_request_id, set_request_id
from search.outbox import pending_count
from tests import factories as f
from tests.employer.conftest import hr_client, hr_world  # noqa: F401  (fixtures)
from tests.shop.conftest import media_dir, shop_world  # noqa: F401  (fixtures)
from tests.employer.test_campaigns import create, funded_by_transfer


def test_without_redis_a_mail_is_sent_right_away_in_tests(app_ctx):
    assert jobs.backend() == "inline"
    send_mail("claire@example.fr", "Bonjour", "Votre carte est prête.")
    assert [m["To"] for m in outbox()] == ["claire@example.fr"]


def test_the_thread_backend_runs_the_job_in_an_app_context_of_its_own(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "thread")
    with app.test_request_context("/"):
        thread = jobs.enqueue(deliver, "luc@example.fr", "Bonjour", "Texte")
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert [m["To"] for m in outbox()] == ["luc@example.fr"]


def test_outside_a_request_the_thread_backend_runs_the_job_before_returning(app_ctx, monkeypatch):
    """A `flask …` command (settlement, orders expire) must not exit with its mails unsent."""
    monkeypatch.setitem(app_ctx.config, "JOBS_BACKEND", "thread")
    assert jobs.enqueue(deliver, "anne@example.fr", "Bonjour", "Texte") is None
    assert [m["To"] for m in outbox()] == ["anne@example.fr"]


def test_a_mail_is_sent_by_the_worker(app, rq_jobs):
    with app.app_context():
        send_mail("claire@example.fr", "Bonjour", "Votre carte est prête.")
        assert outbox() == []  # queued, not sent
    assert rq_jobs() == 1
    with app.app_context():
        assert [(m["To"], m["Subject"]) for m in outbox()] == [("claire@example.fr", "Bonjour")]


def test_the_search_outbox_is_drained_by_the_job_with_the_request_id_in_its_logs(app, rq_jobs, caplog):
    with app.app_context():
        search.rebuild()
        shop = f.shop("Confiturerie du Morvan", f.commune())
        f.product(shop, "Confiture de cassis")
        db.session.commit()
        assert pending_count(db.session) > 0
        token = set_request_id("req-drain-42")
        try:
            jobs.enqueue(periodic.drain_search_outbox, queue=jobs.SEARCH_QUEUE)
        finally:
            reset_request_id(token)
    with caplog.at_level(logging.INFO, logger="marketplace.periodic"):
        assert rq_jobs() == 1
    with app.app_context():
        assert pending_count(db.session) == 0
        assert search.check().in_step
    drained = [r for r in caplog.records if r.name == "marketplace.periodic" and "outbox rows indexed" in r.getMessage()]
    assert drained and drained[0].request_id == "req-drain-42"
    line = json.loads(JsonFormatter().format(drained[0]))
    assert line["request_id"] == "req-drain-42" and line["job_id"]


def test_unmet_searches_wait_in_redis_until_the_periodic_job_records_them(app, rq_jobs, monkeypatch, caplog):
    """With Redis, a search that finds nothing costs its page one push on a list, no RQ job. The
    periodic job records the searches; a run that fails leaves them waiting for the next one, and a
    run after the last records nothing twice. An entry that is not a search is logged and dropped."""
    from search import unmet
    from search.models import UnmetSearch

    with app.app_context():
        shop = f.shop("Confiturerie du Morvan", f.commune())
        f.product(shop, "Confiture de cassis")
        db.session.commit()
        search.rebuild()
        search.invalidate_reference()
    client = app.test_client()
    for path in ("/recherche?q=tronçonneuse", "/recherche?q=Tronçonneuse", "/recherche?q=cassis",
                 "/recherche?q=parapluie&commune=21603&radius_km=10"):
        assert client.get(path).status_code == 200, path
    assert rq_jobs() == 0  # nothing queued for RQ
    redis = jobs.redis_connection(app)
    assert redis.llen(unmet.PENDING_KEY) == 3  # not the search that found something
    redis.rpush(unmet.PENDING_KEY, b'{"text": "x", "colour": "red"}')

    def broken(query, wider_totals):
        raise RuntimeError("the database went away")

    with app.app_context(), monkeypatch.context() as patch:
        patch.setattr(unmet, "_add_if_unmet", broken)
        with pytest.raises(RuntimeError):
            periodic.record_unmet_searches()
        assert redis.llen(unmet.PENDING_KEY) == 4 and db.session.scalar(func.count(UnmetSearch.id)) == 0
    with app.app_context(), caplog.at_level(logging.ERROR, logger="search.unmet"):
        assert periodic.record_unmet_searches() == 3
        assert periodic.record_unmet_searches() == 0
        rows = db.session.execute(select(UnmetSearch.text, UnmetSearch.commune_insee, UnmetSearch.radius_km)
                                  .order_by(UnmetSearch.id)).all()
    assert [tuple(row) for row in rows] == [("tronçonneuse", None, None), ("tronçonneuse", None, None),
                                            ("parapluie", "21603", 10)]
    assert redis.llen(unmet.PENDING_KEY) == 0
    assert any("not a search" in record.getMessage() for record in caplog.records)


def test_a_campaign_issued_through_the_queue_credits_every_card_once_even_run_twice(app, rq_jobs, hr_client,
                                                                                       hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id)
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    rq_jobs()  # the mails of the steps so far
    with app.app_context():
        outbox().clear()
    response = hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre",
                              headers={"X-Request-ID": "rh-emission-1"}, follow_redirects=True)
    assert "Émission lancée." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "issuing"
        assert db.session.scalar(select(func.count()).select_from(Grant)) == 0  # waits for the worker
        [job] = [job for job in jobs.get_queue().jobs if "issue_campaign_job" in job.description]
        assert job.args[3] == "rh-emission-1"  # the job's logs carry the request's id
        # The same job queued again (a worker that died after the work, before reporting it).
        jobs.enqueue(service.issue_campaign_job, campaign_id, "rh", "http://localhost/")
    assert rq_jobs() == 2
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "issued" and campaign.issued_count == 3
        grants = db.session.execute(select(Grant.card_id, func.count()).group_by(Grant.card_id)).all()
        assert len(grants) == 3 and all(count == 1 for _, count in grants)
        claire = db.session.scalar(select(Card).join(Employee, Employee.id == Card.employee_id)
                                   .where(Employee.external_id == "M001"))
        assert card_balance(db.session, claire.id) == 21_100
        mails = sorted(m["To"] for m in outbox())
        assert mails == ["claire@example.fr", "luc@example.fr"]  # sent by the worker, once each
        assert re.search(r"Code PIN .*: \d{4}", next(m for m in outbox() if m["To"] == "luc@example.fr")
                         .get_content())
        assert verify(db.session) == []


def test_the_worker_command_runs_the_queued_jobs_in_its_own_process(app, rq_jobs, database_url):
    """`flask --app run jobs worker --burst`: the Procfile's worker, as a real process."""
    with app.app_context():
        search.rebuild()
        f.product(f.shop("Miellerie d'Époisses", f.commune()), "Miel de sarrasin")
        db.session.commit()
        jobs.enqueue(periodic.drain_search_outbox, queue=jobs.SEARCH_QUEUE)
    env = {**os.environ, "HALLE_CONFIG": "testing", "DATABASE_URL": database_url,
           "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"], "REDIS_URL": app.config["REDIS_URL"]}
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run([str(flask), "--app", "run", "jobs", "worker", "--burst"], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with app.app_context():
        assert pending_count(db.session) == 0
        assert jobs.get_queue(jobs.SEARCH_QUEUE).count == 0
        assert search.check().in_step


def test_a_catalogue_import_is_written_by_the_worker_once_even_queued_twice(app, rq_jobs, client, shop_world):
    from marketplace import product_import
    from marketplace.models import PendingUpload, Product
    from tests.conftest import login
    from tests.shop.test_import import upload

    login(client, shop_world["emails"]["owner"])
    review_url = upload(client, shop_world["bakery"],
                        "Réf;Désignation;Prix TTC\nZ1;Sablés au beurre;3,20\nZ2;Croquants aux amandes;4,10\n",
                        "biscuits.csv")
    page = client.post(review_url, follow_redirects=True).get_data(as_text=True)
    assert "Import de « biscuits.csv » en cours" in page  # waits for the worker
    with app.app_context():
        assert Product.query.filter(Product.sku.in_(["Z1", "Z2"])).count() == 0
        jobs.enqueue(product_import.run_import, PendingUpload.query.one().id)  # queued twice
    assert rq_jobs() == 2
    page = client.get(f"{review_url}/suivi").get_data(as_text=True)
    assert "Import terminé : 2 produits ajoutés, 0 mis à jour, 0 inchangé" in page
    with app.app_context():
        assert sorted(p.sku for p in Product.query.filter(Product.sku.in_(["Z1", "Z2"]))) == ["Z1", "Z2"]
