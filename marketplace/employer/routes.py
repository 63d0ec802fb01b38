"""The HR department's pages: company account, staff list, gift campaigns."""

from flask import (Blueprint, abort, current_app, flash, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from marketplace import (campaigns, invitations, jobs, once, payments, sepa, short_addresses, staff, staff_import,
                         suspension, uploads)
from marketplace.access import AUTHENTICATED, EMPLOYER_HR, PUBLIC, access
from marketplace.card_holders import qr_data_uri
from marketplace.employer import service
from marketplace.employer.forms import (CampaignForm, ConfirmCampaignForm, EmployeeForm, EmployerDetailsForm,
                                        EmployerRegistrationForm, InviteForm, IssueDayForm, StaffConfirmForm,
                                        StaffImportForm)
from marketplace.exports import csv_document, euros
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.forms import ButtonForm
from marketplace.models import Campaign, CampaignEmployee, CampaignPayment, Employee, Employer, EmployerInvitation
from marketplace.models.campaigns import CAMPAIGN_EVENTS, CHILD_EVENTS
from marketplace.request_guard import int_arg
from marketplace.staff_import import ImportFileError, apply_staff_import, read_staff_file
from loyalty.clock import paris_day, utc_now

bp = Blueprint("employer", __name__, url_prefix="/entreprise")


def _campaign(employer_id: int, campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.employer_id != employer_id:
        abort(404)
    return campaign


def _employee(employer_id: int, employee_id: int) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None or employee.employer_id != employer_id:
        abort(404)
    return employee


def _actor() -> str:
    return f"user:{current_user.id}"


# --- Company account ----------------------------------------------------------------------------


@bp.route("/")
@access(AUTHENTICATED)
def mine():
    """halle.fr/entreprise: the user's HR space (see marketplace/short_addresses.py)."""
    return short_addresses.open_employer(current_user)


@bp.route("/inscription", methods=["GET", "POST"])
@access(AUTHENTICATED)
def register():
    form = EmployerRegistrationForm()
    if form.validate_on_submit():
        employer = service.register_employer(form, current_user)
        flash(gettext("Demande envoyée : l'administration du territoire va vérifier votre entreprise. "
                      "Vous recevrez un e-mail dès qu'elle sera validée."), "success")
        return redirect(url_for("employer.dashboard", employer_id=employer.id))
    return render_template("employer/register.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def accept_invitation(token: str):
    invitation = invitations.find(EmployerInvitation, token)

    def accept():
        service.accept_invitation(invitation, current_user)
        flash(gettext("Vous avez rejoint l'espace RH de %(name)s.", name=invitation.employer.name), "success")
        return redirect(url_for("employer.dashboard", employer_id=invitation.employer_id))

    return invitations.answer(
        invitation, accept=accept, title=lambda i: gettext("Rejoindre l'espace RH de %(name)s", name=i.employer.name),
        consent=lambda i: gettext("Vous êtes connecté avec l'adresse %(email)s. Acceptez l'invitation pour gérer les "
                                  "cartes cadeaux de cette entreprise.", email=current_user.email))


@bp.route("/<int:employer_id>/")
@access(EMPLOYER_HR)
def dashboard(employer_id: int):
    employer = db.session.get(Employer, employer_id)
    active_employees = employer.employees.filter_by(archived=False).count()
    campaign_list = db.session.scalars(select(Campaign).filter_by(employer_id=employer_id)
                                       .order_by(Campaign.created_at.desc())).all()
    return render_template("employer/dashboard.html", employer=employer, active_employees=active_employees,
                           campaigns=campaign_list, block_reason=suspension.employer_block(employer),
                           credit=campaigns.available_credit_cents(employer_id))


@bp.route("/<int:employer_id>/coordonnees", methods=["GET", "POST"])
@access(EMPLOYER_HR)
def details(employer_id: int):
    employer = db.session.get(Employer, employer_id)
    form = EmployerDetailsForm(obj=employer)
    if form.validate_on_submit():
        if service.update_details(employer, form):
            flash(gettext("Coordonnées de l'entreprise enregistrées."), "success")
        return redirect(url_for("employer.dashboard", employer_id=employer_id))
    return render_template("employer/details.html", employer=employer, form=form)


@bp.route("/<int:employer_id>/membres", methods=["GET", "POST"])
@access(EMPLOYER_HR)
def members(employer_id: int):
    employer = db.session.get(Employer, employer_id)
    form = InviteForm()
    if form.validate_on_submit():
        if (earlier := once.claim(form, url_for("employer.members", employer_id=employer_id))) is not None:
            return earlier
        service.invite_member(employer, form.email.data, current_user)
        flash(gettext("Invitation envoyée à %(email)s.", email=form.email.data), "success")
        return redirect(url_for("employer.members", employer_id=employer_id))
    return render_template("employer/members.html", employer=employer, form=form,
                           invitations=service.pending_invitations(employer_id), revoke_form=FlaskForm())


@bp.route("/<int:employer_id>/membres/invitations/<int:invitation_id>/retirer", methods=["POST"])
@access(EMPLOYER_HR)
def revoke_invitation(employer_id: int, invitation_id: int):
    invitations.revoke_from_page(EmployerInvitation, invitation_id, owner=("employer_id", employer_id),
                                 target=db.session.get(Employer, employer_id), action="employer.revoke_invitation")
    return redirect(url_for("employer.members", employer_id=employer_id))


# --- Staff list ---------------------------------------------------------------------------------


@bp.route("/<int:employer_id>/salaries")
@access(EMPLOYER_HR)
def employees(employer_id: int):
    employer = db.session.get(Employer, employer_id)
    archived = request.args.get("archives") == "1"
    query_text = (request.args.get("q") or "").strip()[:100]
    people = staff.staff_page(employer_id, archived=archived, text=query_text, page=int_arg("page", 1))
    return render_template("employer/employees.html", employer=employer, people=people, archived=archived,
                           q=query_text, button=ButtonForm())


@bp.route("/<int:employer_id>/salaries/import", methods=["GET", "POST"])
@access(EMPLOYER_HR)
def import_staff(employer_id: int):
    employer = db.session.get(Employer, employer_id)
    form = StaffImportForm()
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        try:
            plan = read_staff_file(data, upload.filename if upload else "", employer_id)
        except ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            token = uploads.save(staff_import.UPLOAD_KIND, employer_id, data, upload.filename) if plan.ok else ""
            confirm = StaffConfirmForm(token=token)
            return render_template("employer/import_preview.html", employer=employer, plan=plan, confirm=confirm,
                                   preview_lines=staff_import.PREVIEW_LINES)
    return render_template("employer/import.html", employer=employer, form=form)


@bp.route("/<int:employer_id>/salaries/import/confirmer", methods=["POST"])
@access(EMPLOYER_HR)
def confirm_import(employer_id: int):
    form = StaffConfirmForm()
    token = form.token.data if form.validate_on_submit() else ""
    upload = uploads.load(staff_import.UPLOAD_KIND, employer_id, token) if token else None
    if upload is None:
        flash(gettext("Le fichier vérifié n'est plus disponible : envoyez-le à nouveau."), "error")
        return redirect(url_for("employer.import_staff", employer_id=employer_id))
    plan = read_staff_file(upload[0], upload[1], employer_id)
    if not plan.ok:
        flash(gettext("Le fichier contient des erreurs : rien n'a été importé."), "error")
        return redirect(url_for("employer.import_staff", employer_id=employer_id))
    counts = apply_staff_import(plan, employer_id, archive_missing=form.archive_missing.data)
    uploads.discard(staff_import.UPLOAD_KIND, employer_id, form.token.data)
    flash(gettext("Import terminé : %(created)s, %(updated)s, %(archived)s.",
                  created=ngettext("%(num)s salarié ajouté", "%(num)s salariés ajoutés", counts["created"]),
                  updated=ngettext("%(num)s mis à jour", "%(num)s mis à jour", counts["updated"]),
                  archived=ngettext("%(num)s archivé", "%(num)s archivés", counts["archived"])), "success")
    return redirect(url_for("employer.employees", employer_id=employer_id))


@bp.route("/<int:employer_id>/salaries/nouveau", methods=["GET", "POST"])
@access(EMPLOYER_HR)
def new_employee(employer_id: int):
    return _edit_employee(employer_id, None)


@bp.route("/<int:employer_id>/salaries/<int:employee_id>", methods=["GET", "POST"])
@access(EMPLOYER_HR)
def edit_employee(employer_id: int, employee_id: int):
    return _edit_employee(employer_id, _employee(employer_id, employee_id))


def _edit_employee(employer_id: int, employee: Employee | None):
    employer = db.session.get(Employer, employer_id)
    form = EmployeeForm(obj=employee)
    if form.validate_on_submit():
        taken = db.session.scalar(select(Employee.id).filter_by(employer_id=employer_id,
                                                                external_id=form.external_id.data.strip()))
        if taken is not None and (employee is None or taken != employee.id):
            form.external_id.errors.append(gettext("Ce matricule est déjà celui d'un autre salarié."))
        else:
            if employee is None:
                employee = Employee(employer_id=employer_id, archived=False)
                db.session.add(employee)
            employee.external_id = form.external_id.data.strip()
            employee.last_name = form.last_name.data.strip()
            employee.first_name = form.first_name.data.strip()
            employee.email = (form.email.data or "").strip().lower() or None
            employee.children_under_16 = form.children_under_16.data or 0
            employee.children_under_26 = form.children_under_26.data or 0
            db.session.commit()
            flash(gettext("Fiche de %(name)s enregistrée.", name=f"{employee.first_name} {employee.last_name}"),
                  "success")
            return redirect(url_for("employer.employees", employer_id=employer_id))
    return render_template("employer/employee_form.html", employer=employer, form=form, employee=employee)


@bp.route("/<int:employer_id>/salaries/<int:employee_id>/archiver", methods=["POST"])
@access(EMPLOYER_HR)
def archive_employee(employer_id: int, employee_id: int):
    employee = _employee(employer_id, employee_id)
    if ButtonForm().validate_on_submit():
        employee.archived = not employee.archived
        db.session.commit()
        name = f"{employee.first_name} {employee.last_name}"
        flash(gettext("Fiche de %(name)s archivée.", name=name) if employee.archived
              else gettext("Fiche de %(name)s réactivée.", name=name), "success")
    back = {key: request.args[key] for key in ("q", "archives", "page") if request.args.get(key)}
    return redirect(url_for("employer.employees", employer_id=employer_id, **back))


# --- Campaigns ----------------------------------------------------------------------------------


@bp.route("/<int:employer_id>/campagnes/nouvelle", methods=["GET", "POST"])
@access(EMPLOYER_HR)
def new_campaign(employer_id: int):
    employer = db.session.get(Employer, employer_id)
    try:
        campaigns.ensure_employer_active(employer)
    except campaigns.CampaignError as error:
        flash(str(error), "error")
        return redirect(url_for("employer.dashboard", employer_id=employer_id))
    today = paris_day(utc_now())
    model = _campaign(employer_id, int_arg("depuis", 0)) if request.args.get("depuis") else None
    # Only the first display takes the model's values: a sent form keeps what HR typed (or unticked).
    form = CampaignForm(data=campaigns.repeated(model, today) if model and request.method == "GET" else None)
    form.categories.choices = [SelectChoice(slug, name) for slug, name in campaigns.category_choices()]
    people = db.session.scalars(select(Employee).filter_by(employer_id=employer_id, archived=False)
                                .order_by(Employee.last_name, Employee.first_name)).all()
    form.employees.choices = [SelectChoice(e.id, f"{e.last_name} {e.first_name} ({e.external_id})") for e in people]
    if not form.is_submitted() and model is None:
        form.categories.data = campaigns.default_categories(form.event.data or "noel")
    if form.validate_on_submit():
        try:
            campaign = campaigns.create_campaign(
                employer, event=form.event.data, label=form.label.data, amount_cents=form.amount.cents,
                child_amount_cents=form.child_amount.cents or 0, audience=form.audience.data,
                selection=form.employees.data, allowed_categories=form.categories.data,
                expires_on=form.expires_on.data or campaigns.default_expiry(form.event.data, today),
                expiry_policy=form.expiry_policy.data, user_id=current_user.id, today=today)
        except campaigns.CampaignError as error:
            flash(str(error), "error")
        else:
            return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign.id))
    defaults = {event: {"categories": campaigns.default_categories(event),
                        "expires_on": campaigns.default_expiry(event, today).isoformat()}
                for event in CAMPAIGN_EVENTS}
    return render_template("employer/campaign_form.html", employer=employer, form=form, defaults=defaults,
                           child_events=list(CHILD_EVENTS), model=model)


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/")
@access(EMPLOYER_HR)
def campaign(employer_id: int, campaign_id: int):
    campaign = _campaign(employer_id, campaign_id)
    context = {"employer": campaign.employer, "campaign": campaign, "button": ButtonForm(),
               "card_payments": payments.is_configured()}
    if campaign.status == "draft":
        context["exemption"] = campaigns.exemption_check(campaign)
        context["confirm_form"] = ConfirmCampaignForm()
    if campaign.status == "awaiting_payment":
        context["transfer_reference"] = campaigns.transfer_reference(campaign)
        context["territory_account"] = sepa.territory_account()
        context["received"] = campaigns.received_cents(campaign)
    context["credit_applied"] = campaigns.credit_applied_cents(campaign)
    context["amount_due"] = campaigns.amount_due_cents(campaign)
    if campaign.status == "draft":
        context["credit_available"] = campaigns.available_credit_cents(employer_id)
    if campaign.status in ("awaiting_payment", "funded"):
        context["issue_day_form"] = IssueDayForm(issue_on=campaign.issue_on)
    if campaign.status in ("issuing", "issued"):
        context["progress"] = campaigns.issue_progress(campaign)
    if campaign.status == "issued":
        context["report"] = campaigns.campaign_report(campaign)
        context["q"] = (request.args.get("q") or "").strip()[:100]
        context["recipients"] = campaigns.recipients_page(campaign, context["q"], int_arg("page", 1))
    return render_template("employer/campaign.html", **context)


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/confirmer", methods=["POST"])
@access(EMPLOYER_HR)
def confirm_campaign(employer_id: int, campaign_id: int):
    campaign = _campaign(employer_id, campaign_id)
    form = ConfirmCampaignForm()
    if form.validate_on_submit():
        try:
            campaigns.confirm_campaign(campaign, acknowledged=form.acknowledge.data)
        except campaigns.CampaignError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Campagne confirmée : il reste à la financer."), "success")
    return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id))


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/annuler", methods=["POST"])
@access(EMPLOYER_HR)
def cancel_campaign(employer_id: int, campaign_id: int):
    campaign = _campaign(employer_id, campaign_id)
    if ButtonForm().validate_on_submit():
        try:
            campaigns.cancel_campaign(campaign)
        except campaigns.CampaignError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Campagne annulée."), "success")
    return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id))


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/paiement/virement", methods=["POST"])
@access(EMPLOYER_HR)
def pay_by_transfer(employer_id: int, campaign_id: int):
    campaign = _campaign(employer_id, campaign_id)
    if ButtonForm().validate_on_submit():
        try:
            campaigns.choose_bank_transfer(campaign)
        except campaigns.CampaignError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Virement attendu : les cartes seront émises dès sa réception."), "success")
    return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id))


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/paiement/carte")
@access(EMPLOYER_HR)
def pay_by_card(employer_id: int, campaign_id: int):
    campaign = _campaign(employer_id, campaign_id)
    if campaign.status != "awaiting_payment":
        return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id))
    try:
        campaigns.ensure_employer_active(campaign.employer)
        payment, intent = service.card_payment_for(campaign)
    except (payments.PaymentError, campaigns.CampaignError) as error:
        flash(str(error), "error")
        return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id))
    return render_template("employer/pay_by_card.html", employer=campaign.employer, campaign=campaign,
                           payment=payment, client_secret=intent["client_secret"])


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/paiement/carte/<int:payment_id>", methods=["POST"])
@access(EMPLOYER_HR)
def confirm_card_payment(employer_id: int, campaign_id: int, payment_id: int):
    """The page sends the payment method Stripe.js created; the server confirms the intent."""
    payment = _payment(employer_id, campaign_id, payment_id)
    payment_method = payments.posted_payment_method()
    if not payment_method or payment.method != "card":
        return jsonify({"error": gettext("Moyen de paiement manquant.")}), 400
    try:
        intent = campaigns.confirm_card_payment(payment, payment_method)
    except payments.PaymentError as error:
        return jsonify({"error": str(error)}), 402
    return jsonify({"status": intent["status"], "client_secret": intent["client_secret"]})


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/paiement/carte/<int:payment_id>/retour")
@access(EMPLOYER_HR)
def card_payment_return(employer_id: int, campaign_id: int, payment_id: int):
    """Back from the payment page: ask Stripe itself how the payment went."""
    payment = _payment(employer_id, campaign_id, payment_id)
    if payment.status != "succeeded":
        try:
            intent = payments.retrieve_payment_intent(payment.stripe_payment_intent_id)
        except payments.PaymentError as error:
            flash(str(error), "error")
        else:
            if payments.handle_succeeded(intent):
                flash(gettext("Paiement reçu.") + " " + str(campaigns.issue_announcement(payment.campaign)), "success")
            elif intent["status"] == "processing":
                flash(gettext("Paiement en cours de confirmation par la banque : revenez dans quelques minutes."),
                      "info")
            else:
                flash(gettext("Le paiement n'a pas abouti : vous pouvez réessayer ou payer par virement."), "error")
    return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id))


def _payment(employer_id: int, campaign_id: int, payment_id: int) -> CampaignPayment:
    campaign = _campaign(employer_id, campaign_id)
    payment = db.session.get(CampaignPayment, payment_id)
    if payment is None or payment.campaign_id != campaign.id:
        abort(404)
    return payment


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/recu/<int:payment_id>")
@access(EMPLOYER_HR)
def receipt(employer_id: int, campaign_id: int, payment_id: int):
    payment = _payment(employer_id, campaign_id, payment_id)
    if payment.status != "succeeded" or payment.method == "credit":  # credit is no payment received
        abort(404)
    return render_template("employer/receipt.html", employer=payment.campaign.employer, payment=payment,
                           campaign=payment.campaign)


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/date-emission", methods=["POST"])
@access(EMPLOYER_HR)
def issue_day(employer_id: int, campaign_id: int):
    campaign = _campaign(employer_id, campaign_id)
    form = IssueDayForm()
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.issue_on.errors)) or gettext("Formulaire expiré : réessayez."), "error")
    else:
        try:
            campaigns.set_issue_day(campaign, form.issue_on.data)
        except campaigns.CampaignError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Les cartes seront émises automatiquement le %(day)s, une fois la campagne payée.",
                          day=form.issue_on.data.strftime("%d/%m/%Y")) if form.issue_on.data
                  else gettext("Vous émettrez les cartes vous-même, avec le bouton."), "success")
    return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id) + "#emission")


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/emettre", methods=["POST"])
@access(EMPLOYER_HR)
def issue(employer_id: int, campaign_id: int):
    campaign = _campaign(employer_id, campaign_id)
    try:
        campaigns.ensure_employer_active(campaign.employer)
    except campaigns.CampaignError as error:
        flash(str(error), "error")
        return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id))
    if ButtonForm().validate_on_submit() and campaigns.start_issue(campaign.id):
        jobs.enqueue(service.issue_campaign_job, campaign.id, _actor(), current_app.config["PUBLIC_URL"])
        if jobs.backend() == "inline":
            flash(gettext("Cartes émises et salariés prévenus."), "success")
        else:
            flash(gettext("Émission lancée."), "success")
    return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id))


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/progression")
@access(EMPLOYER_HR)
def issue_progress(employer_id: int, campaign_id: int):
    progress = campaigns.issue_progress(_campaign(employer_id, campaign_id))
    return jsonify({"status": progress.status, "total": progress.total, "issued": progress.issued,
                    "notified": progress.notified, "percent": progress.percent})


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/cartes", methods=["GET", "POST"])
@access(EMPLOYER_HR)
def print_cards(employer_id: int, campaign_id: int):
    """An A4 sheet of cards with their QR codes, for handing out by hand: a preview, then (POST)
    the sheet to print, each card with a new PIN on a tear-off slip, shown this once."""
    campaign = _campaign(employer_id, campaign_id)
    only_without_email = request.values.get("sans_email") == "1"
    form = ButtonForm()
    printing = form.validate_on_submit()
    cards = [{"name": item.name, "number": item.number, "pin": item.pin, "last4": item.card.number[-4:],
              "qr": qr_data_uri(item.card), "amount_cents": item.amount_cents}
             for item in campaigns.print_sheet(campaign, only_without_email=only_without_email, new_pins=printing)]
    response = make_response(render_template("employer/print_cards.html", employer=campaign.employer,
                                             campaign=campaign, cards=cards, only_without_email=only_without_email,
                                             printing=printing, form=form))
    response.headers["Cache-Control"] = "no-store"  # PINs: never kept by the browser or a proxy
    return response


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/export.csv")
@access(EMPLOYER_HR)
def export_campaign(employer_id: int, campaign_id: int):
    campaign = _campaign(employer_id, campaign_id)
    report = campaigns.campaign_report(campaign)
    yes, no = gettext("oui"), gettext("non")
    rows = [[gettext("Matricule"), gettext("Nom"), gettext("Montant attribué"),
             gettext("Carte rattachée à un compte"), gettext("Reste sur la carte"), gettext("Retiré")]]
    rows += [[line["external_id"], line["name"], euros(line["amount_cents"]), yes if line["attached"] else no,
              euros(line["remaining_cents"]), yes if line["revoked"] else no]
             for line in campaigns.recipient_lines(campaign)]
    rows += [[], [gettext("Commune"), gettext("Dépensé")]]
    rows += [[name, euros(cents)] for name, cents in report.by_commune]
    rows += [[], [gettext("Catégorie"), gettext("Dépensé")]]
    rows += [[name, euros(cents)] for name, cents in report.by_category]
    filename = f"campagne-{campaign.id}.csv"
    return current_app.response_class(csv_document(rows), mimetype="text/csv; charset=utf-8",
                                      headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.route("/<int:employer_id>/campagnes/<int:campaign_id>/beneficiaires/<int:recipient_id>/retirer",
          methods=["POST"])
@access(EMPLOYER_HR)
def revoke(employer_id: int, campaign_id: int, recipient_id: int):
    campaign = _campaign(employer_id, campaign_id)
    recipient = db.session.get(CampaignEmployee, recipient_id)
    if recipient is None or recipient.campaign_id != campaign.id:
        abort(404)
    if ButtonForm().validate_on_submit():
        try:
            cents = campaigns.revoke_recipient(recipient, actor=_actor())
        except campaigns.CampaignError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Crédit retiré : %(amount)s reviennent à l'entreprise.", amount=money(cents)), "success")
    back = {key: request.args[key] for key in ("q", "page") if request.args.get(key)}
    return redirect(url_for("employer.campaign", employer_id=employer_id, campaign_id=campaign_id,
                            _anchor="beneficiaires" if back else None, **back))

