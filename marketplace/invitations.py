"""The one rule of every invitation (a shop's team, an employer's HR space): only the account whose
email address is the invited one accepts it, once, within INVITATION_DAYS. Whoever else holds the
link is refused and nothing changes; a signed-out visitor is sent to log in or sign up with the
invited address filled in."""
import hashlib
import secrets
from datetime import timedelta
from typing import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from marketplace.auth.service import confirmed_account, mark_email_confirmed
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models.base import utcnow

INVITATION_DAYS = 14


class InvalidInvitation(Exception):
    """The invitation cannot be accepted by this account; the message is French."""


class WrongAccount(InvalidInvitation):
    """Signed in with another address than the invited one."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """(token for the emailed link, its SHA-256: the only thing stored)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def how_to_accept(email: str, link: str):
    """The end of every invitation mail: the link first (it leads to logging in or signing up with
    the invited address, then to the invitation), as a lazy text for send_mail."""
    return lazy_gettext("Ouvrez ce lien (valable %(days)s jours) :\n%(link)s\n\nIl vous permet de vous connecter avec "
                        "l'adresse %(email)s, ou de créer votre compte avec elle, puis d'accepter l'invitation.\n",
                        days=INVITATION_DAYS, link=link, email=email)


def account_or_invitation(email: str, *, add: Callable, invite: Callable):
    """A role given by email address (`email` already checked and lowered): the account of that
    address gets it at once (`add(user)`) if it confirmed the address (anyone can sign up with an
    address that is not theirs), anyone else an emailed invitation (`invite(token,
    token_hash)`) accepted under this module's rule. Returns what the callable returned."""
    user = confirmed_account(email)
    if user is not None:
        return add(user)
    return invite(*new_token())


def find(model, token: str):
    """The invitation of `model` (ShopInvitation, EmployerInvitation) behind an emailed token."""
    return db.session.scalar(select(model).where(model.token_hash == token_hash(token)))


def is_pending(model):
    """SQL condition: not accepted and not expired."""
    return model.accepted_at.is_(None) & (model.created_at >= utcnow() - timedelta(days=INVITATION_DAYS))


def check(invitation, user) -> None:
    """Raise InvalidInvitation unless `user` (None: signed out) may accept `invitation` now."""
    if invitation is None or invitation.accepted_at is not None:
        raise InvalidInvitation(gettext("Cette invitation n'existe pas ou a déjà été utilisée."))
    if invitation.created_at < utcnow() - timedelta(days=INVITATION_DAYS):
        raise InvalidInvitation(gettext("Cette invitation a expiré : demandez-en une nouvelle à la personne "
                                        "qui vous l'a envoyée."))
    if user is not None and user.email.strip().lower() != invitation.email:
        raise WrongAccount(gettext("Cette invitation a été envoyée à %(email)s : connectez-vous avec cette "
                                   "adresse pour l'accepter.", email=invitation.email))


def revoke(model, invitation_id: int, *, owner: tuple[str, object], target, by, action: str) -> bool:
    """Delete a pending invitation of `owner` (column, value: ("shop_id", 12)) so that its link finds
    nothing: an address typed wrong must not keep a way in for 14 days. False when there is no such
    pending invitation. `target` and `action` go to the audit log."""
    from marketplace import audit

    invitation = db.session.get(model, invitation_id)
    column, value = owner
    if invitation is None or invitation.accepted_at is not None or getattr(invitation, column) != value:
        return False
    audit.record(action, target, actor=by, summary=f"Invitation retirée : {invitation.email}")
    db.session.delete(invitation)
    db.session.commit()
    return True


def revoke_from_page(model, invitation_id: int, *, owner: tuple[str, object], target, action: str) -> None:
    """The "Retirer l'invitation" button of a team page: revoke (see `revoke`) by the signed-in
    user, 400 without the form's CSRF token, 404 when there is no such pending invitation."""
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        abort(400)
    if not revoke(model, invitation_id, owner=owner, target=target, by=current_user, action=action):
        abort(404)
    flash(gettext("Invitation retirée : son lien ne marche plus."), "success")


def answer(invitation, *, title: Callable[[object], str], consent: Callable[[object], str],
           accept: Callable[[], object]):
    """What every invitation link answers: the refusal (`_refusal_page`) to whoever cannot accept it;
    to the invited account, signed in, a page saying what accepting does (`consent(invitation)`,
    naming the address it is signed in with) and its button, whose post calls `accept()` and returns
    what it returns (the new space, usually). `title(invitation)` heads every one of these pages."""
    refusal = _refusal_page(invitation, title)
    if refusal is not None:
        return refusal
    form = FlaskForm()  # the CSRF token only: the button is the consent
    if form.validate_on_submit():
        mark_email_confirmed(current_user)  # the link came to that address; committed with the acceptance
        return accept()
    return render_template("invitation.html", title=title(invitation), consent=consent(invitation), form=form)


def _refusal_page(invitation, title: Callable[[object], str]):
    """What an invitation link answers when the current visitor cannot accept it, the same for
    every kind: used or expired, back home with the reason; another account, a page naming the
    invited address (and a way to log out); signed out, the way to log in or sign up with that
    address. None when the signed-in account is the invited one. `title(invitation)` heads the page."""
    user = current_user if current_user.is_authenticated else None
    try:
        check(invitation, user)
    except WrongAccount as refusal:
        return render_template("invitation.html", title=title(invitation), refusal=str(refusal)), 403
    except InvalidInvitation as error:
        flash(str(error), "error")
        return redirect(url_for("public.home"))
    if user is None:
        return render_template("invitation.html", title=title(invitation), email=invitation.email, next=request.path)
    return None
