"""Company accounts: registration, approval by the territory admin, HR invitations; and the
glue between campaign pages and their background work (card payment, issue job)."""
import re

from flask import current_app
from sqlalchemy import select

from marketplace import audit, campaigns, invitations, payments
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import (Campaign, CampaignPayment, Employer, EmployerInvitation, EmployerMember,
                                User)
from marketplace.models.base import utcnow
from marketplace.territory import fold, resolve_commune
from marketplace.urls import public_url_for

CAMPAIGN_FUNDING = "campaign_funding"


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:120] or "entreprise"
    slug, n = base, 2
    while db.session.scalar(select(Employer.id).filter_by(slug=slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def register_employer(form, user: User) -> Employer:
    """A pending company with the registering user as its first HR member; the admins are told."""
    employer = Employer(name=form.name.data.strip(), slug=_slug(form.name.data), siret=form.siret.data,
                        address=form.address.data.strip(), commune_insee=resolve_commune(form.commune.data).insee,
                        billing_email=form.billing_email.data.strip().lower(), status="pending")
    db.session.add(employer)
    db.session.add(EmployerMember(employer=employer, user=user, role="hr"))
    db.session.commit()
    link = public_url_for("employer_admin.employers")
    for admin in db.session.scalars(select(User).filter_by(is_admin=True)):
        send_mail(admin.email, lazy_gettext("Entreprise à valider : %(employer)s", employer=employer.name),
                  lazy_gettext("%(name)s a inscrit l'entreprise %(employer)s (SIRET %(siret)s).\n"
                               "Pour la valider ou la refuser : %(link)s\n\nHalle", name=user.display_name,
                               employer=employer.name, siret=employer.siret, link=link))
    return employer


DETAIL_FIELDS = ("name", "siret", "address")


def update_details(employer: Employer, form) -> bool:
    """Apply the HR settings form (name, SIRET, address, printed on the receipts); a change goes to
    the audit log with the fields before and after. False when nothing changed."""
    before = {field: getattr(employer, field) for field in DETAIL_FIELDS}
    after = {field: (getattr(form, field).data or "").strip() for field in DETAIL_FIELDS}
    changed = {field for field in DETAIL_FIELDS if before[field] != after[field]}
    if not changed:
        return False
    for field in changed:
        setattr(employer, field, after[field])
    audit.record("employer.update", employer, summary=f"{before['name']} : coordonnées modifiées",
                 before={field: before[field] for field in sorted(changed)},
                 after={field: after[field] for field in sorted(changed)})
    db.session.commit()
    return True


def review_employer(employer: Employer, *, approve: bool) -> None:
    employer.status = "approved" if approve else "rejected"
    db.session.commit()
    if approve:
        subject = lazy_gettext("%(employer)s est validée sur Halle", employer=employer.name)
        body = lazy_gettext("Bonjour,\n\nVotre entreprise est validée : vous pouvez importer la liste du personnel "
                            "et créer vos campagnes cadeaux.\n%(link)s\n\nHalle",
                            link=public_url_for("employer.dashboard", employer_id=employer.id))
    else:
        subject = lazy_gettext("%(employer)s n'a pas été validée sur Halle", employer=employer.name)
        body = lazy_gettext("Bonjour,\n\nL'administration du territoire n'a pas pu valider votre entreprise (elle "
                            "doit être installée sur le territoire). Répondez à ce message pour en savoir plus."
                            "\n\nHalle")
    for member in employer.members:
        send_mail(member.user.email, subject, body)


def invite_member(employer: Employer, email: str, inviter: User) -> None:
    """Email an invitation link; the invited person accepts it once logged in with that address."""
    token, token_hash = invitations.new_token()
    email = email.strip().lower()
    db.session.add(EmployerInvitation(employer_id=employer.id, email=email, token_hash=token_hash,
                                      invited_by_id=inviter.id))
    db.session.commit()
    link = public_url_for("employer.accept_invitation", token=token)
    send_mail(email, lazy_gettext("%(name)s vous invite dans l'espace RH de %(employer)s",
                                  name=inviter.display_name, employer=employer.name),
              lazy_gettext("Bonjour,\n\n%(name)s vous invite à gérer les cartes cadeaux de %(employer)s sur Halle.\n"
                           "%(how)s\nHalle", name=inviter.display_name, employer=employer.name,
                           how=invitations.how_to_accept(email, link)))


def accept_invitation(invitation: EmployerInvitation, user: User) -> None:
    """Raises invitations.InvalidInvitation unless `user` is the invited one (marketplace/invitations.py)."""
    invitations.check(invitation, user)
    if not user.is_employer_member(invitation.employer_id):
        db.session.add(EmployerMember(employer_id=invitation.employer_id, user_id=user.id, role="hr"))
    invitation.accepted_at = utcnow()
    db.session.commit()


def pending_invitations(employer_id: int) -> list[EmployerInvitation]:
    return list(db.session.scalars(select(EmployerInvitation)
                                   .where(EmployerInvitation.employer_id == employer_id,
                                          invitations.is_pending(EmployerInvitation))
                                   .order_by(EmployerInvitation.created_at.desc())))


# --- Card payment -------------------------------------------------------------------------------


def card_payment_for(campaign: Campaign) -> tuple[CampaignPayment, dict]:
    """The campaign's pending card payment and its PaymentIntent (created on first visit)."""
    payment = next((p for p in campaign.payments if p.method == "card" and p.status == "pending"), None)
    if payment is not None:
        intent = payments.retrieve_payment_intent(payment.stripe_payment_intent_id)
        if intent["status"] != "canceled" and intent["amount"] == payment.amount_cents:
            return payment, intent
        payment.status = "failed"
        db.session.commit()
    due = campaigns.amount_due_cents(campaign)
    intent = payments.create_payment_intent(
        amount_cents=due, purpose=CAMPAIGN_FUNDING,
        metadata={"campaign_id": campaign.id, "employer_id": campaign.employer_id},
        description=f"Halle — campagne « {campaign.label} » ({campaign.employer.name})")
    payment = CampaignPayment(campaign_id=campaign.id, method="card", amount_cents=due,
                              stripe_payment_intent_id=intent["id"])
    db.session.add(payment)
    db.session.commit()
    return payment, intent


def _on_campaign_payment(intent) -> None:
    """A campaign's PaymentIntent succeeded (webhook or return page): fund the employer."""
    payment = db.session.scalar(select(CampaignPayment).filter_by(stripe_payment_intent_id=intent["id"]))
    if payment is None:
        current_app.logger.warning("succeeded PaymentIntent %s matches no campaign payment", intent["id"])
        return
    if intent["amount"] != payment.amount_cents or intent["currency"] != "eur":
        current_app.logger.error("PaymentIntent %s amount %s %s does not match payment %s", intent["id"],
                                 intent["amount"], intent["currency"], payment.id)
        return
    campaigns.record_payment_received(payment.id, source="stripe", key=f"stripe:{intent['id']}", actor="stripe")


payments.register_handler(CAMPAIGN_FUNDING, _on_campaign_payment)


# --- Issue job ----------------------------------------------------------------------------------


def issue_campaign_job(campaign_id: int, actor: str, base_url: str) -> None:
    """The background job issuing a campaign (marketplace/jobs.py), in a request context of the
    site's address for the emailed links. Idempotent: issue_campaign skips what is issued."""
    with current_app.test_request_context(base_url=base_url):
        try:
            campaigns.issue_campaign(campaign_id, actor=actor)
        except Exception:  # noqa: BLE001 - logged; the page offers to resume
            current_app.logger.exception("issue of campaign %s stopped", campaign_id)
            db.session.rollback()
