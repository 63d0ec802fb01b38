"""The accounts desk: find an account by its e-mail or name, read what it holds, and close it when
its holder asks in writing (RGPD) and can no longer do it from its profile (marketplace/account_closure.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from marketplace import account_closure, personal_data
from marketplace.access import ADMIN, access
from marketplace.admin.blueprint import bp
from marketplace.extensions import db
from marketplace.forms import ConfirmForm
from marketplace.models import Order, User
from marketplace.text_search import each_word_in

SHOWN = 50  # accounts listed for a search: the desk narrows by typing, not by paging


@bp.route("/comptes")
@access(ADMIN)
def accounts():
    query = (request.args.get("q") or "").strip()
    found = []
    if query:
        found = db.session.scalars(
            select(User).where(each_word_in(query, User.email, User.first_name, User.last_name))
            .order_by(User.last_name, User.first_name, User.email).limit(SHOWN)).all()
    return render_template("admin/accounts.html", query=query, found=found, shown=SHOWN)


@bp.route("/comptes/<int:user_id>", methods=["GET", "POST"])
@access(ADMIN)
def account(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    refusals = account_closure.refusals(user) if user.is_active else []
    if request.method == "POST" and user.is_active and not refusals and form.validate_on_submit():
        account_closure.close(user, by=current_user._get_current_object())
        flash(gettext("Compte fermé ; un dernier e-mail l'a dit à son ancienne adresse."), "success")
        return redirect(url_for("admin.account", user_id=user.id))
    orders = db.session.scalar(select(func.count()).select_from(Order).where(Order.user_id == user.id))
    page = render_template("admin/account.html", account=user, form=form, refusals=refusals,
                           teams=personal_data.teams(user), cards=account_closure.held_cards(user), orders=orders,
                           closing_day=account_closure.unconfirmed_closing_day(user))
    return page, 400 if request.method == "POST" else 200


@bp.route("/comptes/<int:user_id>/donnees.json")
@access(ADMIN)
def account_data(user_id: int):
    """What the account holds, for the admin to send its holder who asked in writing (RGPD access)."""
    return personal_data.download(db.get_or_404(User, user_id), f"halle-compte-{user_id}.json")
