"""The territory admin's top-up programmes: list, create, change, and the live page (budget
used and left, where the top-ups were spent). Registered on the gifts blueprint."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from marketplace import topup_programmes
from marketplace.access import ADMIN, access
from marketplace.campaigns import category_choices
from marketplace.extensions import db
from marketplace.gifts.programme_forms import ProgrammeForm, fill
from marketplace.gifts.blueprint import bp
from marketplace.models import Association, Commune, TopUpProgramme


def _form(**kwargs) -> ProgrammeForm:
    communes = [(c.insee, c.name) for c in db.session.scalars(select(Commune).order_by(Commune.name))]
    owners = [(f"commune:{insee}", gettext("Commune : %(name)s", name=name)) for insee, name in communes]
    owners += [(f"union:{a.id}", gettext("Union commerciale : %(name)s", name=a.name))
               for a in db.session.scalars(select(Association).order_by(Association.name))]
    return ProgrammeForm(category_choices=category_choices(), commune_choices=communes, owner_choices=owners, **kwargs)


@bp.route("/admin/programmes-abondement")
@access(ADMIN)
def programmes():
    rows = db.session.scalars(select(TopUpProgramme).order_by(TopUpProgramme.starts_on.desc())).all()
    return render_template("gifts/programmes.html", programmes=rows,
                           figures={p.id: topup_programmes.figures(p) for p in rows})


@bp.route("/admin/programmes-abondement/nouveau", methods=["GET", "POST"])
@access(ADMIN)
def new_programme():
    form = _form()
    if form.validate_on_submit():
        try:
            programme = topup_programmes.create(form.terms(), admin=current_user)
        except topup_programmes.ProgrammeError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Programme créé."), "success")
            return redirect(url_for("gifts.programme", programme_id=programme.id))
    return render_template("gifts/programme_form.html", form=form, programme=None)


@bp.route("/admin/programmes-abondement/<int:programme_id>/modifier", methods=["GET", "POST"])
@access(ADMIN)
def edit_programme(programme_id: int):
    programme = db.get_or_404(TopUpProgramme, programme_id)
    form = _form(obj=programme)
    if not form.is_submitted():
        fill(form, programme)
    elif form.validate_on_submit():
        try:
            topup_programmes.update(programme_id, form.terms(), admin=current_user)
        except topup_programmes.ProgrammeError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Programme enregistré."), "success")
            return redirect(url_for("gifts.programme", programme_id=programme_id))
    return render_template("gifts/programme_form.html", form=form, programme=programme)


@bp.route("/admin/programmes-abondement/<int:programme_id>")
@access(ADMIN)
def programme(programme_id: int):
    row = db.get_or_404(TopUpProgramme, programme_id)
    communes = dict(db.session.execute(select(Commune.insee, Commune.name)).all())
    return render_template("gifts/programme.html", programme=row, figures=topup_programmes.figures(row),
                           commune_names=[communes.get(c, c) for c in row.allowed_communes or []],
                           back_url=url_for("gifts.programmes"),
                           edit_url=url_for("gifts.edit_programme", programme_id=programme_id))
