"""Credit bought online by bank card: gift cards for anyone, and a holder's top-up of their card.

A purchase (CreditPurchase) is one Stripe PaymentIntent of purpose PURPOSE. When Stripe says it
succeeded (webhook or return page, whichever comes first; both are safe), each item becomes a
grant funded from the Stripe clearing account (loyalty/bought.py), in one transaction, keyed
on the PaymentIntent: a second call replays. A gift's recipient is emailed on its delivery day
(`deliver_due`, a periodic job; at once when the day is today) with the card number, a PIN for
the printed card and the card as a PDF; the buyer gets a receipt at once. A refund (admin)
takes back what is left unspent on the card's grant, never more, and refunds that through
Stripe.
"""
import io
import os
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

import qrcode
from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from loyalty.accounts import STRIPE_CLEARING
from loyalty.bought import BoughtCredit, issue_bought_credit, take_back
from loyalty.cards import card_now, grouped_number, qr_payload, set_pin, successor_of
from loyalty.clock import paris_day, utc_now
from loyalty.errors import LedgerError
from loyalty.models import Account, Card, Grant, Posting
from loyalty.money import euros
from loyalty.queries import card_balance
from marketplace import audit, mail, payments, topup_programmes
from marketplace.extensions import db
from marketplace.i18n import error_message, lazy_gettext
from marketplace.models import CreditPurchase, CreditPurchaseItem
from marketplace.models.base import utcnow
from marketplace.settings import card_settings
from marketplace.urls import public_url_for

PURPOSE = "credit_purchase"
MAX_CARDS = 10  # per purchase
_GIFT_SALT = "halle-gift-card"


class GiftError(ValueError):
    """A refused purchase or refund (the message is in the reader's language)."""


# --- The territory's rules ----------------------------------------------------------------------


def amount_limits() -> tuple[int, int]:
    """Each card's (or top-up's) smallest and largest amount, in cents."""
    config = current_app.config
    return int(config["GIFT_CARD_MIN_CENTS"]), int(config["GIFT_CARD_MAX_CENTS"])


def check_amount(cents: int) -> None:
    low, high = amount_limits()
    if not low <= cents <= high:
        raise GiftError(gettext("Montant : entre %(low)s et %(high)s.", low=_money(low), high=_money(high)))


def expiry_of_bought_credit(day: date) -> date:
    """Bought credit lasts BOUGHT_CREDIT_MONTHS from the day it was paid (the same day of the
    month, or the month's last day: 29 February + 12 months = 28 February)."""
    months = int(current_app.config["BOUGHT_CREDIT_MONTHS"])
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _money(cents: int) -> str:
    from marketplace.formatting import money

    return money(cents)


# --- Starting a purchase ------------------------------------------------------------------------


@dataclass(frozen=True)
class GiftOrder:
    amount_cents: int
    recipient_name: str
    recipient_email: str
    message: str
    deliver_on: date


def new_form_token() -> str:
    """Put in the form when it is shown: submitting it twice finds the first purchase."""
    return secrets.token_urlsafe(24)


def start_gift_purchase(*, form_token: str, buyer_name: str, buyer_email: str, buyer_user_id: int | None,
                        gifts: list[GiftOrder]) -> CreditPurchase:
    """A pending gift purchase of `gifts` (the form checked each field); the same `form_token`
    returns the purchase it started first."""
    if not 1 <= len(gifts) <= MAX_CARDS:
        raise GiftError(gettext("Une commande compte de 1 à %(most)s cartes.", most=MAX_CARDS))
    today = paris_day(utc_now())
    for gift in gifts:
        check_amount(gift.amount_cents)
        if gift.deliver_on < today:
            raise GiftError(gettext("Date d'envoi : aujourd'hui ou plus tard."))
    items = [CreditPurchaseItem(amount_cents=g.amount_cents, recipient_name=g.recipient_name.strip()[:120],
                                recipient_email=g.recipient_email.strip().lower()[:254],
                                message=g.message.strip()[:500], deliver_on=g.deliver_on) for g in gifts]
    return _start(form_token, kind="gift", buyer_name=buyer_name, buyer_email=buyer_email,
                  buyer_user_id=buyer_user_id, items=items)


def start_topup(*, form_token: str, user, card: Card, amount_cents: int) -> CreditPurchase:
    """A pending top-up of the holder's own card (the route checked it is theirs)."""
    check_amount(amount_cents)
    if card.status != "active":
        raise GiftError(gettext("Seule une carte active peut être rechargée."))
    item = CreditPurchaseItem(amount_cents=amount_cents, recipient_name=user.display_name[:120],
                              recipient_email=user.email, card_id=card.id)
    return _start(form_token, kind="topup", buyer_name=user.display_name or user.email,
                  buyer_email=user.email, buyer_user_id=user.id, items=[item])


def _start(form_token: str, *, kind: str, buyer_name: str, buyer_email: str, buyer_user_id: int | None,
           items: list[CreditPurchaseItem]) -> CreditPurchase:
    existing = purchase_by_form_token(form_token)
    if existing is not None:
        return existing
    purchase = CreditPurchase(kind=kind, token=secrets.token_urlsafe(32), form_token=form_token[:64],
                              buyer_name=buyer_name.strip()[:120], buyer_email=buyer_email.strip().lower()[:254],
                              buyer_user_id=buyer_user_id, amount_cents=sum(i.amount_cents for i in items),
                              status="pending", items=items)
    db.session.add(purchase)
    try:
        db.session.commit()
    except IntegrityError:  # the same form, submitted twice at once
        db.session.rollback()
        return purchase_by_form_token(form_token)
    return purchase


def purchase_by_form_token(form_token: str) -> CreditPurchase | None:
    return db.session.scalar(select(CreditPurchase).where(CreditPurchase.form_token == form_token[:64]))


def purchase_by_token(token: str) -> CreditPurchase | None:
    return db.session.scalar(select(CreditPurchase).where(CreditPurchase.token == token))


# --- Paying -------------------------------------------------------------------------------------


def payment_intent_for(purchase: CreditPurchase):
    """The purchase's PaymentIntent (created on the first visit of the payment page, reused after)."""
    if purchase.stripe_payment_intent_id:
        intent = payments.retrieve_payment_intent(purchase.stripe_payment_intent_id)
        if intent["status"] != "canceled":
            return intent
    what = (gettext("Carte cadeau") if purchase.kind == "gift" else gettext("Rechargement de carte"))
    intent = payments.create_payment_intent(
        amount_cents=purchase.amount_cents, purpose=PURPOSE, metadata={"purchase_id": purchase.id},
        description=f"Halle — {what} ({purchase.buyer_email})")
    purchase.stripe_payment_intent_id = intent["id"]
    db.session.commit()
    return intent


def confirm_card_payment(purchase: CreditPurchase, payment_method_id: str):
    """Confirm with the card the page tokenised; after a declined card, through a fresh intent
    (see payments.declined_before)."""
    return payments.confirm_stored_intent(purchase, payment_method_id)


def check_payment(purchase: CreditPurchase) -> str:
    """The return page asks Stripe itself: 'paid', 'processing' or 'failed'."""
    if purchase.status == "paid":
        return "paid"
    if not purchase.stripe_payment_intent_id:  # the payment page was never opened
        return "failed"
    intent = payments.retrieve_payment_intent(purchase.stripe_payment_intent_id)
    if payments.handle_succeeded(intent):
        return "paid"
    return "processing" if intent["status"] == "processing" else "failed"


def _on_payment(intent) -> None:
    """A purchase's PaymentIntent succeeded (webhook or return page): credit the cards once."""
    purchase = db.session.scalar(select(CreditPurchase).where(CreditPurchase.stripe_payment_intent_id == intent["id"]))
    if purchase is None:
        current_app.logger.warning("succeeded PaymentIntent %s matches no credit purchase", intent["id"])
        return
    if intent["amount"] != purchase.amount_cents or intent["currency"] != "eur":
        current_app.logger.error("PaymentIntent %s amount %s %s does not match purchase %s", intent["id"],
                                 intent["amount"], intent["currency"], purchase.id)
        return
    record_paid(purchase.id)


payments.register_handler(PURPOSE, _on_payment)


def record_paid(purchase_id: int) -> CreditPurchase:
    """Issue the purchase's grants (once: keyed on its PaymentIntent) and mark it paid, in one
    transaction with the buyer's receipt; the first time, send the gifts due today."""
    purchase = db.session.get(CreditPurchase, purchase_id)
    if purchase.status == "paid":  # already recorded (a redelivery, the return page after the webhook)
        return purchase
    intent_id = purchase.stripe_payment_intent_id
    # The grant's label is stored (like a campaign's), in the territory's language.
    label = f"Cadeau de {purchase.buyer_name}" if purchase.kind == "gift" else "Rechargement"
    first_time = []

    def record(row) -> None:
        first_time.append(True)
        # Queued before the commit: a crash after it cannot lose the receipt (a transaction
        # re-run may queue it twice, which the jobs allow).
        _send_receipt(row)
        # A running top-up programme's top-ups, in the same transaction (never twice, never beyond its budget).
        topup_programmes.award_top_ups(row, expires_on=expiry_of_bought_credit(paris_day(utc_now())), actor="stripe")

    issue_cards(purchase_id, key_prefix=f"stripe:{intent_id}", label=label, actor="stripe", on_paid=record)
    purchase = db.session.get(CreditPurchase, purchase_id)
    if first_time:  # the gifts due today; missed ones (a crash here) go with the periodic job
        deliver_due(purchase_id=purchase_id)
    return purchase


def issue_cards(purchase_id: int, *, key_prefix: str, label: str, actor: str,
                funder_code: str = STRIPE_CLEARING, on_paid=None) -> None:
    """The one way a purchase's items become grants (online or at a counter): each item's grant
    (a new card for a gift or a counter sale, the holder's card for a top-up), keyed
    "<key_prefix>:item:<id>", funded from `funder_code`, and the purchase marked paid, in one
    transaction; `on_paid(purchase)` runs inside it the first time (receipt, checks)."""
    purchase = db.session.get(CreditPurchase, purchase_id)
    # A top-up paid after its card was replaced (lost while paying) goes to the replacement.
    items = [(item.id, item.amount_cents,
              card_now(db.session, db.session.get(Card, item.card_id)).id if purchase.kind == "topup" else None)
             for item in purchase.items]
    today = paris_day(utc_now())
    prefix = card_settings().card_prefix
    db.session.commit()

    def record(results) -> None:
        row = db.session.get(CreditPurchase, purchase_id)
        for item, result in zip(row.items, results):
            item.card_id, item.issue_entry_id = result.card_id, result.entry_id
        if row.status != "paid":
            row.status, row.paid_at = "paid", utcnow()
            if on_paid is not None:
                on_paid(row)

    issue_bought_credit(db.session, items=[BoughtCredit(key=f"{key_prefix}:item:{item_id}", amount_cents=amount,
                                                        card_id=card_id) for item_id, amount, card_id in items],
                        label=label, expires_on=expiry_of_bought_credit(today), actor=actor, prefix=prefix,
                        funder_code=funder_code, then=record)


def _send_receipt(purchase: CreditPurchase) -> None:
    lines = [lazy_gettext("- %(amount)s pour %(name)s (%(email)s), envoi le %(day)s", amount=mail.amount(i.amount_cents),
                          name=i.recipient_name, email=i.recipient_email, day=mail.date(i.deliver_on))
             for i in purchase.items] if purchase.kind == "gift" else [
        lazy_gettext("- %(amount)s sur votre carte se terminant par %(last4)s", amount=mail.amount(i.amount_cents),
                     last4=db.session.get(Card, i.card_id).number[-4:]) for i in purchase.items]
    body = lazy_gettext(
        "Bonjour %(name)s,\n\nNous avons bien reçu votre paiement de %(total)s par carte bancaire :\n%(lines)s\n\n"
        "Reçu : %(link)s\n\nHalle", name=purchase.buyer_name, total=mail.amount(purchase.amount_cents),
        lines=mail.joined(lines, "\n"), link=public_url_for("gifts.receipt", token=purchase.token))
    subject = (lazy_gettext("Votre achat de cartes cadeaux (%(total)s)", total=mail.amount(purchase.amount_cents))
               if purchase.kind == "gift" else
               lazy_gettext("Rechargement de votre carte (%(total)s)", total=mail.amount(purchase.amount_cents)))
    mail.send_mail(purchase.buyer_email, subject, body)


# --- Delivery to the recipient ------------------------------------------------------------------


def topped_up_balance_cents(purchase: CreditPurchase, user) -> int | None:
    """The balance of the card a paid top-up credited, for its holder only (the receipt's link may
    be forwarded: the balance is not shown to whoever holds the link)."""
    if purchase.kind != "topup" or purchase.status != "paid" or not purchase.items:
        return None
    card_id = purchase.items[0].card_id
    card = db.session.get(Card, card_id) if card_id else None
    if card is None or not getattr(user, "is_authenticated", False) or card.holder_user_id != user.id:
        return None
    return card_balance(db.session, card.id)


def _gift_links() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_GIFT_SALT)


def gift_token(item_id: int) -> str:
    return _gift_links().dumps(item_id)


def item_from_gift_token(token: str) -> CreditPurchaseItem | None:
    try:
        item_id = _gift_links().loads(token)
    except BadSignature:
        return None
    item = db.session.get(CreditPurchaseItem, item_id) if isinstance(item_id, int) else None
    return item if item is not None and item.card_id is not None and item.purchase.kind == "gift" else None


def due_items(today: date | None = None, purchase_id: int | None = None) -> list[int]:
    today = today or paris_day(utc_now())
    query = (select(CreditPurchaseItem.id).join(CreditPurchase)
             .where(CreditPurchase.kind == "gift", CreditPurchase.status == "paid",
                    CreditPurchaseItem.card_id.is_not(None), CreditPurchaseItem.delivered_at.is_(None),
                    CreditPurchaseItem.refund_entry_id.is_(None), CreditPurchaseItem.deliver_on <= today))
    if purchase_id is not None:
        query = query.where(CreditPurchaseItem.purchase_id == purchase_id)
    return list(db.session.scalars(query.order_by(CreditPurchaseItem.id)))


def deliver_due(today: date | None = None, purchase_id: int | None = None) -> int:
    """Email each gift whose day has come, once: the row is claimed (delivered_at set where it
    was empty) before its email is queued; a run at the same time skips what it did not claim.
    Returns how many were sent."""
    sent = 0
    for item_id in due_items(today, purchase_id):
        claimed = db.session.execute(update(CreditPurchaseItem)
                                     .where(CreditPurchaseItem.id == item_id, CreditPurchaseItem.delivered_at.is_(None))
                                     .values(delivered_at=utcnow()).execution_options(synchronize_session=False))
        db.session.commit()
        if claimed.rowcount != 1:
            continue
        try:
            _send_gift(db.session.get(CreditPurchaseItem, item_id))
        except Exception:
            db.session.rollback()
            db.session.execute(update(CreditPurchaseItem).where(CreditPurchaseItem.id == item_id)
                               .values(delivered_at=None).execution_options(synchronize_session=False))
            db.session.commit()
            raise
        sent += 1
    return sent


def _send_gift(item: CreditPurchaseItem) -> None:
    """The recipient's email: who offers what, the card number, a PIN (asked at every payment
    until they register the card on their account, as for printed cards), the link to the card
    page (QR code, registration) and the card as a PDF to print."""
    card = db.session.get(Card, item.card_id)
    purchase = item.purchase
    pin = f"{secrets.randbelow(10_000):04d}"
    db.session.commit()
    if card.holder_user_id is None:
        set_pin(db.session, card.id, pin, always_required=True)
    else:
        pin = None
    card = db.session.get(Card, item.card_id)
    until = _grant_of(item).expires_on
    pin_line = (lazy_gettext("Code PIN (demandé à chaque paiement jusqu'à ce que vous rattachiez la carte à votre "
                             "compte Halle) : %(pin)s\n", pin=pin) if pin else "")
    message = (lazy_gettext("Son message : « %(message)s »\n\n", message=item.message) if item.message else "")
    body = lazy_gettext(
        "Bonjour %(name)s,\n\n%(buyer)s vous offre une carte cadeau de %(amount)s à dépenser dans les commerces "
        "du territoire %(territory)s, jusqu'au %(until)s.\n\n%(message)s"
        "Numéro de la carte : %(number)s\n%(pin)s\n"
        "Votre carte (QR code à présenter en caisse, carte à imprimer) : %(link)s\n"
        "La carte à imprimer est aussi jointe à ce message (PDF).\n\nHalle",
        name=item.recipient_name, buyer=purchase.buyer_name, amount=mail.amount(item.amount_cents),
        territory=current_app.config["TERRITORY_NAME"], until=mail.date(until), message=message,
        number=grouped_number(card.number),
        pin=pin_line,
        link=public_url_for("gifts.card", token=gift_token(item.id)))
    subject = lazy_gettext("%(buyer)s vous offre une carte cadeau de %(amount)s", buyer=purchase.buyer_name,
                           amount=mail.amount(item.amount_cents))
    mail.send_mail(item.recipient_email, subject, body,
                   attachments=[(f"carte-cadeau-{card.number[-4:]}.pdf", "application/pdf", card_pdf(item))])


def _grant_of(item: CreditPurchaseItem) -> Grant:
    """The item's grant, or the one that took over its money when its card was replaced."""
    grant = db.session.scalar(select(Grant).join(Posting, Posting.account_id == Grant.account_id)
                              .where(Posting.entry_id == item.issue_entry_id))
    return successor_of(db.session, grant, lock=False) if grant is not None else None


def card_pdf(item: CreditPurchaseItem) -> bytes:
    """The gift card to print: an A4 page (150 dpi) with the card's face, its number and QR code,
    who offers it and the message. No PIN on it (the PIN is in the email only)."""
    card = card_now(db.session, db.session.get(Card, item.card_id))
    grant = _grant_of(item)
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    font, text = _pdf_font()

    left, top = 110, 140
    draw.rounded_rectangle((left, top, 1130, top + 640), radius=36, outline=(30, 70, 60), width=6)
    draw.text((left + 50, top + 45), text(current_app.config["TERRITORY_NAME"]), font=font(52), fill=(30, 70, 60))
    draw.text((left + 50, top + 115), text(gettext("Carte cadeau")), font=font(40), fill="black")
    draw.text((left + 50, top + 200), text(_money(item.amount_cents)), font=font(90), fill="black")
    # The QR code the till scans, pasted as drawn (whole pixels per module: no resampling).
    code = qrcode.make(qr_payload(card, current_app.config["SECRET_KEY"]), box_size=8, border=2).get_image()
    code = code.convert("RGB")
    page.paste(code, (1130 - 40 - code.width, top + 50))
    room = 1130 - 40 - code.width - 30 - (left + 50)  # left of the QR code
    draw.text((left + 50, top + 330), _fit(draw, text(item.recipient_name), font(40), room), font=font(40),
              fill="black")
    if item.purchase.buyer_name:  # a counter sale may name no buyer
        draw.text((left + 50, top + 390), _fit(draw, text(gettext("Offerte par %(buyer)s",
                                                                  buyer=item.purchase.buyer_name)), font(32), room),
                  font=font(32), fill=(60, 60, 60))
    draw.text((left + 50, top + 500), grouped_number(card.number), font=font(54), fill="black")
    draw.text((left + 50, top + 570), text(gettext("Valable jusqu'au %(d)s", d=_day(grant.expires_on))), font=font(28),
              fill=(60, 60, 60))
    y = top + 720
    if item.message:
        for line in _wrap(text(item.message), 60):
            draw.text((left, y), line, font=font(34), fill="black")
            y += 48
        y += 30
    for line in _wrap(text(gettext("À présenter en caisse dans les commerces qui acceptent la carte du territoire. "
                                   "Rattachez-la à votre compte Halle pour voir son solde.")), 70):
        draw.text((left, y), line, font=font(28), fill=(60, 60, 60))
        y += 40
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()


# A TrueType font with the accents and the euro sign: CARD_PDF_FONT, else the first of these found
# (Debian's fonts-dejavu-core and fonts-liberation); without any, Pillow's own font, which has
# neither, and the text written without them ("EUR", "e").
PDF_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
             "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
             "/usr/share/fonts/dejavu/DejaVuSans.ttf")


def _pdf_font():
    """(font(size), text(str)): the font to draw with, and what its text must go through."""
    path = next((p for p in (current_app.config.get("CARD_PDF_FONT"), *PDF_FONTS) if p and os.path.exists(p)), None)
    if path is not None:
        return (lambda size: ImageFont.truetype(path, size)), (lambda value: str(value).replace("\u202f", " "))

    def plain(value) -> str:
        value = str(value).replace("€", "EUR").replace("\u202f", " ").replace("\xa0", " ")
        return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()

    return (lambda size: ImageFont.load_default(size=size)), plain


def _day(value) -> str:
    from marketplace.formatting import day

    return day(value)


def _fit(draw, value: str, font, width: int) -> str:
    """`value`, cut with an ellipsis to fit `width` pixels (a long name beside the QR code)."""
    if draw.textlength(value, font=font) <= width:
        return value
    while value and draw.textlength(value + "...", font=font) > width:
        value = value[:-1]
    return value.rstrip() + "..."


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


# --- Refunds ------------------------------------------------------------------------------------


def unused_cents(item: CreditPurchaseItem) -> int:
    """What is left unspent on the item's grant (what a refund can take back)."""
    grant = _grant_of(item)
    return db.session.get(Account, grant.account_id).balance_cents if grant else 0


def refund_item(item_id: int, *, admin) -> int:
    """Refund the buyer what is left unspent on this item's card (all of it before first use,
    the unused part after): taken back in the ledger first (never more than is left), then
    refunded through Stripe. A Stripe failure leaves the refund to retry (same amount, no second
    take-back). Returns the cents refunded."""
    item = db.session.get(CreditPurchaseItem, item_id)
    purchase = item.purchase
    if purchase.status != "paid" or item.issue_entry_id is None:
        raise GiftError(gettext("Cet achat n'a pas été payé : rien à rembourser."))
    if purchase.kind == "counter":  # paid at a desk: voided there (marketplace/counters.py), not through Stripe
        raise GiftError(gettext("Une vente au guichet s'annule au point de vente, le jour même."))
    if item.refund_entry_id is None:
        left = unused_cents(item)
        if left <= 0:
            raise GiftError(gettext("Tout le crédit de cette carte a été dépensé : rien à rembourser."))
        issue_entry_id = item.issue_entry_id
        db.session.commit()
        try:
            result = take_back(db.session, issue_entry_id=issue_entry_id, amount_cents=left,
                               key=f"buyrefund:item:{item_id}", actor=f"user:{admin.id}",
                               reason=f"Remboursement à l'acheteur ({purchase.stripe_payment_intent_id})")
        except LedgerError as error:
            raise GiftError(error_message(error)) from None
        item = db.session.get(CreditPurchaseItem, item_id)
        item.refund_entry_id, item.refunded_cents, item.refunded_at = result.entry_id, result.amount_cents, utcnow()
        audit.record("gift.refund", item, actor=admin, summary=f"Remboursement à {purchase.buyer_email} : "
                     f"{euros(result.amount_cents)} repris sur la carte n° {result.card_id}")
        db.session.commit()
    # What is left of the purchase's top-up goes back to its programme (once; a retry finishes it).
    topup_programmes.take_back_for_item(item_id, actor=f"user:{admin.id}")
    item = db.session.get(CreditPurchaseItem, item_id)
    if item.stripe_refund_id is None:
        _refund_through_stripe(item.id)
    return db.session.get(CreditPurchaseItem, item_id).refunded_cents


def _refund_through_stripe(item_id: int) -> None:
    """Claimed first (one admin's click at a time asks Stripe), released again if Stripe fails."""
    claimed = db.session.execute(update(CreditPurchaseItem)
                                 .where(CreditPurchaseItem.id == item_id, CreditPurchaseItem.stripe_refund_id.is_(None))
                                 .values(stripe_refund_id=_ASKING).execution_options(synchronize_session=False))
    db.session.commit()
    if claimed.rowcount != 1:
        return
    item = db.session.get(CreditPurchaseItem, item_id)
    try:
        refund = payments.refund_payment_intent(item.purchase.stripe_payment_intent_id, item.refunded_cents,
                                                {"purchase_id": item.purchase_id, "item_id": item.id})
    except payments.PaymentError:
        db.session.execute(update(CreditPurchaseItem).where(CreditPurchaseItem.id == item_id)
                           .values(stripe_refund_id=None).execution_options(synchronize_session=False))
        db.session.commit()
        raise
    item = db.session.get(CreditPurchaseItem, item_id)
    item.stripe_refund_id = refund["id"]
    db.session.commit()


_ASKING = "asking"  # stripe_refund_id while Stripe is being asked
