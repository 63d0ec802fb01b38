"""The territory's administrators: listing, adding by email (an existing account or a new one
that receives a link to choose its password), and removing the right — never one's own, never
the last administrator's. Every change is in the audit log."""
import secrets

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from marketplace import audit
from marketplace.auth import sessions
from marketplace.auth.service import find_user, make_reset_token, normalise_email
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import User
from marketplace.models.base import utcnow
from marketplace.urls import public_url_for


class AdminError(Exception):
    pass


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.is_admin.is_(True)).order_by(User.email)))


def tell_admins(subject, body) -> None:
    """Mail every administrator (lazy texts: each gets them in their own language)."""
    for admin in admins():
        send_mail(admin.email, subject, body)


def add_admin(email: str, *, actor: User) -> tuple[User, bool]:
    """Give the admin right to `email`; returns (user, whether a link to choose a password was sent).
    A new account, or one that never confirmed its address, gets a random password and an email
    with a link to choose its own."""
    email = normalise_email(email or "")
    if "@" not in email or len(email) > 254:
        raise AdminError(gettext("Adresse e-mail : indiquez une adresse valide."))
    user, created = find_user(email), False
    if user is not None and user.is_admin:
        raise AdminError(gettext("%(email)s est déjà administrateur.", email=email))
    if user is None:  # reached through its mailbox only (a random password): confirmed
        user, created = User(email=email, email_confirmed_at=utcnow()), True
        db.session.add(user)
    elif not user.email_confirmed:
        # Anyone could have signed up with this address: only its mailbox gets in from now on,
        # through the same link as a new account's.
        sessions.end_all(user)
    by_link = created or not user.email_confirmed
    if by_link:
        user.set_password(secrets.token_urlsafe(32))
        db.session.flush()
    user.is_admin = True
    audit.record("admin.add", user, actor=actor, summary=f"{email} devient administrateur"
                 + (" (nouveau compte)" if created else ""), before={"is_admin": False}, after={"is_admin": True})
    db.session.commit()
    login_url = public_url_for("auth.login")
    if by_link:
        body = lazy_gettext("Bonjour,\n\n%(actor)s vous a nommé administrateur du territoire sur Halle.\n"
                            "Choisissez votre mot de passe avec ce lien (valable %(minutes)s minutes ; ensuite, "
                            "utilisez « mot de passe oublié » sur %(login)s) :\n%(link)s\n\nHalle",
                            actor=actor.email, minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
                            login=login_url,
                            link=public_url_for("auth.reset_password", token=make_reset_token(user)))
    else:
        body = lazy_gettext("Bonjour,\n\n%(actor)s vous a nommé administrateur du territoire sur Halle.\n"
                            "Connectez-vous avec votre compte habituel : %(login)s\n\nHalle",
                            actor=actor.email, login=login_url)
    send_mail(email, lazy_gettext("Vous administrez le territoire sur Halle"), body)
    return user, by_link


def remove_admin(user: User, *, actor: User) -> None:
    if user.id == actor.id:
        raise AdminError(gettext("Vous ne pouvez pas retirer vos propres droits : demandez-le à un autre "
                                 "administrateur."))
    if not user.is_admin:
        raise AdminError(gettext("%(email)s n'est pas administrateur.", email=user.email))
    others = db.session.scalar(select(func.count()).select_from(User)
                               .where(User.is_admin.is_(True), User.id != user.id))
    if not others:
        raise AdminError(gettext("Il faut toujours au moins un administrateur."))
    user.is_admin = False
    audit.record("admin.remove", user, actor=actor, summary=f"{user.email} n'est plus administrateur",
                 before={"is_admin": True}, after={"is_admin": False})
    db.session.commit()
    send_mail(user.email, lazy_gettext("Vos droits d'administration sur Halle"),
              lazy_gettext("Bonjour,\n\n%(actor)s vous a retiré les droits d'administration du territoire sur Halle. "
                           "Votre compte reste actif.\n\nHalle", actor=actor.email))
