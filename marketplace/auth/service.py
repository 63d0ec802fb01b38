"""Accounts: sign-up, credentials, and the signed links that reset a password, confirm a sign-up's
e-mail address or a new one."""
from datetime import datetime
from functools import cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from marketplace.auth import sessions, throttle
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import User
from marketplace.models.base import utcnow
from marketplace.urls import public_url_for

RESET_SALT = "password-reset"
EMAIL_CHANGE_SALT = "email-change"
EMAIL_CONFIRM_SALT = "email-confirm"


class EmailAlreadyUsed(Exception):
    pass


class SameEmail(Exception):
    """The new login address is the one the account already has."""


class WrongPassword(Exception):
    """The current password typed to change a credential is not the account's."""


class LoginLocked(Exception):
    """Too many wrong passwords for this address: no attempt until `until` (naive UTC)."""

    def __init__(self, until: datetime):
        super().__init__(until)
        self.until = until


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return User.query.filter_by(email=normalise_email(email)).one_or_none()


def confirmed_account(email: str) -> User | None:
    """The account of `email` if it opened the link mailed to that address: the only one a role
    given by address may reach at once (anyone can sign up with an address that is not theirs)."""
    user = find_user(email)
    return user if user is not None and user.email_confirmed else None


def register_user(email: str, password: str, first_name: str = "", last_name: str = "", *,
                  mail_confirmation: bool = True) -> User:
    """A new account, usable at once, and the link that confirms its address mailed to it, unless
    the caller knows a link mailed to that address comes next (`mail_confirmation=False`)."""
    if find_user(email) is not None:
        raise EmailAlreadyUsed(email)
    user = User(email=normalise_email(email), first_name=first_name.strip(), last_name=last_name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    if mail_confirmation:
        send_email_confirmation(user)
    return user


def send_email_confirmation(user: User) -> None:
    """Mail the link that confirms `user`'s address (it dies if the address changes first)."""
    token = _serializer(EMAIL_CONFIRM_SALT).dumps({"user": user.id, "email": user.email})
    hours = current_app.config["EMAIL_CHANGE_MAX_AGE"] // 3600
    user.confirmation_sent_at = utcnow()
    db.session.commit()
    send_mail(user.email, lazy_gettext("Confirmez votre adresse e-mail sur Halle"), lazy_gettext(
        "Bonjour,\n\nPour confirmer que %(email)s est bien votre adresse, ouvrez ce lien (valable %(hours)s heures) "
        ":\n%(link)s\n\nC'est à cette adresse que Halle envoie vos codes de retrait et vos reçus. Si vous n'avez "
        "pas créé de compte sur Halle, ignorez ce message : sans confirmation, ce compte sera fermé dans %(days)s "
        "jours.\n\nHalle",
        email=user.email, hours=hours, days=current_app.config["UNCONFIRMED_ACCOUNT_DAYS"],
        link=public_url_for("auth.confirm_address", token=token)), locale=user.locale)


def _address_link(salt: str, token: str, address_key: str) -> tuple[User, dict] | None:
    """The account of a link that checks an address, and the link's data, while the link is valid
    (EMAIL_CHANGE_MAX_AGE) and the account still has the address of `data[address_key]`: the link
    dies once the address changes."""
    try:
        data = _serializer(salt).loads(token, max_age=current_app.config["EMAIL_CHANGE_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or user.email != data.get(address_key):
        return None
    return user, data


def email_confirmation_from_token(token: str) -> User | None:
    """The account of a sign-up's confirmation link (see `_address_link`)."""
    found = _address_link(EMAIL_CONFIRM_SALT, token, "email")
    return found[0] if found else None


def mark_email_confirmed(user: User) -> None:
    """The account showed it reads its address (a link mailed there was opened). Not committed:
    it goes with the caller's change."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-password", method=method)


def authenticate(email: str, password: str) -> User | None:
    """The account if the password is right. An unknown address costs the same hash check as a
    known one (the answer time says nothing of the account). Raises LoginLocked while the address
    is locked by wrong passwords (marketplace/auth/throttle.py), without checking the password."""
    until = throttle.locked_until(email)
    if until is not None:
        raise LoginLocked(until)
    user = find_user(email)
    if user is None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        User(password_hash=_dummy_hash(method)).check_password(password)
    elif user.check_password(password) and user.is_active:
        throttle.clear(email)
        db.session.commit()
        return user
    throttle.record_failure(email)
    return None


def _serializer(salt: str = RESET_SALT) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_reset_token(user: User) -> str:
    # The end of the password hash makes the link single-use: it dies once the password changes.
    return _serializer().dumps({"user": user.id, "pw": user.password_hash[-16:]})


def user_from_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or user.password_hash[-16:] != data.get("pw"):
        return None
    return user


def send_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way (no enumeration)."""
    user = find_user(email)
    if user is None:
        return
    link = public_url_for("auth.reset_password", token=make_reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_mail(
        user.email,
        lazy_gettext("Réinitialisation de votre mot de passe Halle"),
        lazy_gettext("Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable %(minutes)s minutes) :\n"
                "%(link)s\n\nSi vous n'avez rien demandé, ignorez ce message.\n\nHalle", minutes=minutes, link=link),
    )


def change_password(user: User, password: str) -> None:
    """Also ends every login of the account (a thief's included) and lifts the wrong-password lock."""
    user.set_password(password)
    sessions.end_all(user)
    throttle.clear(user.email)
    db.session.commit()


def reset_password(user: User, password: str) -> None:
    """The new password chosen from a reset link: the link came by mail, so the address is confirmed too."""
    mark_email_confirmed(user)
    change_password(user, password)


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """A logged-in user's change: the current password first. Ends every login, this one included
    (the caller opens a new one for this browser)."""
    if not user.check_password(current_password):
        raise WrongPassword()
    change_password(user, new_password)


def request_email_change(user: User, current_password: str, new_email: str) -> str:
    """A logged-in user asks for a new login address, after the current password. Nothing changes
    until the link mailed to that address is opened: a mistyped address would otherwise take the
    account's mails and its next login. Returns the address the link went to."""
    if not user.check_password(current_password):
        raise WrongPassword()
    email = normalise_email(new_email)
    if email == user.email:
        raise SameEmail(email)
    if find_user(email) is not None:
        raise EmailAlreadyUsed(email)
    # The current address in the link makes it single-use: it dies once the address changes.
    token = _serializer(EMAIL_CHANGE_SALT).dumps({"user": user.id, "from": user.email, "to": email})
    hours = current_app.config["EMAIL_CHANGE_MAX_AGE"] // 3600
    send_mail(email, lazy_gettext("Confirmez votre nouvelle adresse de connexion à Halle"), lazy_gettext(
        "Bonjour,\n\nPour que %(email)s devienne l'adresse de connexion de votre compte Halle, ouvrez ce lien "
        "(valable %(hours)s heures) :\n%(link)s\n\nTant que vous ne l'avez pas ouvert, votre compte garde son "
        "adresse actuelle. Si vous n'avez rien demandé, ignorez ce message.\n\nHalle",
        email=email, hours=hours, link=public_url_for("auth.confirm_email", token=token)), locale=user.locale)
    return email


def email_change_from_token(token: str) -> tuple[User, str] | None:
    """The account and its new address (see `_address_link`: the account still has the address it
    had when the link was sent)."""
    found = _address_link(EMAIL_CHANGE_SALT, token, "from")
    return (found[0], found[1]["to"]) if found else None


def apply_email_change(user: User, email: str) -> None:
    """The new address, confirmed from the link: the account logs in with it from now on, and the old
    address is told (someone else at the keyboard would otherwise take the account unnoticed)."""
    if find_user(email) is not None:  # taken by a sign-up since the link was sent
        raise EmailAlreadyUsed(email)
    old_email, user.email = user.email, email
    user.email_confirmed_at = utcnow()  # the link came to the new address
    try:
        db.session.commit()
    except IntegrityError:  # the same, a moment ago
        db.session.rollback()
        raise EmailAlreadyUsed(email) from None
    send_mail(old_email, lazy_gettext("Votre adresse de connexion à Halle a changé"), lazy_gettext(
        "Bonjour,\n\nL'adresse de connexion de votre compte Halle est désormais %(email)s.\n"
        "Si ce n'est pas vous, répondez à ce message ou écrivez au territoire sans attendre.\n\nHalle",
        email=email))
