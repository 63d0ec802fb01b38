"""The territory admin's side of employers: approving companies, recording bank transfers."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from loyalty.money import euros
from marketplace import audit, campaigns
from marketplace.access import ADMIN, access
from marketplace.employer import service
from marketplace.employer.forms import BankTransferForm
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.forms import ButtonForm
from marketplace.models import Campaign, CampaignPayment, Employer

bp = Blueprint("employer_admin", __name__, url_prefix="/admin/entreprises")


@bp.route("/")
@access(ADMIN)
def employers():
    pending = db.session.scalars(select(Employer).filter_by(status="pending").order_by(Employer.created_at)).all()
    transfers = db.session.execute(
        select(CampaignPayment, Campaign).join(Campaign)
        .where(CampaignPayment.method == "bank", CampaignPayment.status == "pending",
               Campaign.status == "awaiting_payment")
        .order_by(CampaignPayment.created_at)
    ).all()
    return render_template("employer/admin.html", pending=pending, transfers=transfers, button=ButtonForm(),
                           transfer_form=BankTransferForm(), reference=campaigns.transfer_reference)


@bp.route("/<int:employer_id>/decision", methods=["POST"])
@access(ADMIN)
def review(employer_id: int):
    employer = db.session.get(Employer, employer_id) or abort(404)
    decision = request.form.get("decision")
    if ButtonForm().validate_on_submit() and decision in ("valider", "refuser"):
        audit.record(f"employer.{'approve' if decision == 'valider' else 'reject'}", employer,
                     summary=f"{employer.name} {'validée' if decision == 'valider' else 'refusée'}",
                     before={"status": employer.status},
                     after={"status": "approved" if decision == "valider" else "rejected"})
        service.review_employer(employer, approve=decision == "valider")
        flash(gettext("Entreprise validée : %(name)s.", name=employer.name) if decision == "valider"
              else gettext("Entreprise refusée : %(name)s.", name=employer.name), "success")
    return redirect(url_for("employer_admin.employers"))


@bp.route("/virements/<int:campaign_id>", methods=["POST"])
@access(ADMIN)
def record_transfer(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = BankTransferForm()
    if form.validate_on_submit():
        try:
            done = campaigns.record_bank_transfer(campaign, reference=form.reference.data,
                                                  amount_cents=form.amount.cents, admin_id=current_user.id)
            audit.record("campaign.bank_transfer", campaign, before={"status": "awaiting_payment"},
                         after={"status": campaign.status, "reference": form.reference.data,
                                "received_cents": done.received_cents},
                         summary=f"Virement {form.reference.data} de {euros(done.received_cents)} enregistré pour "
                                 f"« {campaign.label} » ({campaign.employer.name})")
            db.session.commit()
        except campaigns.CampaignError as error:
            flash(str(error), "error")
        else:
            flash(_transfer_message(done), "success" if not done.remaining_cents else "info")
    else:
        errors = [str(e) for field in (form.reference, form.amount) for e in field.errors]
        flash(" ".join(errors) or gettext("Formulaire expiré : réessayez."), "error")
    return redirect(url_for("employer_admin.employers"))


def _transfer_message(done: campaigns.TransferRecorded) -> str:
    label, received = done.campaign.label, money(done.received_cents)
    if done.remaining_cents:
        return gettext("Virement partiel de %(received)s enregistré pour « %(label)s » : il manque %(remaining)s. "
                       "La campagne reste en attente du reste (l'entreprise est prévenue).", received=received,
                       label=label, remaining=money(done.remaining_cents))
    if done.surplus_cents:
        return gettext("Virement de %(received)s enregistré : la campagne « %(label)s » est financée. L'excédent de "
                       "%(surplus)s reste au crédit de l'entreprise : il paiera sa prochaine campagne.",
                       received=received, label=label, surplus=money(done.surplus_cents))
    return gettext("Virement enregistré : la campagne « %(label)s » est financée.", label=label)
