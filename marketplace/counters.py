"""Card counters ("points de vente cartes"): a tourist office, a town hall, a merchants'
association's desk sells gift cards against cash, cheque or the desk's bank-card terminal.

A sale is a CreditPurchase of kind "counter", paid at once: its cards and grants are made by
gift_cards.issue_cards (the same home as online gifts), funded from the counter's clearing
account of the tender taken (loyalty.accounts.counter_clearing_code), which goes negative by
what the desk holds for the bank. A void (the same day, cards unused) takes the credit back
through the refund rule of online purchases (loyalty.bought.take_back, never more than is
left). Closing a day freezes it: the cash-up report (per tender, per seller) is what the
clearing accounts moved that day, and no sale nor void may land on it afterwards.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from loyalty import accounts as acc
from loyalty.bought import take_back
from loyalty.clock import paris_day, paris_day_bounds, utc_now
from loyalty.errors import LedgerError
from loyalty.models import Account, Entry, Grant, Posting
from loyalty.money import euros as french_euros
from marketplace import audit, gift_cards, invitations, topup_programmes
from marketplace.exports import csv_document, euros
from marketplace.extensions import db
from marketplace.i18n import error_message, lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import (CardCounter, CardCounterDay, CardCounterInvitation, CardCounterMember, CreditPurchase,
                                CreditPurchaseItem, TopUpAward, User)
from marketplace.models.base import utcnow
from marketplace.models.counters import COUNTER_TENDERS
from marketplace.urls import public_url_for

TENDER_LABELS = {"cash": "Espèces", "cheque": "Chèque", "card": "Carte bancaire (terminal)"}


class CounterError(ValueError):
    """A refused sale, void or closing (the message is in the reader's language)."""


def tender_label(tender: str) -> str:
    return {"cash": gettext("Espèces"), "cheque": gettext("Chèque"),
            "card": gettext("Carte bancaire (terminal)")}[tender]


def today() -> date:
    return paris_day(utc_now())


# --- Counters and their sellers (territory admin) -------------------------------------------------


def create_counter(*, name: str, commune_insee: str, admin, association=None) -> CardCounter:
    """A card counter: the territory's, or a merchants' association's desk (made and attached in one
    commit, so it never shows as the territory's). Commits the caller's pending once.claim too."""
    counter = CardCounter(name=name.strip()[:120], commune_insee=commune_insee,
                          association_id=association.id if association is not None else None)
    db.session.add(counter)
    db.session.flush()
    audit.record("counter.create", counter, actor=admin, summary=f"Point de vente cartes créé : {counter.name}")
    if association is not None:
        audit.record("association.counter", association, actor=admin, summary=f"Point de vente : {counter.name}")
    db.session.commit()
    return counter


def add_seller(counter: CardCounter, email: str, *, admin) -> CardCounterMember:
    """Make the existing account of `email` a seller of `counter` (once)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise CounterError(gettext("E-mail : aucun compte Halle n'utilise l'adresse %(email)s ; la personne doit "
                                   "d'abord créer son compte.", email=email.strip()))
    existing = db.session.scalar(select(CardCounterMember).where(CardCounterMember.counter_id == counter.id,
                                                                 CardCounterMember.user_id == user.id))
    if existing is not None:
        return existing
    member = CardCounterMember(counter_id=counter.id, user_id=user.id)
    db.session.add(member)
    audit.record("counter.add_seller", counter, actor=admin, summary=f"Vendeur ajouté : {user.email}")
    db.session.commit()
    return member


def seller_added_message(added: CardCounterMember | CardCounterInvitation, counter: CardCounter) -> str:
    """What the person who added a seller is told (the admin's and an association's pages)."""
    if isinstance(added, CardCounterInvitation):
        return gettext("Invitation envoyée à %(email)s : la personne crée son compte avec cette adresse, puis vend "
                       "à %(name)s.", email=added.email, name=counter.name)
    return gettext("%(email)s vend désormais à %(name)s.", email=added.user.email, name=counter.name)


def add_or_invite_seller(counter: CardCounter, email: str, *, by) -> CardCounterMember | CardCounterInvitation:
    """The territory admin (or an association's manager) adds a seller by email, under the rule of
    every role given by address (invitations.account_or_invitation): a confirmed account becomes a
    seller at once, anyone else gets an invitation link to create their account (and password) with
    that address, then accept. A new invitation replaces a pending one."""
    email = email.strip().lower()
    return invitations.account_or_invitation(
        email, add=lambda user: add_seller(counter, user.email, admin=by),
        invite=lambda token, token_hash: _invite_seller(counter, email, token, token_hash, by=by))


def _invite_seller(counter: CardCounter, email: str, token: str, token_hash: str, *, by) -> CardCounterInvitation:
    db.session.execute(delete(CardCounterInvitation).where(CardCounterInvitation.counter_id == counter.id,
                                                           CardCounterInvitation.email == email,
                                                           CardCounterInvitation.accepted_at.is_(None)))
    invitation = CardCounterInvitation(counter_id=counter.id, email=email, token_hash=token_hash,
                                       invited_by_id=by.id)
    db.session.add(invitation)
    audit.record("counter.invite_seller", counter, actor=by, summary=f"Vendeur invité : {email}")
    db.session.commit()
    send_mail(email, lazy_gettext("Invitation à vendre les cartes cadeaux au guichet « %(counter)s »",
                                  counter=counter.name),
              lazy_gettext("Bonjour,\n\n%(name)s vous invite à vendre les cartes cadeaux du territoire au point de "
                           "vente %(counter)s sur Halle.\n\n%(how)s\nHalle", name=by.display_name or by.email,
                           counter=counter.name, how=invitations.how_to_accept(
                               email, public_url_for("counter.accept_invitation", token=token))))
    return invitation


def pending_invitations(counter_id: int) -> list[CardCounterInvitation]:
    return pending_by_counter([counter_id])[counter_id]


def pending_by_counter(counter_ids) -> dict[int, list[CardCounterInvitation]]:
    """The pending seller invitations of several counters (a page listing them), newest first, in
    one query."""
    found = defaultdict(list)
    for invitation in db.session.scalars(select(CardCounterInvitation)
                                         .where(CardCounterInvitation.counter_id.in_(list(counter_ids)),
                                                invitations.is_pending(CardCounterInvitation))
                                         .order_by(CardCounterInvitation.created_at.desc())):
        found[invitation.counter_id].append(invitation)
    return found


def accept_invitation(invitation: CardCounterInvitation, user) -> CardCounterMember:
    """Raises invitations.InvalidInvitation unless `user` is the invited one."""
    invitations.check(invitation, user)
    member = db.session.scalar(select(CardCounterMember).where(CardCounterMember.counter_id == invitation.counter_id,
                                                               CardCounterMember.user_id == user.id))
    if member is None:
        member = CardCounterMember(counter_id=invitation.counter_id, user_id=user.id)
        db.session.add(member)
    invitation.accepted_at = utcnow()
    audit.record("counter.accept_invitation", invitation.counter, actor=user, summary=f"Vendeur ajouté : {user.email}")
    db.session.commit()
    return member


def is_seller(user, counter_id: int) -> bool:
    return db.session.scalar(select(CardCounterMember.id).where(CardCounterMember.counter_id == counter_id,
                                                                CardCounterMember.user_id == user.id)) is not None


# --- Selling -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterCard:
    amount_cents: int
    recipient_name: str = ""
    recipient_email: str = ""  # optional: the top-up's cap per person counts it (else the card)


def is_closed(counter_id: int, day: date) -> bool:
    return db.session.scalar(select(CardCounterDay.id).where(CardCounterDay.counter_id == counter_id,
                                                             CardCounterDay.day == day)) is not None


def _require_open(counter_id: int, day: date) -> None:
    if is_closed(counter_id, day):
        raise CounterError(gettext("La journée du %(day)s est close à ce point de vente : plus de vente ni "
                                   "d'annulation ce jour-là.", day=_day(day)))


def sell(counter: CardCounter, *, seller, form_token: str, tender: str, cards: list[CounterCard],
         buyer_name: str = "") -> CreditPurchase:
    """Sell `cards` against `tender`: the cards and their grants exist when this returns. The same
    `form_token` finds the first sale (a double submit, a reload), and finishes it if a crash
    stopped it between its row and its grants."""
    existing = gift_cards.purchase_by_form_token(form_token)
    if existing is not None:
        if existing.counter_id != counter.id:
            raise CounterError(gettext("Ce formulaire a déjà servi : rechargez la page."))
        if existing.status == "pending":
            _issue(existing.id)
        return db.session.get(CreditPurchase, existing.id)
    if tender not in COUNTER_TENDERS:
        raise CounterError(gettext("Moyen de paiement : espèces, chèque ou carte bancaire."))
    if not 1 <= len(cards) <= gift_cards.MAX_CARDS:
        raise CounterError(gettext("Une vente compte de 1 à %(most)s cartes.", most=gift_cards.MAX_CARDS))
    for card in cards:
        try:
            gift_cards.check_amount(card.amount_cents)
        except gift_cards.GiftError as error:
            raise CounterError(str(error)) from None
    day = today()
    _require_open(counter.id, day)
    items = [CreditPurchaseItem(amount_cents=c.amount_cents, recipient_name=c.recipient_name.strip()[:120],
                                recipient_email=c.recipient_email.strip().lower()[:254]) for c in cards]
    purchase = CreditPurchase(kind="counter", token=gift_cards.new_form_token(), form_token=form_token[:64],
                              buyer_name=buyer_name.strip()[:120], buyer_email="", buyer_user_id=None,
                              amount_cents=sum(c.amount_cents for c in cards), status="pending", items=items,
                              counter_id=counter.id, tender=tender, seller_user_id=seller.id, sale_day=day)
    db.session.add(purchase)
    try:
        db.session.commit()
    except IntegrityError:  # the same form, submitted twice at once
        db.session.rollback()
        return sell(counter, seller=seller, form_token=form_token, tender=tender, cards=cards, buyer_name=buyer_name)
    _issue(purchase.id)
    return db.session.get(CreditPurchase, purchase.id)


def _issue(purchase_id: int) -> None:
    purchase = db.session.get(CreditPurchase, purchase_id)
    counter = db.session.get(CardCounter, purchase.counter_id)
    label = f"Cadeau de {purchase.buyer_name}" if purchase.buyer_name else f"Carte cadeau ({counter.name})"
    counter_id, counter_name, day = counter.id, counter.name, purchase.sale_day

    def still_open(row) -> None:  # checked again inside the ledger transaction: a closing wins
        _require_open(counter_id, day)
        audit.record("counter.sale", row, actor=db.session.get(User, row.seller_user_id),
                     summary=f"Vente au point de vente {counter_name} : {french_euros(row.amount_cents)}, "
                             f"{TENDER_LABELS[row.tender].lower()}")
        # A running top-up programme's top-ups, as online (same caps, never beyond its budget).
        topup_programmes.award_top_ups(row, expires_on=gift_cards.expiry_of_bought_credit(day),
                                       actor=f"user:{row.seller_user_id}")

    gift_cards.issue_cards(purchase_id, key_prefix=f"counter:{purchase_id}", label=label,
                           actor=f"user:{purchase.seller_user_id}",
                           funder_code=acc.counter_clearing_code(counter_id, purchase.tender), on_paid=still_open)


def sales_of_day(counter_id: int, day: date, seller_id: int | None = None) -> list[CreditPurchase]:
    query = select(CreditPurchase).where(CreditPurchase.counter_id == counter_id, CreditPurchase.sale_day == day,
                                         CreditPurchase.status.in_(("paid", "voided")))
    if seller_id is not None:
        query = query.where(CreditPurchase.seller_user_id == seller_id)
    return list(db.session.scalars(query.order_by(CreditPurchase.id.desc())))


# --- Voiding -------------------------------------------------------------------------------------------


def _unused(item: CreditPurchaseItem, top_ups: dict) -> bool:
    """Nothing spent on the item's card: neither what was paid nor its top-up."""
    if gift_cards.unused_cents(item) != item.amount_cents:
        return False
    return all(db.session.get(Grant, award.grant_id).account.balance_cents == award.amount_cents
               for award in top_ups.get(item.id, []) if not award.taken_back_cents)


def top_ups_of(sale: CreditPurchase) -> dict[int, list[TopUpAward]]:
    """The sale's top-ups (one per programme that topped an item up), per item id."""
    found = defaultdict(list)
    for award in topup_programmes.awards_for_items(item.id for item in sale.items):
        found[award.item_id].append(award)
    return found


@dataclass(frozen=True)
class SaleTopUp:
    """A card's top-up, shown apart from what was paid (a counter sale's page and print sheet, an
    online purchase's receipt)."""
    label: str  # the grant's: "Abondement <programme>"
    amount_cents: int  # granted, less what a void took back
    taken_back_cents: int


def top_ups_by_card(sale: CreditPurchase) -> dict[int, SaleTopUp]:
    """The top-ups of a sale (or of any credit purchase), per card id."""
    by_card = defaultdict(list)
    for awards in top_ups_of(sale).values():
        for award in awards:
            by_card[award.card_id].append(award)
    return {card_id: SaleTopUp(", ".join(db.session.get(Grant, a.grant_id).label for a in awards),
                               sum(a.amount_cents - a.taken_back_cents for a in awards),
                               sum(a.taken_back_cents for a in awards))
            for card_id, awards in by_card.items()}


def can_void(sale: CreditPurchase) -> bool:
    top_ups = top_ups_of(sale)
    return (sale.status == "paid" and sale.sale_day == today() and not is_closed(sale.counter_id, sale.sale_day)
            and all(_unused(item, top_ups) for item in sale.items if item.refund_entry_id is None))


def void(sale_id: int, *, user) -> CreditPurchase:
    """Take back every card's credit (the same day, the cards unused), through the refund rule
    of bought credit: never more than is left. Idempotent per card."""
    sale = db.session.get(CreditPurchase, sale_id)
    if sale.status == "voided":
        return sale
    if sale.status != "paid":
        raise CounterError(gettext("Cette vente n'est pas encore enregistrée."))
    if sale.sale_day != today():
        raise CounterError(gettext("Une vente ne peut être annulée que le jour même."))
    _require_open(sale.counter_id, sale.sale_day)
    pending = [item for item in sale.items if item.refund_entry_id is None]
    top_ups = top_ups_of(sale)
    if not all(_unused(item, top_ups) for item in pending):
        raise CounterError(gettext("Une carte de cette vente a déjà servi : la vente ne peut plus être annulée."))
    for item in pending:
        item_id, entry_id, cents = item.id, item.issue_entry_id, item.amount_cents
        db.session.commit()
        try:
            result = take_back(db.session, issue_entry_id=entry_id, amount_cents=cents,
                               key=f"countervoid:item:{item_id}", actor=f"user:{user.id}",
                               reason=f"Annulation de la vente {sale_id} au point de vente")
        except LedgerError as error:
            raise CounterError(error_message(error)) from None
        row = db.session.get(CreditPurchaseItem, item_id)
        row.refund_entry_id, row.refunded_cents, row.refunded_at = result.entry_id, result.amount_cents, utcnow()
        db.session.commit()
    for item_id in [item.id for item in db.session.get(CreditPurchase, sale_id).items]:
        # The sale's top-ups go back to their programme's budget (once per item).
        topup_programmes.take_back_for_item(item_id, actor=f"user:{user.id}")
    sale = db.session.get(CreditPurchase, sale_id)
    sale.status, sale.voided_at, sale.voided_by_id = "voided", utcnow(), user.id
    audit.record("counter.void", sale, actor=user,
                 summary=f"Vente n° {sale_id} annulée : {french_euros(sale.amount_cents)}, "
                         f"{TENDER_LABELS[sale.tender].lower()}",
                 before={"status": "paid"}, after={"status": "voided"})
    db.session.commit()
    return sale


# --- Cash-up ---------------------------------------------------------------------------------------------


@dataclass
class CashUp:
    counter: CardCounter
    day: date
    closed: CardCounterDay | None
    sales: list[CreditPurchase]
    # tender → {"sold", "voided", "net", "count"}; (seller email, tender) → same
    by_tender: dict = field(default_factory=dict)
    by_seller: dict = field(default_factory=dict)
    # The top-ups the day's sales got from a programme: not paid at the desk, so in no tender's total.
    top_ups: dict = field(default_factory=lambda: {"count": 0, "sold": 0, "voided": 0, "net": 0})

    @property
    def total_cents(self) -> int:
        return sum(row["net"] for row in self.by_tender.values())


def _figures() -> dict:
    return {"count": 0, "sold": 0, "voided": 0, "net": 0}


def cash_up(counter: CardCounter, day: date) -> CashUp:
    """What the desk must hold for `day`: per tender and per seller, sold, voided, net."""
    sales = sales_of_day(counter.id, day)
    by_tender = {tender: _figures() for tender in COUNTER_TENDERS}
    by_seller = defaultdict(_figures)
    emails = dict(db.session.execute(select(User.id, User.email).where(
        User.id.in_({s.seller_user_id for s in sales}))).all())
    for sale in sales:
        voided = sum(item.refunded_cents for item in sale.items)
        for figures in (by_tender[sale.tender], by_seller[(emails.get(sale.seller_user_id, "?"), sale.tender)]):
            figures["count"] += 1
            figures["sold"] += sale.amount_cents
            figures["voided"] += voided
            figures["net"] += sale.amount_cents - voided
    top_ups = _figures()
    for award in topup_programmes.awards_for_items(item.id for sale in sales for item in sale.items):
        top_ups["count"] += 1
        top_ups["sold"] += award.amount_cents
        top_ups["voided"] += award.taken_back_cents
        top_ups["net"] += award.amount_cents - award.taken_back_cents
    closed = db.session.scalar(select(CardCounterDay).where(CardCounterDay.counter_id == counter.id,
                                                            CardCounterDay.day == day))
    return CashUp(counter=counter, day=day, closed=closed, sales=sales, by_tender=by_tender,
                  by_seller=dict(sorted(by_seller.items())), top_ups=top_ups)


def ledger_takings(counter_id: int, day: date) -> dict[str, int]:
    """What the ledger says the counter took on `day`, per tender: minus the movements of its
    clearing accounts over the Paris day (the accounts go negative by what the desk holds)."""
    start, end = paris_day_bounds(day)
    codes = {acc.counter_clearing_code(counter_id, tender): tender for tender in COUNTER_TENDERS}
    rows = db.session.execute(select(Account.code, func.coalesce(func.sum(Posting.amount_cents), 0))
                              .join(Posting, Posting.account_id == Account.id)
                              .join(Entry, Entry.id == Posting.entry_id)
                              .where(Account.code.in_(codes), Entry.created_at >= start, Entry.created_at < end)
                              .group_by(Account.code)).all()
    takings = {tender: 0 for tender in COUNTER_TENDERS}
    for code, cents in rows:
        takings[codes[code]] = -int(cents)
    return takings


def close_day(counter: CardCounter, day: date, *, user) -> CardCounterDay:
    """Close the counter's day (once): the figures are kept with the lock and in the audit log."""
    report = cash_up(counter, day)
    closing = CardCounterDay(counter_id=counter.id, day=day, closed_by_id=user.id, total_cents=report.total_cents)
    db.session.add(closing)
    audit.record("counter.close_day", counter, actor=user, summary=f"Journée du {day:%d/%m/%Y} close : "
                 f"{french_euros(report.total_cents)}", after={t: f["net"] for t, f in report.by_tender.items()})
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CounterError(gettext("Cette journée est déjà close.")) from None
    return closing


def cash_up_csv(report: CashUp) -> str:
    header = [gettext("point de vente"), gettext("jour"), gettext("vendeur"), gettext("moyen de paiement"),
              gettext("ventes"), gettext("vendu"), gettext("annulé"), gettext("à remettre")]
    rows = [[report.counter.name, report.day.isoformat(), email, tender_label(tender), f["count"],
             euros(f["sold"]), euros(f["voided"]), euros(f["net"])] for (email, tender), f in report.by_seller.items()]
    rows += [[report.counter.name, report.day.isoformat(), gettext("Total"), tender_label(tender), f["count"],
              euros(f["sold"]), euros(f["voided"]), euros(f["net"])] for tender, f in report.by_tender.items()]
    if report.top_ups["count"]:  # apart: offered by the programme, not in the desk's takings
        f = report.top_ups
        rows.append([report.counter.name, report.day.isoformat(), gettext("Abondements (non encaissés)"), "",
                     f["count"], euros(f["sold"]), euros(f["voided"]), ""])
    return csv_document([header, *rows])


def _day(value) -> str:
    from marketplace.formatting import day

    return day(value)


def print_sale(sale: CreditPurchase) -> list:
    """The sale's cards for the print sheet, each that gets a printed PIN with a new one (stored
    hashed, always asked until the holder claims the card), shown this once as on HR's sheet."""
    import secrets

    from loyalty.cards import set_pin
    from loyalty.models import Card
    from marketplace.campaigns import PrintedCard, gets_printed_pin

    rows = [(item.recipient_name, item.card_id, item.amount_cents) for item in sale.items
            if item.card_id is not None and item.refund_entry_id is None]
    pins = {card_id: f"{secrets.randbelow(10_000):04d}" for _, card_id, _ in rows
            if gets_printed_pin(db.session.get(Card, card_id))}
    db.session.commit()
    for card_id, pin in pins.items():
        set_pin(db.session, card_id, pin, always_required=True)
    return [PrintedCard(name, db.session.get(Card, card_id), amount, pins.get(card_id)) for name, card_id, amount in rows]
