"""The index outbox: every product, shop or category change writes a row in the same
transaction, and one indexer at a time drains the rows into the index.

Session events do the writing, so callers never have to remember. Bulk statements
(`session.execute(insert(Product), rows)`) bypass the ORM events: callers that use them call
`enqueue_products` (or rebuild the index afterwards).
"""
import logging

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import delete, event, insert, select

from marketplace.models import Category, Product, Shop
from search.models import IndexOutbox

log = logging.getLogger(__name__)

_KINDS = ((Product, "product"), (Shop, "shop"), (Category, "category"))


def _changes(session) -> list[dict]:
    rows = set()
    for obj in list(session.new) + list(session.deleted):
        for model, kind in _KINDS:
            if isinstance(obj, model) and not (kind == "category" and obj in session.new):
                rows.add((kind, obj.id))  # (a new category has no products yet)
    for obj in session.dirty:
        for model, kind in _KINDS:
            if isinstance(obj, model) and session.is_modified(obj, include_collections=False):
                rows.add((kind, obj.id))
    return [{"kind": kind, "entity_id": entity_id} for kind, entity_id in rows if entity_id is not None]


def _outbox_in_use() -> bool:
    from flask import current_app, has_app_context

    import search

    return not has_app_context() or search.uses_outbox(current_app)


def _after_flush(session, flush_context):
    if not _outbox_in_use():
        return
    rows = _changes(session)
    if rows:
        session.connection().execute(insert(IndexOutbox), rows)


def register_session_events() -> None:
    if not event.contains(FlaskSession, "after_flush", _after_flush):
        event.listen(FlaskSession, "after_flush", _after_flush)


def enqueue_products(session, product_ids) -> None:
    """For bulk writes that bypass the ORM: mark these products for (re)indexing."""
    if not _outbox_in_use():
        return
    rows = [{"kind": "product", "entity_id": pid} for pid in set(product_ids)]
    for start in range(0, len(rows), 1000):
        session.execute(insert(IndexOutbox), rows[start:start + 1000])


def pending_count(session) -> int:
    from sqlalchemy import func

    return session.execute(select(func.count()).select_from(IndexOutbox)).scalar_one()


def take_batch(session, limit: int) -> tuple[list[int], set[int]]:
    """The oldest outbox rows: (their ids, the product ids they concern)."""
    from search.documents import product_ids_of_category, product_ids_of_shop

    rows = session.execute(select(IndexOutbox).order_by(IndexOutbox.id).limit(limit)).scalars().all()
    product_ids = set()
    for row in rows:
        if row.kind == "product":
            product_ids.add(row.entity_id)
        elif row.kind == "shop":
            product_ids.update(product_ids_of_shop(session, row.entity_id))
        elif row.kind == "category":
            product_ids.update(product_ids_of_category(session, row.entity_id))
    return [row.id for row in rows], product_ids


def acknowledge(session, row_ids: list[int]) -> None:
    for start in range(0, len(row_ids), 500):
        session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(row_ids[start:start + 500])))
    session.commit()


def drop_all(session) -> None:
    session.execute(delete(IndexOutbox))
    session.commit()
