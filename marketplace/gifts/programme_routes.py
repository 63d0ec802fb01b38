"""The territory admin's top-up programmes: list, create, change, and the live page (budget
used and left, where the top-ups were spent). Registered on the gifts blueprint."""
from flask import render_template, url_for
from flask_babel import gettext
from sqlalchemy import select

from marketplace import topup_programmes
from marketplace.access import ADMIN, access
from marketplace.campaigns import category_choices
from marketplace.extensions import db
from marketplace.gifts.blueprint import bp
from marketplace.gifts.programme_forms import ProgrammeForm
from marketplace.gifts.programme_pages import form_page, live_page
from marketplace.models import Association, Commune, TopUpProgramme


def _form(**kwargs) -> ProgrammeForm:
    communes = [(c.insee, c.name) for c in db.session.scalars(select(Commune).order_by(Commune.name))]
    # Grouped (<optgroup>): a closed list box shows the name alone, which fits a phone's width.
    owners = {gettext("Communes"): [(f"commune:{insee}", name) for insee, name in communes],
              gettext("Unions commerciales"): [(f"union:{a.id}", a.name) for a in db.session.scalars(
                  select(Association).order_by(Association.name))]}
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
    return form_page(_form(), None, terms=lambda form: form.terms(), done=_live_url,
                     template="gifts/programme_form.html")


@bp.route("/admin/programmes-abondement/<int:programme_id>/modifier", methods=["GET", "POST"])
@access(ADMIN)
def edit_programme(programme_id: int):
    programme = db.get_or_404(TopUpProgramme, programme_id)
    return form_page(_form(obj=programme), programme, terms=lambda form: form.terms(), done=_live_url,
                     template="gifts/programme_form.html")


def _live_url(programme: TopUpProgramme) -> str:
    return url_for("gifts.programme", programme_id=programme.id)


@bp.route("/admin/programmes-abondement/<int:programme_id>")
@access(ADMIN)
def programme(programme_id: int):
    return live_page(db.get_or_404(TopUpProgramme, programme_id), back_url=url_for("gifts.programmes"),
                     edit_url=url_for("gifts.edit_programme", programme_id=programme_id))
