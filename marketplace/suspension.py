"""Suspending a shop or an employer (and lifting it), with a reason, logged and emailed.

A suspended shop leaves the search index (the search outbox follows Shop changes) and its card
acceptance stops (the ledger only lets approved shops take the card). A suspended employer can
no longer create, confirm, fund or issue campaigns (`employer_block`, checked by the campaign
steps) and its HR members see the reason; the grants it already issued stay spendable, since the
employees are not at fault (the ledger never looks at the employer's status).
"""
from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from marketplace import audit
from marketplace.extensions import db

from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import AuditEvent, Commune, Employer, Shop
from marketplace.text_search import each_word_in

PER_PAGE = 50  # the shops of a page of the suspensions list: a phone scrolls them


class SuspensionError(Exception):
    pass


def suspendable(model: type[Shop] | type[Employer], text: str = "") -> Select:
    """The shops (or employers) an admin may suspend or reinstate, suspended ones first, then by
    name: those whose name or commune holds each word of `text` ("fournil semur")."""
    return (select(model).join(Commune, Commune.insee == model.commune_insee)
            .where(model.status.in_(("approved", "suspended")), each_word_in(text, model.name, Commune.name))
            .order_by(model.status.desc(), model.name, model.id))


def shops_page(text: str, page: int) -> Pagination:
    """A page of the suspensions list's shops (a territory has hundreds: a phone scrolls fifty)."""
    return db.paginate(suspendable(Shop, text), page=page, per_page=PER_PAGE, error_out=False)


def employers(text: str) -> list[Employer]:
    """The suspensions list's employers (a territory has a few dozen: all of them on one page)."""
    return list(db.session.scalars(suspendable(Employer, text)))


def suspend(target: Shop | Employer, reason: str, *, actor=None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise SuspensionError(gettext("Indiquez le motif de la suspension."))
    if target.status != "approved":
        raise SuspensionError(gettext("Rien à suspendre : %(name)s n'est pas en activité sur Halle.", name=target.name))
    before = {"status": target.status}
    target.status = "suspended"
    if isinstance(target, Shop):
        target.review_message = reason
    audit.record(f"{_kind(target)}.suspend", target, actor=actor, summary=f"{target.name} suspendu : {reason}",
                 before=before, after={"status": "suspended", "reason": reason})
    db.session.commit()
    for email in _emails(target):
        send_mail(email, lazy_gettext("Suspension sur Halle : %(name)s", name=target.name),
                  lazy_gettext("Bonjour,\n\nL'administration du territoire a suspendu %(name)s sur Halle pour la "
                               "raison suivante :\n\n%(reason)s\n\nRépondez à ce message pour en parler.\n\nHalle",
                               name=target.name, reason=reason))


def reinstate(target: Shop | Employer, *, actor=None) -> None:
    if target.status != "suspended":
        raise SuspensionError(gettext("Rien à rétablir : aucune suspension en cours pour %(name)s.", name=target.name))
    target.status = "approved"
    if isinstance(target, Shop):
        target.review_message = ""
    audit.record(f"{_kind(target)}.reinstate", target, actor=actor, summary=f"{target.name} rétabli",
                 before={"status": "suspended"}, after={"status": "approved"})
    db.session.commit()
    for email in _emails(target):
        send_mail(email, lazy_gettext("Fin de la suspension sur Halle : %(name)s", name=target.name),
                  lazy_gettext("Bonjour,\n\nLa suspension de %(name)s sur Halle est levée : tout fonctionne de "
                               "nouveau.\n\nHalle", name=target.name))


def suspension_reason(target: Shop | Employer) -> str:
    """The reason given when the target was last suspended ("" if unknown)."""
    if isinstance(target, Shop) and target.review_message:
        return target.review_message
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == f"{_kind(target)}.suspend",
                                 AuditEvent.target_type == type(target).__name__, AuditEvent.target_id == target.id)
        .order_by(AuditEvent.id.desc()).limit(1))
    return (event.after or {}).get("reason", "") if event is not None else ""


def employer_block(employer: Employer) -> str | None:
    """Why the employer may not create, confirm, fund or issue a campaign now (None: it may)."""
    if employer.status == "suspended":
        reason = suspension_reason(employer)
        if reason:
            return gettext("Votre entreprise est suspendue par l'administration du territoire (%(reason)s) : vous "
                           "ne pouvez ni créer, ni financer, ni émettre de campagne. Les cartes déjà émises restent "
                           "utilisables par vos salariés.", reason=reason)
        return gettext("Votre entreprise est suspendue par l'administration du territoire : vous ne pouvez ni "
                       "créer, ni financer, ni émettre de campagne. Les cartes déjà émises restent utilisables par "
                       "vos salariés.")
    if employer.status != "approved":
        return gettext("Votre entreprise doit être validée par l'administration du territoire avant de créer une "
                       "campagne.")
    return None


def _kind(target) -> str:
    return "shop" if isinstance(target, Shop) else "employer"


def _emails(target) -> list[str]:
    if isinstance(target, Shop):
        from marketplace.shops import owner_emails

        return owner_emails(target)
    return [m.user.email for m in target.members] or ([target.billing_email] if target.billing_email else [])
