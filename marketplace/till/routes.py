from flask import Blueprint, render_template

from marketplace.access import access, shop_member
from marketplace.extensions import db
from marketplace.models import Shop

bp = Blueprint("till", __name__, url_prefix="/caisse")


@bp.route("/<int:shop_id>/")
@access(shop_member("owner", "staff", "cashier"))
def index(shop_id: int):
    shop = db.session.get(Shop, shop_id)
    return render_template("till/index.html", shop=shop)
