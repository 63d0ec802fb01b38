"""Admin page of the Stripe reconciliation (on the admin blueprint): orders paid by bank card,
Stripe's amounts and the ledger's side by side, for a period; CSV export."""
from flask import Response, render_template, request
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import DateField, SubmitField
from wtforms.validators import DataRequired

from loyalty.clock import paris_day, utc_now
from marketplace import reconciliation
from marketplace.access import ADMIN, access
from marketplace.admin.routes import bp
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


def _period() -> tuple[PeriodForm, list | None]:
    form = PeriodForm(request.args)
    if not request.args:
        form.du.data, form.au.data = period_bounds("monthly", paris_day(utc_now()))
    elif not form.validate():
        return form, None
    if form.au.data < form.du.data:
        form.au.errors = [*form.au.errors, gettext("La fin de la période précède son début.")]
        return form, None
    return form, reconciliation.report(form.du.data, form.au.data)


@bp.route("/rapprochement-stripe")
@access(ADMIN)
def stripe_reconciliation():
    form, rows = _period()
    return render_template("admin/reconciliation.html", form=form, rows=rows)


@bp.route("/rapprochement-stripe.csv")
@access(ADMIN)
def stripe_reconciliation_csv():
    form, rows = _period()
    if rows is None:
        return Response(" ".join(str(error) for error in form.du.errors + form.au.errors), status=400, mimetype="text/plain")
    return Response(reconciliation.report_csv(rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="rapprochement-stripe-{form.du.data}-{form.au.data}.csv"'})
