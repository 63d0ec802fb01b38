"""Shops: onboarding and approval, opening hours and closures, team invitations.

Opening hours are stored as {"mon": [["09:00", "12:00"], ["14:00", "19:00"]], …} (a missing
day is closed) and read in the territory's time zone, Europe/Paris.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import func, select
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError
from stdnum.fr import siret as stdnum_siret

from marketplace import audit, invitations, opening_hours
from marketplace.admins import tell_admins
from marketplace.catalogue import InvalidValue
from marketplace.extensions import db
from marketplace.formatting import day_month
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import (AuditEvent, CatalogueFeed, Product, Shop, ShopClosure, ShopInvitation, ShopMember,
                                User)
from marketplace.models.base import utcnow
from marketplace.territory import fold
from marketplace.urls import public_url_for

TIMEZONE = opening_hours.TIMEZONE
DAYS = (("mon", lazy_gettext("Lundi")), ("tue", lazy_gettext("Mardi")), ("wed", lazy_gettext("Mercredi")),
        ("thu", lazy_gettext("Jeudi")), ("fri", lazy_gettext("Vendredi")), ("sat", lazy_gettext("Samedi")),
        ("sun", lazy_gettext("Dimanche")))
DAY_NAMES = dict(DAYS)
RENAMES_SHOWN_DAYS = 14
# The narrowest role first: the invitation form's default.
INVITABLE_ROLES = {"cashier": lazy_gettext("caisse uniquement"),
                   "staff": lazy_gettext("équipe (catalogue et commandes)")}


# --- Identifiers ---


def normalize_siret(text: str) -> str | None:
    """The 14 digits of a valid SIRET, None when empty; InvalidValue otherwise."""
    if not (text or "").strip():
        return None
    try:
        return stdnum_siret.validate(text)
    except ValidationError:
        raise InvalidValue(gettext("Ce numéro SIRET n'est pas valide (14 chiffres, voir votre extrait Kbis ou avis "
                                   "de situation INSEE).")) from None


def siret_in_use(siret: str, *, except_shop_id: int | None = None) -> bool:
    """Whether a shop not rejected (pending or approved) already has this SIRET: one shop, one
    registration; its team grows by invitation."""
    query = select(Shop.id).where(Shop.siret == siret, Shop.status != "rejected")
    if except_shop_id is not None:
        query = query.where(Shop.id != except_shop_id)
    return db.session.scalar(query.limit(1)) is not None


def normalize_iban(text: str) -> str | None:
    """A valid IBAN without spaces, None when empty; InvalidValue otherwise."""
    if not (text or "").strip():
        return None
    try:
        return stdnum_iban.validate(text)
    except ValidationError:
        raise InvalidValue(gettext("Cet IBAN n'est pas valide : vérifiez-le sur votre RIB (FR76 …).")) from None


def mask_iban(iban: str | None) -> str:
    """"FR76 •••• 0189": enough to recognise one's account, not enough to reuse it."""
    if not iban:
        return ""
    return f"{iban[:4]} •••• {iban[-4:]}"


def unique_slug(name: str, commune_slug: str = "") -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:100] or "commerce"
    candidates = [base] + ([f"{base}-{commune_slug}"] if commune_slug else [])
    taken = set(db.session.scalars(select(Shop.slug).where(Shop.slug.like(f"{base}%"))))
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidates[-1]}-{number}" in taken:
        number += 1
    return f"{candidates[-1]}-{number}"


# --- Onboarding and approval ---


def create_shop(owner: User, **fields) -> Shop:
    """A new shop, pending approval, with `owner` as its owner; the admins are told."""
    from marketplace.models import Commune

    commune = db.session.get(Commune, fields["commune_insee"])
    shop = Shop(slug=unique_slug(fields["name"], commune.slug if commune else ""), status="pending", **fields)
    shop.members.append(ShopMember(user=owner, role="owner"))
    db.session.add(shop)
    db.session.commit()
    tell_admins(lazy_gettext("Nouveau commerce à valider : %(shop)s", shop=shop.name),
                lazy_gettext("%(shop)s (%(commune)s) demande à rejoindre Halle.\n\nFile de validation : %(link)s\n",
                             shop=shop.name, commune=commune.name if commune else "",
                             link=public_url_for("admin.shops_queue")))
    return shop


def owner_emails(shop: Shop) -> list[str]:
    """Who hears about the shop: its owners, else the shop's own contact address."""
    return [m.user.email for m in shop.members if m.role == "owner"] or ([shop.email] if shop.email else [])


def approve_shop(shop: Shop) -> None:
    shop.status = "approved"
    shop.review_message = ""
    shop.reviewed_at = utcnow()
    db.session.commit()
    for email in owner_emails(shop):
        send_mail(email, lazy_gettext("%(shop)s est en ligne sur Halle", shop=shop.name),
                  lazy_gettext("Bonne nouvelle : votre commerce %(shop)s est validé et visible des habitants.\n\n"
                               "Ajoutez vos produits : %(products)s\nVotre page publique : %(page)s\n",
                               shop=shop.name, products=public_url_for("shop.products", shop_id=shop.id),
                               page=public_url_for("public.shop", slug=shop.slug)))


def reject_shop(shop: Shop, message: str) -> None:
    shop.status = "rejected"
    shop.review_message = message.strip()
    shop.reviewed_at = utcnow()
    db.session.commit()
    for email in owner_emails(shop):
        send_mail(email, lazy_gettext("%(shop)s : votre inscription n'est pas validée", shop=shop.name),
                  lazy_gettext("Votre commerce %(shop)s n'a pas été validé pour la raison suivante :\n\n"
                               "%(reason)s\n\nCorrigez les informations puis enregistrez-les : la demande repartira "
                               "en validation.\n%(link)s\n", shop=shop.name, reason=shop.review_message,
                               link=public_url_for("shop.settings", shop_id=shop.id)))


def update_details(shop: Shop, fields: dict) -> None:
    """Apply the settings form's fields. An approved shop stays online under a new name (no new
    review for a one-person shop), but the rename goes to the audit log and the admin's dashboard."""
    old_name = shop.name
    for column, value in fields.items():
        setattr(shop, column, value)
    if shop.status == "approved" and shop.name != old_name:
        audit.record("shop.rename", shop, summary=f"{old_name} → {shop.name}", before={"name": old_name},
                     after={"name": shop.name})


def kind_refusals(shop: Shop, kind: str) -> list[str]:
    """Why the shop may not become a business without a catalogue yet (none: it may). Its catalogue
    tools close (access.SHOP_CATALOGUE): products on sale, or a feed putting them on sale, would be
    left online out of its reach."""
    if kind != "services" or shop.offers_services:
        return []
    on_sale = db.session.scalar(select(func.count()).select_from(Product).where(Product.shop_id == shop.id,
                                                                                Product.on_sale))
    feeds = db.session.scalar(select(func.count()).select_from(CatalogueFeed).where(
        CatalogueFeed.shop_id == shop.id, CatalogueFeed.status == "active"))
    refusals = []
    if on_sale:
        refusals.append(ngettext(
            "Vous avez encore %(num)s produit en vente : retirez-le de la vente (page Produits) avant de passer "
            "aux services sans catalogue.",
            "Vous avez encore %(num)s produits en vente : retirez-les de la vente (page Produits) avant de passer "
            "aux services sans catalogue.", on_sale))
    if feeds:
        refusals.append(gettext("Mettez d'abord en pause vos flux catalogue actifs (page Flux catalogue) : ils "
                                "remettraient des produits en vente."))
    return refusals


def recent_renames(days: int = RENAMES_SHOWN_DAYS) -> list:
    """Renames of approved shops in the last `days` days, newest first, for the admin's dashboard."""
    since = utcnow() - timedelta(days=days)
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "shop.rename", AuditEvent.created_at >= since)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(50)))


def resubmit_if_rejected(shop: Shop) -> bool:
    """A rejected shop whose owner saves corrected settings goes back to the approval queue."""
    if shop.status != "rejected":
        return False
    shop.status = "pending"
    return True


# --- Opening hours ---

_TIME = re.compile(r"^(\d{1,2})(?:\s*[h:H.]\s*(\d{2})?)?$")
_RANGE_SEPARATORS = re.compile(r"\s*(?:-|–|—|à|a)\s*")
_SLOT_SEPARATORS = re.compile(r"\s*(?:,|;|/|\bet\b|\+)\s*")


def _parse_time(text: str, day_name: str) -> str:
    match = _TIME.match(text.strip())
    if not match or int(match.group(1)) > 24 or int(match.group(2) or 0) > 59:
        raise InvalidValue(gettext("%(day)s : heure « %(time)s » illisible (exemple : 9h, 12h30 ou 14:00).",
                                   day=day_name, time=text.strip()))
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour == 24 and minute:
        raise InvalidValue(gettext("%(day)s : heure « %(time)s » illisible.", day=day_name, time=text.strip()))
    return f"{hour:02d}:{minute:02d}"


def parse_day_hours(text: str, day_name: str = "") -> list[list[str]]:
    """"9h-12h30, 14h-19h" -> [["09:00", "12:30"], ["14:00", "19:00"]]; "" or "fermé" -> []."""
    text = (text or "").strip()
    if fold(text) in ("", "ferme", "closed"):
        return []
    slots = []
    for part in _SLOT_SEPARATORS.split(text):
        bounds = _RANGE_SEPARATORS.split(part.strip())
        if len(bounds) != 2 or not all(bounds):  # "abc" is split on its "a": say what was typed
            raise InvalidValue(gettext("%(day)s : « %(part)s » n'est pas une plage horaire (exemple : 9h-12h30, "
                                       "14h-19h).", day=day_name, part=part))
        start, end = (_parse_time(bound, day_name) for bound in bounds)
        if start >= end:
            raise InvalidValue(gettext("%(day)s : la plage « %(part)s » finit avant de commencer.", day=day_name,
                                       part=part))
        if slots and start < slots[-1][1]:
            raise InvalidValue(gettext("%(day)s : les plages se chevauchent ou ne sont pas dans l'ordre.", day=day_name))
        slots.append([start, end])
    return slots


def format_time(value: str) -> str:
    """"19:00" -> "19h", "12:30" -> "12h30"."""
    hour, minute = value.split(":")
    return f"{int(hour)}h{minute if minute != '00' else ''}"


def format_day_hours(slots) -> str:
    return ", ".join(f"{format_time(start)}-{format_time(end)}" for start, end in slots or [])


def closure_on(shop: Shop, day: date) -> ShopClosure | None:
    return next((c for c in shop.closures if c.starts_on <= day <= c.ends_on), None)


def closure_ranges(shop: Shop) -> list[tuple[date, date]]:
    return [(c.starts_on, c.ends_on) for c in shop.closures]


@dataclass(frozen=True)
class OpeningStatus:
    is_open: bool
    label: str  # "Ouvert maintenant · ferme à 19h", "Fermé · ouvre demain à 9h", …


def opening_status(shop: Shop, now: datetime | None = None) -> OpeningStatus:
    """Open or closed right now, and until/from when, from the weekly hours and the closures."""
    now = opening_hours.local_time(now)
    hours = shop.opening_hours or {}
    today = now.date()
    clock = now.strftime("%H:%M")
    closure = closure_on(shop, today)
    if opening_hours.is_open_at(hours, closure_ranges(shop), now):
        end = next(end for start, end in hours.get(DAYS[now.weekday()][0], []) if start <= clock < end)
        return OpeningStatus(True, gettext("Ouvert maintenant · ferme à %(time)s", time=format_time(end)))
    for offset in range(0, 60):
        day = today + timedelta(days=offset)
        if closure_on(shop, day):
            continue
        for start, _ in hours.get(DAYS[day.weekday()][0], []):
            if offset == 0 and start <= clock:
                continue
            when = {0: gettext("aujourd'hui"), 1: gettext("demain")}.get(offset) or (
                DAY_NAMES[DAYS[day.weekday()][0]].lower() if offset < 7
                else gettext("le %(date)s", date=day_month(day)))
            reason = f" ({closure.reason})" if closure and closure.reason else ""
            prefix = gettext("Fermé exceptionnellement") + reason if closure else gettext("Fermé")
            return OpeningStatus(False, gettext("%(closed)s · ouvre %(when)s à %(time)s", closed=prefix, when=when,
                                                time=format_time(start)))
    return OpeningStatus(False, gettext("Fermé"))


def add_closure(shop: Shop, starts_on: date, ends_on: date, reason: str) -> ShopClosure:
    closure = ShopClosure(shop=shop, starts_on=starts_on, ends_on=ends_on, reason=reason.strip())
    db.session.add(closure)
    db.session.commit()
    return closure


def upcoming_closures(shop: Shop, today: date | None = None) -> list[ShopClosure]:
    today = today or datetime.now(TIMEZONE).date()
    return [c for c in shop.closures if c.ends_on >= today]


# --- Team ---


def invite_member(shop: Shop, email: str, role: str, invited_by: User) -> ShopInvitation:
    """Email an invitation link; the invited person accepts it once logged in with that address."""
    if role not in INVITABLE_ROLES:
        raise ValueError(role)
    token, token_hash = invitations.new_token()
    invitation = ShopInvitation(shop_id=shop.id, email=email.strip().lower(), role=role,
                                token_hash=token_hash, invited_by_id=invited_by.id)
    db.session.add(invitation)
    db.session.commit()
    link = public_url_for("shop.accept_invitation", token=token)
    send_mail(invitation.email, lazy_gettext("%(name)s vous invite à rejoindre %(shop)s sur Halle",
                                             name=invited_by.display_name, shop=shop.name),
              lazy_gettext("%(name)s vous invite à rejoindre l'équipe de %(shop)s sur Halle (rôle : %(role)s).\n\n"
                           "%(how)s\n\nEnsuite, la caisse du commerce s'ouvre à cette adresse, à garder en favori "
                           "sur la tablette ou le téléphone de la caisse :\n%(till)s", name=invited_by.display_name,
                           shop=shop.name, role=INVITABLE_ROLES[role],
                           how=invitations.how_to_accept(invitation.email, link), till=public_url_for("till.mine")))
    return invitation


def accept_invitation(invitation: ShopInvitation, user: User) -> ShopMember:
    """Raises invitations.InvalidInvitation unless `user` is the invited one (marketplace/invitations.py)."""
    invitations.check(invitation, user)
    member = db.session.scalar(select(ShopMember).filter_by(shop_id=invitation.shop_id, user_id=user.id))
    if member is None:
        member = ShopMember(shop_id=invitation.shop_id, user_id=user.id, role=invitation.role)
        db.session.add(member)
    invitation.accepted_at = utcnow()
    db.session.commit()
    return member


def pending_invitations(shop_id: int) -> list[ShopInvitation]:
    return db.session.scalars(
        select(ShopInvitation)
        .where(ShopInvitation.shop_id == shop_id, invitations.is_pending(ShopInvitation))
        .order_by(ShopInvitation.created_at.desc())
    ).all()


def remove_member(shop_id: int, member_id: int) -> bool:
    """Remove a staff member or cashier (never an owner); False when there is no such member."""
    member = db.session.get(ShopMember, member_id)
    if member is None or member.shop_id != shop_id or member.role == "owner":
        return False
    db.session.delete(member)
    db.session.commit()
    return True


def pending_shops() -> list[Shop]:
    return db.session.scalars(select(Shop).where(Shop.status == "pending").order_by(Shop.created_at)).all()

