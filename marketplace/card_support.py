"""The admin's card desk, for a holder on the phone: find the card from its number, its QR code or
its holder's e-mail; read its file (holder, credits, every movement); lift a PIN lock, replace a
lost card, and correct a credit when a mistake cannot be undone at the till (a payment taken twice
and noticed after the day's void). A correction is a ledger `adjust` entry against the territory's
"Corrections à analyser" account (471800), with its reason, for the accountant to read."""
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from loyalty import ledger
from loyalty.cards import find_card, grouped_number, lift_pin_lock, pin_locked
from loyalty.clock import paris_day, utc_now
from loyalty.grants import is_live
from loyalty.models import Card, Entry, Grant, Posting
from loyalty.queries import HistoryLine, card_balance, card_history
from loyalty.results import LedgerResult
from marketplace import audit, mail
from marketplace.card_holders import GrantView, grants_of, holder_of
from marketplace.extensions import db
from marketplace.formatting import day, money
from marketplace.i18n import lazy_gettext
from marketplace.models import CreditPurchaseItem, Employee, Shop, User
from marketplace.text_search import each_word_in

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’-]+[^\W\d_]+)*$")  # words of letters (a QR code has dots and digits)
MAX_FOUND = 30
STATUS_LABELS = {"pending": lazy_gettext("en attente d'activation"), "active": lazy_gettext("active"),
                 "blocked": lazy_gettext("bloquée"), "deactivated": lazy_gettext("désactivée")}


class CardDeskError(ValueError):
    """Why the desk refuses (in the reader's language), and the form field it is about."""

    def __init__(self, message: str, field: str = "grant"):
        super().__init__(message)
        self.field = field


def find_cards(query: str) -> list[Card]:
    """The cards a look-up names: the card of a number or QR code; for an e-mail address, the cards
    of the account, of the employee and of the gift recipient with that address; for a name (words
    without digits: "Anne Petit", "petit"), the cards of the accounts, employees and gift recipients
    whose names hold every word (at most MAX_FOUND). Oldest first. Raises CardNotFound for a number
    or a code that names no card."""
    text = (query or "").strip()
    if _EMAIL.match(text):
        email = text.lower()
        holders = select(User.id).where(func.lower(User.email) == email)
        employees = select(Employee.id).where(func.lower(Employee.email) == email)
        gifts = select(CreditPurchaseItem.card_id).where(func.lower(CreditPurchaseItem.recipient_email) == email)
    elif _NAME.match(text) and sum(char.isalpha() for char in text) >= 3:
        holders = select(User.id).where(each_word_in(text, User.first_name + " " + User.last_name))
        employees = select(Employee.id).where(each_word_in(text, Employee.first_name + " " + Employee.last_name))
        gifts = select(CreditPurchaseItem.card_id).where(each_word_in(text, CreditPurchaseItem.recipient_name))
    else:
        return [find_card(db.session, text, secret=current_app.config["SECRET_KEY"])]
    return list(db.session.scalars(
        select(Card).where(Card.holder_user_id.in_(holders) | Card.employee_id.in_(employees) | Card.id.in_(gifts))
        .order_by(Card.id).limit(MAX_FOUND)))


@dataclass(frozen=True)
class CardFile:
    card: Card
    number: str
    holder: str
    balance_cents: int
    pin_locked: bool
    grants: list[GrantView]
    history: list[HistoryLine]
    shop_names: dict[int, str]
    replaced_by: Card | None
    replaces: Card | None


def holder_label(card: Card) -> str:
    """Who holds the card, as the admin asks the caller to confirm it."""
    return " · ".join(holder_of(card).names) or gettext("Carte sans titulaire connu (carte remise en main propre)")


def card_file(card: Card) -> CardFile:
    history = card_history(db.session, card.id)
    wanted = {line.shop_id for line in history if line.shop_id}
    shop_names = dict(db.session.execute(select(Shop.id, Shop.name).where(Shop.id.in_(wanted))).all()) if wanted else {}
    replaces = db.session.scalar(select(Card).where(Card.replaced_by_id == card.id))
    return CardFile(card=card, number=grouped_number(card.number), holder=holder_label(card),
                    balance_cents=card_balance(db.session, card.id), pin_locked=pin_locked(card),
                    grants=grants_of(card), history=history, shop_names=shop_names,
                    replaced_by=db.session.get(Card, card.replaced_by_id) if card.replaced_by_id else None,
                    replaces=replaces)


def lift_pin_lock_for(card: Card, actor) -> Card:
    """The admin lifts the card's PIN lock at the holder's request, logged."""
    if not pin_locked(card):
        db.session.rollback()
        raise CardDeskError(gettext("Le code PIN de la carte %(card)s n'est pas verrouillé.", card=card.masked_number))
    card = lift_pin_lock(db.session, card.id)
    audit.record("card.pin_unlock", card, actor=actor, summary=f"Code PIN déverrouillé : carte {card.masked_number}")
    db.session.commit()
    return card


def correctable_grants(card: Card) -> list[Grant]:
    """The credits a correction may touch: those of a card still in use (not replaced)."""
    return [] if card.replaced_by_id or card.status == "deactivated" else list(card.grants)


def first_credit_cents(grant: Grant) -> int:
    """What the grant received when it was made (its issue, or what it took over from a lost card)."""
    return db.session.scalar(
        select(Posting.amount_cents).join(Entry, Entry.id == Posting.entry_id)
        .where(Posting.account_id == grant.account_id, Posting.amount_cents > 0)
        .order_by(Entry.id).limit(1)) or 0


def correct_grant(card: Card, *, grant_id: int, amount_cents: int, reason: str, token: str,
                  actor) -> LedgerResult:
    """Put `amount_cents` (signed) into one of the card's credits, or take it out, with its reason:
    one `adjust` entry, once per form (`token`), logged. Refused: a credit of another card or of a
    replaced card; money added to an expired credit, or beyond what the credit first received;
    money taken beyond its balance (the ledger's InsufficientBalance)."""
    grant = next((g for g in correctable_grants(card) if g.id == grant_id), None)
    if grant is None:
        db.session.rollback()
        raise CardDeskError(gettext("Crédit : choisissez un crédit de cette carte."))
    if amount_cents > 0 and not is_live(grant, paris_day(utc_now())):
        db.session.rollback()
        raise CardDeskError(gettext("Ce crédit a expiré le %(day)s : une correction ne le rendrait pas "
                                    "dépensable.", day=day(grant.expires_on)))
    masked, label, first = card.masked_number, grant.label, first_credit_cents(grant)
    db.session.commit()  # the ledger starts its own transaction
    result = ledger.adjust(db.session, account_id=grant.account_id, amount_cents=amount_cents, reason=reason,
                           key=f"card-desk:{token}", actor=actor.email, first_credit_cents=first)
    if not result.replayed:
        signed = ("+" if amount_cents > 0 else "") + money(amount_cents)
        audit.record("card.adjust", card, actor=actor,
                     summary=f"Correction de {signed} sur la carte {masked} (crédit « {label} ») : {reason.strip()}")
        db.session.commit()
        _tell_holder(db.session.get(Card, card.id), label, amount_cents, reason.strip(), result.card_balance_cents)
    return result


def _tell_holder(card: Card, label: str, amount_cents: int, reason: str, balance_cents: int) -> None:
    """The holder learns of a correction of their card by mail, with its reason (nobody finds money
    moved on their card without a word)."""
    holder = holder_of(card)
    if holder.email is None:
        return
    amount = mail.joined(["+", mail.amount(amount_cents)]) if amount_cents > 0 else mail.amount(amount_cents)
    mail.send_mail(holder.email, lazy_gettext("Votre carte du territoire a été corrigée"), lazy_gettext(
        "Bonjour,\n\nL'équipe du territoire a corrigé votre carte (%(card)s), crédit « %(label)s » : %(amount)s.\n"
        "Motif : %(reason)s\n\nSolde de la carte : %(balance)s.\n%(link)s\n\nHalle", card=card.masked_number,
        label=label, amount=amount, reason=reason, balance=mail.amount(balance_cents), link=holder.link))
