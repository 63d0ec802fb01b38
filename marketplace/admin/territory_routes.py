"""The territory's management pages: communes, the category tree, administrators."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from marketplace import admins as admin_service
from marketplace import audit, lockers, once, product_reports, settings, taxonomy, territory_import
from marketplace.access import ADMIN, access
from marketplace.admin.blueprint import bp
from marketplace.admin.territory_forms import (AddAdminForm, CardSettingsForm, CategoryForm, CommuneImportForm,
                                               MergeCategoryForm, MoveCategoryForm, RenameCategoryForm)
from marketplace.extensions import db
from marketplace.forms import ButtonForm, ConfirmForm
from marketplace.i18n import lazy_gettext
from marketplace.models import Category, Commune, OrderShop, Product, ProductReport, Shop, User
from marketplace.request_guard import int_arg
from marketplace.text_search import whole_text_in

COMMUNES_PER_PAGE = 50


@bp.route("/communes", methods=["GET", "POST"])
@access(ADMIN)
def communes():
    form = CommuneImportForm()
    if form.validate_on_submit():
        epcis, departements = form.codes(form.epci.data), form.codes(form.departements.data)
        try:
            result = territory_import.import_territory(epcis, departements)
        except ValueError as error:
            db.session.rollback()
            form.epci.errors.append(str(error))
        else:
            audit.record("territory.import", None, summary=f"Import des communes ({', '.join(epcis + departements)}) : "
                         f"{result.created} ajoutées, {result.updated} mises à jour, {result.unchanged} inchangées",
                         after={"epci": epcis, "departements": departements, "created": result.created,
                                "updated": result.updated, "unchanged": result.unchanged})
            db.session.commit()
            flash(", ".join((ngettext("%(num)s commune ajoutée", "%(num)s communes ajoutées", result.created),
                             ngettext("%(num)s mise à jour", "%(num)s mises à jour", result.updated),
                             ngettext("%(num)s déjà à jour", "%(num)s déjà à jour", result.unchanged))) + ".",
                  "success")
            return redirect(url_for("admin.communes"))
    query_text = (request.args.get("q") or "").strip()
    query = select(Commune).order_by(Commune.name, Commune.insee).where(
        whole_text_in(query_text, Commune.name, Commune.insee, Commune.postal_codes, Commune.epci_name))
    page = db.paginate(query, page=int_arg("page", 1), per_page=COMMUNES_PER_PAGE, error_out=False)
    shop_counts = dict(db.session.execute(
        select(Shop.commune_insee, func.count()).where(Shop.commune_insee.in_([c.insee for c in page.items]))
        .group_by(Shop.commune_insee)).all())
    total = db.session.scalar(select(func.count()).select_from(Commune))
    return render_template("admin/communes.html", form=form, page=page, query=query_text, total=total,
                           shop_counts=shop_counts)


@bp.route("/communes/<insee>/retirer", methods=["GET", "POST"])
@access(ADMIN)
def remove_commune(insee: str):
    commune = db.session.get(Commune, insee) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = commune.name
        try:
            territory_import.remove_commune(insee)
        except territory_import.CommuneInUse as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Commune retirée du territoire : %(name)s.", name=name), "success")
        return redirect(url_for("admin.communes"))
    return render_template("admin/commune_remove.html", commune=commune, form=form)


def _parent_choices(exclude_ids: set[int] = frozenset(), root_label=lazy_gettext("— (à la racine)")):
    choices = [SelectChoice(0, root_label)] if root_label else []
    for category, depth in taxonomy.category_tree(db.session):
        if category.id not in exclude_ids:
            choices.append(SelectChoice(category.id, "\u00a0\u00a0" * depth + category.name))
    return choices


@bp.route("/categories", methods=["GET", "POST"])
@access(ADMIN)
def categories():
    form = CategoryForm()
    form.parent.choices = _parent_choices()
    if form.validate_on_submit():
        parent = db.session.get(Category, form.parent.data) if form.parent.data else None
        if (earlier := once.claim(form, url_for("admin.categories"))) is not None:
            return earlier
        try:
            category = taxonomy.create_category(db.session, form.name.data, parent)
        except taxonomy.TaxonomyError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            flash(gettext("Catégorie « %(name)s » créée.", name=category.name), "success")
            return redirect(url_for("admin.categories"))
    own_counts = dict(db.session.execute(
        select(Product.category_id, func.count()).group_by(Product.category_id)).all())
    tree = taxonomy.category_tree(db.session)
    return render_template("admin/categories.html", form=form, tree=tree,
                           product_counts=taxonomy.subtree_counts(tree, own_counts))


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@access(ADMIN)
def category(category_id: int):
    category = db.get_or_404(Category, category_id)
    own_branch = taxonomy.branch_ids(db.session, category)
    rename = RenameCategoryForm(prefix="rename")
    move = MoveCategoryForm(prefix="move")
    merge = MergeCategoryForm(prefix="merge")
    move.parent.choices = _parent_choices(own_branch)
    merge.target.choices = _parent_choices(own_branch, root_label=None)
    if not rename.submit.data:
        rename.name.data = category.name
    if not move.submit.data:
        move.parent.data = category.parent_id or 0
    try:
        if rename.submit.data and rename.validate_on_submit():
            taxonomy.rename_category(db.session, category, rename.name.data)
            flash(gettext("Catégorie renommée « %(name)s ».", name=category.name), "success")
            return redirect(url_for("admin.categories"))
        if move.submit.data and move.validate_on_submit():
            taxonomy.move_category(db.session, category, db.session.get(Category, move.parent.data)
                                   if move.parent.data else None)
            flash(gettext("Catégorie « %(name)s » déplacée.", name=category.name), "success")
            return redirect(url_for("admin.categories"))
        if merge.submit.data and merge.validate_on_submit():
            target = db.get_or_404(Category, merge.target.data)
            name = category.name
            moved = taxonomy.merge_category(db.session, category, target)
            flash(ngettext("Catégorie « %(name)s » fusionnée dans « %(target)s » : %(num)s produit déplacé.",
                           "Catégorie « %(name)s » fusionnée dans « %(target)s » : %(num)s produits déplacés.",
                           moved, name=name, target=target.name), "success")
            return redirect(url_for("admin.categories"))
    except taxonomy.TaxonomyError as error:
        db.session.rollback()
        flash(str(error), "error")
    counts = {"products": db.session.scalar(select(func.count()).select_from(Product)
                                            .where(Product.category_id == category.id)),
              "shops": db.session.scalar(select(func.count()).select_from(Shop).where(Shop.category_id == category.id))}
    return render_template("admin/category.html", category=category, rename=rename, move=move, merge=merge,
                           counts=counts)


@bp.route("/administrateurs", methods=["GET", "POST"])
@access(ADMIN)
def admins():
    form = AddAdminForm()
    if form.validate_on_submit():
        try:
            user, link_sent = admin_service.add_admin(form.email.data, actor=current_user)
        except admin_service.AdminError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            flash(gettext("%(email)s est administrateur ; un lien pour choisir son mot de passe lui est envoyé.",
                          email=user.email) if link_sent
                  else gettext("%(email)s est administrateur ; il est prévenu par e-mail.", email=user.email),
                  "success")
            return redirect(url_for("admin.admins"))
    return render_template("admin/admins.html", form=form, admins=admin_service.admins(), confirm=ConfirmForm())


@bp.route("/administrateurs/<int:user_id>/retirer", methods=["POST"])
@access(ADMIN)
def remove_admin(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(gettext("Cochez la case pour confirmer le retrait des droits."), "error")
        return redirect(url_for("admin.admins"))
    try:
        admin_service.remove_admin(user, actor=current_user)
    except admin_service.AdminError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(gettext("%(email)s n'est plus administrateur.", email=user.email), "success")
    return redirect(url_for("admin.admins"))


@bp.route("/reglages-carte", methods=["GET", "POST"])
@access(ADMIN)
def card_settings():
    form = CardSettingsForm()
    current = settings.card_settings()
    if not form.is_submitted():
        form.card_prefix.data, form.commission_bps.data = current.card_prefix, str(current.commission_bps)
        form.pin_lock_minutes.data = str(current.pin_lock_minutes)
        form.settlement_cadence.data = current.settlement_cadence
        if current.pin_required_above_cents is not None:
            form.pin_required_above.data = f"{current.pin_required_above_cents / 100:.2f}".replace(".", ",")
    if form.validate_on_submit():
        try:
            settings.update_card_settings(card_prefix=form.card_prefix.data, commission_bps=form.commission_bps.data,
                                          pin_required_above=form.pin_required_above.data,
                                          pin_lock_minutes=form.pin_lock_minutes.data,
                                          settlement_cadence=form.settlement_cadence.data or None, actor=current_user)
        except settings.SettingsError as error:
            db.session.rollback()
            for name, message in error.errors.items():  # each under its field
                form[name].errors.append(message)
        else:
            flash(gettext("Réglages de la carte enregistrés."), "success")
            return redirect(url_for("admin.card_settings"))
    return render_template("admin/card_settings.html", form=form, current=current)


@bp.route("/signalements/<int:report_id>/<any(ignorer, masquer):action>", methods=["POST"])
@access(ADMIN)
def handle_report(report_id: int, action: str):
    report = db.get_or_404(ProductReport, report_id)
    form = ButtonForm() if action == "ignorer" else ConfirmForm()  # hiding asks for a confirmation
    if not form.validate_on_submit():
        flash(gettext("Cochez la case pour confirmer, puis réessayez.") if action == "masquer"
              else gettext("Formulaire expiré : réessayez."), "error")
        return redirect(url_for("admin.dashboard"))
    name = report.product.name
    try:
        if action == "ignorer":
            product_reports.dismiss(report, actor=current_user)
            flash(gettext("Signalement de « %(name)s » classé sans suite.", name=name), "success")
        else:
            product_reports.hide_product(report, actor=current_user)
            flash(gettext("Produit masqué : « %(name)s » ; le commerçant est prévenu par e-mail.", name=name),
                  "success")
    except product_reports.ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("admin.dashboard"))


@bp.route("/consignes/colis/<int:sub_id>/prevenir", methods=["POST"])
@access(ADMIN)
def remind_parcel(sub_id: int):
    sub = db.get_or_404(OrderShop, sub_id)
    if not ButtonForm().validate_on_submit():
        flash(gettext("Formulaire expiré : réessayez."), "error")
    else:
        emails = lockers.ask_shop_to_collect(sub, actor=current_user)
        flash(gettext("Commerce prévenu : %(shop)s (%(emails)s).", shop=sub.shop.name,
                      emails=", ".join(emails) or gettext("aucune adresse")), "success")
    return redirect(url_for("admin.dashboard"))


@bp.route("/statistiques/carte.geojson")
@access(ADMIN)
def spending_map():
    """Card money spent per commune, for the map of the statistics page (the table stays there)."""
    from loyalty.clock import paris_day, utc_now
    from marketplace import territory_stats

    return jsonify(territory_stats.commune_map(int_arg("annee", maximum=9999) or paris_day(utc_now()).year))
