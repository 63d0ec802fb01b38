"""The audit log of admin actions: who did what, when, and the state before and after.

`record` adds the event to the session; it is committed with the change it describes. The summary
is written once, in French, for the record: a value that has a code (a report reason, a status) goes
in `before`/`after` as its code, not as a label translated into the language of whoever acted.
"""
import json

from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import or_, select

from marketplace.exports import csv_document
from marketplace.extensions import db
from marketplace.models import AuditEvent


def record(action: str, target, *, summary: str = "", before: dict | None = None, after: dict | None = None,
           actor=None) -> AuditEvent:
    """Log `action` ("shop.suspend") on `target` (a model instance, or None for the territory as
    a whole) by `actor` (default: the logged-in user, else "system")."""
    actor = actor if actor is not None else (current_user if current_user and current_user.is_authenticated
                                             else None)
    event = AuditEvent(actor_id=getattr(actor, "id", None), actor=getattr(actor, "email", "system"),
                       action=action, target_type=type(target).__name__ if target is not None else "Territory",
                       target_id=getattr(target, "id", None),
                       summary=summary[:500], before=before, after=after)
    db.session.add(event)
    return event


def search_events(text: str = "", limit: int | None = 200) -> list[AuditEvent]:
    """The latest events whose actor, action, target or summary contains `text`."""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    text = (text or "").strip()
    if text:
        pattern = f"%{text}%"
        query = query.where(or_(AuditEvent.actor.ilike(pattern), AuditEvent.action.ilike(pattern),
                                AuditEvent.target_type.ilike(pattern), AuditEvent.summary.ilike(pattern)))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def events_csv(events: list[AuditEvent]) -> str:
    """The header in the reader's language; each event's summary as it was written."""
    header = [gettext("date (UTC)"), gettext("auteur"), gettext("action"), gettext("objet"), "id",
              gettext("résumé"), gettext("avant"), gettext("après")]
    return csv_document([header, *([e.created_at.isoformat(timespec="seconds"), e.actor, e.action, e.target_type,
                                    e.target_id, e.summary,
                                    json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                                    json.dumps(e.after, ensure_ascii=False) if e.after is not None else ""]
                                   for e in events)])
