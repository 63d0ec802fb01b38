"""The territory's connected lockers: banks of compartments, the hardware's API key, opening
with a pickup code (single use, brute-force limited) and the doors' deposit/collect events."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import func, select

from marketplace import orders
from marketplace.extensions import db
from marketplace.models import Compartment, LockerBank, LockerEvent, OrderShop
from marketplace.models.base import utcnow

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
    order_reference: str


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
                                                                           Compartment.order_shop_id.is_(None))
                              .group_by(Compartment.size)).all()
    return dict(rows)


def active_banks() -> list[LockerBank]:
    return list(db.session.scalars(select(LockerBank).filter_by(active=True).order_by(LockerBank.name)))


def open_with_code(bank: LockerBank, code: str) -> Opening:
    """Which compartment to open for this code; the sub-order is then collected (single use)."""
    since = utcnow() - FAILED_OPEN_WINDOW
    failures = db.session.scalar(select(func.count()).select_from(LockerEvent).where(
        LockerEvent.bank_id == bank.id, LockerEvent.kind == "refused", LockerEvent.created_at >= since))
    if failures >= MAX_FAILED_OPENS:
        raise LockerRefused("too_many_attempts",
                            gettext("Trop de codes erronés : réessayez dans quelques minutes."), 429)
    code = (code or "").strip()
    sub = db.session.scalar(select(OrderShop).where(OrderShop.locker_bank_id == bank.id, OrderShop.status == "ready",
                                                    OrderShop.pickup_code == code)) if code.isdigit() else None
    if sub is None or sub.code_expires_at is None or sub.code_expires_at < utcnow():
        db.session.add(LockerEvent(bank_id=bank.id, kind="refused"))
        db.session.commit()
        raise LockerRefused("invalid_code", gettext("Code inconnu, déjà utilisé ou expiré."), 404)
    compartment = sub.compartment
    db.session.add(LockerEvent(bank_id=bank.id, compartment_id=compartment.id, order_shop_id=sub.id, kind="open"))
    db.session.commit()
    reference = sub.order.reference
    orders.mark_collected(sub)
    return Opening(compartment=compartment.label, order_reference=reference)


def record_event(bank: LockerBank, compartment_label: str, kind: str) -> LockerEvent:
    """A door event from the hardware: `deposit` (a shop filled it) or `collect` (emptied)."""
    compartment = db.session.scalar(select(Compartment).filter_by(bank_id=bank.id, label=compartment_label))
    if compartment is None:
        raise LockerRefused("unknown_compartment", gettext("Casier « %(label)s » inconnu.", label=compartment_label),
                            404)
    if kind not in ("deposit", "collect"):
        raise LockerRefused("invalid_kind", gettext("Type d'événement : deposit ou collect."), 400)
    sub_id = compartment.order_shop_id
    event = LockerEvent(bank_id=bank.id, compartment_id=compartment.id, order_shop_id=sub_id, kind=kind)
    db.session.add(event)
    db.session.commit()
    if kind == "collect" and sub_id is not None:
        sub = db.session.get(OrderShop, sub_id)
        if sub.status == "ready":
            orders.mark_collected(sub)
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
