"""Unmet demand: text searches that the territory's catalogue cannot answer.

A search is unmet when its words find nothing anywhere in the territory: one emptied by the
"Ouvert maintenant" filter or by a narrow radius around the resident's commune is not, when the
territory sells it. The report groups the ways of typing one search ("creme brulee",
"Crème brûlée", "crème-brûlée") under its most frequent spelling.
"""
from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.territory import fold
from search.models import UnmetSearch
from search.query import SearchQuery


class UnmetRow(NamedTuple):
    text: str  # as most often typed
    count: int
    last: datetime


def record_if_unmet(query: SearchQuery, total: int) -> None:
    """Record, in a background job, a first page of text results that found nothing: the page
    answers without the extra search and the insert + commit (~7 % of its time)."""
    if not query.text or total or query.page != 1:
        return
    from marketplace import jobs

    jobs.enqueue(record_unmet_search, dict(vars(query)))


def record_unmet_search(fields: dict) -> None:
    """Job: record the search (SearchQuery fields) unless the same words without the opening-hours
    filter and across the whole territory find something."""
    from search import get_backend, reference_data

    query = SearchQuery(**fields)
    wider = query.but(radius_km=None, open_now=False)
    if wider != query and get_backend().search(wider, reference_data()).total:
        return
    db.session.add(UnmetSearch(text=" ".join(query.text.lower().split())[:200], commune_insee=query.commune,
                               radius_km=query.radius_km))
    db.session.commit()


def unmet_report(limit: int = 100) -> list[UnmetRow]:
    """(search as most often typed, how many times, last time), most asked first; the spellings
    that differ only by case, accents, hyphens or apostrophes count as one search."""
    rows = db.session.execute(
        select(UnmetSearch.text, func.count(), func.max(UnmetSearch.created_at)).group_by(UnmetSearch.text)
    ).all()
    groups = defaultdict(list)
    for text, count, last in rows:
        groups[fold(text)].append((text, count, last))
    report = []
    for spellings in groups.values():
        shown = max(spellings, key=lambda row: (row[1], row[2]))[0]
        report.append(UnmetRow(shown, sum(row[1] for row in spellings), max(row[2] for row in spellings)))
    report.sort(key=lambda row: (-row.count, fold(row.text)))
    return report[:limit]
