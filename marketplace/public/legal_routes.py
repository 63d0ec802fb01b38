"""The legal notice, the privacy notice and the terms of use: what French law asks a site and a
marketplace to say (LCEN art. 6, RGPD art. 13, Code de la consommation L111-7), filled with the
operator's settings (config.py, PUBLISHER_NAME…) and the rules the code actually applies."""
from flask import current_app, render_template

from config import LEGAL_SETTINGS
from marketplace.access import PUBLIC, access
from marketplace.public.blueprint import bp


def _page(template: str):
    config = current_app.config
    operator = {name.lower(): config.get(name) or "" for name in LEGAL_SETTINGS}
    return render_template(template, operator=operator, login_days=config["REMEMBER_COOKIE_DURATION"].days,
                           bought_credit_months=config["BOUGHT_CREDIT_MONTHS"],
                           unconfirmed_days=config["UNCONFIRMED_ACCOUNT_DAYS"])


@bp.route("/mentions-legales")
@access(PUBLIC)
def legal_notice():
    return _page("public/legal_notice.html")


@bp.route("/confidentialite")
@access(PUBLIC)
def privacy():
    return _page("public/privacy.html")


@bp.route("/conditions")
@access(PUBLIC)
def terms():
    return _page("public/terms.html")
