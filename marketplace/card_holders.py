"""The holder's side of the territorial card: the claim link of the email, the QR code of the
printed card, the grants and where each can be spent, what each line of its history was, and the
replacement of a lost card."""
import base64
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from loyalty import ledger
from loyalty.accounts import STRIPE_CLEARING
from loyalty.cards import activate_card, attach_holder, qr_payload
from loyalty.errors import CardHeldByAnother, CardNotActive, CardNotFound
from loyalty.grants import is_live
from loyalty.clock import paris_day, utc_now
from loyalty.models import Card, Grant
from marketplace.auth.service import mark_email_confirmed
from marketplace.extensions import db
from marketplace.gift_cards import gift_token
from marketplace.i18n import error_message, lazy_gettext
from marketplace.models import Campaign, Category, Commune, CreditPurchaseItem, Employee, Employer, Shop, User
from marketplace.territory import commune_distance_km
from marketplace.urls import public_url_for

_CLAIM_SALT = "halle-card-claim"

HISTORY_LABELS = {"issue": lazy_gettext("Crédit reçu"), "redeem": lazy_gettext("Paiement"),
                  "void": lazy_gettext("Paiement annulé"), "refund": lazy_gettext("Remboursement"),
                  "expire": lazy_gettext("Crédit expiré"), "adjust": lazy_gettext("Correction"),
                  "withdrawn": lazy_gettext("Crédit retiré"),
                  "replace": lazy_gettext("Solde repris de l’ancienne carte"),
                  "hold": lazy_gettext("Réservation (commande)"),
                  "capture": lazy_gettext("Commande encaissée"), "release": lazy_gettext("Réservation libérée"),
                  "buyrefund": lazy_gettext("Remboursé à l'acheteur")}


def history_label(line) -> str:
    """What a line of the card's history was, for its holder (an adjustment that took money
    away reads as a withdrawal: an employer taking back a leaver's credit, say)."""
    kind = "withdrawn" if line.kind == "adjust" and line.amount_cents < 0 else line.kind
    return HISTORY_LABELS.get(kind, line.kind)


class ClaimError(ValueError):
    """Why a card cannot be attached to this account (French)."""


def _claims() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_CLAIM_SALT)


def claim_token(card_id: int) -> str:
    return _claims().dumps(card_id)


def claim_url(card_id: int) -> str:
    return public_url_for("card.claim", token=claim_token(card_id))


def card_from_claim_token(token: str) -> Card | None:
    try:
        card_id = _claims().loads(token)
    except BadSignature:
        return None
    return db.session.get(Card, card_id) if isinstance(card_id, int) else None


@dataclass(frozen=True)
class Holder:
    """Who holds a card, and where to write to them."""

    names: list[str]  # each way the card is held, as the admin reads it to the caller
    email: str | None  # the account's address, else the employee's, else the gift recipient's
    link: str | None  # what the mail links to: the card's page, the claim link, the gift's page


def holder_of(card: Card) -> Holder:
    """The card's account, employee and gift recipient; the first of them with an address is the
    one written to (the card desk, the credit reminders, a PIN locked at a till)."""
    names, contact = [], None
    if card.holder_user_id:
        user = db.session.get(User, card.holder_user_id)
        names.append(gettext("Compte Halle : %(name)s <%(email)s>",
                             name=f"{user.first_name} {user.last_name}".strip() or "—", email=user.email))
        contact = (user.email, public_url_for("card.index"))
    if card.employee_id:
        employee = db.session.get(Employee, card.employee_id)
        names.append(gettext("Salarié de %(company)s : %(name)s", company=employee.employer.name,
                             name=f"{employee.first_name} {employee.last_name}"))
        if employee.email and contact is None:
            contact = (employee.email, claim_url(card.id))
    gift = db.session.scalar(select(CreditPurchaseItem).where(CreditPurchaseItem.card_id == card.id)
                             .order_by(CreditPurchaseItem.id).limit(1))
    if gift is not None and gift.recipient_name:
        names.append(gettext("Carte cadeau pour %(name)s", name=gift.recipient_name))
    if gift is not None and gift.recipient_email and contact is None:
        contact = (gift.recipient_email, public_url_for("gifts.card", token=gift_token(gift.id)))
    return Holder(names, *(contact or (None, None)))


def _claim_link_addresses(card_id: int) -> set[str]:
    """The addresses the card's claim link is mailed to: its employee's, its gift recipient's."""
    employee = db.session.scalar(select(Employee.email).join(Card, Card.employee_id == Employee.id)
                                 .where(Card.id == card_id))
    gifts = db.session.scalars(select(CreditPurchaseItem.recipient_email)
                               .where(CreditPurchaseItem.card_id == card_id)).all()
    return {email.strip().lower() for email in (employee, *gifts) if email}


def claim_card(card_id: int, user: User) -> Card:
    """Attach the card to the user's account (and activate it if it was pending). Idempotent for
    its holder; refused when the card already belongs to someone else or is deactivated. An account
    whose address the claim link was mailed to has shown it reads that mailbox: its address is
    confirmed."""
    try:
        card = attach_holder(db.session, card_id, user.id)
    except CardHeldByAnother as error:
        raise ClaimError(error_message(error)) from None
    except (CardNotFound, CardNotActive):
        raise ClaimError(gettext("Cette carte n'est plus valable.")) from None
    if card.status == "pending":
        card = activate_card(db.session, card_id)
    if not user.email_confirmed and user.email in _claim_link_addresses(card_id):
        mark_email_confirmed(user)
        db.session.commit()
    return card


def qr_data_uri(card: Card) -> str:
    """The card's QR code (what the till scans) as an SVG data URI."""
    image = qrcode.make(qr_payload(card, current_app.config["SECRET_KEY"]),
                        image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


@dataclass(frozen=True)
class GrantView:
    grant: Grant
    funder: str
    event: str
    balance_cents: int
    live: bool
    category_names: list[str]


def grants_of(card: Card) -> list[GrantView]:
    today = paris_day(utc_now())
    campaigns = {c.id: c for c in db.session.scalars(
        select(Campaign).where(Campaign.id.in_([g.campaign_id for g in card.grants if g.campaign_id])))}
    names = dict(db.session.execute(select(Category.slug, Category.name)).all())
    employers = dict(db.session.execute(select(Employer.id, Employer.name).where(Employer.id.in_(
        [g.funder_account.employer_id for g in card.grants if g.funder_account.employer_id]))).all())
    views = []
    for grant in card.grants:
        campaign = campaigns.get(grant.campaign_id)
        views.append(GrantView(
            grant=grant,
            funder=campaign.employer.name if campaign else employers.get(grant.funder_account.employer_id) or (
                gettext("Acheté par carte bancaire") if grant.funder_account.code == STRIPE_CLEARING else "Territoire"),
            event=campaign.event_label if campaign else grant.label,
            balance_cents=grant.account.balance_cents,
            live=is_live(grant, today),
            category_names=[names.get(slug, slug) for slug in grant.allowed_categories or []],
        ))
    return views


def accepting_shops(allowed_categories: list[str] | None, allowed_communes: list[str] | None = None,
                    allowed_shops: list[int] | None = None) -> list[Shop]:
    """Approved shops taking the card whose category (or a parent of it), commune and own id are
    allowed (a grant's places, loyalty.terms.AcceptanceTerms.allows)."""
    query = (select(Shop).join(Commune).where(Shop.status == "approved", Shop.accepts_card.is_(True))
             .options(contains_eager(Shop.commune), joinedload(Shop.category))  # the page shows both
             .order_by(Commune.name, Shop.name))
    if allowed_communes is not None:
        query = query.where(Shop.commune_insee.in_(allowed_communes))
    if allowed_shops is not None:
        query = query.where(Shop.id.in_(allowed_shops))
    shops = db.session.scalars(query).all()
    if allowed_categories is None:
        return list(shops)
    categories = {c.id: c for c in db.session.scalars(select(Category))}
    allowed = set(allowed_categories)

    def lineage(category_id):
        while category_id is not None:
            category = categories[category_id]
            yield category.slug
            category_id = category.parent_id

    return [shop for shop in shops if allowed & set(lineage(shop.category_id))]


def nearest_first(shops: list[Shop], origin) -> list[tuple[Shop, float | None]]:
    """(shop, km from the holder's commune `origin`, see current_commune) the nearest first;
    without a commune chosen, the shops as they are (by commune name) with no distance. "Where can
    I spend it near me" is what a holder asks of a list of sixty shops."""
    if origin is None:
        return [(shop, None) for shop in shops]
    return sorted(((shop, commune_distance_km(origin, shop.commune)) for shop in shops),
                  key=lambda pair: (round(pair[1], 1), pair[0].name))


class ReplacementRefused(ValueError):
    """The holder asked to replace a card they have not blocked (in the reader's language)."""


def replace_card(card: Card, actor, *, by_holder: bool) -> Card:
    """A lost or damaged card replaced by a new active card (same holder, no PIN) that takes what
    is left on each live credit; the old card can never pay again. The holder does it from their
    account once they have blocked the card (a card found again is simply unblocked); the admin
    from its number, for a holder with no account. Once per card: a second click finds the same
    new card. Logged. Raises ReplacementRefused, or the ledger's refusal (PendingHolds,
    InvalidCardTransition)."""
    from marketplace import audit
    from marketplace.settings import card_settings

    if card.replaced_by_id is not None:  # already replaced (a second click, another tab)
        return db.session.get(Card, card.replaced_by_id)
    if by_holder and card.status != "blocked":
        raise ReplacementRefused(gettext("Bloquez d'abord la carte : une carte retrouvée se débloque, "
                                         "une carte perdue se remplace."))
    result = ledger.replace_card(db.session, card_id=card.id, key=f"replace:{card.id}", actor=actor.email,
                                 prefix=card_settings().card_prefix)
    new = db.session.get(Card, result.card_id)
    if not result.replayed:
        audit.record("card.replace", new, actor=actor,
                     summary=f"Carte {card.masked_number} remplacée par la carte {new.masked_number}")
        db.session.commit()
    return new
