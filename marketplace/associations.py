"""Merchants' associations (unions commerciales): the territory admin creates one and names its
first manager; its managers invite shops and approve the shops' requests to join (a shop owner
asks from their shop space); when the territory says so (settings.association_members_need_admin),
the admin confirms each new member last. Managers see their members' card figures, run their own
top-up programmes (TopUpProgramme.association_id, marketplace/topup_programmes.py) and sell cards
at their counters (CardCounter.association_id): never anything of another association's shops.

A membership is one row per (association, shop) from the invitation or the request on
(models/associations.py): the side that did not start it agrees, then, if asked, the admin.
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import select

from loyalty.clock import paris_day
from loyalty.models import Account, Entry, Posting
from marketplace import audit, invitations
from marketplace.exports import csv_document, euros
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import (Association, AssociationInvitation, AssociationManager, AssociationMember,
                                CardCounter, Commune, Shop, ShopMember, User)
from marketplace.models.associations import AWAITING_ADMIN, INVITED, MEMBER, REQUESTED
from marketplace.models.shops import OWNER
from marketplace.models.base import utcnow
from marketplace.settings import association_members_need_admin
from marketplace.territory_import import slugify
from marketplace.territory_stats import SPENT_KINDS
from marketplace.urls import public_url_for

PAYMENT_KINDS = ("redeem", "capture")  # what a card payment is (voids and refunds lower the amount only)


class AssociationError(ValueError):
    """A refused change (the message names the field, in the reader's language)."""


# --- Associations and their managers ------------------------------------------------------------


def create(*, name: str, commune_insees: list[str], description: str, manager_email: str, admin) -> Association:
    """A new association of `commune_insees`, and its first manager named by email."""
    name = name.strip()[:120]
    if not name:
        raise AssociationError(gettext("Nom : obligatoire."))
    communes = list(db.session.scalars(select(Commune).where(Commune.insee.in_(commune_insees or []))))
    if not communes:
        raise AssociationError(gettext("Communes : cochez au moins une commune."))
    _check_email(manager_email)
    association = Association(name=name, slug=_free_slug(name), description=description.strip(), communes=communes)
    db.session.add(association)
    db.session.flush()
    audit.record("association.create", association, actor=admin, summary=f"Union commerciale créée : {name}")
    db.session.commit()
    name_manager(association, manager_email, by=admin)
    return association


def update(association: Association, *, name: str, description: str, by) -> None:
    name = name.strip()[:120]
    if not name:
        raise AssociationError(gettext("Nom : obligatoire."))
    association.name, association.description = name, description.strip()
    audit.record("association.update", association, actor=by, summary=f"Union commerciale modifiée : {name}")
    db.session.commit()


def _free_slug(name: str) -> str:
    base = slugify(name) or "union"
    slug, n = base, 1
    while db.session.scalar(select(Association.id).where(Association.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise AssociationError(gettext("E-mail : une adresse valide, par exemple nom@exemple.fr."))
    return email


def name_manager(association: Association, email: str, *, by) -> AssociationManager | AssociationInvitation:
    """The account of `email` becomes a manager (told by email); without an account, an emailed
    invitation (marketplace/invitations.py's rule) makes it one once accepted."""
    email = _check_email(email)
    return invitations.account_or_invitation(email, add=lambda user: _named(association, user, by=by),
                                             invite=lambda token, token_hash: _invite(association, email, token,
                                                                                      token_hash, by=by))


def _named(association: Association, user: User, *, by) -> AssociationManager:
    manager = _make_manager(association, user, by=by)
    send_mail(user.email, lazy_gettext("Vous gérez %(name)s sur Halle", name=association.name),
              lazy_gettext("Vous êtes maintenant gestionnaire de l'union commerciale %(name)s sur Halle :\n%(link)s\n",
                           name=association.name, link=public_url_for("union.dashboard", association_id=association.id)))
    return manager


def _invite(association: Association, email: str, token: str, token_hash: str, *, by) -> AssociationInvitation:
    invitation = AssociationInvitation(association_id=association.id, email=email, token_hash=token_hash,
                                       invited_by_id=getattr(by, "id", None))
    db.session.add(invitation)
    audit.record("association.invite_manager", association, actor=by, summary=f"Gestionnaire invité : {email}")
    db.session.commit()
    send_mail(email, lazy_gettext("Gérez %(name)s sur Halle", name=association.name),
              lazy_gettext("Vous êtes invité à gérer l'union commerciale %(name)s sur Halle.\n\n%(how)s",
                           name=association.name, how=invitations.how_to_accept(
                               email, public_url_for("union.accept_invitation", token=token))))
    return invitation


def _make_manager(association: Association, user: User, *, by) -> AssociationManager:
    manager = db.session.scalar(select(AssociationManager).filter_by(association_id=association.id, user_id=user.id))
    if manager is None:
        manager = AssociationManager(association_id=association.id, user_id=user.id)
        db.session.add(manager)
        audit.record("association.add_manager", association, actor=by, summary=f"Gestionnaire : {user.email}")
        db.session.commit()
    return manager


def accept_invitation(invitation: AssociationInvitation, user: User) -> AssociationManager:
    """Raises invitations.InvalidInvitation unless `user` is the invited one."""
    invitations.check(invitation, user)
    invitation.accepted_at = utcnow()
    return _make_manager(invitation.association, user, by=user)


def pending_invitations(association_id: int) -> list[AssociationInvitation]:
    return list(db.session.scalars(select(AssociationInvitation).where(
        AssociationInvitation.association_id == association_id, invitations.is_pending(AssociationInvitation))
        .order_by(AssociationInvitation.created_at.desc())))


def is_manager(user, association_id: int) -> bool:
    return db.session.scalar(select(AssociationManager.id).filter_by(association_id=association_id,
                                                                    user_id=user.id)) is not None


# --- Members ---------------------------------------------------------------------------------------


def membership(association_id: int, shop_id: int) -> AssociationMember | None:
    return db.session.scalar(select(AssociationMember).filter_by(association_id=association_id, shop_id=shop_id))


def member_shop_ids(association_id: int) -> list[int]:
    """The shops that are members today (where the association's top-ups are spent)."""
    return list(db.session.scalars(select(AssociationMember.shop_id).where(
        AssociationMember.association_id == association_id, AssociationMember.status == MEMBER)
        .order_by(AssociationMember.shop_id)))


def members(association_id: int, status: str = MEMBER) -> list[AssociationMember]:
    return list(db.session.scalars(select(AssociationMember).join(Shop).where(
        AssociationMember.association_id == association_id, AssociationMember.status == status).order_by(Shop.name)))


def invitable_shops(association: Association) -> list[Shop]:
    """Approved shops of the association's communes, not yet in any step of joining it."""
    taken = select(AssociationMember.shop_id).where(AssociationMember.association_id == association.id)
    return list(db.session.scalars(select(Shop).where(
        Shop.status == "approved", Shop.commune_insee.in_([c.insee for c in association.communes]),
        Shop.id.not_in(taken)).order_by(Shop.name)))


def invite_shop(association: Association, shop_id: int, *, by) -> AssociationMember:
    """The association invites a shop of its communes; a shop that had asked is approved."""
    shop = db.session.get(Shop, shop_id)
    if shop is None or shop.status != "approved" or shop.commune_insee not in {c.insee for c in association.communes}:
        raise AssociationError(gettext("Commerce : choisissez un commerce des communes de l'union."))
    row = membership(association.id, shop_id)
    if row is not None:
        return approve(row, by=by) if row.status == REQUESTED else row
    row = AssociationMember(association_id=association.id, shop_id=shop_id, status=INVITED)
    db.session.add(row)
    audit.record("association.invite_shop", association, actor=by, summary=f"Commerce invité : {shop.name}")
    db.session.commit()
    for owner in _owners(shop):
        send_mail(owner.email, lazy_gettext("%(name)s invite %(shop)s à la rejoindre", name=association.name,
                                            shop=shop.name),
                  lazy_gettext("L'union commerciale %(name)s invite %(shop)s à devenir membre. Répondez depuis "
                               "l'espace du commerce :\n%(link)s\n", name=association.name, shop=shop.name,
                               link=public_url_for("union.shop_associations", shop_id=shop.id)))
    return row


def ask_to_join(association: Association, shop: Shop, *, by) -> AssociationMember:
    """A shop owner asks to join; a shop the association had invited accepts."""
    row = membership(association.id, shop.id)
    if row is not None:
        return approve(row, by=by) if row.status == INVITED else row
    row = AssociationMember(association_id=association.id, shop_id=shop.id, status=REQUESTED)
    db.session.add(row)
    audit.record("association.ask_to_join", association, actor=by, summary=f"Demande d'adhésion : {shop.name}")
    db.session.commit()
    for manager in association.managers:
        send_mail(manager.user.email, lazy_gettext("%(shop)s demande à rejoindre %(name)s", shop=shop.name,
                                                   name=association.name),
                  lazy_gettext("%(shop)s demande à devenir membre de l'union commerciale %(name)s :\n%(link)s\n",
                               shop=shop.name, name=association.name,
                               link=public_url_for("union.members", association_id=association.id)))
    return row


def approve(row: AssociationMember, *, by) -> AssociationMember:
    """The other side agrees (the manager to a request, the shop to an invitation): a member, or
    awaiting the territory admin's word when the territory asks for it."""
    if row.status not in (INVITED, REQUESTED):
        return row
    before = row.status
    if association_members_need_admin():
        row.status = AWAITING_ADMIN
    else:
        row.status, row.joined_at = MEMBER, utcnow()
    audit.record("association.approve", row.association, actor=by, before={"status": before},
                 after={"status": row.status}, summary=f"Adhésion acceptée : {row.shop.name}")
    db.session.commit()
    return row


def confirm(row: AssociationMember, *, admin) -> AssociationMember:
    """The territory admin's last word on a membership both sides agreed to."""
    if row.status != AWAITING_ADMIN:
        raise AssociationError(gettext("Cette adhésion n'attend pas de confirmation."))
    row.status, row.joined_at = MEMBER, utcnow()
    audit.record("association.confirm", row.association, actor=admin, before={"status": AWAITING_ADMIN},
                 after={"status": MEMBER}, summary=f"Adhésion confirmée : {row.shop.name}")
    db.session.commit()
    return row


def remove(row: AssociationMember, *, by) -> None:
    """A member leaves (or an invitation, a request is declined): the row goes, the log stays.
    Top-ups already granted stay spendable where they were granted."""
    audit.record("association.remove", row.association, actor=by, before={"status": row.status},
                 summary=f"Retiré de l'union : {row.shop.name}")
    db.session.delete(row)
    db.session.commit()


def awaiting_admin() -> list[AssociationMember]:
    return list(db.session.scalars(select(AssociationMember).where(AssociationMember.status == AWAITING_ADMIN)
                                   .order_by(AssociationMember.created_at)))


def for_shop(shop: Shop) -> list[tuple[Association, AssociationMember | None]]:
    """The associations a shop may join (those of its commune) or is in any step of joining."""
    rows = {r.association_id: r for r in db.session.scalars(select(AssociationMember).filter_by(shop_id=shop.id))}
    here = select(Association).where((Association.id.in_(list(rows))) | Association.communes.any(
        Commune.insee == shop.commune_insee)).order_by(Association.name)
    return [(association, rows.get(association.id)) for association in db.session.scalars(here)]


def _owners(shop: Shop) -> list[User]:
    return list(db.session.scalars(select(User).join(ShopMember, ShopMember.user_id == User.id)
                                   .where(ShopMember.shop_id == shop.id, ShopMember.role == OWNER)))


# --- Counters ------------------------------------------------------------------------------------------


def counters_of(association_id: int) -> list[CardCounter]:
    return list(db.session.scalars(select(CardCounter).where(CardCounter.association_id == association_id)
                                   .order_by(CardCounter.name)))


# --- Figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    shop: str
    month: date  # its first day
    payments: int  # card payments at the shop
    redeemed_cents: int  # what the card brought it, net of voids and refunds


def figures(association_id: int) -> list[MonthFigures]:
    """Per member shop and per month (since the shop joined), the card payments and what they
    brought: the movements of the shops' payable accounts (territory_stats.SPENT_KINDS)."""
    rows = members(association_id)
    joined = {row.shop_id: row.joined_at or datetime.min for row in rows}
    names = {row.shop_id: row.shop.name for row in rows}
    if not joined:
        return []
    found = db.session.execute(
        select(Account.shop_id, Entry.created_at, Entry.kind, Posting.amount_cents)
        .join(Posting, Posting.account_id == Account.id).join(Entry, Entry.id == Posting.entry_id)
        .where(Account.kind == "shop_payable", Account.shop_id.in_(list(joined)), Entry.kind.in_(SPENT_KINDS))).all()
    table: dict[tuple[int, date], list[int]] = {}
    for shop_id, moment, kind, cents in found:
        if moment < joined[shop_id]:
            continue
        month = paris_day(moment).replace(day=1)
        cell = table.setdefault((shop_id, month), [0, 0])
        cell[0] += kind in PAYMENT_KINDS
        cell[1] += int(cents)
    return sorted((MonthFigures(names[shop_id], month, count, cents) for (shop_id, month), (count, cents)
                   in table.items()), key=lambda f: (-f.month.toordinal(), f.shop))


def totals(rows: list[MonthFigures]) -> tuple[int, int]:
    return sum(r.payments for r in rows), sum(r.redeemed_cents for r in rows)


def figures_csv(rows: list[MonthFigures]) -> str:
    """The figures page's table for a spreadsheet (the association's board, its accountant): the
    month as 2026-11 (it sorts), the header in the reader's language, French Excel flavour."""
    header = [gettext("Mois"), gettext("Commerce"), gettext("Paiements"), gettext("Encaissé (€)")]
    return csv_document([header, *([f"{r.month:%Y-%m}", r.shop, r.payments, euros(r.redeemed_cents)] for r in rows)])
