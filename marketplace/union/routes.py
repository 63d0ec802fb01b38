"""Merchants' associations (unions commerciales): the territory admin's list, creation and final
word on new members; the managers' space (members, figures, top-up programmes, counters); a
shop's page to join; the public page. The rules live in marketplace/associations.py."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from marketplace import associations, counters, invitations, once, settings, short_addresses, topup_programmes
from marketplace.access import ADMIN, ASSOCIATION_MANAGER, AUTHENTICATED, PUBLIC, SHOP_OWNER, access
from marketplace.extensions import db
from marketplace.forms import ConfirmForm
from marketplace.gifts.counter_forms import CounterCreateForm, CounterSellerForm
from marketplace.gifts.programme_forms import OwnProgrammeForm
from marketplace.gifts.programme_pages import form_page, live_page, owned
from marketplace.models import (Association, AssociationInvitation, AssociationMember, CardCounter,
                                CardCounterInvitation, Commune, Shop, TopUpProgramme)
from marketplace.models.associations import AWAITING_ADMIN, INVITED, MEMBER, REQUESTED
from marketplace.union.forms import (AdminConfirmsForm, AssociationForm, DescriptionForm, InviteShopForm,
                                     ManagerForm)

bp = Blueprint("union", __name__)


def _association(association_id: int) -> Association:
    return db.get_or_404(Association, association_id)


def _membership(association_id: int, shop_id: int) -> AssociationMember:
    row = associations.membership(association_id, shop_id)
    if row is None:
        abort(404)
    return row


# --- The territory admin ------------------------------------------------------------------------------


def _commune_choices() -> list[tuple[str, str]]:
    return [(c.insee, c.name) for c in db.session.scalars(select(Commune).order_by(Commune.name))]


@bp.route("/admin/unions", methods=["GET", "POST"])
@access(ADMIN)
def admin_list():
    form = AdminConfirmsForm()
    if form.validate_on_submit():
        settings.set_association_members_need_admin(form.need_admin.data, actor=current_user)
        flash(gettext("Réglage enregistré."), "success")
        return redirect(url_for("union.admin_list"))
    form.need_admin.data = settings.association_members_need_admin()
    return render_template("union/admin_list.html", form=form, confirm=ConfirmForm(), csrf=FlaskForm(),
                           manager_form=ManagerForm(),
                           associations=db.session.scalars(select(Association).order_by(Association.name)).all(),
                           awaiting=associations.awaiting_admin())


@bp.route("/admin/unions/nouvelle", methods=["GET", "POST"])
@access(ADMIN)
def admin_new():
    form = AssociationForm()
    form.communes.choices = _commune_choices()
    if form.validate_on_submit():
        try:
            association = associations.create(name=form.name.data, commune_insees=form.communes.data,
                                              description=form.description.data or "",
                                              manager_email=form.manager_email.data, admin=current_user)
        except associations.AssociationError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Union commerciale créée."), "success")
            return redirect(url_for("union.admin_list", _anchor=f"union-{association.id}"))
    return render_template("union/admin_form.html", form=form)


@bp.route("/admin/unions/<int:association_id>/gestionnaires", methods=["POST"])
@access(ADMIN)
def admin_add_manager(association_id: int):
    """Another manager (the first one left, a second one helps)."""
    _add_manager(_association(association_id))
    return redirect(url_for("union.admin_list", _anchor=f"union-{association_id}"))


@bp.route("/admin/unions/adhesions/<int:membership_id>/confirmer", methods=["POST"])
@access(ADMIN)
def admin_confirm(membership_id: int):
    """The admin's last word on a membership both sides agreed to."""
    row = db.get_or_404(AssociationMember, membership_id)
    if FlaskForm().validate_on_submit() and row.status == AWAITING_ADMIN:
        associations.confirm(row, admin=current_user)
        flash(gettext("Adhésion confirmée."), "success")
    return redirect(url_for("union.admin_list"))


@bp.route("/admin/unions/adhesions/<int:membership_id>/refuser", methods=["POST"])
@access(ADMIN)
def admin_refuse(membership_id: int):
    row = db.get_or_404(AssociationMember, membership_id)
    if not ConfirmForm().validate_on_submit():
        flash(gettext("Cochez la case pour confirmer."), "error")
    elif row.status == AWAITING_ADMIN:
        associations.remove(row, by=current_user)
        flash(gettext("Adhésion refusée."), "success")
    return redirect(url_for("union.admin_list"))


# --- A manager's invitation ------------------------------------------------------------------------


@bp.route("/invitation-union/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def accept_invitation(token: str):
    invitation = invitations.find(AssociationInvitation, token)

    def accept():
        manager = associations.accept_invitation(invitation, current_user)
        flash(gettext("Vous gérez maintenant %(name)s.", name=invitation.association.name), "success")
        return redirect(url_for("union.dashboard", association_id=manager.association_id))

    return invitations.answer(
        invitation, accept=accept, title=lambda i: gettext("Gérer %(name)s", name=i.association.name),
        consent=lambda i: gettext("Vous êtes connecté avec l'adresse %(email)s. Acceptez l'invitation pour devenir "
                                  "gestionnaire de cette union commerciale.", email=current_user.email))


# --- The managers' space ---------------------------------------------------------------------------


@bp.route("/union/")
@access(AUTHENTICATED)
def mine():
    """halle.fr/union: the manager's association (see marketplace/short_addresses.py)."""
    return short_addresses.open_space(current_user, "association")


@bp.route("/union/<int:association_id>/", methods=["GET", "POST"])
@access(ASSOCIATION_MANAGER)
def dashboard(association_id: int):
    association = _association(association_id)
    form = DescriptionForm(obj=association)
    if form.validate_on_submit():
        try:
            associations.update(association, name=form.name.data, description=form.description.data or "",
                                by=current_user)
        except associations.AssociationError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Présentation enregistrée."), "success")
            return redirect(url_for("union.dashboard", association_id=association_id))
    rows = associations.figures(association_id)
    return render_template("union/dashboard.html", association=association, form=form, manager_form=ManagerForm(),
                           members=associations.members(association_id),
                           requests=associations.members(association_id, REQUESTED),
                           totals=associations.totals(rows), invitations=associations.pending_invitations(association_id),
                           revoke_form=FlaskForm())


@bp.route("/union/<int:association_id>/gestionnaires", methods=["POST"])
@access(ASSOCIATION_MANAGER)
def add_manager(association_id: int):
    _add_manager(_association(association_id))
    return redirect(url_for("union.dashboard", association_id=association_id))


@bp.route("/union/<int:association_id>/gestionnaires/invitations/<int:invitation_id>/retirer", methods=["POST"])
@access(ASSOCIATION_MANAGER)
def revoke_manager_invitation(association_id: int, invitation_id: int):
    association = _association(association_id)
    invitations.revoke_from_page(AssociationInvitation, invitation_id, owner=("association_id", association.id),
                                 target=association, action="association.revoke_invitation")
    return redirect(url_for("union.dashboard", association_id=association_id))


def _add_manager(association: Association) -> None:
    form = ManagerForm()
    if form.validate_on_submit():
        try:
            associations.name_manager(association, form.email.data, by=current_user)
        except associations.AssociationError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Gestionnaire ajouté ou invité."), "success")
    else:
        flash(" ".join(map(str, form.email.errors)) or gettext("E-mail du gestionnaire : obligatoire."), "error")


@bp.route("/union/<int:association_id>/membres", methods=["GET", "POST"])
@access(ASSOCIATION_MANAGER)
def members(association_id: int):
    association = _association(association_id)
    form = InviteShopForm()
    # Grouped by commune (<optgroup>): a closed list box shows the shop's name alone, which fits a phone.
    form.shop.choices = {}
    for shop in sorted(associations.invitable_shops(association), key=lambda s: (s.commune.name, s.name)):
        form.shop.choices.setdefault(shop.commune.name, []).append((shop.id, shop.name))
    if form.validate_on_submit():
        try:
            row = associations.invite_shop(association, form.shop.data, by=current_user)
        except associations.AssociationError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("%(shop)s est invité.", shop=row.shop.name) if row.status == INVITED
                  else gettext("%(shop)s a rejoint l'union.", shop=row.shop.name), "success")
            return redirect(url_for("union.members", association_id=association_id))
    return render_template("union/members.html", association=association, form=form, csrf=FlaskForm(),
                           confirm=ConfirmForm(), members=associations.members(association_id),
                           requests=associations.members(association_id, REQUESTED),
                           invited=associations.members(association_id, INVITED),
                           awaiting=associations.members(association_id, AWAITING_ADMIN))


@bp.route("/union/<int:association_id>/membres/<int:shop_id>/accepter", methods=["POST"])
@access(ASSOCIATION_MANAGER)
def approve(association_id: int, shop_id: int):
    row = _membership(association_id, shop_id)
    if FlaskForm().validate_on_submit() and row.status == REQUESTED:
        row = associations.approve(row, by=current_user)
        flash(gettext("%(shop)s a rejoint l'union.", shop=row.shop.name) if row.status == MEMBER else
              gettext("Demande acceptée : l'administration du territoire confirme l'adhésion de %(shop)s.",
                      shop=row.shop.name), "success")
    return redirect(url_for("union.members", association_id=association_id))


@bp.route("/union/<int:association_id>/membres/<int:shop_id>/retirer", methods=["POST"])
@access(ASSOCIATION_MANAGER)
def remove(association_id: int, shop_id: int):
    """Remove a member, decline a request, withdraw an invitation: the box ticked."""
    row = _membership(association_id, shop_id)
    if not ConfirmForm().validate_on_submit():
        flash(gettext("Cochez la case pour confirmer."), "error")
    else:
        name = row.shop.name
        associations.remove(row, by=current_user)
        flash(gettext("%(shop)s ne fait plus partie de l'union.", shop=name), "success")
    return redirect(url_for("union.members", association_id=association_id))


@bp.route("/union/<int:association_id>/chiffres")
@access(ASSOCIATION_MANAGER)
def figures(association_id: int):
    association = _association(association_id)
    rows = associations.figures(association_id)
    return render_template("union/figures.html", association=association, rows=rows,
                           totals=associations.totals(rows))


@bp.route("/union/<int:association_id>/chiffres.csv")
@access(ASSOCIATION_MANAGER)
def figures_csv(association_id: int):
    association = _association(association_id)
    return Response(associations.figures_csv(associations.figures(association_id)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="chiffres-{association.slug}.csv"'})


@bp.route("/union/<int:association_id>/programmes")
@access(ASSOCIATION_MANAGER)
def programmes(association_id: int):
    association = _association(association_id)
    rows = db.session.scalars(select(TopUpProgramme).where(TopUpProgramme.association_id == association_id)
                              .order_by(TopUpProgramme.starts_on.desc())).all()
    return render_template("union/programmes.html", association=association, programmes=rows,
                           figures={p.id: topup_programmes.figures(p) for p in rows})


@bp.route("/union/<int:association_id>/programmes/nouveau", methods=["GET", "POST"])
@access(ASSOCIATION_MANAGER)
def new_programme(association_id: int):
    return form_page(OwnProgrammeForm(), None, terms=lambda form: form.terms(association_id=association_id),
                     done=_live_url, template="union/programme_form.html", association=_association(association_id))


def _live_url(programme: TopUpProgramme) -> str:
    return url_for("union.programme", association_id=programme.association_id, programme_id=programme.id)


@bp.route("/union/<int:association_id>/programmes/<int:programme_id>/modifier", methods=["GET", "POST"])
@access(ASSOCIATION_MANAGER)
def edit_programme(association_id: int, programme_id: int):
    """Change the association's programme: a new budget moves the difference (never below what was used)."""
    programme = owned(programme_id, association_id=association_id)
    return form_page(OwnProgrammeForm(obj=programme), programme,
                     terms=lambda form: form.terms(association_id=association_id), done=_live_url,
                     template="union/programme_form.html", association=programme.association)


@bp.route("/union/<int:association_id>/programmes/<int:programme_id>")
@access(ASSOCIATION_MANAGER)
def programme(association_id: int, programme_id: int):
    row = owned(programme_id, association_id=association_id)
    return live_page(row, association=row.association, back_url=url_for("union.programmes", association_id=association_id),
                     edit_url=url_for("union.edit_programme", association_id=association_id, programme_id=programme_id))


def _counter(association_id: int, counter_id: int) -> CardCounter:
    counter = db.session.get(CardCounter, counter_id)
    if counter is None or counter.association_id != association_id:
        abort(404)
    return counter


@bp.route("/union/<int:association_id>/guichets", methods=["GET", "POST"])
@access(ASSOCIATION_MANAGER)
def counters_page(association_id: int):
    association = _association(association_id)
    form = CounterCreateForm()
    form.commune.choices = [(c.insee, c.name) for c in association.communes]
    if form.validate_on_submit():
        if (earlier := once.claim(form, url_for("union.counters_page", association_id=association_id))) is not None:
            return earlier
        counters.create_counter(name=form.name.data, commune_insee=form.commune.data, admin=current_user,
                                association=association)
        flash(gettext("Point de vente créé : ajoutez ses vendeurs."), "success")
        return redirect(url_for("union.counters_page", association_id=association_id))
    listed = associations.counters_of(association_id)
    return render_template("union/counters.html", association=association, form=form, seller_form=CounterSellerForm(),
                           counters=listed, revoke_form=FlaskForm(),
                           pending=counters.pending_by_counter(c.id for c in listed))


@bp.route("/union/<int:association_id>/guichets/<int:counter_id>/vendeurs", methods=["POST"])
@access(ASSOCIATION_MANAGER)
def add_seller(association_id: int, counter_id: int):
    counter = _counter(association_id, counter_id)
    form = CounterSellerForm()
    if form.validate_on_submit():
        try:
            added = counters.add_or_invite_seller(counter, form.email.data, by=current_user)
        except counters.CounterError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(counters.seller_added_message(added, counter), "success")
    else:
        flash(" ".join(map(str, form.email.errors)) or gettext("Indiquez l'e-mail du vendeur."), "error")
    return redirect(url_for("union.counters_page", association_id=association_id))


@bp.route("/union/<int:association_id>/guichets/<int:counter_id>/invitations/<int:invitation_id>/retirer",
          methods=["POST"])
@access(ASSOCIATION_MANAGER)
def revoke_seller_invitation(association_id: int, counter_id: int, invitation_id: int):
    counter = _counter(association_id, counter_id)
    invitations.revoke_from_page(CardCounterInvitation, invitation_id, owner=("counter_id", counter.id),
                                 target=counter, action="counter.revoke_invitation")
    return redirect(url_for("union.counters_page", association_id=association_id))


# --- A shop's page --------------------------------------------------------------------------------------


@bp.route("/boutique/<int:shop_id>/unions")
@access(SHOP_OWNER)
def shop_associations(shop_id: int):
    shop = db.session.get(Shop, shop_id)
    return render_template("union/shop.html", shop=shop, rows=associations.for_shop(shop), csrf=FlaskForm(),
                           confirm=ConfirmForm())


@bp.route("/boutique/<int:shop_id>/unions/<int:association_id>/adherer", methods=["POST"])
@access(SHOP_OWNER)
def join(shop_id: int, association_id: int):
    shop, association = db.session.get(Shop, shop_id), _association(association_id)
    if association not in [a for a, _row in associations.for_shop(shop)]:
        abort(404)
    if FlaskForm().validate_on_submit():
        row = associations.ask_to_join(association, shop, by=current_user)
        flash({REQUESTED: gettext("Demande envoyée aux gestionnaires de %(name)s.", name=association.name),
               AWAITING_ADMIN: gettext("Accepté : l'administration du territoire confirme l'adhésion."),
               MEMBER: gettext("Votre commerce est membre de %(name)s.", name=association.name)}.get(
            row.status, ""), "success")
    return redirect(url_for("union.shop_associations", shop_id=shop_id))


@bp.route("/boutique/<int:shop_id>/unions/<int:association_id>/quitter", methods=["POST"])
@access(SHOP_OWNER)
def leave(shop_id: int, association_id: int):
    row = _membership(association_id, shop_id)
    if not ConfirmForm().validate_on_submit():
        flash(gettext("Cochez la case pour confirmer."), "error")
    else:
        associations.remove(row, by=current_user)
        flash(gettext("Votre commerce ne fait plus partie de cette union."), "success")
    return redirect(url_for("union.shop_associations", shop_id=shop_id))


# --- Public ----------------------------------------------------------------------------------------------


@bp.route("/unions/")
@access(PUBLIC)
def public_list():
    return render_template("union/public_list.html",
                           associations=db.session.scalars(select(Association).order_by(Association.name)).all())


@bp.route("/unions/<slug>")
@access(PUBLIC)
def public_page(slug: str):
    association = db.first_or_404(select(Association).where(Association.slug == slug))
    today = counters.today()
    running = [p for p in topup_programmes.running(today) if p.association_id == association.id]
    return render_template("union/public.html", association=association,
                           members=[r for r in associations.members(association.id) if r.shop.status == "approved"],
                           programmes=running, counters=associations.counters_of(association.id))
