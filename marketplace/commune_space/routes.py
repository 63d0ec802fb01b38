"""A commune's own top-up programmes: the territory admin names and removes the commune's
programme managers; a manager (/commune-gestion/<insee>/…) lists, creates and changes the
programmes owned by their commune and sees their live page. The rules live in
marketplace/commune_managers.py and marketplace/topup_programmes.py."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace import commune_managers, invitations, short_addresses, topup_programmes
from marketplace.access import ADMIN, AUTHENTICATED, COMMUNE_MANAGER, PUBLIC, access
from marketplace.extensions import db
from marketplace.forms import ConfirmForm
from marketplace.gifts.programme_forms import OwnProgrammeForm
from marketplace.gifts.programme_pages import form_page, live_page, owned
from marketplace.models import Commune, CommuneInvitation, CommuneManager, TopUpProgramme
from marketplace.union.forms import ManagerForm

bp = Blueprint("commune_space", __name__)


def _commune(insee: str) -> Commune:
    return db.get_or_404(Commune, insee)


# --- The territory admin ------------------------------------------------------------------------------


@bp.route("/admin/communes/<insee>/gestionnaires", methods=["GET", "POST"])
@access(ADMIN)
def admin_managers(insee: str):
    commune = _commune(insee)
    form = ManagerForm()
    if form.validate_on_submit():
        try:
            commune_managers.name_manager(commune, form.email.data, by=current_user)
        except commune_managers.CommuneManagerError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Gestionnaire ajouté ou invité."), "success")
            return redirect(url_for("commune_space.admin_managers", insee=insee))
    return render_template("commune_space/admin_managers.html", commune=commune, form=form, confirm=ConfirmForm(),
                           managers=commune_managers.managers(insee),
                           invitations=commune_managers.pending_invitations(insee), revoke_form=FlaskForm(),
                           programmes=commune_managers.programmes(insee))


@bp.route("/admin/communes/<insee>/gestionnaires/invitations/<int:invitation_id>/retirer", methods=["POST"])
@access(ADMIN)
def admin_revoke_invitation(insee: str, invitation_id: int):
    commune = _commune(insee)
    invitations.revoke_from_page(CommuneInvitation, invitation_id, owner=("commune_insee", commune.insee),
                                 target=commune, action="commune.revoke_invitation")
    return redirect(url_for("commune_space.admin_managers", insee=insee))


@bp.route("/admin/communes/<insee>/gestionnaires/<int:manager_id>/retirer", methods=["POST"])
@access(ADMIN)
def admin_remove_manager(insee: str, manager_id: int):
    manager = db.session.get(CommuneManager, manager_id)
    if manager is None or manager.commune_insee != insee:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        flash(gettext("Cochez la case pour confirmer."), "error")
    else:
        email = manager.user.email
        commune_managers.remove_manager(manager, by=current_user)
        flash(gettext("%(email)s ne gère plus les programmes de la commune.", email=email), "success")
    return redirect(url_for("commune_space.admin_managers", insee=insee))


# --- A manager's invitation ------------------------------------------------------------------------


@bp.route("/invitation-commune/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def accept_invitation(token: str):
    invitation = invitations.find(CommuneInvitation, token)

    def accept():
        manager = commune_managers.accept_invitation(invitation, current_user)
        flash(gettext("Vous gérez maintenant les programmes de %(name)s.", name=invitation.commune.name), "success")
        return redirect(url_for("commune_space.programmes", insee=manager.commune_insee))

    return invitations.answer(
        invitation, accept=accept, title=lambda i: gettext("Gérer les programmes de %(name)s", name=i.commune.name),
        consent=lambda i: gettext("Vous êtes connecté avec l'adresse %(email)s. Acceptez l'invitation pour gérer les "
                                  "programmes d'abondement de cette commune.", email=current_user.email))


# --- The managers' space ---------------------------------------------------------------------------


@bp.route("/commune-gestion/")
@access(AUTHENTICATED)
def mine():
    """halle.fr/commune-gestion: the manager's commune (see marketplace/short_addresses.py)."""
    return short_addresses.open_space(current_user, "commune")


@bp.route("/commune-gestion/<insee>/")
@access(COMMUNE_MANAGER)
def programmes(insee: str):
    rows = commune_managers.programmes(insee)
    return render_template("commune_space/programmes.html", commune=_commune(insee), programmes=rows,
                           figures={p.id: topup_programmes.figures(p) for p in rows})


@bp.route("/commune-gestion/<insee>/programmes/nouveau", methods=["GET", "POST"])
@access(COMMUNE_MANAGER)
def new_programme(insee: str):
    return form_page(OwnProgrammeForm(), None, terms=lambda form: form.terms(commune_insee=insee), done=_live_url,
                     template="commune_space/programme_form.html", commune=_commune(insee))


def _live_url(programme: TopUpProgramme) -> str:
    return url_for("commune_space.programme", insee=programme.commune_insee, programme_id=programme.id)


@bp.route("/commune-gestion/<insee>/programmes/<int:programme_id>/modifier", methods=["GET", "POST"])
@access(COMMUNE_MANAGER)
def edit_programme(insee: str, programme_id: int):
    """Change the commune's programme: a new budget moves the difference (never below what was used)."""
    programme = owned(programme_id, commune_insee=insee)
    return form_page(OwnProgrammeForm(obj=programme), programme, terms=lambda form: form.terms(commune_insee=insee),
                     done=_live_url, template="commune_space/programme_form.html", commune=programme.commune)


@bp.route("/commune-gestion/<insee>/programmes/<int:programme_id>")
@access(COMMUNE_MANAGER)
def programme(insee: str, programme_id: int):
    row = owned(programme_id, commune_insee=insee)
    return live_page(row, commune_space=row.commune, back_url=url_for("commune_space.programmes", insee=insee),
                     edit_url=url_for("commune_space.edit_programme", insee=insee, programme_id=programme_id))
