"""The pages every owner's space shares for its top-up programmes (the territory admin's, a
merchants' association's, a commune's): the create/edit form and the live page. Each space says
which form, which owner and where to go; the rules stay in marketplace/topup_programmes.py."""
from typing import Callable

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from marketplace import once, topup_programmes
from marketplace.extensions import db
from marketplace.gifts.programme_forms import ProgrammeForm, fill
from marketplace.models import Commune, TopUpProgramme
from marketplace.topup_programmes import ProgrammeTerms


def owned(programme_id: int, *, association_id: int | None = None, commune_insee: str | None = None) -> TopUpProgramme:
    """The owner's own programme (an association's, a commune's); another owner's, the territory's
    too: 404, nothing of it shows."""
    row = db.session.get(TopUpProgramme, programme_id)
    if row is None or (row.association_id, row.commune_insee) != (association_id, commune_insee):
        abort(404)
    return row


def form_page(form: ProgrammeForm, programme: TopUpProgramme | None, *, terms: Callable[[ProgrammeForm], ProgrammeTerms],
              done: Callable[[TopUpProgramme], str], template: str, **context):
    """Create (`programme` None) or change a programme: the stored values on GET; on a valid POST,
    `terms(form)` saved (a new budget moves the difference, never below what was used) and off to
    `done(programme)`; a refusal is flashed and nothing changes. A creation happens once per form
    (its one-time token): the same form sent again leads to the first one's programme."""
    if programme is not None and not form.is_submitted():
        fill(form, programme)
    elif form.validate_on_submit():
        try:
            if programme is None:
                if (earlier := once.claim(form, request.path)) is not None:
                    return earlier
                saved = topup_programmes.create(terms(form), admin=current_user,
                                                created=lambda new: once.leads_to(form, done(new)))
            else:
                saved = topup_programmes.update(programme.id, terms(form), admin=current_user)
        except topup_programmes.ProgrammeError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Programme créé.") if programme is None else gettext("Programme enregistré."), "success")
            return redirect(done(saved))
    return render_template(template, form=form, programme=programme, **context)


def live_page(programme: TopUpProgramme, *, back_url: str, edit_url: str, **context):
    """The programme's live page: budget used and left, where its top-ups were spent."""
    codes = programme.allowed_communes or []
    names = dict(db.session.execute(select(Commune.insee, Commune.name).where(Commune.insee.in_(codes))).all())
    return render_template("gifts/programme.html", programme=programme, figures=topup_programmes.figures(programme),
                           commune_names=[names.get(c, c) for c in codes],
                           back_url=back_url, edit_url=edit_url, **context)
