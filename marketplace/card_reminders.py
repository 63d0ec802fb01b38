"""Credit left on a card is reminded to its holder before its last day (CARD_EXPIRY_REMINDER_DAYS,
a month and a week by default), once per credit and reminder, so that an employer's gift is spent
in the territory's shops rather than going back unspent; nobody has to chase the holders.

A reminder is due when the credit ends within its number of days and lived longer than that (a
credit given for ten days gets the week's reminder only: its issue mail told its last day). The
holder is the card's account, else the employee's address, else the gift's recipient
(card_holders.holder_of); a card with none of them is skipped. The mail goes before the row that
marks it: a crash in between sends it twice, never loses it."""
import logging
from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from loyalty.clock import paris_day, utc_now
from loyalty.models import Account, Card, Grant
from marketplace import mail
from marketplace.card_holders import grants_of, holder_of
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models import GrantExpiryReminder

log = logging.getLogger(__name__)


def due_reminders(today: date) -> dict[int, list[tuple[Grant, int]]]:
    """Per card, the (credit, days before) whose reminder is due today and not sent."""
    thresholds = sorted(current_app.config["CARD_EXPIRY_REMINDER_DAYS"])
    if not thresholds:
        return {}
    grants = db.session.scalars(
        select(Grant).join(Card, Card.id == Grant.card_id).join(Account, Account.id == Grant.account_id)
        .where(Card.status == "active", Grant.replaced_by_id.is_(None), Account.balance_cents > 0,
               Grant.expires_on >= today, Grant.expires_on <= today + timedelta(days=thresholds[-1]))
        .order_by(Grant.card_id, Grant.expires_on, Grant.id)).all()
    sent = set(db.session.execute(
        select(GrantExpiryReminder.grant_id, GrantExpiryReminder.days_before)
        .where(GrantExpiryReminder.grant_id.in_([grant.id for grant in grants]))).all()) if grants else set()
    due = defaultdict(list)
    for grant in grants:
        days_left = (grant.expires_on - today).days
        threshold = next(days for days in thresholds if days_left <= days)
        lived = (grant.expires_on - paris_day(grant.created_at)).days
        if lived > threshold and not any((grant.id, days) in sent for days in thresholds if days <= threshold):
            due[grant.card_id].append((grant, threshold))
    return due


def remind_expiring(today: date | None = None) -> int:
    """Send the reminders due today (daily); the number of holders reminded."""
    today = today or paris_day(utc_now())
    reminded = 0
    for card_id, due in due_reminders(today).items():
        card = db.session.get(Card, card_id)
        holder = holder_of(card)
        if holder.email is None:
            continue
        views = {view.grant.id: view for view in grants_of(card)}
        lines = [lazy_gettext("- %(amount)s, %(event)s (%(funder)s), jusqu'au %(day)s", amount=mail.amount(
            views[grant.id].balance_cents), event=views[grant.id].event, funder=views[grant.id].funder,
            day=mail.date(grant.expires_on)) for grant, _ in due]
        total = sum(views[grant.id].balance_cents for grant, _ in due)
        first_day = min(grant.expires_on for grant, _ in due)
        mail.send_mail(
            holder.email,
            lazy_gettext("Votre carte du territoire : %(amount)s à dépenser avant le %(day)s",
                         amount=mail.amount(total), day=mail.date(first_day)),
            lazy_gettext("Bonjour,\n\nIl vous reste sur votre carte du territoire (%(card)s) :\n%(lines)s\n\n"
                         "Passé ce jour, ce crédit ne pourra plus être dépensé. Il se dépense dans les commerces "
                         "du territoire qui acceptent la carte ; votre carte et la liste de ces commerces :\n"
                         "%(link)s\n\nHalle", card=card.masked_number, lines=mail.joined(lines, "\n"),
                         link=holder.link))
        db.session.add_all(GrantExpiryReminder(grant_id=grant.id, days_before=days, sent_to=holder.email)
                           for grant, days in due)
        db.session.commit()
        reminded += 1
    if reminded:
        log.info("%d holder(s) reminded of credit about to expire", reminded)
    return reminded
