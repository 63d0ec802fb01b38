from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user

from marketplace.access import AUTHENTICATED, access
from marketplace.account.forms import ProfileForm
from marketplace.auth import sessions
from marketplace.auth.forms import LogoutForm
from marketplace.extensions import db
from marketplace.territory import SESSION_KEY, resolve_commune

bp = Blueprint("account", __name__, url_prefix="/compte")


@bp.route("/")
@access(AUTHENTICATED)
def home():
    return render_template("account/home.html", logout_everywhere_form=LogoutForm())


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
    return render_template("account/profile.html", form=form)
