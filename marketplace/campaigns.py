"""Employer gift campaigns: creation, the URSSAF exemption check, funding, issue, revocation and
the follow-up report.

Every money step goes through the ledger (loyalty.ledger): `fund` when the payment arrives,
`issue_grants` per batch of employees (key "campaign:{id}:employee:{employee id}" per grant),
`revoke_grant` to take back a revoked grant. The ledger's keys make each step safe to repeat;
the campaign's status changes are compare-and-set updates so that two clicks never start two
issues.
"""
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select, update

from loyalty.cards import grouped_number, set_pin, successor_of
from loyalty.clock import paris_day, utc_now
from loyalty.ledger import GrantOrder, fund, issue_grants, revoke_grant
from loyalty.transactions import in_ledger_transaction
from loyalty.models import Account, Card, Entry, Grant, Posting
from marketplace import mail, payments, staff
from marketplace.catalogue import price_input
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext, lazy_ngettext
from marketplace.models import (Campaign, CampaignEmployee, CampaignPayment, Category, Commune, Employee,
                                Employer, Shop)
from marketplace.models.base import utcnow
from marketplace.models.campaigns import CAMPAIGN_EVENTS, CHILD_EVENTS
from marketplace.settings import card_settings
from marketplace.urls import public_url_for
from marketplace.taxonomy import EXCLUDED_FROM_GIFTS_BY_DEFAULT, FESTIVE_SLUG

ISSUE_BATCH = 200
STALE_ISSUE = timedelta(minutes=2)  # an issue with no progress for this long may be resumed


class CampaignError(ValueError):
    """A refusal to show the HR user (in their language)."""


# --- Defaults -----------------------------------------------------------------------------------


def default_expiry(event: str, today: date) -> date:
    """End of February of the next year for Noël; otherwise 12 months (the day before)."""
    if event == "noel":
        next_year = today.year + 1
        return date(next_year, 3, 1) - timedelta(days=1)
    try:
        return today.replace(year=today.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return date(today.year + 1, 2, 28)


def category_choices() -> list[tuple[str, str]]:
    """The categories a campaign can allow: the top-level ones, and festive food."""
    tops = db.session.scalars(select(Category).where(Category.parent_id.is_(None)).order_by(Category.position))
    choices = [(c.slug, c.name) for c in tops]
    festive = db.session.scalar(select(Category).filter_by(slug=FESTIVE_SLUG))
    if festive is not None:
        choices.append((festive.slug, festive.name))
    return choices


def default_categories(event: str) -> list[str]:
    slugs = [slug for slug, _ in category_choices()
             if slug not in EXCLUDED_FROM_GIFTS_BY_DEFAULT and slug != FESTIVE_SLUG]
    if event == "noel":
        slugs.append(FESTIVE_SLUG)
    return slugs


# --- Creation -----------------------------------------------------------------------------------


def children_counted(employee: Employee, event: str) -> int:
    attribute = CHILD_EVENTS.get(event)
    return getattr(employee, attribute) if attribute else 0


def amount_for(employee: Employee, event: str, amount_cents: int, child_amount_cents: int) -> int:
    return amount_cents + child_amount_cents * children_counted(employee, event)


def employees_for(employer_id: int, audience: str, event: str, selection: list[int] | None = None) -> list[Employee]:
    query = select(Employee).filter_by(employer_id=employer_id, archived=False)
    if audience == "selection":
        query = query.where(Employee.id.in_(selection or []))
    elif audience == "parents":
        attribute = getattr(Employee, CHILD_EVENTS.get(event, "children_under_16"))
        query = query.where(attribute > 0)
    return list(db.session.scalars(query.order_by(Employee.last_name, Employee.first_name, Employee.id)))


def repeated(campaign: Campaign, today: date) -> dict:
    """The campaign form's values for doing `campaign` again (next Christmas, the next births): the
    same event, amounts, audience, shops and expiry rule; its label with this year in place of its
    own; the people it went to who are still on the staff list, for a selection. The validity is
    left to the event's rule for the new date."""
    label = campaign.label
    if campaign.year != today.year and str(campaign.year) in label:
        label = label.replace(str(campaign.year), str(today.year))
    selection = []
    if campaign.audience == "selection":
        selection = list(db.session.scalars(
            select(CampaignEmployee.employee_id).join(Employee, Employee.id == CampaignEmployee.employee_id)
            .where(CampaignEmployee.campaign_id == campaign.id, Employee.archived.is_(False))))
    return {"event": campaign.event, "label": label, "amount": price_input(campaign.amount_cents),
            "child_amount": price_input(campaign.child_amount_cents) if campaign.child_amount_cents else "",
            "audience": campaign.audience, "employees": selection,
            "categories": campaign.allowed_categories or [slug for slug, _ in category_choices()],
            "expiry_policy": campaign.expiry_policy}


def create_campaign(employer: Employer, *, event: str, label: str, amount_cents: int, child_amount_cents: int,
                    audience: str, selection: list[int] | None, expires_on: date,
                    allowed_categories: list[str] | None, expiry_policy: str, user_id: int | None,
                    today: date | None = None) -> Campaign:
    """A draft campaign with its recipients and their amounts (committed)."""
    if event not in CAMPAIGN_EVENTS:
        raise CampaignError(gettext("Événement inconnu."))
    if event not in CHILD_EVENTS:
        child_amount_cents = 0
    today = today or paris_day(utc_now())
    if expires_on <= today:
        raise CampaignError(gettext("La date d'expiration doit être dans le futur."))
    people = employees_for(employer.id, audience, event, selection)
    amounts = {e.id: amount_for(e, event, amount_cents, child_amount_cents) for e in people}
    amounts = {employee_id: cents for employee_id, cents in amounts.items() if cents > 0}
    if not amounts:
        raise CampaignError(gettext("Aucun salarié concerné : importez la liste du personnel ou changez la "
                                    "sélection."))
    campaign = Campaign(employer_id=employer.id, event=event, label=label.strip(), year=today.year,
                        amount_cents=amount_cents, child_amount_cents=child_amount_cents, audience=audience,
                        expires_on=expires_on, allowed_categories=allowed_categories,
                        expiry_policy=expiry_policy, status="draft", total_cents=sum(amounts.values()),
                        created_by_id=user_id)
    db.session.add(campaign)
    db.session.flush()
    db.session.execute(CampaignEmployee.__table__.insert(), [
        {"campaign_id": campaign.id, "employee_id": employee_id, "amount_cents": cents, "card_created": False}
        for employee_id, cents in amounts.items()
    ])
    db.session.commit()
    return campaign


# --- The URSSAF exemption check -----------------------------------------------------------------


def exemption_limit_cents(year: int) -> int:
    """5 % of the monthly social-security ceiling of `year`, rounded down to the euro (URSSAF
    publishes 196 € for 2025, 200 € for 2026). An unknown year uses the nearest known one."""
    table = current_app.config["PMSS_CENTS_BY_YEAR"]
    known = sorted(table)
    pmss = table[max((y for y in known if y <= year), default=known[0])]
    return pmss * 5 // 100 // 100 * 100


@dataclass(frozen=True)
class ExemptionLine:
    employee: Employee
    amount_cents: int  # this campaign
    event_total_cents: int  # this event this year, this campaign included
    year_total_cents: int  # all campaigns this year, this one included
    limit_cents: int

    @property
    def event_excess_cents(self) -> int:
        return max(self.event_total_cents - self.limit_cents, 0)

    @property
    def year_excess_cents(self) -> int:
        return max(self.year_total_cents - self.limit_cents, 0)


@dataclass
class ExemptionReport:
    limit_cents: int
    year: int
    lines: list[ExemptionLine] = field(default_factory=list)

    @property
    def over_event_limit(self) -> list[ExemptionLine]:
        return [line for line in self.lines if line.event_excess_cents]

    @property
    def over_yearly_presumption(self) -> list[ExemptionLine]:
        return [line for line in self.lines if line.year_excess_cents]

    @property
    def needs_acknowledgement(self) -> bool:
        return bool(self.over_event_limit or self.over_yearly_presumption)


def exemption_check(campaign: Campaign) -> ExemptionReport:
    """Per employee: this event's total this calendar year against 5 % of the PMSS, and the
    year's total of all campaigns against the global presumption (same limit). Counted: the
    employer's other campaigns of the year that are confirmed or further, not cancelled ones.
    (The amount counted is the employee's whole amount, children's shares included: the
    cautious reading.)"""
    limit = exemption_limit_cents(campaign.year)
    others = (select(CampaignEmployee.employee_id, Campaign.event, CampaignEmployee.amount_cents)
              .join(Campaign, Campaign.id == CampaignEmployee.campaign_id)
              .where(Campaign.employer_id == campaign.employer_id, Campaign.year == campaign.year,
                     Campaign.id != campaign.id, Campaign.status.not_in(("draft", "cancelled"))))
    event_totals: dict[int, int] = {}
    year_totals: dict[int, int] = {}
    for employee_id, event, cents in db.session.execute(others):
        year_totals[employee_id] = year_totals.get(employee_id, 0) + cents
        if event == campaign.event:
            event_totals[employee_id] = event_totals.get(employee_id, 0) + cents
    report = ExemptionReport(limit_cents=limit, year=campaign.year)
    rows = db.session.execute(
        select(CampaignEmployee, Employee).join(Employee, Employee.id == CampaignEmployee.employee_id)
        .where(CampaignEmployee.campaign_id == campaign.id).order_by(Employee.last_name, Employee.first_name)
    )
    for recipient, employee in rows:
        report.lines.append(ExemptionLine(
            employee, recipient.amount_cents, recipient.amount_cents + event_totals.get(employee.id, 0),
            recipient.amount_cents + year_totals.get(employee.id, 0), limit))
    return report


def ensure_employer_active(employer: Employer) -> None:
    """Raise CampaignError (with the reason) when the employer may not move a campaign forward."""
    from marketplace.suspension import employer_block

    reason = employer_block(employer)
    if reason:
        raise CampaignError(reason)


def confirm_campaign(campaign: Campaign, *, acknowledged: bool) -> None:
    """Confirm the amounts; the employer's available credit pays what it can at once (all of it:
    the campaign is funded and can be issued)."""
    ensure_employer_active(campaign.employer)
    if campaign.status != "draft":
        raise CampaignError(gettext("Cette campagne est déjà confirmée."))
    if exemption_check(campaign).needs_acknowledgement and not acknowledged:
        raise CampaignError(gettext("Des montants dépassent le seuil d'exonération : cochez la case pour "
                                    "confirmer que vous en avez pris connaissance."))
    campaign_id = campaign.id

    def confirm() -> None:  # a transaction of its own, exclusive (see _apply_credit)
        confirmed = db.session.get(Campaign, campaign_id)
        if confirmed.status != "draft":
            raise CampaignError(gettext("Cette campagne est déjà confirmée."))
        confirmed.exemption_acknowledged = acknowledged
        confirmed.status = "awaiting_payment"
        confirmed.confirmed_at = utcnow()
        _apply_credit(confirmed)

    in_ledger_transaction(db.session, confirm)


def cancel_campaign(campaign: Campaign) -> None:
    """Only before any money came in (the employer's own credit aside, which becomes available
    again): afterwards the campaign is issued, or its grants revoked."""
    refused = gettext("Une campagne déjà financée ou émise ne peut plus être annulée.")
    cancellable = ("draft", "awaiting_payment") + (("funded",) if campaign.funding_method == "credit" else ())
    if campaign.status not in cancellable:
        raise CampaignError(refused)
    changed = db.session.execute(
        update(Campaign).where(Campaign.id == campaign.id, Campaign.status.in_(cancellable))
        .values(status="cancelled", cancelled_at=utcnow())
    ).rowcount
    db.session.commit()
    if not changed:
        raise CampaignError(refused)


# --- Credit: money back on the employer's funding account ---------------------------------------


def available_credit_cents(employer_id: int) -> int:
    """What the employer's funding account holds that no campaign counts on: credit taken back
    (expired grants under the employer's policy, revoked grants) and the share of recipients left
    out of an issue, the surplus of a transfer above what was asked. Counted on: the recipients a
    funded campaign has still to issue, and what campaigns awaiting the rest of their payment have
    already received (credit applied, part of a transfer)."""
    balance = db.session.scalar(select(Account.balance_cents).where(
        Account.code == f"employer:{employer_id}:funding")) or 0
    to_issue = db.session.scalar(
        select(func.coalesce(func.sum(CampaignEmployee.amount_cents), 0))
        .join(Campaign, Campaign.id == CampaignEmployee.campaign_id)
        .where(Campaign.employer_id == employer_id, Campaign.status.in_(("funded", "issuing")),
               CampaignEmployee.grant_id.is_(None), CampaignEmployee.revoked_at.is_(None)))
    applied = db.session.scalar(
        select(func.coalesce(func.sum(CampaignPayment.amount_cents), 0))
        .join(Campaign, Campaign.id == CampaignPayment.campaign_id)
        .where(Campaign.employer_id == employer_id, Campaign.status == "awaiting_payment",
               CampaignPayment.status == "succeeded"))
    return max(int(balance) - int(to_issue) - int(applied), 0)


def credit_applied_cents(campaign: Campaign) -> int:
    return sum(p.amount_cents for p in campaign.payments if p.method == "credit" and p.status == "succeeded")


def received_cents(campaign: Campaign) -> int:
    """What came in for the campaign by card or transfer (the employer's credit aside)."""
    return sum(p.amount_cents for p in campaign.payments if p.method != "credit" and p.status == "succeeded")


def amount_due_cents(campaign: Campaign) -> int:
    """What the employer still has to pay (by card or transfer) for the campaign."""
    return max(campaign.total_cents - credit_applied_cents(campaign) - received_cents(campaign), 0)


def _apply_credit(campaign: Campaign) -> None:
    """Pay the campaign from the employer's available credit, as far as it goes. Called in an
    exclusive transaction (BEGIN IMMEDIATE on SQLite) with the employer's row locked (PostgreSQL),
    so that two campaigns confirmed at once do not both count on the same credit. The money is
    already on the funding account: nothing moves in the ledger."""
    db.session.execute(select(Employer.id).where(Employer.id == campaign.employer_id).with_for_update())
    used = min(available_credit_cents(campaign.employer_id), campaign.total_cents)
    if used <= 0:
        return
    now = utcnow()
    db.session.add(CampaignPayment(campaign_id=campaign.id, method="credit", amount_cents=used, status="succeeded",
                                   paid_at=now))
    if used == campaign.total_cents:
        campaign.status, campaign.funded_at, campaign.funding_method = "funded", now, "credit"


# --- Funding ------------------------------------------------------------------------------------


def choose_bank_transfer(campaign: Campaign) -> CampaignPayment:
    """The HR user pays by transfer: a pending payment the territory admin marks as received."""
    ensure_employer_active(campaign.employer)
    if campaign.status != "awaiting_payment":
        raise CampaignError(gettext("Cette campagne n'attend pas de paiement."))
    payment = next((p for p in campaign.payments if p.method == "bank" and p.status == "pending"), None)
    if payment is None:
        payment = CampaignPayment(campaign_id=campaign.id, method="bank", amount_cents=amount_due_cents(campaign))
        db.session.add(payment)
        if campaign.issue_on is None:  # as the page promises: issued as soon as the transfer is received
            campaign.issue_on = paris_day(utc_now())
    campaign.funding_method = "bank"
    db.session.commit()
    return payment


def issue_announcement(campaign: Campaign):
    """What happens next to a paid campaign, for HR: its issue day, or the button."""
    if campaign.issue_on is None:
        return lazy_gettext("Vous pouvez maintenant émettre les cartes depuis votre espace.")
    if campaign.issue_on <= paris_day(utc_now()):
        return lazy_gettext("Les cartes sont émises automatiquement dans les minutes qui viennent ; "
                            "les salariés sont prévenus par e-mail.")
    return lazy_gettext("Les cartes seront émises automatiquement le %(day)s ; les salariés seront prévenus par "
                        "e-mail.", day=mail.date(campaign.issue_on))


def set_issue_day(campaign: Campaign, day: date | None, today: date | None = None) -> None:
    """HR chooses when the scheduler issues the campaign once funded (`day`, Paris; None: HR issues
    it with the button). A past day is refused: it would mean "now", which the button does."""
    if campaign.status not in ("awaiting_payment", "funded"):
        raise CampaignError(gettext("Cette campagne n'attend plus d'émission."))
    if day is not None and day < (today or paris_day(utc_now())):
        raise CampaignError(gettext("Date d'émission : choisissez aujourd'hui ou un jour à venir."))
    campaign.issue_on = day
    db.session.commit()


def campaigns_due_for_issue(today: date | None = None) -> list[int]:
    """The funded campaigns whose issue day has come (marketplace/periodic.py issues them)."""
    return list(db.session.scalars(select(Campaign.id).where(
        Campaign.status == "funded", Campaign.issue_on.is_not(None),
        Campaign.issue_on <= (today or paris_day(utc_now()))).order_by(Campaign.id)))


def confirm_card_payment(payment: CampaignPayment, payment_method_id: str):
    """Confirm the card payment's PaymentIntent with the card the page tokenised; after a declined
    card, through a fresh intent for the same payment (see payments.declined_before)."""
    return payments.confirm_stored_intent(payment, payment_method_id)


def transfer_reference(campaign: Campaign) -> str:
    """What the HR user writes on the transfer, so the admin can match it."""
    return f"HALLE-CAMPAGNE-{campaign.id}"


def record_payment_received(payment_id: int, *, source: str, key: str, actor: str,
                            bank_reference: str | None = None, recorded_by_id: int | None = None) -> Campaign:
    """The money of a campaign payment has arrived: fund the employer's account in the ledger
    (once per `key`), then mark the payment succeeded and the campaign funded. Safe to repeat."""
    payment = db.session.get(CampaignPayment, payment_id)
    campaign = payment.campaign
    employer_id, amount = campaign.employer_id, payment.amount_cents
    db.session.commit()
    result = fund(db.session, amount_cents=amount, key=key, actor=actor, employer_id=employer_id, source=source)
    payment = db.session.get(CampaignPayment, payment_id)
    first_time = payment.status != "succeeded"
    payment.status = "succeeded"
    payment.ledger_entry_id = result.entry_id
    payment.paid_at = payment.paid_at or utcnow()
    if bank_reference:
        payment.bank_reference = bank_reference
    if recorded_by_id:
        payment.recorded_by_id = recorded_by_id
    campaign = payment.campaign
    campaign.funding_method = payment.method
    remaining = amount_due_cents(campaign)
    if campaign.status == "awaiting_payment" and remaining == 0:
        campaign.status = "funded"
        campaign.funded_at = utcnow()
    db.session.commit()
    if first_time and remaining:
        _tell_hr(campaign, lazy_gettext("Paiement partiel reçu pour la campagne « %(campaign)s »",
                                        campaign=campaign.label),
                 lazy_gettext("Bonjour,\n\nNous avons bien reçu %(amount)s pour la campagne « %(campaign)s ». "
                              "Il reste %(remaining)s à virer (référence %(reference)s) : les cartes pourront être "
                              "émises dès sa réception.\n\nHalle", amount=mail.amount(amount),
                              campaign=campaign.label, remaining=mail.amount(remaining),
                              reference=transfer_reference(campaign)))
    elif first_time:
        _tell_hr(campaign, lazy_gettext("Paiement reçu pour la campagne « %(campaign)s »", campaign=campaign.label),
                 lazy_gettext("Bonjour,\n\nNous avons bien reçu %(amount)s pour la campagne « %(campaign)s ».\n"
                              "%(next)s\n\nHalle", amount=mail.amount(amount), campaign=campaign.label,
                              next=issue_announcement(campaign)))
    return campaign


@dataclass(frozen=True)
class TransferRecorded:
    campaign: Campaign
    received_cents: int
    remaining_cents: int  # still to come (a partial transfer): the campaign keeps waiting
    surplus_cents: int  # above what was asked: left on the employer's account as credit
    payment_id: int | None = None  # the campaign payment that recorded it


def _plain_reference(text: str) -> str:
    """Banks print references with other separators or case: HALLE CAMPAGNE 12 = HALLE-CAMPAGNE-12."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def record_bank_transfer(campaign: Campaign, *, reference: str, amount_cents: int,
                         admin_id: int | None) -> TransferRecorded:
    """The admin read a transfer on the territory's statement. The reference must be the
    campaign's. Whatever amount arrived is recorded, as an accountant matches a bank line: the
    whole amount asked funds the campaign; less is recorded and the campaign waits for the rest
    (a new expected transfer of what remains); more funds it and the surplus stays on the
    employer's funding account as credit for its next campaign. `admin_id` None: the bank
    statement's import recorded it (marketplace/bank_statements.py)."""
    expected = transfer_reference(campaign)
    reference = (reference or "").strip()
    if _plain_reference(reference) != _plain_reference(expected):
        raise CampaignError(gettext("Référence du virement : « %(given)s » n'est pas celle de cette campagne "
                                    "(%(expected)s). Rien n'est enregistré.", given=reference, expected=expected))
    if amount_cents <= 0:
        raise CampaignError(gettext("Montant reçu : indiquez le montant du virement, supérieur à zéro."))
    payment = next((p for p in campaign.payments if p.method == "bank" and p.status == "pending"), None)
    if payment is None or campaign.status != "awaiting_payment":
        raise CampaignError(gettext("Cette campagne n'attend pas de virement."))
    asked = payment.amount_cents
    claimed = db.session.execute(
        update(CampaignPayment).where(CampaignPayment.id == payment.id, CampaignPayment.status == "pending",
                                      CampaignPayment.bank_reference.is_(None))
        .values(amount_cents=amount_cents, bank_reference=reference[:140])
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:  # another admin recorded it at the same moment
        db.session.rollback()
        raise CampaignError(gettext("Ce virement vient d'être enregistré."))
    if amount_cents < asked:
        db.session.add(CampaignPayment(campaign_id=campaign.id, method="bank", amount_cents=asked - amount_cents))
    db.session.commit()
    db.session.expire_all()
    funded = record_payment_received(payment.id, source="bank", key=f"bank:campaign-payment:{payment.id}",
                                     actor=f"user:{admin_id}" if admin_id else "system:bank-statement",
                                     recorded_by_id=admin_id)
    return TransferRecorded(funded, amount_cents, max(asked - amount_cents, 0), max(amount_cents - asked, 0),
                            payment.id)


# --- Issue --------------------------------------------------------------------------------------


def start_issue(campaign_id: int) -> bool:
    """Claim the right to issue (funded → issuing, or resume an issue that stopped making
    progress). False when another click or process already runs it."""
    now = utcnow()
    claimed = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id,
               (Campaign.status == "funded")
               | ((Campaign.status == "issuing") & (Campaign.issue_heartbeat_at < now - STALE_ISSUE)))
        .values(status="issuing", issue_heartbeat_at=now)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def issue_campaign(campaign_id: int, *, actor: str, batch_size: int = ISSUE_BATCH) -> int:
    """Give every recipient their grant (a new active card for those without one) and email
    them, batch by batch. Idempotent: a grant's ledger key is per campaign and employee, and
    progress is kept on the recipients' rows, so a re-run continues where the last one stopped
    (nothing is issued twice; a message may be sent again if the run stopped mid-batch).
    Returns the number of grants issued by this run. Call start_issue first."""
    campaign = db.session.get(Campaign, campaign_id)
    grant_terms = dict(label=f"{campaign.employer.name} — {campaign.label}", expires_on=campaign.expires_on,
                       employer_id=campaign.employer_id, allowed_categories=campaign.allowed_categories,
                       expiry_policy=campaign.expiry_policy, campaign_id=campaign.id,
                       prefix=card_settings().card_prefix)
    message = _Message(campaign)
    db.session.commit()
    issued = 0
    while True:
        batch = db.session.execute(
            select(CampaignEmployee.id, CampaignEmployee.employee_id, CampaignEmployee.card_id,
                   CampaignEmployee.card_created, CampaignEmployee.amount_cents)
            .where(CampaignEmployee.campaign_id == campaign_id, CampaignEmployee.grant_id.is_(None),
                   CampaignEmployee.revoked_at.is_(None))
            .order_by(CampaignEmployee.id).limit(batch_size)
        ).all()
        if not batch:
            db.session.commit()
            break
        orders, pins = _grant_orders(campaign_id, batch)
        db.session.commit()

        def record(results, batch=batch, orders=orders) -> None:
            now = utcnow()
            db.session.execute(update(CampaignEmployee), [
                {"id": row.id, "card_id": result.card_id, "grant_id": result.grant_id, "issued_at": now,
                 "card_created": row.card_created or order.card_id is None}
                for row, order, result in zip(batch, orders, results, strict=True)])
            db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(
                issued_count=Campaign.issued_count + len(results), issue_heartbeat_at=now))

        issue_grants(db.session, items=orders, actor=actor, then=record,
                     **grant_terms)
        _notify(message, [row.id for row in batch], pins)
        issued += len(batch)
    # Catch up with recipients granted by a run that stopped before its e-mails.
    while leftover := db.session.scalars(
            select(CampaignEmployee.id).where(CampaignEmployee.campaign_id == campaign_id,
                                              CampaignEmployee.grant_id.is_not(None),
                                              CampaignEmployee.notified_at.is_(None)).limit(batch_size)).all():
        db.session.commit()
        _notify(message, list(leftover), {})
    db.session.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "issuing")
                       .values(status="issued", issued_at=utcnow()))
    db.session.commit()
    return issued


def _grant_orders(campaign_id: int, batch) -> tuple[list[GrantOrder], dict[int, str]]:
    """The batch's grants: onto the recipient's card, else the employee's usable card, else a new
    card with a random PIN. Returns the orders and the PINs of employees with an e-mail
    (recipient id → PIN), which exist nowhere else: the caller emails them. The PIN of a card
    for an employee without e-mail is known to nobody and always asked: the card pays nothing
    until HR prints it with a new PIN (print_sheet)."""
    employee_ids = [row.employee_id for row in batch if row.card_id is None]
    existing = dict(db.session.execute(
        select(Card.employee_id, func.max(Card.id))
        .where(Card.employee_id.in_(employee_ids), Card.status.in_(("pending", "active")))
        .group_by(Card.employee_id)
    ).all())
    with_email = set(db.session.scalars(select(Employee.id).where(Employee.id.in_(employee_ids),
                                                                  Employee.email.is_not(None), Employee.email != "")))
    orders, pins = [], {}
    for row in batch:
        card_id = row.card_id or existing.get(row.employee_id)
        pin = _random_pin() if card_id is None else None
        if pin is not None and row.employee_id in with_email:
            pins[row.id] = pin
        orders.append(GrantOrder(key=f"campaign:{campaign_id}:employee:{row.employee_id}",
                                 amount_cents=row.amount_cents, card_id=card_id, employee_id=row.employee_id,
                                 pin=pin, pin_always_required=pin is not None and row.id not in pins))
    return orders, pins


def _random_pin() -> str:
    return f"{secrets.randbelow(10_000):04d}"


@dataclass(frozen=True)
class PrintedCard:
    """A card on HR's print sheet; `pin` is set when a PIN was just made for its tear-off slip."""

    name: str
    card: Card
    amount_cents: int
    pin: str | None = None

    @property
    def number(self) -> str:
        """In full only on a card that asks its printed PIN at every payment; else the last 4."""
        return grouped_number(self.card.number) if self.pin else self.card.masked_number


def gets_printed_pin(card: Card) -> bool:
    """A card handed out on paper carries a PIN printed with it, unless its holder took it over
    (claimed online, or chose a PIN): a card nobody claimed, without PIN or with a printed one."""
    return (card.holder_user_id is None and card.status in ("pending", "active")
            and (card.pin_hash is None or card.pin_always_required))


def print_sheet(campaign: Campaign, *, only_without_email: bool, new_pins: bool) -> list[PrintedCard]:
    """The campaign's cards for HR's print sheet. With `new_pins`, each card that gets a printed
    PIN gets a new one, returned to be printed once (it is stored hashed only, and always asked
    until the holder chooses their own or claims the card online); a PIN printed before no
    longer works."""
    query = (select(CampaignEmployee.amount_cents, Employee.first_name, Employee.last_name, Card)
             .join(Employee, Employee.id == CampaignEmployee.employee_id)
             .join(Card, Card.id == CampaignEmployee.card_id)
             .where(CampaignEmployee.campaign_id == campaign.id, CampaignEmployee.grant_id.is_not(None)))
    if only_without_email:
        query = query.where(or_(Employee.email.is_(None), Employee.email == ""))
    rows = db.session.execute(query.order_by(Employee.last_name, Employee.first_name)).all()
    pins = {card.id: _random_pin() for *_, card in rows if new_pins and gets_printed_pin(card)}
    db.session.commit()
    for card_id, pin in pins.items():
        set_pin(db.session, card_id, pin, always_required=True)
    return [PrintedCard(f"{first} {last}", db.session.get(Card, card.id), amount, pins.get(card.id))
            for amount, first, last, card in rows]


class _Message:
    """The e-mail telling an employee about their gift."""

    def __init__(self, campaign: Campaign):
        self.employer = campaign.employer.name
        self.label = campaign.label
        self.expires_on = mail.date(campaign.expires_on)
        self.territory = current_app.config["TERRITORY_NAME"]

    def send(self, *, email: str, first_name: str, amount_cents: int, card_id: int, number: str,
             pin: str | None) -> None:
        from marketplace.card_holders import claim_url

        gift = dict(name=first_name, employer=self.employer, amount=mail.amount(amount_cents), label=self.label,
                    territory=self.territory, until=self.expires_on)
        if pin is not None:
            body = lazy_gettext(
                "Bonjour %(name)s,\n\n%(employer)s vous offre %(amount)s (%(label)s) sur la carte du territoire "
                "%(territory)s, à dépenser dans ses commerces jusqu'au %(until)s.\n\n"
                "Numéro de votre carte : %(number)s\n"
                "Code PIN (à garder pour vous, il ne vous sera plus communiqué) : %(pin)s\n\n"
                "Pour voir votre solde et les commerces où l'utiliser, rattachez la carte à votre compte Halle :\n"
                "%(link)s\n\nHalle", number=grouped_number(number), pin=pin, link=claim_url(card_id), **gift)
        else:
            body = lazy_gettext(
                "Bonjour %(name)s,\n\n%(employer)s vous offre %(amount)s (%(label)s) sur la carte du territoire "
                "%(territory)s, à dépenser dans ses commerces jusqu'au %(until)s.\n\n"
                "La somme a été ajoutée à votre carte se terminant par %(last4)s.\n\nHalle",
                last4=number[-4:], **gift)
        subject = lazy_gettext("%(employer)s vous offre %(amount)s sur la carte du territoire",
                               employer=self.employer, amount=mail.amount(amount_cents))
        mail.send_mail(email, subject, body)


def _notify(message: _Message, recipient_ids: list[int], pins: dict[int, str]) -> None:
    """Email these recipients, then mark them notified. A new card whose PIN is not in `pins`
    (the run that created it stopped before its e-mail) gets a new PIN here."""
    rows = db.session.execute(
        select(CampaignEmployee.id, CampaignEmployee.amount_cents, CampaignEmployee.card_created,
               Employee.email, Employee.first_name, Card.id, Card.number, Card.holder_user_id)
        .join(Employee, Employee.id == CampaignEmployee.employee_id)
        .join(Card, Card.id == CampaignEmployee.card_id)
        .where(CampaignEmployee.id.in_(recipient_ids), CampaignEmployee.notified_at.is_(None))
    ).all()
    db.session.commit()
    for recipient_id, amount, created, email, first_name, card_id, number, holder in rows:
        if not email:
            continue
        pin = pins.get(recipient_id)
        if pin is None and created and holder is None:
            pin = f"{secrets.randbelow(10_000):04d}"
            set_pin(db.session, card_id, pin)
        message.send(email=email, first_name=first_name, amount_cents=amount, card_id=card_id, number=number,
                     pin=pin)
    db.session.execute(update(CampaignEmployee).where(CampaignEmployee.id.in_([row[0] for row in rows]))
                       .values(notified_at=utcnow()))
    db.session.commit()


@dataclass(frozen=True)
class IssueProgress:
    status: str
    total: int
    issued: int
    notified: int

    @property
    def percent(self) -> int:
        if self.total == 0:
            return 100
        return (self.issued + self.notified) * 100 // (2 * self.total)


def issue_progress(campaign: Campaign) -> IssueProgress:
    counts = db.session.execute(
        select(func.count(), func.count(CampaignEmployee.grant_id), func.count(CampaignEmployee.notified_at))
        .where(CampaignEmployee.campaign_id == campaign.id,
               CampaignEmployee.revoked_at.is_(None) | CampaignEmployee.grant_id.is_not(None))
    ).one()
    return IssueProgress(campaign.status, counts[0], counts[1], counts[2])


# --- Revocation ---------------------------------------------------------------------------------


def revoke_recipient(recipient: CampaignEmployee, *, actor: str) -> int:
    """Take back what is left of an employee's grant (they left the company): back to the
    employer's funding account, once (the ledger key is per campaign and employee). Returns
    the cents taken back."""
    campaign = recipient.campaign
    if recipient.grant_id is None:
        if campaign.status in ("issued", "issuing"):
            raise CampaignError(gettext("Cette carte n'a pas encore été émise."))
        recipient.revoked_at, recipient.revoked_cents = utcnow(), 0  # simply left out of the issue
        db.session.commit()
        return 0
    recipient_id, grant_id = recipient.id, recipient.grant_id
    key = f"campaign:{campaign.id}:employee:{recipient.employee_id}:revoke"
    reason = campaign.label  # the holder's history reads "Credit withdrawn · <campaign>"
    db.session.commit()
    result = revoke_grant(db.session, grant_id=grant_id, key=key, actor=actor, reason=reason)
    recipient = db.session.get(CampaignEmployee, recipient_id)
    recipient.revoked_cents = result.amount_cents
    recipient.revoked_at = recipient.revoked_at or utcnow()
    db.session.commit()
    return result.amount_cents


# --- Follow-up ----------------------------------------------------------------------------------


@dataclass
class CampaignReport:
    issued_cents: int
    spent_cents: int
    remaining_cents: int
    expired_cents: int
    revoked_cents: int
    shop_count: int  # the shops where it was spent
    by_commune: list[tuple[str, int]]
    by_category: list[tuple[str, int]]

    def percent(self, cents: int) -> int:
        return round(cents * 100 / self.issued_cents) if self.issued_cents else 0


def campaign_report(campaign: Campaign) -> CampaignReport:
    """Issued, spent, remaining, expired and revoked, and where it was spent, over all its
    recipients (their own lines: recipient_lines, recipients_page). Never anyone's purchases."""
    grants = select(Grant.account_id).where(Grant.campaign_id == campaign.id).scalar_subquery()
    movement = (select(Entry.kind, Entry.shop_id, Posting.amount_cents)
                .join(Posting, Posting.entry_id == Entry.id).where(Posting.account_id.in_(grants)))
    issued = expired = revoked = spent = 0
    per_shop: dict[int, int] = {}
    for kind, shop_id, cents in db.session.execute(movement):
        if kind == "issue":
            issued += cents
        elif kind == "expire":
            expired -= cents
        elif kind == "adjust":
            revoked -= cents
        elif shop_id is not None:  # redeem, hold, capture, release, void, refund
            spent -= cents
            per_shop[shop_id] = per_shop.get(shop_id, 0) - cents
    remaining = db.session.scalar(select(func.coalesce(func.sum(Account.balance_cents), 0))
                                  .where(Account.id.in_(grants)))
    by_commune: dict[str, int] = {}
    by_category: dict[str, int] = {}
    if per_shop:
        categories = {c.id: c for c in db.session.scalars(select(Category))}
        for shop, commune in db.session.execute(select(Shop, Commune.name).join(Commune)
                                                .where(Shop.id.in_(per_shop))):
            by_commune[commune] = by_commune.get(commune, 0) + per_shop[shop.id]
            top = categories[shop.category_id]
            while top.parent_id is not None:
                top = categories[top.parent_id]
            by_category[top.name] = by_category.get(top.name, 0) + per_shop[shop.id]
    return CampaignReport(issued, spent, remaining, expired, revoked, len(per_shop),
                          sorted(by_commune.items(), key=lambda item: -item[1]),
                          sorted(by_category.items(), key=lambda item: -item[1]))


def _recipient_lines(*conditions) -> list[dict]:
    """Per recipient, by name: only whether the card is attached to an account and what is left."""
    lines = []
    for recipient, employee, card, grant, balance in db.session.execute(
            select(CampaignEmployee, Employee, Card, Grant, Account.balance_cents)
            .join(Employee, Employee.id == CampaignEmployee.employee_id)
            .outerjoin(Card, Card.id == CampaignEmployee.card_id)
            .outerjoin(Grant, Grant.id == CampaignEmployee.grant_id)
            .outerjoin(Account, Account.id == Grant.account_id)
            .where(*conditions).order_by(Employee.last_name, Employee.first_name, CampaignEmployee.id)):
        if grant is not None and grant.replaced_by_id is not None:  # a lost card replaced: the new one
            grant = successor_of(db.session, grant, lock=False)
            card, balance = grant.card, grant.account.balance_cents
        lines.append(
            {"external_id": employee.external_id, "name": f"{employee.last_name} {employee.first_name}",
             "amount_cents": recipient.amount_cents, "issued": recipient.grant_id is not None,
             "attached": bool(card and card.holder_user_id), "card_status": card.status if card else None,
             "remaining_cents": balance if balance is not None else 0,
             "revoked": recipient.revoked_at is not None, "recipient_id": recipient.id})
    return lines


def recipient_lines(campaign: Campaign) -> list[dict]:
    """Every recipient's line (the export)."""
    return _recipient_lines(CampaignEmployee.campaign_id == campaign.id)


def recipients_page(campaign: Campaign, text: str, page: int) -> Pagination:
    """One page of the recipients whose details hold the words of `text` (staff.matching), by
    name; its items are their lines."""
    statement = (select(CampaignEmployee).join(Employee, Employee.id == CampaignEmployee.employee_id)
                 .where(CampaignEmployee.campaign_id == campaign.id, staff.matching(text))
                 .order_by(Employee.last_name, Employee.first_name, CampaignEmployee.id))
    pagination = db.paginate(statement, page=page, per_page=staff.PER_PAGE, error_out=False)
    ids = [recipient.id for recipient in pagination.items]
    pagination.items = _recipient_lines(CampaignEmployee.id.in_(ids)) if ids else []
    return pagination


def report_ended_campaigns(today: date | None = None) -> int:
    """Mail HR the result of each campaign whose last day has passed, once its credit has all been
    swept (the nightly expiry): what was given, spent and where, and where the rest went, with the
    link to do it again next year. Daily; the number of campaigns reported."""
    today = today or paris_day(utc_now())
    ended = db.session.scalars(select(Campaign).where(Campaign.status == "issued", Campaign.expires_on < today,
                                                      Campaign.ended_report_at.is_(None))
                               .order_by(Campaign.id)).all()
    reported = 0
    for campaign in ended:
        report = campaign_report(campaign)
        if report.remaining_cents:  # the sweep of its last day has not run yet
            continue
        unspent = report.expired_cents
        back = (lazy_gettext("revenus sur le compte Halle de votre entreprise : ils paieront en partie votre "
                             "prochaine campagne") if campaign.expiry_policy == "employer"
                else lazy_gettext("versés au fonds du territoire, comme la campagne le prévoyait"))
        subject = lazy_gettext("Campagne « %(campaign)s » terminée : %(percent)s %% dépensés dans le territoire",
                               campaign=campaign.label, percent=report.percent(report.spent_cents))
        _tell_hr(campaign, subject,
                 lazy_gettext(
                     "Bonjour,\n\nLa campagne « %(campaign)s » est terminée (dernier jour : %(day)s).\n\n"
                     "Offert : %(issued)s.\nDépensé dans les commerces du territoire : %(spent)s, dans "
                     "%(shops)s de %(communes)s.\nNon dépensé : %(unspent)s, %(back)s.\n"
                     "Repris aux salariés partis : %(revoked)s.\n\nLe détail : %(link)s\n\n"
                     "Refaire cette campagne l'an prochain, préremplie : %(again)s\n\nHalle",
                     campaign=campaign.label, day=mail.date(campaign.expires_on),
                     issued=mail.amount(report.issued_cents),
                     spent=mail.amount(report.spent_cents),
                     shops=lazy_ngettext("%(num)s commerce", "%(num)s commerces", report.shop_count),
                     communes=lazy_ngettext("%(num)s commune", "%(num)s communes", len(report.by_commune)),
                     unspent=mail.amount(unspent), back=back, revoked=mail.amount(report.revoked_cents),
                     link=public_url_for("employer.campaign", employer_id=campaign.employer_id,
                                         campaign_id=campaign.id),
                     again=public_url_for("employer.new_campaign", employer_id=campaign.employer_id,
                                          depuis=campaign.id)))
        campaign.ended_report_at = utcnow()
        db.session.commit()
        reported += 1
    return reported


# --- Helpers ------------------------------------------------------------------------------------


def _tell_hr(campaign: Campaign, subject, body) -> None:
    employer = campaign.employer
    recipients = {m.user.email for m in employer.members} | ({employer.billing_email} - {""})
    for email in sorted(recipients):
        mail.send_mail(email, subject, body)
