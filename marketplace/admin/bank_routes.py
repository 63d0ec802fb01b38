"""Admin page of the territory's bank account (on the admin blueprint): import a CAMT.053 or
CFONB 120 statement, see each line with what was done or what to do, decide the lines that wait."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, SubmitField

from marketplace import bank_statements
from marketplace.access import ADMIN, access
from marketplace.admin.blueprint import bp
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.forms import MaxLength, SelectField
from marketplace.i18n import lazy_gettext
from marketplace.models.bank import BankLine


class StatementUploadForm(FlaskForm):
    file = FileField(lazy_gettext("Relevé de compte (fichier CAMT.053 ou CFONB 120 de la banque)"),
                     description=lazy_gettext("Le relevé du compte du territoire, au format ISO 20022 camt.053 "
                                              "(fichier XML, toutes versions) ou CFONB 120 (fichier texte de "
                                              "120 caractères par ligne). Un relevé déjà importé ne change rien."))
    submit = SubmitField(lazy_gettext("Importer le relevé"))


class LineCampaignForm(FlaskForm):
    campaign_id = SelectField(lazy_gettext("Campagne"), coerce=int, validate_choice=False)
    submit = SubmitField(lazy_gettext("Enregistrer pour cette campagne"))


class LineHandledForm(FlaskForm):
    note = StringField(lazy_gettext("Ce qui a été fait"), validators=[MaxLength(500)])
    submit = SubmitField(lazy_gettext("Marquer traitée hors Halle"))


class LineFeeForm(FlaskForm):
    keep_label = BooleanField(lazy_gettext("Inscrire de même les prochains débits de ce libellé"))
    submit = SubmitField(lazy_gettext("Frais bancaires"))


@bp.route("/banque", methods=["GET", "POST"])
@access(ADMIN)
def bank():
    form = StatementUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read() if upload else b""
        if not data and upload and upload.filename:
            form.file.errors = [gettext("Relevé : le fichier « %(name)s » est vide (0 octet) ; téléchargez de "
                                        "nouveau le relevé depuis la banque.", name=upload.filename)]
        elif not data:
            form.file.errors = [gettext("Relevé : choisissez le fichier du relevé.")]
        else:
            try:
                report = bank_statements.import_file(data, upload.filename or "", actor=current_user)
            except bank_statements.BankStatementError as error:
                db.session.rollback()
                form.file.errors = [gettext("Relevé refusé : %(why)s", why=str(error))]
            else:
                flash(_import_message(report), "success" if report.statements else "info")
                return redirect(url_for("admin.bank"))
    waiting_only = request.args.get("lignes") != "toutes"
    campaigns = bank_statements.waiting_campaigns()
    choices = [(campaign.id, f"{campaign.employer.name} — {campaign.label} ({money(payment.amount_cents)})")
               for campaign, payment in campaigns]
    return render_template("admin/bank.html", form=form, position=bank_statements.bank_position(),
                           lines=bank_statements.lines("waiting" if waiting_only else None),
                           waiting_only=waiting_only, statements=bank_statements.recent_statements(),
                           not_seen=bank_statements.paid_not_seen(),
                           campaign_choices=choices, handled_form=LineHandledForm(), fee_form=LineFeeForm(),
                           fee_labels=bank_statements.kept_fee_labels(), button=FlaskForm(),
                           fee_ceiling_factor=bank_statements.FEE_CEILING_FACTOR,
                           campaign_form=LineCampaignForm(), match_labels=bank_statements.MATCH_LABELS,
                           status_labels=bank_statements.STATUS_LABELS), 200 if not form.errors else 422


def _import_message(report: bank_statements.ImportReport) -> str:
    if not report.statements:
        return gettext("Ce relevé (%(refs)s) est déjà importé : rien n'a changé.", refs=", ".join(report.already))
    return ngettext("Relevé importé : %(num)s nouvelle ligne, rapprochée automatiquement quand c'était possible.",
                    "Relevé importé : %(num)s nouvelles lignes, rapprochées automatiquement quand c'était possible.",
                    report.new_lines)


@bp.route("/banque/lignes/<int:line_id>/campagne", methods=["POST"])
@access(ADMIN)
def bank_line_campaign(line_id: int):
    line = db.get_or_404(BankLine, line_id)
    form = LineCampaignForm()
    if form.validate_on_submit():
        try:
            bank_statements.record_for_campaign(line, form.campaign_id.data, actor=current_user)
        except bank_statements.BankStatementError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Virement de %(amount)s enregistré pour la campagne.", amount=money(line.amount_cents)),
                  "success")
    else:
        flash(" ".join(map(str, form.campaign_id.errors)) or gettext("Formulaire expiré : réessayez."), "error")
    return redirect(url_for("admin.bank") + f"#ligne-{line_id}")


@bp.route("/banque/lignes/<int:line_id>/traitee", methods=["POST"])
@access(ADMIN)
def bank_line_handled(line_id: int):
    line = db.get_or_404(BankLine, line_id)
    form = LineHandledForm()
    if form.validate_on_submit():
        try:
            bank_statements.mark_handled(line, form.note.data, actor=current_user)
        except bank_statements.BankStatementError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Ligne marquée traitée hors Halle."), "success")
    else:
        flash(" ".join(map(str, form.note.errors)) or gettext("Formulaire expiré : réessayez."), "error")
    return redirect(url_for("admin.bank") + f"#ligne-{line_id}")


@bp.route("/banque/lignes/<int:line_id>/frais", methods=["POST"])
@access(ADMIN)
def bank_line_fee(line_id: int):
    line = db.get_or_404(BankLine, line_id)
    form = LineFeeForm()
    if form.validate_on_submit():
        try:
            bank_statements.book_bank_fee(line, actor=current_user, keep_label=form.keep_label.data)
        except bank_statements.BankStatementError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Débit de %(amount)s inscrit en frais bancaires.", amount=money(-line.amount_cents))
                  + (" " + gettext("Les prochains débits de ce libellé le seront sans clic.")
                     if form.keep_label.data else ""), "success")
    else:
        flash(gettext("Formulaire expiré : réessayez."), "error")
    return redirect(url_for("admin.bank") + f"#ligne-{line_id}")


@bp.route("/banque/libelles-frais/<int:label_id>/oublier", methods=["POST"])
@access(ADMIN)
def forget_fee_label(label_id: int):
    if FlaskForm().validate_on_submit():
        kept = bank_statements.forget_fee_label(label_id, actor=current_user)
        if kept is not None:
            flash(gettext("Libellé « %(label)s » oublié : ses prochains débits attendront votre décision.",
                          label=kept.label), "success")
    else:
        flash(gettext("Formulaire expiré : réessayez."), "error")
    return redirect(url_for("admin.bank") + "#frais-bancaires")
