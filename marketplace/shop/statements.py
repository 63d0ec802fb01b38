"""A shop owner's settlement statements: list, printable page, CSV."""
from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext

from marketplace import settlement, settlement_schedule
from marketplace.access import SHOP_OWNER, access
from marketplace.admin.settlement_routes import statement_csv_response
from marketplace.extensions import db
from marketplace.models import SettlementStatement, Shop

bp = Blueprint("shop_statements", __name__, url_prefix="/boutique/<int:shop_id>/releves")


@bp.route("/")
@access(SHOP_OWNER)
def index(shop_id: int):
    shop = db.get_or_404(Shop, shop_id)
    return render_template("shop/statements.html", shop=shop, statements=settlement.shop_statements(shop_id),
                           next_payment=settlement_schedule.next_payment(shop))


@bp.route("/<int:statement_id>")
@access(SHOP_OWNER)
def show(shop_id: int, statement_id: int):
    found = _statement(shop_id, statement_id)
    return render_template("shop/statement.html", statement=found, kind_labels=settlement.KIND_LABELS,
                           csv_url=url_for("shop_statements.csv", shop_id=shop_id, statement_id=found.id),
                           back_url=url_for("shop_statements.index", shop_id=shop_id),
                           back_label=gettext("Relevés de règlement"))


@bp.route("/<int:statement_id>.csv")
@access(SHOP_OWNER)
def csv(shop_id: int, statement_id: int):
    return statement_csv_response(_statement(shop_id, statement_id))


def _statement(shop_id: int, statement_id: int) -> SettlementStatement:
    found = db.session.get(SettlementStatement, statement_id)
    if found is None or found.shop_id != shop_id or found.status == "cancelled":
        abort(404)
    return found
