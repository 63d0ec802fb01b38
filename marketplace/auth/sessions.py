"""Logins that can be ended. Each login is a row (UserSession) whose random token the session
and remember cookies carry through Flask-Login's alternative id ("<user id>:<token>"): logging
out deletes the row, so copies of that browser's cookies open nothing any more; a password change
or "log out everywhere" deletes all the user's rows. A new login gets a new token, hence a new
remember cookie."""
import hashlib
import secrets
from functools import cache

from flask import current_app, request
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload

from loyalty import clock
from marketplace.extensions import db
from marketplace.models import EmployerMember, ShopMember, User, UserSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now():
    return clock.as_naive_utc(clock.utc_now())


def log_in(user: User, remember: bool = False) -> None:
    """Open a new login for `user` in this browser (and drop the logins that have expired, anyone's)."""
    now = _now()
    db.session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token), created_at=now,
                               expires_at=now + current_app.config["REMEMBER_COOKIE_DURATION"]))
    db.session.commit()
    user.session_token = token
    login_user(user, remember=remember)


def log_in_again(user: User) -> None:
    """After the user's own password change ended all their logins: a new one for this browser,
    remembered if this browser's was ("Rester connecté": it had a remember cookie)."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    log_in(user, remember=remembered)


def load_user(alternative_id: str) -> User | None:
    """Flask-Login's user loader: the user of a login that is still open, else nobody."""
    user_id, _, token = (alternative_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.execute(_user_of_login(), {"token_hash": _hash(token), "user_id": int(user_id),
                                                  "now": _now()}).unique().scalar_one_or_none()
    if user is None or not user.is_active:
        return None
    user.session_token = token
    return user


@cache
def _user_of_login():
    """The user of an open login, with their shops and employers: every page's menu lists them,
    which cost a query per membership and one per shop or employer when read one by one."""
    return (select(User).join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == bindparam("token_hash"), User.id == bindparam("user_id"),
                   UserSession.expires_at > bindparam("now"))
            .options(joinedload(User.shop_memberships).joinedload(ShopMember.shop),
                     joinedload(User.employer_memberships).joinedload(EmployerMember.employer)))


def log_out() -> None:
    """End this browser's login (its row, its session and its remember cookie)."""
    if current_user.is_authenticated:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash(current_user.session_token)))
        db.session.commit()
    logout_user()


def log_out_everywhere() -> None:
    """End every login of the current user: this browser's and all the others'."""
    end_all(current_user)
    db.session.commit()
    logout_user()


def end_all(user: User) -> None:
    """End every login of `user`, in every browser (committed by the caller)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
