"""How often a feed is read (issue 21): every hour by default, every 6 hours, once a day, or on
demand only; the schedule (queue_due_feeds) honours it and the feed page shows the next reading."""
from datetime import timedelta

import pytest

from marketplace import feeds, periodic
from marketplace.extensions import db
from marketplace.models import CatalogueFeed, CatalogueFeedRun, Shop
from marketplace.models.base import utcnow
from tests.conftest import login
from tests.shop.test_feeds import FeedServer


@pytest.fixture
def server():
    running = FeedServer()
    running.files["/feed.csv"] = (200, {}, "Désignation;Prix\nÉclair;2,40\n".encode())
    yield running
    running.close()


def active_feed(shop_id: int, url: str) -> CatalogueFeed:
    feed = feeds.add_feed(db.session.get(Shop, shop_id), url, None)
    feeds.preview(feed)
    feeds.activate(feed)  # its first run at once (a job: its own session)
    db.session.commit()  # this session reads what the job wrote
    return feed


def close_to(moment, expected) -> bool:
    return abs((moment - expected).total_seconds()) < 60


def test_each_interval_plans_the_next_reading(app_ctx, shop_world, server):
    feed = active_feed(shop_world["bakery"], server.url("/feed.csv"))
    assert feed.interval_minutes == 60 and close_to(feed.next_run_at, utcnow() + timedelta(hours=1))
    started = CatalogueFeedRun.query.one().started_at
    for minutes, delay in ((360, timedelta(hours=6)), (1440, timedelta(days=1)), (60, timedelta(hours=1))):
        feeds.set_interval(feed, minutes)  # counted from the last reading
        assert feed.interval_minutes == minutes and feed.next_run_at == started + delay
    feeds.set_interval(feed, 1440)
    feeds.run_feed(feed.id)
    db.session.commit()
    assert close_to(feed.next_run_at, utcnow() + timedelta(days=1))
    with pytest.raises(feeds.FeedError, match="Choisissez une fréquence"):
        feeds.set_interval(feed, 7)
    assert feed.interval_minutes == 1440


def test_the_schedule_honours_each_feeds_interval(app_ctx, shop_world, server):
    hourly, daily, on_demand = (active_feed(shop_world["bakery"], server.url("/feed.csv")) for _ in range(3))
    feeds.set_interval(daily, 1440)
    feeds.set_interval(on_demand, 0)
    assert on_demand.next_run_at is None
    runs = CatalogueFeedRun.query.count()
    # Two hours later: the hourly feed is due, the daily one not yet, the on-demand one never.
    for feed in (hourly, daily, on_demand):
        feed.next_run_at = feeds.next_run(feed.interval_minutes, utcnow() - timedelta(hours=2))
    db.session.commit()
    assert periodic.queue_due_feeds() == 1
    assert [run.feed_id for run in CatalogueFeedRun.query.offset(runs)] == [hourly.id]
    # Even with a reading date left in the past, a feed read on demand is not scheduled...
    on_demand.next_run_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert periodic.queue_due_feeds() == 0
    # ...but "Mettre à jour maintenant" reads it, and plans nothing after.
    run = feeds.run_feed(on_demand.id)
    assert run.status in ("done", "unchanged") and on_demand.next_run_at is None


def test_the_feed_page_sets_and_shows_the_interval(app, client, shop_world, server):
    login(client, shop_world["emails"]["staff"])
    base = f"/boutique/{shop_world['bakery']}/flux"
    feed_url = client.post(base, data={"url": server.url("/feed.csv")}).headers["Location"]
    page = client.get(feed_url).get_data(as_text=True)
    assert "Lire ce fichier" not in page  # a draft: the choice comes once it is confirmed
    page = client.post(f"{feed_url}/activer", follow_redirects=True).get_data(as_text=True)
    assert "Flux activé : le catalogue sera mis à jour toutes les heures." in page
    assert "Actif : relu toutes les heures." in page and "Prochaine lecture :" in page
    assert '<option selected value="60">toutes les heures</option>' in page
    page = client.post(f"{feed_url}/frequence", data={"interval": "360"}, follow_redirects=True).get_data(as_text=True)
    assert "Ce flux sera lu toutes les 6 heures." in page and "Actif : relu toutes les 6 heures." in page
    with app.app_context():
        feed = CatalogueFeed.query.one()
        assert feed.interval_minutes == 360
        from marketplace.formatting import day_month_time

        with app.test_request_context():
            assert f"Prochaine lecture : {day_month_time(feed.next_run_at)}." in page
    page = client.post(f"{feed_url}/frequence", data={"interval": "5"}, follow_redirects=True).get_data(as_text=True)
    assert "Choisissez une fréquence de lecture dans la liste." in page
    page = client.post(f"{feed_url}/frequence", data={"interval": "0"}, follow_redirects=True).get_data(as_text=True)
    assert "Actif : relu à la demande seulement." in page
    assert "Pas de lecture prévue : le fichier est lu quand vous cliquez sur « Mettre à jour maintenant »." in page
    with app.app_context():
        assert CatalogueFeed.query.one().interval_minutes == 0 and CatalogueFeed.query.one().next_run_at is None
