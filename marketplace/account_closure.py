"""Closing an account at its holder's request (RGPD, the right to erasure): from its profile page,
or by an administrator answering the holder's written request (marketplace/admin/account_routes.py);
and, with no one's request, an account that never confirmed its address and holds nothing, once the
last link mailed to it is UNCONFIRMED_ACCOUNT_DAYS old (the periodic job close_unconfirmed_accounts).

The account's row stays, emptied: orders, payments, gift-card sales and the audit log point at it
and are kept as the law on accounts asks (ten years); they name no one once the row holds no name
and no address. What goes: the names, the address, the home commune, the password, every login,
the cart, the stock alerts, the places in teams (shops, HR spaces, unions, communes, counters), and
the address from the audit log (its events name the account by its number). A
card the account held stays a card with its balance, held by no account: its number and QR code
still pay.

Refused, with the reason, while closing would leave work or people stranded: an administrator (another
one takes the rights away first), the only owner of a shop or the only person of an HR space
(someone else is invited first), an order a shop is still preparing or keeping for collection.
"""
import logging
import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import delete, exists, func, select, update

from loyalty.cards import grouped_number
from loyalty.models import Card
from loyalty.queries import card_balance
from marketplace import audit
from marketplace.auth import sessions
from marketplace.extensions import db
from marketplace.formatting import day
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import (AssociationManager, AuditEvent, CardCounterMember, CartItem, CommuneManager,
                                CreditPurchase, EmployerMember, Order, OrderShop, ShopMember, StockAlert, User)
from marketplace.models.base import utcnow
from marketplace.models.shops import OWNER
from marketplace.models.users import CLOSED_ACCOUNT_DOMAIN

log = logging.getLogger(__name__)
IN_PROGRESS = ("paid", "accepted", "ready")  # a shop prepares the order, or keeps it for collection


class WrongPassword(Exception):
    """The password typed to confirm is not the account's."""


def refusals(user: User) -> list[str]:
    """Why this account may not be closed yet (none: it may), in the reader's language."""
    reasons = []
    if user.is_admin:
        reasons.append(gettext("Vous êtes administrateur du territoire : demandez à un autre administrateur de vous "
                               "retirer ces droits, puis fermez votre compte."))
    for membership in user.shop_memberships:
        if membership.role == OWNER and _count(ShopMember, shop_id=membership.shop_id, role=OWNER) == 1:
            reasons.append(gettext("Vous êtes le seul propriétaire de %(shop)s : invitez un autre propriétaire dans "
                                   "son équipe, ou demandez au territoire de fermer sa fiche.",
                                   shop=membership.shop.name))
    for membership in user.employer_memberships:
        if _count(EmployerMember, employer_id=membership.employer_id) == 1:
            reasons.append(gettext("Vous êtes la seule personne de l'espace RH de %(name)s : invitez-y quelqu'un "
                                   "d'abord.", name=membership.employer.name))
    waiting = db.session.scalar(select(func.count()).select_from(OrderShop).join(Order)
                                .where(Order.user_id == user.id, OrderShop.status.in_(IN_PROGRESS)))
    if waiting:
        reasons.append(ngettext("%(num)s commande est encore en préparation ou à retirer : attendez de l'avoir "
                                "retirée (ou qu'elle soit annulée).",
                                "%(num)s commandes sont encore en préparation ou à retirer : attendez de les avoir "
                                "retirées (ou qu'elles soient annulées).", waiting))
    return reasons


def held_cards(user: User) -> list[tuple[str, int]]:
    """The number (in groups of four) and balance of each active card the account holds: they keep
    their balance once it is closed, so the page shows them to be noted down."""
    cards = db.session.scalars(select(Card).where(Card.holder_user_id == user.id, Card.status == "active")
                               .order_by(Card.id))
    return [(grouped_number(card.number), card_balance(db.session, card.id)) for card in cards]


def close_own(user: User, password: str) -> None:
    """The holder closes their account from its profile, after its password (WrongPassword)."""
    if not user.check_password(password):
        raise WrongPassword()
    close(user, by=user)


def close(user: User, *, by: User) -> None:
    """Empty the account (see the module's docstring) in one transaction, by its holder or by an
    administrator answering the holder's written request (who can no longer log in, say); the holder
    is told by e-mail at the address the account had. Raises ValueError with the refusals."""
    reasons = refusals(user)
    if reasons:
        raise ValueError(reasons)
    address, locale = user.email, user.locale
    _empty(user)
    audit.record("account.close", user, actor=by, summary=f"Compte n° {user.id} fermé à la demande de son titulaire"
                 + ("" if by is user else " (demande écrite, fermé par l'administration)"))
    sessions.end_all(user)
    db.session.commit()
    db.session.expire_all()  # the memberships deleted above are gone from the account's collections too
    send_mail(address, lazy_gettext("Votre compte Halle est fermé"), lazy_gettext(
        "Bonjour,\n\nVotre compte Halle est fermé, à votre demande : votre nom, votre adresse e-mail et votre "
        "commune n'y sont plus, et plus personne ne peut s'y connecter. Vos commandes et vos paiements passés "
        "restent dans les livres des commerces et du territoire, sans votre nom, le temps que la loi le demande.\n\n"
        "Une carte du territoire que vous aviez garde son solde : son numéro et son QR code paient toujours.\n\n"
        "Vous pouvez recréer un compte avec cette adresse quand vous voulez.\n\nHalle"), locale=locale)


# When the nightly job runs (UTC, a line of marketplace.periodic.PERIODIC): the day an account is closed follows.
CLOSING_CRON = "30 4 * * *"


def _unconfirmed_holding_nothing():
    """The accounts that never confirmed their address, were mailed a link, and hold nothing: no
    order, no card, no gift purchase or sale, no place in a team, no admin rights (an account from
    before the check was never mailed a link: never here). NOT EXISTS: each look-up by its index."""
    held = [exists().where(model.user_id == User.id) for model in (ShopMember, EmployerMember, AssociationManager,
                                                                   CommuneManager, CardCounterMember, Order)]
    held += [exists().where(Card.holder_user_id == User.id), exists().where(CreditPurchase.buyer_user_id == User.id),
             exists().where(CreditPurchase.seller_user_id == User.id)]
    return select(User).where(User.email_confirmed_at.is_(None), User.is_active_account, User.is_admin.is_(False),
                              User.confirmation_sent_at.is_not(None), *(~query for query in held))


def _closing_delay() -> timedelta:
    return timedelta(days=current_app.config["UNCONFIRMED_ACCOUNT_DAYS"])


def unconfirmed_to_close(now=None) -> list[User]:
    """The accounts of `_unconfirmed_holding_nothing` last mailed the link more than
    UNCONFIRMED_ACCOUNT_DAYS ago."""
    return list(db.session.scalars(_unconfirmed_holding_nothing().where(
        User.confirmation_sent_at < (now or utcnow()) - _closing_delay()).order_by(User.id)))


def unconfirmed_closing_day(user: User):
    """When the nightly job will close this account if nothing changes (its first run once the last
    link is UNCONFIRMED_ACCOUNT_DAYS old, a stored UTC datetime), or None: it confirmed its address,
    holds something, or was never mailed a link."""
    if user.email_confirmed or user.confirmation_sent_at is None:
        return None
    if db.session.scalar(_unconfirmed_holding_nothing().where(User.id == user.id)) is None:
        return None
    due = user.confirmation_sent_at + _closing_delay()
    minute, hour = (int(field) for field in CLOSING_CRON.split()[:2])
    run = due.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return run if run > due else run + timedelta(days=1)


def close_unconfirmed(now=None) -> int:
    """Close the accounts of `unconfirmed_to_close`, each in its own transaction, then tell each
    address; returns how many (the periodic job). Each account is looked at again, locked, just
    before it is emptied: one that confirmed, joined a team or was mailed a new link meanwhile stays."""
    cutoff = (now or utcnow()) - _closing_delay()
    told = []
    for user_id in [user.id for user in unconfirmed_to_close(now)]:
        user = db.session.scalar(_unconfirmed_holding_nothing().where(
            User.id == user_id, User.confirmation_sent_at < cutoff).with_for_update())
        if user is None:
            db.session.rollback()
            continue
        told.append((user.email, user.locale, user.created_at))
        _empty(user)
        audit.record("account.close", user, actor=audit.SYSTEM,
                     summary=f"Compte n° {user.id} fermé : adresse jamais confirmée")
        sessions.end_all(user)
        db.session.commit()
    db.session.expire_all()
    for address, locale, created in told:
        try:
            send_mail(address, lazy_gettext("Votre compte Halle est fermé"), lazy_gettext(
                "Bonjour,\n\nLe compte ouvert sur Halle avec cette adresse le %(date)s est fermé : personne n'a "
                "ouvert le lien qui confirmait l'adresse, et il n'avait ni commande ni carte.\n\nSi ce compte était "
                "le vôtre, recréez-en un quand vous voulez avec cette adresse. Sinon, vous n'avez rien à faire."
                "\n\nHalle", date=day(created)), locale=locale)
        except Exception:  # the account is closed either way: the other addresses are still told
            log.exception("the mail telling %s its unconfirmed account was closed was not sent", address)
    return len(told)


def _empty(user: User) -> None:
    """What closing takes from an account (the module's docstring), in the caller's transaction."""
    _forget_in_audit_log(user)
    db.session.execute(update(Card).where(Card.holder_user_id == user.id).values(holder_user_id=None))
    for model in (ShopMember, EmployerMember, AssociationManager, CommuneManager, CardCounterMember, CartItem,
                  StockAlert):
        db.session.execute(delete(model).where(model.user_id == user.id))
    user.email = f"{user.id}.{secrets.token_hex(8)}@{CLOSED_ACCOUNT_DOMAIN}"
    user.first_name = user.last_name = ""
    user.home_commune_insee = None
    user.set_password(secrets.token_urlsafe(32))  # known to no one
    user.is_active_account = False


def _forget_in_audit_log(user: User) -> None:
    """The audit log keeps what the account did and what was done to it under its number: its address
    goes from the events' actor and from their summaries (« Vendeur ajouté : … »), as a whole address
    only (« a.lucie@… » is someone else's)."""
    alias = f"compte n° {user.id} (fermé)"
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id).values(actor=alias))
    address = re.compile(rf"(?<![\w.+-]){re.escape(user.email)}(?![\w-]|\.\w)", re.IGNORECASE)
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.summary.contains(user.email,
                                                                                          autoescape=True))):
        event.summary = address.sub(alias, event.summary)


def _count(model, **where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))
