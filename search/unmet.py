"""Unmet demand: text searches that the territory's catalogue cannot answer.

A search is unmet when its words find nothing anywhere in the territory: one emptied by the
"Ouvert maintenant" filter or by a narrow radius around the resident's commune is not, when the
territory sells it. The report groups the ways of typing one search ("creme brulee",
"Crème brûlée", "crème-brûlée") under its most frequent spelling.
"""
import itertools
import json
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models.base import utcnow
from marketplace.territory import fold
from search.models import UnmetSearch
from search.query import SearchQuery

log = logging.getLogger(__name__)

# With Redis, the unmet searches wait in this list (one JSON object of SearchQuery fields each) for
# the periodic job drain_unmet_searches: one command on the request's path instead of an RQ job
# (~0.6 ms of the page's CPU against ~0.1 ms).
PENDING_KEY = "halle:unmet-searches"
DRAIN_BATCH = 500


class UnmetRow(NamedTuple):
    text: str  # as most often typed
    count: int
    last: datetime


def record_if_unmet(query: SearchQuery, total: int) -> None:
    """Record, off the request's path, a first page of text results that found nothing: the page
    answers without the extra search and the insert + commit (~7 % of its time). With Redis, the
    search waits in a list for drain_unmet_searches; without it, a job records it."""
    if not query.text or total or query.page != 1:
        return
    from marketplace import jobs

    if jobs.backend() == "rq":
        from redis.exceptions import RedisError

        try:
            jobs.redis_connection().rpush(PENDING_KEY, json.dumps(vars(query)))
        except RedisError:  # the resident still gets the page; only the report misses the search
            log.warning("unmet search not recorded: Redis is unreachable", exc_info=True)
    else:
        jobs.enqueue(record_unmet_search, dict(vars(query)))


def record_unmet_search(fields: dict) -> None:
    """Job: record the search (SearchQuery fields), see _add_if_unmet."""
    _add_if_unmet(SearchQuery(**fields), {})
    db.session.commit()


def drain_unmet_searches() -> int:
    """The periodic job: record the searches waiting in Redis (PENDING_KEY); returns how many were
    recorded. One drain at a time (a lock); a batch leaves the list once its rows are committed, so
    a drain that fails records it at the next run, and only a crash between the commit and the
    list's trim records a batch twice. An entry that is not a search is logged and dropped."""
    from marketplace import jobs

    if jobs.backend() != "rq":
        return 0  # record_if_unmet ran a job for each search
    redis = jobs.redis_connection()
    lock = redis.lock(f"{PENDING_KEY}:lock", timeout=600)
    if not lock.acquire(blocking=False):
        return 0  # another drain is at work
    recorded = 0
    try:
        while entries := redis.lrange(PENDING_KEY, 0, DRAIN_BATCH - 1):
            wider_totals = {}  # a batch often holds the same words several times
            for entry in entries:
                try:
                    query = SearchQuery(**json.loads(entry))
                except (ValueError, TypeError):
                    log.error("unmet search dropped, not a search: %r", entry[:200])
                    continue
                recorded += _add_if_unmet(query, wider_totals)
            db.session.commit()
            redis.ltrim(PENDING_KEY, len(entries), -1)
    finally:
        lock.release()
    return recorded


def _add_if_unmet(query: SearchQuery, wider_totals: dict) -> bool:
    """Add the search's row unless the same words without the opening-hours filter and across the
    whole territory find something (`wider_totals`: those already searched)."""
    from search import get_backend, reference_data

    wider = query.but(radius_km=None, open_now=False)
    if wider != query:
        if wider not in wider_totals:
            wider_totals[wider] = get_backend().search(wider, reference_data()).total
        if wider_totals[wider]:
            return False
    db.session.add(UnmetSearch(text=" ".join(query.text.lower().split())[:200], commune_insee=query.commune,
                               radius_km=query.radius_km))
    return True


def unmet_report(limit: int = 100, since: datetime | None = None) -> list[UnmetRow]:
    """(search as most often typed, how many times, last time), most asked first; the spellings
    that differ only by case, accents, hyphens or apostrophes count as one search. `since`: only
    the searches made from then on."""
    statement = select(UnmetSearch.text, func.count(), func.max(UnmetSearch.created_at)).group_by(UnmetSearch.text)
    if since is not None:
        statement = statement.where(UnmetSearch.created_at >= since)
    rows = db.session.execute(statement).all()
    groups = defaultdict(list)
    for text, count, last in rows:
        groups[fold(text)].append((text, count, last))
    report = []
    for spellings in groups.values():
        shown = max(spellings, key=lambda row: (row[1], row[2]))[0]
        report.append(UnmetRow(shown, sum(row[1] for row in spellings), max(row[2] for row in spellings)))
    report.sort(key=lambda row: (-row.count, fold(row.text)))
    return report[:limit]


def wanted_by_residents(days: int = 30, at_least: int = 3, limit: int = 5) -> list[UnmetRow]:
    """What residents searched for at least `at_least` times in the last `days` days and the
    territory still does not sell (searched again now: a shop may have listed it since), for the
    shops' dashboards: demand they could answer. A search typed fewer times is left out, as a
    name or an address might be."""
    from search import get_backend, reference_data

    backend, data = get_backend(), reference_data()
    asked = [row for row in unmet_report(limit=50, since=utcnow() - timedelta(days=days)) if row.count >= at_least]
    still_unmet = (row for row in asked if not backend.search(SearchQuery(text=row.text), data).total)
    return list(itertools.islice(still_unmet, limit))  # searched one by one, up to `limit` found


# The demo territory's residents have searched for these and found nothing (how many times each).
DEMO_DEMAND = (("farine de sarrasin", 5), ("kombucha", 5), ("Kombucha", 1), ("tempeh", 4), ("sirop d'érable", 3))


def seed_demo_demand() -> int:
    """The demo's unmet searches, spread over the last three weeks, once (an empty table only):
    the admin's report and the shops' dashboards have something to show."""
    if db.session.scalar(select(func.count()).select_from(UnmetSearch)):
        return 0
    now = utcnow()
    rows = [UnmetSearch(text=text.lower(), created_at=now - timedelta(days=(3 * n + len(text)) % 21, hours=n))
            for text, times in DEMO_DEMAND for n in range(times)]
    db.session.add_all(rows)
    db.session.commit()
    return len(rows)
