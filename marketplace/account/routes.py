from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user

from marketplace.access import AUTHENTICATED, access
from marketplace import account_closure, personal_data, stock_alerts as stock_alerts_service
from marketplace.account.forms import CloseAccountForm, ProfileForm, StockAlertForm
from marketplace.auth import service as auth_service, sessions
from marketplace.auth.forms import ChangeEmailForm, ChangePasswordForm, LogoutForm
from marketplace.extensions import db, limiter
from marketplace.models import Product
from marketplace.territory import SESSION_KEY, resolve_commune

bp = Blueprint("account", __name__, url_prefix="/compte")


@bp.route("/")
@access(AUTHENTICATED)
def home():
    return render_template("account/home.html", logout_everywhere_form=LogoutForm(),
                           closing_day=account_closure.unconfirmed_closing_day(current_user))


@bp.route("/deconnecter-partout", methods=["POST"])
@access(AUTHENTICATED)
def log_out_everywhere():
    if LogoutForm().validate_on_submit():
        sessions.log_out_everywhere()
        flash(gettext("Tous vos appareils sont déconnectés."), "info")
    return redirect(url_for("public.home"))


@bp.route("/profil", methods=["GET", "POST"])
@access(AUTHENTICATED)
def profile():
    # The account fills the form only for display: its `home_commune` is a Commune, not the field's text.
    form = ProfileForm() if request.method == "POST" else ProfileForm(obj=current_user)
    if not form.is_submitted():
        form.home_commune.data = current_user.home_commune.label if current_user.home_commune else ""
    if form.validate_on_submit():
        current_user.first_name = (form.first_name.data or "").strip()
        current_user.last_name = (form.last_name.data or "").strip()
        commune = resolve_commune(form.home_commune.data)
        current_user.home_commune_insee = commune.insee if commune else None
        if commune:
            session[SESSION_KEY] = commune.insee
        current_user.locale = form.locale.data
        session["lang"] = form.locale.data
        db.session.commit()
        flash(gettext("Profil enregistré."), "success")
        return redirect(url_for("account.profile"))
    return _profile_page(form=form)


def _profile_page(form=None, password_form=None, email_form=None):
    if form is None:
        form = ProfileForm(obj=current_user, formdata=None)
        form.home_commune.data = current_user.home_commune.label if current_user.home_commune else ""
    return render_template("account/profile.html", form=form,
                           password_form=password_form or ChangePasswordForm(formdata=None),
                           email_form=email_form or ChangeEmailForm(formdata=None))


@bp.route("/profil/mot-de-passe", methods=["POST"])
@access(AUTHENTICATED)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            auth_service.change_own_password(user, form.current_password.data, form.password.data)
        except auth_service.WrongPassword:
            form.current_password.errors.append(gettext("Mot de passe incorrect."))
        else:
            sessions.log_in_again(user)  # every login ended with the old password; this browser stays logged in
            flash(gettext("Mot de passe changé. Vos autres appareils sont déconnectés."), "success")
            return redirect(url_for("account.profile"))
    return _profile_page(password_form=form)


@bp.route("/profil/adresse-email", methods=["POST"])
@access(AUTHENTICATED)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            sent_to = auth_service.request_email_change(current_user, form.current_password.data, form.email.data)
        except auth_service.WrongPassword:
            form.current_password.errors.append(gettext("Mot de passe incorrect."))
        except auth_service.SameEmail:
            form.email.errors.append(gettext("C'est déjà l'adresse de votre compte."))
        except auth_service.EmailAlreadyUsed:
            form.email.errors.append(gettext("Un compte existe déjà avec cette adresse."))
        else:
            flash(gettext("Un lien vient d'être envoyé à %(email)s : ouvrez-le pour que cette adresse devienne "
                          "celle de votre compte. D'ici là, connectez-vous avec %(current)s.",
                          email=sent_to, current=current_user.email), "success")
            return redirect(url_for("account.profile"))
    return _profile_page(email_form=form)


@bp.route("/mes-donnees.json")
@access(AUTHENTICATED)
def my_data():
    """The rights of access and portability: everything the account's pages show, in one file."""
    return personal_data.download(current_user, "halle-mes-donnees.json")


@bp.route("/fermer", methods=["GET", "POST"])
@access(AUTHENTICATED)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def close_account():
    """The right to erasure: what goes, what stays, what must happen first (account_closure)."""
    user = current_user._get_current_object()
    form = CloseAccountForm()
    refusals = account_closure.refusals(user)
    if not refusals and form.validate_on_submit():
        try:
            account_closure.close_own(user, form.current_password.data)
        except account_closure.WrongPassword:
            form.current_password.errors.append(gettext("Mot de passe incorrect."))
        else:
            logout_user()
            session.clear()
            flash(gettext("Votre compte est fermé. Un dernier e-mail vous le confirme."), "success")
            return redirect(url_for("public.home"))
    return render_template("account/close.html", form=form, refusals=refusals,
                           cards=account_closure.held_cards(user)), 400 if request.method == "POST" else 200


# --- Sold-out products the resident waits for (marketplace/stock_alerts.py) ---


def _public_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None or not product.is_public:
        abort(404)
    return product


@bp.route("/alertes")
@access(AUTHENTICATED)
def stock_alerts():
    return render_template("account/stock_alerts.html", alerts=stock_alerts_service.alerts_of(current_user.id),
                           form=StockAlertForm())


@bp.route("/alertes/produit/<int:product_id>", methods=["GET", "POST"])
@access(AUTHENTICATED)
def stock_alert(product_id: int):
    """The product page links here (it stays the same for everyone, so that a proxy may cache it)."""
    product = _public_product(product_id)
    form = StockAlertForm()
    if form.validate_on_submit():
        try:
            stock_alerts_service.ask(current_user.id, product)
        except stock_alerts_service.AlertRefused as error:
            flash(str(error), "error")
        else:
            flash(gettext("C'est noté : vous recevrez un e-mail dès que « %(product)s » sera de nouveau disponible.",
                          product=product.name), "success")
        return redirect(url_for("account.stock_alert", product_id=product.id))
    return render_template("account/stock_alert.html", product=product, form=form,
                           alert=stock_alerts_service.alert_of(current_user.id, product.id))


@bp.route("/alertes/produit/<int:product_id>/retirer", methods=["POST"])
@access(AUTHENTICATED)
def forget_stock_alert(product_id: int):
    if StockAlertForm().validate_on_submit():
        stock_alerts_service.forget(current_user.id, product_id)
        flash(gettext("Alerte retirée : aucun e-mail au retour de ce produit."), "success")
    if request.form.get("back") == "list":
        return redirect(url_for("account.stock_alerts"))
    return redirect(url_for("account.stock_alert", product_id=product_id))
