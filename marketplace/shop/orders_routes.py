"""The shop's order board: accept or refuse, prepare, deposit in a locker, hand over, refund a
line; the day's pick list and the order export."""
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from wtforms import SelectChoice

from loyalty.clock import paris_day, utc_now
from marketplace import orders, payments
from marketplace.access import SHOP_TEAM, access
from marketplace.exports import csv_document, euros
from marketplace.extensions import db
from marketplace.forms import ButtonForm
from marketplace.models import OrderLine, OrderShop, Shop
from marketplace.orders_bp.forms import ReadyForm, RefuseForm

bp = Blueprint("shop_orders", __name__, url_prefix="/boutique")

OPEN_STATUSES = ("paid", "accepted", "ready")


def _sub(shop_id: int, sub_id: int) -> OrderShop:
    sub = db.session.get(OrderShop, sub_id)
    if sub is None or sub.shop_id != shop_id or sub.status in ("pending_payment", "failed"):
        abort(404)
    return sub


@bp.route("/<int:shop_id>/commandes")
@access(SHOP_TEAM)
def board(shop_id: int):
    shop = db.get_or_404(Shop, shop_id)
    show_all = request.args.get("toutes") == "1"
    subs = orders.shop_orders(shop_id, None if show_all else OPEN_STATUSES)
    ready_forms = {}
    for sub in subs:
        if sub.status == "accepted":
            form = ReadyForm(prefix=f"r{sub.id}")
            if sub.pickup_kind == "locker":
                form.compartment.choices = [SelectChoice(c.id, f"{c.label} ({c.size})") for c in
                                            orders.free_compartments(sub.locker_bank_id)]
            ready_forms[sub.id] = form
    return render_template("shop/orders.html", shop=shop, subs=subs, labels=orders.STATUS_LABELS,
                           button=ButtonForm(), refuse_form=RefuseForm(), ready_forms=ready_forms,
                           pickup_label=orders.pickup_label, show_all=show_all,
                           line_refundable=orders.LINE_REFUND_STATUSES,
                           new_count=sum(1 for s in subs if s.status == "paid"))


def _act(shop_id: int, sub_id: int, action, success: str, form=None):
    sub = _sub(shop_id, sub_id)
    form = form or ButtonForm()
    if form.validate_on_submit():
        try:
            action(sub, form)
        except (orders.OrderError, payments.PaymentError) as error:
            flash(str(error), "error")
        else:
            flash(success.format(ref=sub.order.reference), "success")
    else:
        for errors in form.errors.values():
            flash(str(errors[0]), "error")
    return redirect(url_for("shop_orders.board", shop_id=shop_id, _anchor=f"commande-{sub_id}"))


@bp.route("/<int:shop_id>/commandes/<int:sub_id>/accepter", methods=["POST"])
@access(SHOP_TEAM)
def accept(shop_id: int, sub_id: int):
    return _act(shop_id, sub_id, lambda sub, form: orders.accept(sub), gettext("Commande {ref} acceptée."))


@bp.route("/<int:shop_id>/commandes/<int:sub_id>/refuser", methods=["POST"])
@access(SHOP_TEAM)
def refuse(shop_id: int, sub_id: int):
    return _act(shop_id, sub_id, lambda sub, form: orders.refuse(sub, form.reason.data),
                gettext("Commande {ref} refusée : le client est remboursé."), RefuseForm())


@bp.route("/<int:shop_id>/commandes/<int:sub_id>/prete", methods=["POST"])
@access(SHOP_TEAM)
def ready(shop_id: int, sub_id: int):
    form = ReadyForm(prefix=f"r{sub_id}")
    return _act(shop_id, sub_id, lambda sub, f: orders.mark_ready(sub, f.compartment.data),
                gettext("Commande {ref} prête : le client est prévenu."), form)


@bp.route("/<int:shop_id>/commandes/<int:sub_id>/retiree", methods=["POST"])
@access(SHOP_TEAM)
def collected(shop_id: int, sub_id: int):
    return _act(shop_id, sub_id, lambda sub, form: orders.mark_collected(sub), gettext("Commande {ref} retirée."))


@bp.route("/<int:shop_id>/commandes/<int:sub_id>/lignes/<int:line_id>/rembourser", methods=["POST"])
@access(SHOP_TEAM)
def refund_line(shop_id: int, sub_id: int, line_id: int):
    line = db.session.get(OrderLine, line_id)
    if line is None or line.order_shop_id != sub_id:
        abort(404)
    return _act(shop_id, sub_id, lambda sub, form: orders.refund_line(sub, line),
                gettext("Article remboursé sur la commande {ref}."))


@bp.route("/<int:shop_id>/commandes/preparation")
@access(SHOP_TEAM)
def pick_list(shop_id: int):
    """What to prepare: every accepted order's lines, and the totals per product."""
    shop = db.get_or_404(Shop, shop_id)
    subs = orders.shop_orders(shop_id, ("paid", "accepted"))
    totals: dict[str, int] = {}
    for sub in subs:
        for line in sub.lines:
            if not line.refunded:
                totals[line.name] = totals.get(line.name, 0) + line.quantity
    return render_template("shop/orders_pick_list.html", shop=shop, subs=subs, totals=sorted(totals.items()),
                           today=paris_day(utc_now()), pickup_label=orders.pickup_label)


@bp.route("/<int:shop_id>/commandes/export.csv")
@access(SHOP_TEAM)
def export(shop_id: int):
    db.get_or_404(Shop, shop_id)
    rows = [[gettext("commande"), gettext("date"), gettext("client"), gettext("statut"), gettext("retrait"),
             gettext("produit"), gettext("quantité"), gettext("prix unitaire"), gettext("total ligne"),
             gettext("remboursé"), gettext("carte territoriale"), gettext("carte bancaire"), "PaymentIntent"]]
    for sub in orders.shop_orders(shop_id):
        for line in sub.lines:
            rows.append([sub.order.reference, sub.order.created_at.strftime("%d/%m/%Y %H:%M"),
                         sub.order.user.email, orders.STATUS_LABELS[sub.status], orders.pickup_label(sub),
                         line.name, line.quantity, euros(line.unit_price_cents), euros(line.total_cents),
                         gettext("oui") if line.refunded else gettext("non"), euros(sub.card_cents),
                         euros(sub.stripe_cents), sub.order.stripe_payment_intent_id or ""])
    return Response(csv_document(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=commandes-{shop_id}.csv"})
