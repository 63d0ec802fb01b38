"""Admin page of the Stripe reconciliation (on the admin blueprint): orders paid by bank card,
Stripe's amounts and the ledger's side by side, for a period; CSV export. A background job
computes it (marketplace/reconciliation.py): the page starts it and follows it."""
from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from loyalty.clock import paris_day, utc_now
from marketplace import reconciliation
from marketplace.access import ADMIN, access
from marketplace.admin.blueprint import bp
from marketplace.forms import DateField
from marketplace.i18n import lazy_gettext
from marketplace.settlement import period_bounds


class PeriodForm(FlaskForm):
    """A GET form: it reads and changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    du = DateField(lazy_gettext("Du"), validators=[
        DataRequired(lazy_gettext("Indiquez le premier jour de la période (jj/mm/aaaa)."))])
    au = DateField(lazy_gettext("Au (inclus)"), validators=[
        DataRequired(lazy_gettext("Indiquez le dernier jour de la période (jj/mm/aaaa)."))])
    submit = SubmitField(lazy_gettext("Afficher"))


class StartForm(FlaskForm):
    """Starts (or starts again) the reconciliation of the period shown."""

    du = HiddenField()
    au = HiddenField()


def _period(values) -> tuple[PeriodForm, bool]:
    """The period asked for (this month by default), and whether its dates are accepted (if not,
    the form's fields name what is wrong)."""
    form = PeriodForm(values)
    if not values.get("du") and not values.get("au"):
        form.du.data, form.au.data = period_bounds("monthly", paris_day(utc_now()))
        return form, True
    if not form.validate():
        return form, False
    if form.au.data < form.du.data:
        form.au.errors = [*form.au.errors, gettext("La fin de la période précède son début.")]
        return form, False
    return form, True


@bp.route("/rapprochement-stripe")
@access(ADMIN)
def stripe_reconciliation():
    form, ok = _period(request.args)
    run = reconciliation.latest_run(form.du.data, form.au.data) if ok else None
    start = StartForm(du=form.du.data.isoformat(), au=form.au.data.isoformat()) if ok else None
    rows = reconciliation.rows_of(run) if run is not None and run.status == "done" else None
    return render_template("admin/reconciliation.html", form=form, run=run, rows=rows, start=start)


@bp.route("/rapprochement-stripe", methods=["POST"])
@access(ADMIN)
def start_stripe_reconciliation():
    form, ok = _period(request.form)
    if ok and StartForm().validate_on_submit():
        reconciliation.start(form.du.data, form.au.data, current_user.id)
    return redirect(url_for("admin.stripe_reconciliation", du=request.form.get("du"), au=request.form.get("au")))


@bp.route("/rapprochement-stripe.csv")
@access(ADMIN)
def stripe_reconciliation_csv():
    form, ok = _period(request.args)
    if not ok:
        return Response(" ".join(str(error) for error in form.du.errors + form.au.errors), status=400,
                        mimetype="text/plain")
    run = reconciliation.latest_run(form.du.data, form.au.data)
    if run is None or run.status != "done":
        return Response(gettext("Le rapprochement de cette période n'est pas (encore) calculé : lancez-le depuis la "
                                "page du rapprochement."), status=409, mimetype="text/plain")
    return Response(reconciliation.report_csv(reconciliation.rows_of(run)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="rapprochement-stripe-{form.du.data}-{form.au.data}.csv"'})
