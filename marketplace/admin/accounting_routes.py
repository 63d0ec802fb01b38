"""Admin pages of the accounts (on the admin blueprint): the FEC export of a period, the chart of
accounts, and the monthly closing (statement, CSV, PDF, lock). The rules are in
marketplace/accounting.py and marketplace/closing.py."""
import tempfile
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SubmitField
from wtforms.validators import DataRequired

from marketplace import accountant, accounting, audit, closing
from marketplace.access import ADMIN, access
from marketplace.admin.blueprint import bp
from marketplace.extensions import db
from marketplace.forms import ButtonForm, ConfirmForm, DateField, MaxLength, SelectField
from marketplace.i18n import lazy_gettext
from marketplace.settings import SettingsError


class FecForm(FlaskForm):
    """A GET form: it reads and changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    du = DateField(lazy_gettext("Du"), validators=[
        DataRequired(lazy_gettext("Indiquez le premier jour de la période (jj/mm/aaaa)."))])
    au = DateField(lazy_gettext("Au (inclus)"), validators=[
        DataRequired(lazy_gettext("Indiquez le dernier jour de la période (jj/mm/aaaa)."))])
    separateur = SelectField(lazy_gettext("Séparateur"), default="tab",
                             choices=[SelectChoice("tab", lazy_gettext("Tabulation")),
                                      SelectChoice("pipe", lazy_gettext("Barre verticale (|)"))])
    submit = SubmitField(lazy_gettext("Afficher"))


def _fec_period(values) -> tuple[FecForm, bool]:
    """The period asked for (last month by default), and whether it is accepted."""
    form = FecForm(values)
    if not values.get("du") and not values.get("au"):
        last = closing.months()
        month = last[1] if len(last) > 1 else last[0]
        form.du.data, form.au.data = month, closing.last_day(month)
        return form, True
    if not form.validate():
        return form, False
    if form.au.data < form.du.data:
        form.au.errors = [*form.au.errors, gettext("La fin de la période précède son début.")]
        return form, False
    return form, True


class AccountantForm(FlaskForm):
    email = EmailField(lazy_gettext("E-mail du cabinet comptable"), validators=[MaxLength(254)],
                       description=lazy_gettext("Laissez vide pour ne rien envoyer."))
    submit = SubmitField(lazy_gettext("Enregistrer l'adresse"))


@bp.route("/comptabilite/cabinet", methods=["POST"])
@access(ADMIN)
def accountant_email():
    form = AccountantForm()
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.email.errors)) or gettext("Formulaire expiré : réessayez."), "error")
    else:
        try:
            email = accountant.set_accountant_email(form.email.data, actor=current_user)
        except SettingsError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Le FEC et le relevé de chaque mois partiront à %(email)s le 1er du mois suivant.",
                          email=email) if email else gettext("Plus aucun envoi au cabinet comptable."), "success")
    return redirect(url_for("admin.accounting_page") + "#cabinet")


@bp.route("/comptabilite")
@access(ADMIN)
def accounting_page():
    form, ok = _fec_period(request.args)
    summary = problem = None
    if ok:
        try:
            summary = accounting.fec_summary(form.du.data, form.au.data)
        except accounting.AccountingError as error:
            problem = str(error)
    return render_template("admin/accounting.html", form=form, summary=summary, problem=problem,
                           missing=accounting.missing_chart_keys(), journals=accounting.JOURNALS,
                           accountant_form=AccountantForm(email=accountant.accountant_email()),
                           last_sent=accountant.last_month_sent())


@bp.route("/comptabilite/fec.txt")
@access(ADMIN)
def accounting_fec():
    form, ok = _fec_period(request.args)
    if not ok:
        return Response(" ".join(str(error) for error in [*form.du.errors, *form.au.errors, *form.separateur.errors]),
                        status=400, mimetype="text/plain")
    if missing := accounting.missing_chart_keys():  # checked before the download starts
        return Response(gettext("Le plan comptable n'a pas de compte pour les comptes « %(key)s » : "
                                "complétez-le (page Plan comptable).", key=", ".join(missing)),
                        status=409, mimetype="text/plain")
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # written whole, then sent (a year is big)
    for record in accounting.fec_records(form.du.data, form.au.data, form.separateur.data):
        file.write(record.encode("utf-8"))
    file.seek(0)
    return send_file(file, mimetype="text/plain; charset=utf-8", as_attachment=True,
                     download_name=accounting.fec_filename(form.au.data))


@bp.route("/comptabilite/plan", methods=["GET", "POST"])
@access(ADMIN)
def accounting_chart():
    form = ButtonForm()
    problems: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        values = {key: (request.form.get(f"number-{key}", ""), request.form.get(f"label-{key}", ""),
                        request.form.get(f"aux-{key}", "")) for key in accounting.LEDGER_KEYS}
        before = accounting.chart_snapshot()
        problems = accounting.update_chart(values)
        if not problems:
            audit.record("accounting.chart", None, summary="Plan comptable modifié", before=before,
                         after=accounting.chart_snapshot())
            db.session.commit()
            flash(gettext("Plan comptable enregistré."), "success")
            return redirect(url_for("admin.accounting_chart"))
    elif request.method == "POST":
        problems = [gettext("Le formulaire a expiré : rechargez la page et recommencez.")]
    return render_template("admin/accounting_chart.html", form=form, rows=accounting.chart_rows(), problems=problems,
                           submitted=request.form if problems else None, ledger_key_name=accounting.ledger_key_name)


def _month(month: str) -> date:
    """'2026-10' → date(2026, 10, 1); anything else is not found."""
    try:
        year, number = month.split("-")
        return date(int(year), int(number), 1)
    except ValueError:
        abort(404)


@bp.route("/comptabilite/clotures")
@access(ADMIN)
def closings():
    latest = closing.ledger_closing.latest_closed_month(db.session)
    return render_template("admin/closings.html", months=[(month, latest is not None and month <= latest)
                                                          for month in closing.months()])


def _statement(month: str):
    """The month's statement, or the refusal (a chart line missing) as a plain 409 answer."""
    try:
        return closing.statement(_month(month)), None
    except accounting.AccountingError as error:
        return None, Response(str(error), status=409, mimetype="text/plain")


@bp.route("/comptabilite/clotures/<month>")
@access(ADMIN)
def closing_statement(month: str):
    statement, refusal = _statement(month)
    if refusal:
        return refusal
    from loyalty.verify import verify

    return render_template("admin/closing.html", statement=statement, month=month, confirm=ConfirmForm(),
                           problems=verify(db.session), over=closing.is_over(statement.month),
                           last_day=closing.last_day(statement.month))


@bp.route("/comptabilite/clotures/<month>.csv")
@access(ADMIN)
def closing_csv(month: str):
    statement, refusal = _statement(month)
    if refusal:
        return refusal
    return Response(closing.statement_csv(statement), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="releve-mensuel-{month}.csv"'})


@bp.route("/comptabilite/clotures/<month>.pdf")
@access(ADMIN)
def closing_pdf(month: str):
    statement, refusal = _statement(month)
    if refusal:
        return refusal
    return Response(closing.statement_pdf(statement), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="releve-mensuel-{month}.pdf"'})


@bp.route("/comptabilite/clotures/<month>/cloturer", methods=["POST"])
@access(ADMIN)
def lock_month(month: str):
    day = _month(month)
    if not ConfirmForm().validate_on_submit():
        flash(gettext("Cochez la case pour confirmer, puis réessayez."), "error")
    else:
        try:
            closing.lock(day, actor=current_user)
        except (closing.ClosingError, accounting.AccountingError) as error:
            flash(str(error), "error")
        else:
            flash(gettext("Le mois %(month)s est clôturé : plus aucune écriture ne peut y être datée.",
                          month=day.strftime("%m/%Y")), "success")
    return redirect(url_for("admin.closing_statement", month=month))
