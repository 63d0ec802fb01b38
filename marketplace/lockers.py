"""The territory's connected lockers: banks of compartments, the hardware's API key, opening
with a pickup code (single use, brute-force limited) and the doors' deposit/collect events.

A compartment holds an online order's sub-order or a business's deposit for a named person
(lockers for every approved business, not only those selling online): both are opened by the
one code check here (`open_with_code`), with the same limits and expiry."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from loyalty import ledger, sales
from loyalty.errors import LedgerError
from marketplace import mail, orders, payments, sms, tenders
from marketplace.extensions import db
from marketplace.i18n import error_message, lazy_gettext
from marketplace.models import Compartment, LockerBank, LockerDeposit, LockerEvent, OrderShop, Shop
from marketplace.models.base import utcnow
from marketplace.models.orders import BANK_CARD, TERRITORIAL_CARD
from marketplace.settings import card_settings
from marketplace.till.service import CARD_REFUSALS, CARD_REFUSED, lookup_card
from marketplace.urls import public_url_for

MAX_FAILED_OPENS = 10  # per bank and window: the keypad is then locked for the rest of the window
FAILED_OPEN_WINDOW = timedelta(minutes=15)

DEMO_BANKS = (
    {"slug": "montbard-gare", "name": "Montbard gare", "commune_insee": "21425", "address": "Place de la Gare, 21500 Montbard",
         "station": "Gare de Montbard", "latitude": 47.6236, "longitude": 4.3390},
    {"slug": "semur-en-auxois", "name": "Semur-en-Auxois centre", "commune_insee": "21603",
         "address": "Place de l'Ancienne Comédie, 21140 Semur-en-Auxois", "station": "Arrêt de car Semur-en-Auxois",
         "latitude": 47.4914, "longitude": 4.3336},
)
DEMO_SIZES = ("S", "S", "M", "M", "M", "M", "L", "L")


class LockerRefused(Exception):
    def __init__(self, code: str, message: str, status: int):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Opening:
    compartment: str
    order_reference: str  # an order's (H000012) or a deposit's (D000003)
    kind: str = "order"  # order | deposit


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key(bank: LockerBank) -> str:
    """A new key for the bank's hardware (shown once; only its hash is stored)."""
    key = "lk_" + secrets.token_urlsafe(32)
    bank.api_key_hash = _hash(key)
    db.session.commit()
    return key


def bank_for_key(slug: str, key: str | None) -> LockerBank | None:
    if not key:
        return None
    bank = db.session.scalar(select(LockerBank).filter_by(slug=slug, active=True))
    if bank is None or bank.api_key_hash is None or not secrets.compare_digest(bank.api_key_hash, _hash(key)):
        return None
    return bank


def create_bank(sizes=DEMO_SIZES, **fields) -> LockerBank:
    bank = LockerBank(**fields)
    for number, size in enumerate(sizes, start=1):
        bank.compartments.append(Compartment(label=f"{size}{number:02d}", size=size))
    db.session.add(bank)
    db.session.commit()
    return bank


def seed_demo_banks() -> int:
    """The demo's locker banks (idempotent on the slug)."""
    from marketplace.models import Commune

    created = 0
    for fields in DEMO_BANKS:
        if db.session.scalar(select(LockerBank.id).filter_by(slug=fields["slug"])) is None:
            if db.session.get(Commune, fields["commune_insee"]) is None:
                fields = {**fields, "commune_insee": None}
            create_bank(**fields)
            created += 1
    return created


def availability(bank: LockerBank) -> dict[str, int]:
    """Free compartments by size."""
    rows = db.session.execute(select(Compartment.size, func.count()).where(Compartment.bank_id == bank.id,
                                                                           Compartment.is_free())
                              .group_by(Compartment.size)).all()
    return dict(rows)


def active_banks() -> list[LockerBank]:
    return list(db.session.scalars(select(LockerBank).filter_by(active=True).order_by(LockerBank.name)))


def new_pickup_code(bank_id: int) -> str:
    """A 6-digit code no waiting occupant of this bank (sub-order or deposit) has."""
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        clash = db.session.scalar(select(OrderShop.id).where(OrderShop.locker_bank_id == bank_id,
                                                             OrderShop.pickup_code == code,
                                                             OrderShop.status == "ready"))
        clash = clash or db.session.scalar(select(LockerDeposit.id).where(LockerDeposit.locker_bank_id == bank_id,
                                                                          LockerDeposit.pickup_code == code,
                                                                          LockerDeposit.status == "deposited"))
        if clash is None:
            return code


def open_with_code(bank: LockerBank, code: str) -> Opening:
    """Which compartment to open for this code; its occupant (a sub-order or a deposit) is then
    collected (single use). Wrong codes are counted per bank: after MAX_FAILED_OPENS in
    FAILED_OPEN_WINDOW the keypad refuses every code until the window has passed."""
    since = utcnow() - FAILED_OPEN_WINDOW
    failures = db.session.scalar(select(func.count()).select_from(LockerEvent).where(
        LockerEvent.bank_id == bank.id, LockerEvent.kind == "refused", LockerEvent.created_at >= since))
    if failures >= MAX_FAILED_OPENS:
        raise LockerRefused("too_many_attempts",
                            gettext("Trop de codes erronés : réessayez dans quelques minutes."), 429)
    code = (code or "").strip()
    occupant = None
    if code.isdigit():
        occupant = db.session.scalar(select(OrderShop).where(OrderShop.locker_bank_id == bank.id,
                                                             OrderShop.status == "ready",
                                                             OrderShop.pickup_code == code))
        occupant = occupant or db.session.scalar(select(LockerDeposit).where(
            LockerDeposit.locker_bank_id == bank.id, LockerDeposit.status == "deposited",
            LockerDeposit.pickup_code == code))
    if occupant is None or occupant.code_expires_at is None or occupant.code_expires_at < utcnow():
        db.session.add(LockerEvent(bank_id=bank.id, kind="refused"))
        db.session.commit()
        raise LockerRefused("invalid_code", gettext("Code inconnu, déjà utilisé ou expiré."), 404)
    compartment = occupant.compartment
    is_deposit = isinstance(occupant, LockerDeposit)
    db.session.add(LockerEvent(bank_id=bank.id, compartment_id=compartment.id, kind="open",
                               deposit_id=occupant.id if is_deposit else None,
                               order_shop_id=None if is_deposit else occupant.id))
    db.session.commit()
    if is_deposit:
        reference = occupant.reference
        collect_deposit(occupant)
        return Opening(compartment=compartment.label, order_reference=reference, kind="deposit")
    reference = occupant.order.reference
    orders.mark_collected(occupant)
    return Opening(compartment=compartment.label, order_reference=reference)


def record_event(bank: LockerBank, compartment_label: str, kind: str) -> LockerEvent:
    """A door event from the hardware: `deposit` (a shop filled it) or `collect` (emptied)."""
    compartment = db.session.scalar(select(Compartment).filter_by(bank_id=bank.id, label=compartment_label))
    if compartment is None:
        raise LockerRefused("unknown_compartment", gettext("Casier « %(label)s » inconnu.", label=compartment_label),
                            404)
    if kind not in ("deposit", "collect"):
        raise LockerRefused("invalid_kind", gettext("Type d'événement : deposit ou collect."), 400)
    sub_id, deposit_id = compartment.order_shop_id, compartment.deposit_id
    event = LockerEvent(bank_id=bank.id, compartment_id=compartment.id, order_shop_id=sub_id, deposit_id=deposit_id,
                        kind=kind)
    db.session.add(event)
    db.session.commit()
    if kind == "collect" and sub_id is not None:
        sub = db.session.get(OrderShop, sub_id)
        if sub.status == "ready":
            orders.mark_collected(sub)
    if deposit_id is not None:
        deposit = db.session.get(LockerDeposit, deposit_id)
        if kind == "deposit" and deposit.status == "booked":
            confirm_deposit(deposit)
        elif kind == "collect" and deposit.status == "deposited":
            collect_deposit(deposit)
    return event


@dataclass(frozen=True)
class LockerProblem:
    bank: LockerBank
    message: str
    sub: OrderShop | None = None  # a parcel the shop must take back (the admin can tell it)


def locker_problems() -> list[LockerProblem]:
    """What the admin should look at: keypads locked by wrong codes, and compartments still
    holding a parcel whose pickup code expired (nobody can open them but the shop)."""
    problems = []
    since = utcnow() - FAILED_OPEN_WINDOW
    locked = db.session.execute(
        select(LockerEvent.bank_id, func.count()).where(LockerEvent.kind == "refused", LockerEvent.created_at >= since)
        .group_by(LockerEvent.bank_id).having(func.count() >= MAX_FAILED_OPENS)).all()
    for bank_id, count in locked:
        problems.append(LockerProblem(db.session.get(LockerBank, bank_id), gettext(
            "clavier bloqué : %(count)s codes erronés en moins de 15 minutes", count=count)))
    stuck = db.session.scalars(
        select(OrderShop).join(Compartment, Compartment.order_shop_id == OrderShop.id)
        .where((OrderShop.status != "ready") | (OrderShop.code_expires_at < utcnow()))
        .order_by(OrderShop.code_expires_at)).all()
    for sub in stuck:
        problems.append(LockerProblem(sub.locker_bank, gettext(
            "casier %(compartment)s : colis de %(shop)s (commande %(order)s) non retiré, code expiré",
            compartment=sub.compartment.label, shop=sub.shop.name, order=sub.order.reference), sub))
    return problems


def ask_shop_to_collect(sub: OrderShop, *, actor) -> list[str]:
    """Email the shop's owners to take back the parcel left in a locker; logged."""
    from marketplace import audit
    from marketplace.i18n import lazy_gettext
    from marketplace.mail import send_mail
    from marketplace.shops import owner_emails

    audit.record("locker.parcel_reminder", sub, actor=actor,
                 summary=f"{sub.shop.name} prévenu : colis {sub.order.reference} à reprendre "
                         f"({sub.locker_bank.name}, casier {sub.compartment.label})")
    db.session.commit()
    emails = owner_emails(sub.shop)
    for email in emails:
        send_mail(email, lazy_gettext("Colis à reprendre à la consigne %(locker)s", locker=sub.locker_bank.name),
                  lazy_gettext("Bonjour,\n\nLe colis de la commande %(order)s est toujours dans le casier "
                               "%(compartment)s de la consigne %(locker)s (%(address)s) et son code de retrait a "
                               "expiré. Merci de venir le reprendre pour libérer le casier.\n\nHalle",
                               order=sub.order.reference, compartment=sub.compartment.label,
                               locker=sub.locker_bank.name, address=sub.locker_bank.address))
    return emails


# --- Deposits: any approved business leaves goods for a named person ----------------------------

DEFAULT_BOOKING_HOURS = 24  # a booked compartment nobody filled is given back after this
MAX_AMOUNT_CENTS = 500_000  # what a person may be asked to pay on collection (5 000 €)
PAY_PURPOSE = "locker_deposit"  # the PaymentIntents of deposits paid on collection
DEPOSIT_STATUS_LABELS = {
    "booked": lazy_gettext("réservé, à déposer"),
    "deposited": lazy_gettext("déposé, en attente de retrait"),
    "collected": lazy_gettext("retiré"),
    "expired": lazy_gettext("expiré"),
    "cancelled": lazy_gettext("annulé"),
}
WAITING = ("booked", "deposited")


class DepositError(Exception):
    """A booking or a change of a deposit that is refused; the message is French."""


def book_deposit(shop: Shop, *, bank_id: int, size: str, name: str, phone: str = "", email: str = "",
                 note: str = "", booking_key: str, user=None, amount_cents: int = 0) -> LockerDeposit:
    """Reserve a free compartment of `size` at the bank for a named person (phone and/or email).
    `amount_cents` (optional): what the person pays on collection, through a payment link, before
    getting the code. The same `booking_key` (a double submit) returns the first booking."""
    existing = db.session.scalar(select(LockerDeposit).filter_by(booking_key=booking_key))
    if existing is not None:
        return existing
    if not shop.is_public:
        raise DepositError(gettext("Seul un commerce validé par le territoire peut réserver un casier."))
    if not isinstance(amount_cents, int) or not 0 <= amount_cents <= MAX_AMOUNT_CENTS:
        raise DepositError(gettext("Montant à payer au retrait : entre 0 et %(max)s.",
                                   max=mail.amount(MAX_AMOUNT_CENTS)))
    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name:
        raise DepositError(gettext("Nom de la personne : indiquez-le."))
    if not phone and not email:
        raise DepositError(gettext("Indiquez le téléphone ou l'adresse e-mail de la personne : le code lui est "
                                   "envoyé."))
    try:
        phone = sms.normalise_phone(phone) if phone else ""
    except sms.SmsError as error:
        raise DepositError(str(error)) from error
    bank = db.session.get(LockerBank, bank_id)
    if bank is None or not bank.active:
        raise DepositError(gettext("Consigne : choisissez une consigne en service."))
    candidates = db.session.scalars(select(Compartment.id).where(Compartment.bank_id == bank.id,
                                                                 Compartment.size == size, Compartment.is_free())
                                    .order_by(Compartment.label)).all()
    deposit = LockerDeposit(shop_id=shop.id, locker_bank_id=bank.id, booking_key=booking_key, recipient_name=name[:140],
                            recipient_phone=phone, recipient_email=email[:254], note=(note or "").strip()[:300],
                            booked_by_user_id=getattr(user, "id", None), amount_cents=amount_cents)
    for compartment_id in candidates:
        deposit.compartment_id = compartment_id
        db.session.add(deposit)
        try:
            db.session.flush()
        except IntegrityError:  # the same booking submitted twice at once
            db.session.rollback()
            return db.session.scalar(select(LockerDeposit).filter_by(booking_key=booking_key))
        taken = db.session.execute(update(Compartment).where(Compartment.id == compartment_id, Compartment.is_free())
                                   .values(deposit_id=deposit.id)).rowcount
        if taken == 1:
            db.session.commit()
            return deposit
    db.session.rollback()
    raise DepositError(gettext("Plus de casier %(size)s libre à la consigne %(locker)s : choisissez une autre taille "
                               "ou une autre consigne.", size=size, locker=bank.name))


def _set_status(deposit: LockerDeposit, allowed_from, to: str, **values) -> bool:
    """Move the deposit to `to` if it is still in `allowed_from` (exactly once: a double click or a
    door event racing the keypad changes nothing the second time)."""
    done = db.session.execute(update(LockerDeposit).where(LockerDeposit.id == deposit.id,
                                                          LockerDeposit.status.in_(allowed_from))
                              .values(status=to, **values).execution_options(synchronize_session=False)).rowcount
    if done == 1 and to not in WAITING:
        db.session.execute(update(Compartment).where(Compartment.deposit_id == deposit.id).values(deposit_id=None))
    db.session.commit()
    db.session.expire_all()
    return done == 1


def confirm_deposit(deposit: LockerDeposit) -> None:
    """The goods are in the compartment: the person gets a single-use code by email and SMS, or,
    when there is something to pay, a payment link (the code follows the payment). The deadline
    (LOCKER_CODE_DAYS) is the same either way: to pay and to collect."""
    days = current_app.config.get("LOCKER_CODE_DAYS", orders.DEFAULT_CODE_DAYS)
    due = deposit.amount_cents > 0
    token = secrets.token_urlsafe(32) if due else None
    if not _set_status(deposit, ["booked"], "deposited", deposited_at=utcnow(),
                       pickup_code=None if due else new_pickup_code(deposit.locker_bank_id),
                       pay_token_hash=_hash(token) if due else None,
                       code_expires_at=utcnow() + timedelta(days=days)):
        raise DepositError(gettext("Ce dépôt n'est plus à faire (déjà déposé, annulé ou expiré)."))
    deposit = db.session.get(LockerDeposit, deposit.id)
    if due:
        _send_pay_link(deposit, token)
    else:
        _send_code(deposit)


def _send_code(deposit: LockerDeposit) -> None:
    bank, shop = deposit.locker_bank, deposit.shop
    details = dict(name=deposit.recipient_name, shop=shop.name, locker=bank.name, address=bank.address,
                   code=deposit.pickup_code, until=mail.date(deposit.code_expires_at), contact=shop.phone or shop.email)
    if deposit.recipient_email:
        mail.send_mail(deposit.recipient_email,
                       lazy_gettext("%(shop)s a déposé quelque chose pour vous à la consigne %(locker)s", **details),
                       lazy_gettext("Bonjour %(name)s,\n\n%(shop)s a déposé quelque chose pour vous à la consigne "
                                    "%(locker)s (%(address)s).\nCode de retrait : %(code)s (valable jusqu'au "
                                    "%(until)s, une seule fois).\nTapez-le sur le clavier de la consigne : le bon "
                                    "casier s'ouvre.\nUne question ? %(shop)s : %(contact)s\n\nHalle", **details))
    if deposit.recipient_phone:
        sms.send_sms(deposit.recipient_phone,
                     lazy_gettext("Halle : %(shop)s a déposé quelque chose pour vous à la consigne %(locker)s. "
                                  "Code %(code)s, valable jusqu'au %(until)s, une seule fois.", **details))


def _send_pay_link(deposit: LockerDeposit, token: str) -> None:
    """The payment link instead of the code (the link is the only copy of the token)."""
    bank, shop = deposit.locker_bank, deposit.shop
    details = dict(name=deposit.recipient_name, shop=shop.name, locker=bank.name, address=bank.address,
                   amount=mail.amount(deposit.amount_cents), link=public_url_for("locker_pay.pay", token=token),
                   until=mail.date(deposit.code_expires_at), contact=shop.phone or shop.email)
    if deposit.recipient_email:
        mail.send_mail(deposit.recipient_email,
                       lazy_gettext("%(shop)s a déposé quelque chose pour vous à la consigne %(locker)s", **details),
                       lazy_gettext("Bonjour %(name)s,\n\n%(shop)s a déposé quelque chose pour vous à la consigne "
                                    "%(locker)s (%(address)s).\nÀ payer avant le retrait : %(amount)s, par carte "
                                    "bancaire ou avec la carte du territoire, sur cette page :\n%(link)s\nLe code de "
                                    "retrait vous est envoyé dès le paiement reçu ; il faut retirer avant le "
                                    "%(until)s.\nUne question ? %(shop)s : %(contact)s\n\nHalle", **details))
    if deposit.recipient_phone:
        sms.send_sms(deposit.recipient_phone,
                     lazy_gettext("Halle : %(shop)s a déposé quelque chose pour vous à la consigne %(locker)s. "
                                  "Payez %(amount)s ici pour recevoir le code : %(link)s", **details))


def deposit_by_pay_token(token: str) -> LockerDeposit | None:
    """The deposit of a payment link (only the token's hash is stored)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(LockerDeposit).where(LockerDeposit.pay_token_hash == _hash(token)))


def payable(deposit: LockerDeposit) -> bool:
    """Can the person pay it now (deposited, not paid yet, before the deadline)?"""
    return (deposit.status == "deposited" and deposit.awaits_payment and deposit.code_expires_at is not None
            and deposit.code_expires_at >= utcnow())


def _check_payable(deposit: LockerDeposit) -> None:
    if not payable(deposit):
        raise DepositError(gettext("Ce dépôt n'est plus à payer (déjà payé, annulé ou expiré)."))


def payment_intent_for(deposit: LockerDeposit):
    """The deposit's PaymentIntent (created on the first visit of the payment page, reused after)."""
    _check_payable(deposit)
    if deposit.stripe_payment_intent_id:
        intent = payments.retrieve_payment_intent(deposit.stripe_payment_intent_id)
        if intent["status"] != "canceled":
            return intent
    intent = payments.create_payment_intent(
        amount_cents=deposit.amount_cents, purpose=PAY_PURPOSE, metadata={"deposit_id": deposit.id},
        description=f"Halle — {deposit.shop.name}, dépôt {deposit.reference}")
    deposit.stripe_payment_intent_id = intent["id"]
    db.session.commit()
    return intent


def confirm_card_payment(deposit: LockerDeposit, payment_method_id: str):
    """Confirm with the bank card the page tokenised; after a declined card, through a fresh intent
    (see payments.declined_before)."""
    _check_payable(deposit)
    return payments.confirm_stored_intent(deposit, payment_method_id)


def check_payment(deposit: LockerDeposit) -> str:
    """The return page asks Stripe itself: 'paid', 'processing' or 'failed'."""
    if deposit.paid_at is not None:
        return "paid"
    if not deposit.stripe_payment_intent_id:
        return "failed"
    intent = payments.retrieve_payment_intent(deposit.stripe_payment_intent_id)
    if payments.handle_succeeded(intent):
        return "paid"
    return "processing" if intent["status"] == "processing" else "failed"


def _on_deposit_payment(intent) -> None:
    """A deposit's PaymentIntent succeeded (webhook or return page, any number of times): the
    business is owed it as an online sale, once; the person gets the code."""
    deposit = db.session.scalar(select(LockerDeposit).where(LockerDeposit.stripe_payment_intent_id == intent["id"]))
    if deposit is None:
        current_app.logger.warning("succeeded PaymentIntent %s matches no locker deposit", intent["id"])
        return
    if intent["amount"] != deposit.amount_cents or intent["currency"] != "eur":
        current_app.logger.error("PaymentIntent %s amount %s %s does not match deposit %s", intent["id"],
                                 intent["amount"], intent["currency"], deposit.id)
        return
    db.session.commit()
    sale = sales.record_online_sale(db.session, shop_id=deposit.shop_id, amount_cents=deposit.amount_cents,
                                    payment_ref=intent["id"], key=f"locker-deposit:{deposit.id}:sale",
                                    actor="stripe")
    _record_paid(deposit.id, BANK_CARD, sale.entry_id)


payments.register_handler(PAY_PURPOSE, _on_deposit_payment)


def pay_with_territorial_card(deposit: LockerDeposit, card_text: str, pin: str) -> None:
    """Pay the deposit with the territorial card (number and PIN, always): the ledger's redemption
    at the business, with its card acceptance; once (keyed on the deposit). Raises DepositError
    with the French reason (one answer for an unknown card or a wrong PIN)."""
    _check_payable(deposit)
    try:
        card = lookup_card((card_text or "").replace(" ", ""))
        result = ledger.redeem(db.session, card_id=card.id, shop_id=deposit.shop_id,
                               amount_cents=deposit.amount_cents, key=f"locker-deposit:{deposit.id}:card",
                               actor=f"deposit:{deposit.id}", pin=(pin or "").strip() or None,
                               pin_required_above_cents=None,
                               pin_lock_minutes=card_settings(for_till=True).pin_lock_minutes)
    except CARD_REFUSALS:
        db.session.rollback()
        raise DepositError(str(CARD_REFUSED)) from None
    except LedgerError as error:
        db.session.rollback()
        raise DepositError(error_message(error)) from error
    _record_paid(deposit.id, TERRITORIAL_CARD, result.entry_id)
    if deposit.stripe_payment_intent_id:  # the bank card page was opened: that intent may no longer succeed
        try:
            payments.cancel_payment_intent(deposit.stripe_payment_intent_id)
        except payments.PaymentError:
            current_app.logger.warning("deposit %s: its PaymentIntent could not be cancelled", deposit.id)


def _record_paid(deposit_id: int, means: str, entry_id: int) -> None:
    """Mark the deposit paid (once) and send the code; a payment that arrives for a deposit already
    paid otherwise, cancelled or expired is given back."""
    now = utcnow()
    done = db.session.execute(update(LockerDeposit).where(LockerDeposit.id == deposit_id,
                                                          LockerDeposit.paid_at.is_(None))
                              .values(paid_at=now, paid_means=means, payment_entry_id=entry_id)
                              .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    db.session.expire_all()
    deposit = db.session.get(LockerDeposit, deposit_id)
    if not done:
        if deposit.payment_entry_id != entry_id:  # paid twice (card and bank card): this one goes back
            current_app.logger.error("deposit %s paid twice: the %s payment is given back", deposit.id, means)
            _give_back(deposit, means, entry_id, key=f"locker-deposit:{deposit.id}:twice:{entry_id}")
        return
    if _set_status(deposit, ["deposited"], "deposited", pickup_code=new_pickup_code(deposit.locker_bank_id)):
        _send_code(db.session.get(LockerDeposit, deposit_id))
    else:  # cancelled or expired meanwhile
        refund_payment(db.session.get(LockerDeposit, deposit_id))


def refund_payment(deposit: LockerDeposit) -> bool:
    """A paid deposit that will not be collected (cancelled, expired): give the payment back by the
    means that paid it (tenders), once; the person is told. False when there was nothing to give
    back or the refund failed (logged, left for the territory's admins)."""
    if deposit.paid_at is None or deposit.refunded_at is not None:
        return False
    claimed = db.session.execute(update(LockerDeposit).where(LockerDeposit.id == deposit.id,
                                                             LockerDeposit.refunded_at.is_(None))
                                 .values(refunded_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not claimed:
        return False
    deposit = db.session.get(LockerDeposit, deposit.id)
    try:
        reference = _give_back(deposit, deposit.paid_means, deposit.payment_entry_id,
                               key=f"locker-deposit:{deposit.id}:refund")
    except (payments.PaymentError, LedgerError) as error:
        db.session.rollback()
        current_app.logger.error("deposit %s: refund of %s cents failed: %s", deposit.id, deposit.amount_cents, error)
        db.session.execute(update(LockerDeposit).where(LockerDeposit.id == deposit.id).values(refunded_at=None))
        db.session.commit()
        return False
    db.session.execute(update(LockerDeposit).where(LockerDeposit.id == deposit.id).values(refund_ref=reference[:64]))
    db.session.commit()
    deposit = db.session.get(LockerDeposit, deposit.id)
    words = tenders.BY_MEANS[deposit.paid_means].given_back_words(deposit.amount_cents)
    details = dict(name=deposit.recipient_name, shop=deposit.shop.name, reference=deposit.reference, words=words)
    if deposit.recipient_email:
        mail.send_mail(deposit.recipient_email, lazy_gettext("Dépôt %(reference)s remboursé", **details),
                       lazy_gettext("Bonjour %(name)s,\n\nLe dépôt de %(shop)s ne sera pas retiré : nous vous avons "
                                    "remboursé %(words)s.\n\nHalle", **details))
    if deposit.recipient_phone:
        sms.send_sms(deposit.recipient_phone, lazy_gettext("Halle : dépôt de %(shop)s remboursé, %(words)s.", **details))
    return True


def _give_back(deposit: LockerDeposit, means: str, entry_id: int, *, key: str) -> str:
    """Give the deposit's amount back through `means` (tenders); returns the proof's reference."""
    actor = f"deposit:{deposit.id}"
    if means == BANK_CARD:
        return tenders.BY_MEANS[BANK_CARD].refund_sale(
            deposit.stripe_payment_intent_id, deposit.amount_cents, sale_entry_id=entry_id, key=f"{key}:sale",
            actor=actor, metadata={"deposit_id": deposit.id})
    result = tenders.BY_MEANS[TERRITORIAL_CARD].refund_payment(entry_id, deposit.shop_id, deposit.amount_cents,
                                                               key=key, actor=actor)
    return f"entry:{result.entry_id}"


def collect_deposit(deposit: LockerDeposit) -> None:
    """The person took it (code typed or door emptied): the compartment is free, the business told.
    An unpaid deposit cannot be collected (its code is only sent once paid)."""
    if deposit.awaits_payment:
        current_app.logger.warning("deposit %s: collect refused, not paid", deposit.id)
        return
    if not _set_status(deposit, ["deposited"], "collected", collected_at=utcnow(), pickup_code=None):
        return
    deposit = db.session.get(LockerDeposit, deposit.id)
    _mail_business(deposit, lazy_gettext("Dépôt %(reference)s retiré", reference=deposit.reference),
                   lazy_gettext("%(name)s a retiré le dépôt %(reference)s à la consigne %(locker)s.",
                                name=deposit.recipient_name, reference=deposit.reference,
                                locker=deposit.locker_bank.name))


def cancel_deposit(deposit: LockerDeposit, *, actor=None) -> None:
    """The business cancels (before collection): the code stops working, the compartment is free;
    the person, if a code was sent, is told."""
    from marketplace import audit

    was = deposit.status
    if not _set_status(deposit, list(WAITING), "cancelled", closed_at=utcnow(), pickup_code=None):
        raise DepositError(gettext("Ce dépôt est déjà retiré, expiré ou annulé."))
    deposit = db.session.get(LockerDeposit, deposit.id)
    refund_payment(deposit)
    deposit = db.session.get(LockerDeposit, deposit.id)
    audit.record("locker.deposit_cancelled", deposit, actor=actor,
                 summary=f"{deposit.shop.name} : dépôt {deposit.reference} annulé ({deposit.locker_bank.name}, "
                         f"casier {deposit.compartment.label})")
    db.session.commit()
    if was == "deposited":
        details = dict(shop=deposit.shop.name, locker=deposit.locker_bank.name, name=deposit.recipient_name)
        if deposit.recipient_email:
            mail.send_mail(deposit.recipient_email, lazy_gettext("Dépôt annulé par %(shop)s", **details),
                           lazy_gettext("Bonjour %(name)s,\n\n%(shop)s a annulé le dépôt à la consigne %(locker)s : "
                                        "le code de retrait ne fonctionne plus.\n\nHalle", **details))
        if deposit.recipient_phone:
            sms.send_sms(deposit.recipient_phone, lazy_gettext(
                "Halle : %(shop)s a annulé le dépôt à la consigne %(locker)s ; le code ne fonctionne plus.",
                **details))


def expire_deposits() -> int:
    """Codes past their expiry, and bookings never filled after DEFAULT_BOOKING_HOURS: the deposit
    expires, the compartment is free again and the business is told (to take its goods back)."""
    now = utcnow()
    hours = current_app.config.get("LOCKER_BOOKING_HOURS", DEFAULT_BOOKING_HOURS)
    due = db.session.scalars(select(LockerDeposit).where(
        ((LockerDeposit.status == "deposited") & (LockerDeposit.code_expires_at < now))
        | ((LockerDeposit.status == "booked") & (LockerDeposit.created_at < now - timedelta(hours=hours))))).all()
    expired = 0
    for deposit in due:
        label, was = deposit.compartment.label, deposit.status
        if not _set_status(deposit, [was], "expired", closed_at=now, pickup_code=None):
            continue
        expired += 1
        deposit = db.session.get(LockerDeposit, deposit.id)
        refund_payment(deposit)
        deposit = db.session.get(LockerDeposit, deposit.id)
        details = dict(reference=deposit.reference, name=deposit.recipient_name, locker=deposit.locker_bank.name,
                       compartment=label)
        if was == "deposited":
            body = lazy_gettext("Le code de retrait du dépôt %(reference)s pour %(name)s a expiré sans retrait : "
                                "reprenez vos marchandises dans le casier %(compartment)s de la consigne %(locker)s. "
                                "Le casier est de nouveau proposé aux autres commerces.", **details)
        else:
            body = lazy_gettext("La réservation %(reference)s (casier %(compartment)s, consigne %(locker)s) pour "
                                "%(name)s n'a pas été déposée à temps : le casier est libéré.", **details)
        _mail_business(deposit, lazy_gettext("Dépôt %(reference)s expiré", **details), body)
    return expired


def refunds_owed() -> list[LockerDeposit]:
    """Paid deposits closed (cancelled, expired) whose payment was not given back: the refund failed
    (Stripe or the ledger refused it) and waits for the next sweep, or the admin's click."""
    return db.session.scalars(
        select(LockerDeposit).where(LockerDeposit.status.in_(("expired", "cancelled")),
                                    LockerDeposit.paid_at.is_not(None), LockerDeposit.refunded_at.is_(None))
        .order_by(LockerDeposit.closed_at, LockerDeposit.id)).all()


def retry_refunds() -> int:
    """Try again the refunds that failed (run with the periodic sweep): nothing paid for a deposit
    that will not be collected stays with the territory. Returns how many went through."""
    ids = [deposit.id for deposit in refunds_owed()]
    return sum(refund_payment(db.session.get(LockerDeposit, deposit_id)) for deposit_id in ids)


def _mail_business(deposit: LockerDeposit, subject, body) -> None:
    from marketplace.shops import owner_emails

    for email in owner_emails(deposit.shop):
        mail.send_mail(email, subject, body)


def shop_deposits(shop_id: int) -> dict[str, list[LockerDeposit]]:
    """The business's deposits: waiting (booked or deposited), collected, and closed (expired or
    cancelled), newest first."""
    rows = db.session.scalars(select(LockerDeposit).where(LockerDeposit.shop_id == shop_id)
                              .order_by(LockerDeposit.id.desc())).all()
    return {"waiting": [d for d in rows if d.status in WAITING],
            "collected": [d for d in rows if d.status == "collected"],
            "closed": [d for d in rows if d.status in ("expired", "cancelled")]}


@dataclass(frozen=True)
class BusinessUse:
    shop: Shop
    deposits: int
    waiting: int
    collected: int
    expired: int
    orders: int  # online sub-orders picked up at a locker
    paid_cents: int = 0  # paid on collection by the people (refunds taken off)


def use_per_business() -> list[BusinessUse]:
    """Locker use per business for the admin: deposits by outcome and online orders via a locker."""
    counts = {row.shop_id: row for row in db.session.execute(
        select(LockerDeposit.shop_id, func.count().label("total"),
               func.sum(case((LockerDeposit.status.in_(WAITING), 1), else_=0)).label("waiting"),
               func.sum(case((LockerDeposit.status == "collected", 1), else_=0)).label("collected"),
               func.sum(case((LockerDeposit.status == "expired", 1), else_=0)).label("expired"),
               func.sum(case((LockerDeposit.paid_at.is_not(None) & LockerDeposit.refunded_at.is_(None),
                              LockerDeposit.amount_cents), else_=0)).label("paid_cents"))
        .group_by(LockerDeposit.shop_id))}
    order_counts = dict(db.session.execute(
        select(OrderShop.shop_id, func.count()).where(OrderShop.pickup_kind == "locker",
                                                      OrderShop.status.in_(("ready", "collected")))
        .group_by(OrderShop.shop_id)).all())
    shops = db.session.scalars(select(Shop).where(Shop.id.in_(set(counts) | set(order_counts)))
                               .order_by(Shop.name)).all()
    return [BusinessUse(shop, *(int(getattr(counts.get(shop.id), field, 0) or 0)
                                for field in ("total", "waiting", "collected", "expired")),
                        order_counts.get(shop.id, 0), int(getattr(counts.get(shop.id), "paid_cents", 0) or 0))
            for shop in shops]
