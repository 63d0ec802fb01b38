"""A creation form sent twice creates once (a double click: two concurrent POSTs; back +
resubmit): the form's one-time token (marketplace.forms.OnceForm) is claimed as a unique row
(FormSubmission) in the same transaction as what it creates. The second submission finds it
claimed, creates nothing and goes where the first one went, with « Déjà enregistré. ».

    if (done := once.claim(form, url_for(...))):   # before creating anything
        return done
    ... create (its commit keeps the claim; a rollback frees the token for a corrected resubmit)

When the destination depends on what is made (its id), `leads_to` records it before that commit.
"""
from datetime import timedelta

from flask import flash, redirect
from flask_babel import gettext
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from marketplace.extensions import db
from marketplace.forms import OnceForm
from marketplace.models import FormSubmission
from marketplace.models.base import utcnow

KEPT_FOR = timedelta(days=2)


def claim(form: OnceForm, url: str) -> Response | None:
    """Claim the form's token in the current transaction (left pending: the creation's commit keeps
    it), leading to `url`. None: go on and create. Already claimed: nothing is created; a redirect
    to where the first submission went. Concurrent twins: the unique row makes the second wait for
    the first's commit, then fail here."""
    token = form.once.data
    db.session.add(FormSubmission(token=token, url=url[:500]))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        earlier = db.session.get(FormSubmission, token)
        flash(gettext("Déjà enregistré."), "info")
        return redirect(earlier.url if earlier is not None and earlier.url else url)
    return None


def claimed(token: str) -> bool:
    """Whether the token was claimed already (a form sent again)."""
    return db.session.get(FormSubmission, token) is not None


def leads_to(form: OnceForm, url: str) -> None:
    """Where the claimed submission leads, once what it creates has its address (kept by the
    creation's commit, so that a twin waiting on the claim goes there too)."""
    row = db.session.get(FormSubmission, form.once.data)
    if row is not None:
        row.url = url[:500]


def forget_old() -> int:
    """Delete the tokens older than KEPT_FOR: nobody resubmits a form days later (and if one did,
    their page's CSRF token would have expired first)."""
    deleted = db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEPT_FOR))
    db.session.commit()
    return deleted.rowcount
