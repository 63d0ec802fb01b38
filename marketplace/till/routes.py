from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from marketplace.access import access, shop_member
from marketplace.api_keys import create_api_key, revoke_api_key
from marketplace.extensions import db
from marketplace.models import ApiKey, Shop
from marketplace.till.forms import ApiKeyForm, ConfirmForm

bp = Blueprint("till", __name__, url_prefix="/caisse")


@bp.route("/<int:shop_id>/")
@access(shop_member("owner", "staff", "cashier"))
def index(shop_id: int):
    shop = db.session.get(Shop, shop_id)
    return render_template("till/index.html", shop=shop)


@bp.route("/<int:shop_id>/cles-api", methods=["GET", "POST"])
@access(shop_member("owner"))
def api_keys(shop_id: int):
    shop = db.session.get(Shop, shop_id)
    form = ApiKeyForm()
    new_key = None
    if form.validate_on_submit():
        _, new_key = create_api_key(shop_id, form.name.data, current_user.id)
        form = ApiKeyForm(formdata=None)
    keys = ApiKey.query.filter_by(shop_id=shop_id).order_by(ApiKey.created_at.desc()).all()
    return render_template("till/api_keys.html", shop=shop, form=form, keys=keys, new_key=new_key,
                           revoke_form=ConfirmForm())


@bp.route("/<int:shop_id>/cles-api/<int:key_id>/revoquer", methods=["POST"])
@access(shop_member("owner"))
def revoke_key(shop_id: int, key_id: int):
    key = db.session.get(ApiKey, key_id)
    if key is None or key.shop_id != shop_id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        revoke_api_key(key)
        flash(f"Clé « {key.name} » révoquée : elle ne permet plus aucune opération.", "success")
    return redirect(url_for("till.api_keys", shop_id=shop_id))
