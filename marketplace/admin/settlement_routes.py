"""Admin pages of the settlement runs, suspensions and the audit log (on the admin blueprint)."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy import select

from marketplace import audit, settlement, settlement_schedule, suspension
from marketplace.access import ADMIN, access
from marketplace.admin.forms import SettlementRunForm, SuspendForm
from marketplace.admin.blueprint import bp
from marketplace.extensions import db
from marketplace.formatting import day
from marketplace.forms import ButtonForm, ConfirmForm
from marketplace.models import Employer, SettlementRun, SettlementStatement, Shop
from marketplace.request_guard import int_arg
from marketplace.sepa import SepaConfigError, credit_transfer_xml, debtor, payable_statements


@bp.route("/reglements", methods=["GET", "POST"])
@access(ADMIN)
def settlements():
    from loyalty.clock import paris_day, utc_now

    form = SettlementRunForm()
    today = paris_day(utc_now())
    if request.method == "GET" and form.day.data is None:
        form.day.data = settlement.last_complete_period("monthly", today)[0]
    if form.validate_on_submit():
        starts_on, ends_on = settlement.period_bounds(form.period.data, form.day.data)
        if settlement.period_not_over(ends_on, today) and not form.settle_unfinished.data:
            form.settle_unfinished.errors = [gettext(
                "Cette période n'est pas terminée (elle finit le %(end)s) : les paiements d'ici là iront au "
                "règlement suivant. Cochez cette case pour la régler quand même.", end=day(ends_on))]
        else:
            try:
                run = settlement.create_run(form.period.data, starts_on, ends_on, actor=current_user,
                                            execution_date=form.execution_date.data)
            except settlement.SettlementError as error:
                flash(str(error), "error")
            else:
                flash(ngettext("Règlement préparé : %(num)s relevé.", "Règlement préparé : %(num)s relevés.",
                               len(run.statements)), "success")
                return redirect(url_for("admin.settlement_run", run_id=run.id))
    runs = db.session.scalars(select(SettlementRun).order_by(SettlementRun.id.desc())).all()
    return render_template("admin/settlements.html", form=form, runs=runs, total=settlement.total_payout,
                           sepa_problem=_sepa_problem())


def _sepa_problem() -> str | None:
    """Why the SEPA file cannot be produced (the territory's account is not configured), if so."""
    try:
        debtor()
    except SepaConfigError as error:
        return str(error)
    return None


@bp.route("/reglements/<int:run_id>")
@access(ADMIN)
def settlement_run(run_id: int):
    run = db.get_or_404(SettlementRun, run_id)
    return render_template("admin/settlement_run.html", run=run, button=ButtonForm(), confirm=ConfirmForm(),
                           sepa_problem=_sepa_problem(), payable=payable_statements(run),
                           total=settlement.total_payout(run),
                           without_iban=[s for s in run.statements if not s.iban_valid],
                           stuck=settlement.stuck_statements(run), kind_labels=settlement.KIND_LABELS,
                           decisions=settlement_schedule.decisions(run))


@bp.route("/reglements/<int:run_id>/virements.xml")
@access(ADMIN)
def settlement_sepa(run_id: int):
    run = db.get_or_404(SettlementRun, run_id)
    if run.status == "cancelled":
        abort(404)
    try:
        xml = credit_transfer_xml(run)
    except SepaConfigError as error:  # a page, not a redirect a download would save as a file
        return render_template("admin/sepa_unavailable.html", run=run, problem=str(error)), 409
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="virements-reglement-{run.id}.xml"'})


@bp.route("/reglements/<int:run_id>/payer", methods=["POST"])
@access(ADMIN)
def pay_settlement(run_id: int):
    return _run_action(run_id, settlement.mark_paid, confirmed=True,
                       success=gettext("Règlement marqué payé : les reversements sont inscrits au grand livre."))


@bp.route("/reglements/<int:run_id>/annuler", methods=["POST"])
@access(ADMIN)
def cancel_settlement(run_id: int):
    return _run_action(run_id, settlement.cancel_run, confirmed=True,
                       success=gettext("Règlement annulé : ses opérations seront reprises au prochain règlement."))


@bp.route("/reglements/<int:run_id>/recalculer", methods=["POST"])
@access(ADMIN)
def recompute_settlement(run_id: int):
    return _run_action(run_id, settlement.recompute_run,
                       gettext("Relevés non payés recalculés : téléchargez le nouveau fichier de virements."))


@bp.route("/reglements/<int:run_id>/abandonner", methods=["POST"])
@access(ADMIN)
def cancel_unpaid_settlement(run_id: int):
    return _run_action(run_id, settlement.cancel_unpaid, confirmed=True, success=gettext(
        "Reste du règlement annulé : ces opérations seront reprises au prochain règlement."))


def _run_action(run_id: int, action, success: str, confirmed: bool = False):
    """Apply a settlement action to the run from a button, and say how it went. A `confirmed` action (one that
    cannot be undone) is applied only when the admin ticked « Je confirme »; otherwise nothing changes."""
    run = db.get_or_404(SettlementRun, run_id)
    if confirmed and not ConfirmForm().validate_on_submit():
        flash(gettext("Cochez la case pour confirmer, puis réessayez."), "error")
    elif ButtonForm().validate_on_submit():
        try:
            action(run, actor=current_user)
        except settlement.SettlementError as error:
            flash(str(error), "error")
        else:
            flash(success, "success")
    return redirect(url_for("admin.settlement_run", run_id=run_id))


@bp.route("/reglements/releves/<int:statement_id>")
@access(ADMIN)
def statement(statement_id: int):
    found = db.get_or_404(SettlementStatement, statement_id)
    return render_template("shop/statement.html", statement=found, kind_labels=settlement.KIND_LABELS,
                           csv_url=url_for("admin.statement_csv", statement_id=found.id),
                           back_url=url_for("admin.settlement_run", run_id=found.run_id),
                           back_label=f"{gettext('Règlement n°')} {found.run_id}")


@bp.route("/reglements/releves/<int:statement_id>.csv")
@access(ADMIN)
def statement_csv(statement_id: int):
    return statement_csv_response(db.get_or_404(SettlementStatement, statement_id))


def statement_csv_response(found: SettlementStatement) -> Response:
    return Response(settlement.statement_csv(found), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="releve-{found.number}.csv"'})


# --- suspensions -------------------------------------------------------------------------------

@bp.route("/suspensions")
@access(ADMIN)
def suspensions():
    query = (request.args.get("q") or "").strip()
    return render_template("admin/suspensions.html", query=query,
                           shops=suspension.shops_page(query, int_arg("page", 1)),
                           employers=suspension.employers(query), form=SuspendForm(), button=ButtonForm())


@bp.route("/suspensions/<kind>/<int:target_id>", methods=["POST"])
@access(ADMIN)
def suspend(kind: str, target_id: int):
    target = _suspension_target(kind, target_id)
    if request.form.get("action") == "reinstate":
        form = ButtonForm()
        if form.validate_on_submit():
            _try(lambda: suspension.reinstate(target, actor=current_user),
                 gettext("Commerce rétabli : %(name)s.", name=target.name) if isinstance(target, Shop)
                 else gettext("Entreprise rétablie : %(name)s.", name=target.name))
        return redirect(url_for("admin.suspensions", **_list_args()))
    form = SuspendForm()
    if form.validate_on_submit():
        _try(lambda: suspension.suspend(target, form.reason.data, actor=current_user),
             gettext("Commerce suspendu : %(name)s ; la personne concernée est prévenue par e-mail.", name=target.name)
             if isinstance(target, Shop) else
             gettext("Entreprise suspendue : %(name)s ; la personne concernée est prévenue par e-mail.",
                     name=target.name))
    else:
        flash(" ".join(map(str, form.reason.errors)) or gettext("Formulaire expiré : réessayez."), "error")
    return redirect(url_for("admin.suspensions", **_list_args()))


def _list_args() -> dict[str, str]:
    """The search and page of the list the form was sent from: the admin lands back on it."""
    return {name: request.args[name] for name in ("q", "page") if request.args.get(name)}


def _suspension_target(kind: str, target_id: int):
    model = {"commerce": Shop, "entreprise": Employer}.get(kind) or abort(404)
    return db.get_or_404(model, target_id)


def _try(action, success: str) -> None:
    try:
        action()
    except suspension.SuspensionError as error:
        flash(str(error), "error")
    else:
        flash(success, "success")


# --- audit log ---------------------------------------------------------------------------------

@bp.route("/journal")
@access(ADMIN)
def audit_log():
    query = request.args.get("q", "")
    return render_template("admin/audit.html", rows=audit.journal_rows(audit.search_events(query)), query=query)


@bp.route("/journal.csv")
@access(ADMIN)
def audit_log_csv():
    events = audit.search_events(request.args.get("q", ""), limit=None)
    return Response(audit.events_csv(events), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="journal-administration.csv"'})


# --- where the money stays ---------------------------------------------------------------------

def _year() -> int:
    from loyalty.clock import paris_day, utc_now

    return int_arg("annee", maximum=9999) or paris_day(utc_now()).year


@bp.route("/statistiques")
@access(ADMIN)
def statistics():
    from marketplace import territory_stats

    year = _year()
    tables = {name: build(year) for name, build in territory_stats.TABLES.items()}
    return render_template("admin/statistics.html", year=year, tables=tables,
                           headline=territory_stats.headline(year), unmet=territory_stats.unmet_searches(50))


@bp.route("/statistiques/<name>.csv")
@access(ADMIN)
def statistics_csv(name: str):
    from marketplace import territory_stats

    if name == "recherches":
        table = territory_stats.unmet_searches(limit=10_000)
    elif name in territory_stats.TABLES:
        table = territory_stats.TABLES[name](_year())
    else:
        abort(404)
    return Response(territory_stats.table_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{_year()}.csv"'})
