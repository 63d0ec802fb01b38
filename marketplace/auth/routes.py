from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from marketplace import cart
from marketplace.access import AUTHENTICATED, PUBLIC, access, role_home_url
from marketplace.auth import service, sessions
from marketplace.auth.forms import (
    ConfirmEmailForm, ForgotPasswordForm, LoginForm, LogoutForm, ResendConfirmationForm, ResetPasswordForm,
    SignupForm,
)
from marketplace.extensions import db, limiter
from marketplace.formatting import paris_time
from marketplace.urls import safe_local_target

bp = Blueprint("auth", __name__)


def _safe_next(default: str) -> str:
    """Only local paths: never redirect to another site after login."""
    return safe_local_target(request.args.get("next"), default)


@bp.route("/inscription", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], methods=["POST"])
def signup():
    form = SignupForm()
    taken = None  # the address of an existing account: the way in is a reset link mailed to it
    if not form.is_submitted() and request.args.get("email"):
        form.email.data = request.args["email"]  # an invitation's address
    if form.validate_on_submit():
        # Signing up from an invitation (its address in the link, kept): accepting it confirms the
        # address, so no second mail. Anyone else, or someone who typed another address, gets the link.
        invited = service.normalise_email(request.args.get("email", "")) == service.normalise_email(form.email.data)
        try:
            user = service.register_user(form.email.data, form.password.data, form.first_name.data or "",
                                         form.last_name.data or "", mail_confirmation=not invited)
        except service.EmailAlreadyUsed:
            form.email.errors.append(gettext("Un compte existe déjà avec cette adresse. Connectez-vous."))
            taken = service.normalise_email(form.email.data)
        else:
            sessions.log_in(user)
            cart.merge_session_cart(user)
            flash(gettext("Bienvenue sur Halle ! Votre compte est créé.") if invited else gettext(
                "Bienvenue sur Halle ! Votre compte est créé. Pour confirmer votre adresse, ouvrez le lien envoyé à "
                "%(email)s.", email=user.email), "success")
            return redirect(_safe_next(url_for("account.home")))
    return render_template("auth/signup.html", form=form, taken=taken)


@bp.route("/connexion", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if not form.is_submitted() and request.args.get("email"):
        form.email.data = request.args["email"]  # an invitation's address
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except service.LoginLocked as locked:
            form.password.errors.append(gettext(
                "Trop de mots de passe erronés pour cette adresse : la connexion est bloquée jusqu'à %(time)s. "
                "Réessayez ensuite, ou choisissez un nouveau mot de passe (« Mot de passe oublié »).",
                time=paris_time(locked.until)))
        else:
            if user is not None:
                sessions.log_in(user, remember=form.remember.data)
                cart.merge_session_cart(user)
                flash(gettext("Bonjour %(name)s !", name=user.display_name), "success")
                return redirect(_safe_next(role_home_url(user)))
            form.password.errors.append(gettext("Adresse e-mail ou mot de passe incorrect."))
    # The address already typed goes with the link (halle.js keeps it up to date as one types).
    forgot_url = url_for("auth.forgot_password", email=(form.email.data or "").strip() or None)
    return render_template("auth/login.html", form=form, forgot_url=forgot_url)


@bp.route("/deconnexion", methods=["POST"])
@access(AUTHENTICATED)
def logout():
    if LogoutForm().validate_on_submit():
        sessions.log_out()
        flash(gettext("Vous êtes déconnecté."), "info")
    return redirect(url_for("public.home"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if not form.is_submitted() and request.args.get("email"):
        form.email.data = request.args["email"]  # the address typed on the login page
    if form.validate_on_submit():
        service.send_password_reset(form.email.data)
        flash(gettext("Si un compte existe pour cette adresse, un lien de réinitialisation vient d'être envoyé."),
              "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def reset_password(token: str):
    user = service.user_from_reset_token(token)
    if user is None:
        flash(gettext("Ce lien n'est plus valable. Demandez-en un nouveau."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        service.reset_password(user, form.password.data)
        if current_user.is_authenticated:
            sessions.log_out()
        flash(gettext("Mot de passe changé. Vous pouvez vous connecter."), "success")
        return redirect(url_for("auth.login", email=user.email))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/adresse-email/<token>", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def confirm_email(token: str):
    """The link mailed to a new login address (marketplace/account: « Changer d'adresse e-mail »).
    Opening it shows the change; the button applies it, so a mail scanner that follows links changes
    nothing."""
    change = service.email_change_from_token(token)
    if change is None:
        return render_template("auth/confirm_email.html", form=None), 410
    user, email = change
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            service.apply_email_change(user, email)
        except service.EmailAlreadyUsed:
            flash(gettext("Un compte existe déjà avec l'adresse %(email)s : elle ne peut pas devenir la vôtre.",
                          email=email), "error")
        else:
            flash(gettext("Adresse e-mail changée : connectez-vous désormais avec %(email)s.", email=email), "success")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("account.profile"))
        return redirect(url_for("auth.login", email=user.email))
    return render_template("auth/confirm_email.html", form=form, email=email, current=user.email)


@bp.route("/adresse-email/confirmer/<token>", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def confirm_address(token: str):
    """The link mailed at sign-up. Opening it shows the address; the button confirms it, so a mail
    scanner that follows links confirms nothing."""
    user = service.email_confirmation_from_token(token)
    if user is None:
        return render_template("auth/confirm_address.html", form=None), 410
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        service.mark_email_confirmed(user)
        db.session.commit()
        flash(gettext("Adresse e-mail confirmée : %(email)s.", email=user.email), "success")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("cart.view") if cart.count() else url_for("account.home"))
        return redirect(url_for("auth.login", email=user.email))
    return render_template("auth/confirm_address.html", form=form, email=user.email,
                           confirmed=user.email_confirmed)


@bp.route("/adresse-email/renvoyer", methods=["POST"])
@access(AUTHENTICATED)
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"])
def resend_confirmation():
    if ResendConfirmationForm().validate_on_submit() and not current_user.email_confirmed:
        service.send_email_confirmation(current_user)
        flash(gettext("Un nouveau lien vient d'être envoyé à %(email)s.", email=current_user.email), "info")
    return redirect(_safe_next(url_for("account.home")))
