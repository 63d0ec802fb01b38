"""A commune runs its own top-up programmes (issue #23): the territory admin names the commune's
programme managers by email (an account at once, else an emailed invitation under
marketplace/invitations.py's rule) and removes them; a manager creates and changes the programmes
owned by their commune (TopUpProgramme.commune_insee: the top-up is spent in that commune only,
marketplace/topup_programmes.py) and sees their live figures: never another commune's, an
association's or the territory's programmes."""
from flask_babel import gettext
from sqlalchemy import select

from marketplace import audit, invitations
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import Commune, CommuneInvitation, CommuneManager, TopUpProgramme, User
from marketplace.models.base import utcnow
from marketplace.urls import public_url_for


class CommuneManagerError(ValueError):
    """A refused change (the message names the field, in the reader's language)."""


def name_manager(commune: Commune, email: str, *, by) -> CommuneManager | CommuneInvitation:
    """The account of `email` manages the commune's programmes (told by email); without an
    account, an emailed invitation makes it a manager once accepted."""
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise CommuneManagerError(gettext("E-mail : une adresse valide, par exemple nom@exemple.fr."))
    return invitations.account_or_invitation(email, add=lambda user: _named(commune, user, by=by),
                                             invite=lambda token, token_hash: _invite(commune, email, token, token_hash,
                                                                                      by=by))


def _named(commune: Commune, user: User, *, by) -> CommuneManager:
    manager = _make_manager(commune, user, by=by)
    send_mail(user.email, lazy_gettext("Vous gérez les programmes de %(name)s sur Halle", name=commune.name),
              lazy_gettext("Vous gérez maintenant les programmes d'abondement de la commune %(name)s sur "
                           "Halle :\n%(link)s\n", name=commune.name,
                           link=public_url_for("commune_space.programmes", insee=commune.insee)))
    return manager


def _invite(commune: Commune, email: str, token: str, token_hash: str, *, by) -> CommuneInvitation:
    invitation = CommuneInvitation(commune_insee=commune.insee, email=email, token_hash=token_hash,
                                   invited_by_id=getattr(by, "id", None))
    db.session.add(invitation)
    audit.record("commune.invite_manager", None, actor=by,
                 summary=f"{commune.name} ({commune.insee}) : gestionnaire invité {email}")
    db.session.commit()
    send_mail(email, lazy_gettext("Gérez les programmes de %(name)s sur Halle", name=commune.name),
              lazy_gettext("Vous êtes invité à gérer les programmes d'abondement de la commune %(name)s sur Halle."
                           "\n\n%(how)s", name=commune.name, how=invitations.how_to_accept(
                               email, public_url_for("commune_space.accept_invitation", token=token))))
    return invitation


def _make_manager(commune: Commune, user: User, *, by) -> CommuneManager:
    manager = db.session.scalar(select(CommuneManager).filter_by(commune_insee=commune.insee, user_id=user.id))
    if manager is None:
        manager = CommuneManager(commune_insee=commune.insee, user_id=user.id)
        db.session.add(manager)
        db.session.flush()
        audit.record("commune.add_manager", manager, actor=by,
                     summary=f"{commune.name} ({commune.insee}) : gestionnaire {user.email}")
        db.session.commit()
    return manager


def accept_invitation(invitation: CommuneInvitation, user: User) -> CommuneManager:
    """Raises invitations.InvalidInvitation unless `user` is the invited one."""
    invitations.check(invitation, user)
    invitation.accepted_at = utcnow()
    return _make_manager(invitation.commune, user, by=user)


def remove_manager(manager: CommuneManager, *, by) -> None:
    audit.record("commune.remove_manager", manager, actor=by,
                 summary=f"{manager.commune.name} ({manager.commune_insee}) : gestionnaire retiré {manager.user.email}")
    db.session.delete(manager)
    db.session.commit()


def managers(insee: str) -> list[CommuneManager]:
    return list(db.session.scalars(select(CommuneManager).join(User).where(CommuneManager.commune_insee == insee)
                                   .order_by(User.email)))


def pending_invitations(insee: str) -> list[CommuneInvitation]:
    return list(db.session.scalars(select(CommuneInvitation).where(
        CommuneInvitation.commune_insee == insee, invitations.is_pending(CommuneInvitation))
        .order_by(CommuneInvitation.created_at.desc())))


def is_manager(user, insee: str) -> bool:
    return db.session.scalar(select(CommuneManager.id).filter_by(commune_insee=insee, user_id=user.id)) is not None


def programmes(insee: str) -> list[TopUpProgramme]:
    """The commune's own programmes, the latest first."""
    return list(db.session.scalars(select(TopUpProgramme).where(TopUpProgramme.commune_insee == insee)
                                   .order_by(TopUpProgramme.starts_on.desc(), TopUpProgramme.id.desc())))
