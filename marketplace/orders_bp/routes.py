"""The resident's cart, checkout, payment and orders; the admins' locker banks."""
import base64
import secrets

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from marketplace import cart, catalogue, lockers, orders, payments, shops
from marketplace.access import ADMIN, AUTHENTICATED, PUBLIC, access
from marketplace.extensions import db
from marketplace.forms import ButtonForm
from marketplace.http_cache import sessionless_csrf
from marketplace.models import LockerBank, Order, OrderShop, Product
from marketplace.orders_bp.forms import CheckoutToken, LockerBankForm, QuantityForm
from marketplace.territory import resolve_commune
from marketplace.urls import safe_local_target

bp = Blueprint("cart", __name__)


def _back(default: str) -> str:
    return safe_local_target(request.form.get("next"), default)


# --- Cart -----------------------------------------------------------------------------------------


@bp.route("/panier/ajouter/<int:product_id>", methods=["POST"])
@access(PUBLIC)
@sessionless_csrf  # its form is on the public pages, which open no session
def add(product_id: int):
    product = db.get_or_404(Product, product_id)
    form = QuantityForm()
    if not form.validate_on_submit():
        flash(str(next(iter(form.errors.values()), [gettext("Quantité invalide.")])[0]), "error")
    else:
        try:
            cart.add(product, form.quantity.data or 1)
        except cart.CartError as error:
            flash(str(error), "error")
        else:
            flash(gettext("« %(name)s » ajouté au panier.", name=product.name), "success")
    return redirect(_back(url_for("public.product", product_id=product.id)))


@bp.route("/panier")
@access(PUBLIC)
def view():
    return render_template("cart/cart.html", groups=cart.groups(), form=QuantityForm(), button=ButtonForm())


@bp.route("/panier/<int:product_id>", methods=["POST"])
@access(PUBLIC)
def update(product_id: int):
    product = db.get_or_404(Product, product_id)
    form = QuantityForm()
    if form.validate_on_submit():
        try:
            cart.set_quantity(product, form.quantity.data)
        except cart.CartError as error:
            flash(str(error), "error")
    else:
        flash(str(next(iter(form.errors.values()), [gettext("Quantité invalide.")])[0]), "error")
    return redirect(url_for("cart.view"))


# --- Checkout ---------------------------------------------------------------------------------------


def _parse_card_amount(text: str | None) -> int:
    text = (text or "").strip()
    if text in ("", "0", "0,00", "0.00"):
        return 0
    try:
        return catalogue.parse_price(text)
    except catalogue.InvalidValue:
        raise orders.OrderError(gettext("Montant payé par carte territoriale : « %(text)s » n'est pas un montant "
                                        "(exemple : 12,50).", text=text)) from None


@bp.route("/panier/commande", methods=["GET", "POST"])
@access(AUTHENTICATED)
def checkout():
    if not current_user.email_confirmed:  # the pickup code and the receipt go to that address
        return render_template("cart/confirm_first.html")
    if request.method == "POST" and (done := _submitted_order(request.form.get("checkout_key"))):
        return redirect(url_for("cart.pay" if done.status == "pending_payment" else "cart.order", order_id=done.id))
    groups = cart.groups()
    if not groups:
        flash(gettext("Votre panier est vide."), "info")
        return redirect(url_for("cart.view"))
    card = orders.resident_card(current_user.id)
    allowance = orders.card_allowance(card, {g.shop.id: g.subtotal_cents for g in groups})
    form = CheckoutToken()
    problems = [line.problem for g in groups for line in g.lines if line.problem]
    if form.validate_on_submit() and not problems:
        try:
            card_cents = _parse_card_amount(request.form.get("card_amount"))
            pickups = {g.shop.id: request.form.get(f"pickup_{g.shop.id}", "shop") for g in groups}
            order = orders.place_order(current_user, groups, pickups, card_cents, form.checkout_key.data or "")
        except orders.OrderError as error:
            flash(str(error), "error")
        else:
            cart.clear({line.product.id for g in groups for line in g.lines})
            if order.status == "pending_payment":
                return redirect(url_for("cart.pay", order_id=order.id))
            flash(gettext("Commande payée avec votre carte territoriale."), "success")
            return redirect(url_for("cart.order", order_id=order.id))
    form.checkout_key.data = secrets.token_urlsafe(24)
    banks = lockers.active_banks()
    # After a refused submission the page shows what the resident chose, not the defaults.
    chosen = {g.shop.id: request.form.get(f"pickup_{g.shop.id}", "shop") for g in groups}
    card_amount = request.form.get("card_amount") if request.method == "POST" else None
    return render_template("cart/checkout.html", groups=groups, form=form, problems=problems, card=card,
                           chosen=chosen, card_amount=card_amount,
                           allowance=allowance, card_total=sum(allowance.values()), banks=banks,
                           availability={b.id: lockers.availability(b) for b in banks},
                           opening={g.shop.id: shops.opening_status(g.shop).label for g in groups},
                           ready_hours=orders.READY_DELAY_HOURS, card_payments=payments.is_configured())


def _submitted_order(checkout_key: str | None) -> Order | None:
    """The order a checkout form already created (a double submit lands on it)."""
    if not checkout_key:
        return None
    return db.session.scalar(db.select(Order).filter_by(checkout_key=checkout_key, user_id=current_user.id))


def _own_order(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or order.user_id != current_user.id:
        abort(404)
    return order


@bp.route("/commandes/<int:order_id>/paiement")
@access(AUTHENTICATED)
def pay(order_id: int):
    order = _own_order(order_id)
    if order.status != "pending_payment":
        return redirect(url_for("cart.order", order_id=order.id))
    try:
        intent = payments.retrieve_payment_intent(orders.open_payment_intent(order))
    except payments.PaymentError as error:
        flash(str(error), "error")
        return render_template("cart/pay.html", order=order, client_secret=None, button=ButtonForm()), 503
    return render_template("cart/pay.html", order=order, client_secret=intent["client_secret"], button=ButtonForm())


@bp.route("/commandes/<int:order_id>/paiement", methods=["POST"])
@access(AUTHENTICATED)
def confirm_payment(order_id: int):
    order = _own_order(order_id)
    payment_method = payments.posted_payment_method()
    if not payment_method:
        return jsonify({"error": gettext("Moyen de paiement manquant.")}), 400
    if order.status != "pending_payment":
        return jsonify({"status": "succeeded" if order.status == "paid" else order.status})
    try:
        intent = orders.confirm_card_payment(order, payment_method)
    except payments.PaymentError as error:
        return jsonify({"error": str(error)}), 402
    return jsonify({"status": intent["status"], "client_secret": intent["client_secret"]})


@bp.route("/commandes/<int:order_id>/retour")
@access(AUTHENTICATED)
def payment_return(order_id: int):
    """Back from the payment page: ask Stripe itself how it went."""
    order = _own_order(order_id)
    try:
        status = orders.check_payment(order)
    except payments.PaymentError as error:
        flash(str(error), "error")
        return redirect(url_for("cart.order", order_id=order.id))
    if status == "paid":
        flash(gettext("Paiement reçu : votre commande est transmise aux commerces."), "success")
    elif status == "processing":
        flash(gettext("Paiement en cours de confirmation par la banque : revenez dans quelques minutes."), "info")
    elif status == "pending_payment" or status.startswith("requires"):
        flash(gettext("Le paiement n'a pas abouti : réessayez ou abandonnez la commande."), "error")
        return redirect(url_for("cart.pay", order_id=order.id))
    return redirect(url_for("cart.order", order_id=order.id))


@bp.route("/commandes/<int:order_id>/abandon", methods=["POST"])
@access(AUTHENTICATED)
def abandon(order_id: int):
    order = _own_order(order_id)
    if ButtonForm().validate_on_submit() and orders.check_payment(order) != "paid" and orders.fail_order(order.id):
        flash(gettext("Commande abandonnée : rien n'a été débité, la réservation sur votre carte est annulée."), "info")
    return redirect(url_for("cart.order", order_id=order.id))


# --- Orders -----------------------------------------------------------------------------------------


@bp.route("/compte/commandes")
@access(AUTHENTICATED)
def history():
    rows = db.session.scalars(db.select(Order).filter_by(user_id=current_user.id).order_by(Order.id.desc())).all()
    return render_template("orders/history.html", orders=rows, labels=orders.STATUS_LABELS)


def _qr(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


@bp.route("/compte/commandes/<int:order_id>")
@access(AUTHENTICATED)
def order(order_id: int):
    order = _own_order(order_id)
    qr = {sub.id: _qr(sub.pickup_code) for sub in order.shops if sub.status == "ready" and sub.pickup_code}
    return render_template("orders/order.html", order=order, labels=orders.STATUS_LABELS, qr=qr,
                           pickup_label=orders.pickup_label, button=ButtonForm())


@bp.route("/compte/commandes/<int:order_id>/annuler/<int:sub_id>", methods=["POST"])
@access(AUTHENTICATED)
def cancel(order_id: int, sub_id: int):
    order = _own_order(order_id)
    sub = db.session.get(OrderShop, sub_id)
    if sub is None or sub.order_id != order.id:
        abort(404)
    if ButtonForm().validate_on_submit():
        try:
            orders.cancel(sub)
        except (orders.OrderError, payments.PaymentError) as error:
            flash(str(error), "error")
        else:
            flash(gettext("Commande annulée et remboursée."), "success")
    return redirect(url_for("cart.order", order_id=order.id))


# --- Locker banks (admin) ---------------------------------------------------------------------------


@bp.route("/admin/consignes", methods=["GET", "POST"])
@access(ADMIN)
def locker_banks():
    form = LockerBankForm()
    if form.validate_on_submit():
        sizes = form.sizes.data.upper().split()
        if not sizes or any(size not in ("S", "M", "L") for size in sizes):
            form.sizes.errors.append(gettext("Tailles des casiers : S, M ou L, séparées par des espaces."))
        elif db.session.scalar(db.select(LockerBank.id).filter_by(slug=form.slug.data.strip())):
            form.slug.errors.append(gettext("Cet identifiant est déjà pris."))
        else:
            commune = resolve_commune(form.commune.data)  # one, or the field was refused; None when left empty
            lockers.create_bank(sizes=sizes, name=form.name.data.strip(), slug=form.slug.data.strip(),
                                address=form.address.data.strip(), station=(form.station.data or "").strip(),
                                commune_insee=commune.insee if commune else None)
            flash(gettext("Consigne créée : générez sa clé d'API pour le boîtier."), "success")
            return redirect(url_for("cart.locker_banks"))
    banks = db.session.scalars(db.select(LockerBank).order_by(LockerBank.name)).all()
    return render_template("orders/locker_banks.html", banks=banks, form=form, button=ButtonForm(),
                           availability={b.id: lockers.availability(b) for b in banks},
                           use=lockers.use_per_business(), owed=lockers.refunds_owed())


@bp.route("/admin/consignes/depots/<int:deposit_id>/rembourser", methods=["POST"])
@access(ADMIN)
def locker_refund_retry(deposit_id: int):
    """Try a failed refund again now, rather than at the next sweep."""
    deposit = next((d for d in lockers.refunds_owed() if d.id == deposit_id), None)
    if deposit is None:
        flash(gettext("Ce dépôt n'a pas de remboursement en attente."), "error")
    elif ButtonForm().validate_on_submit():
        if lockers.refund_payment(deposit):
            flash(gettext("Dépôt %(reference)s remboursé.", reference=deposit.reference), "success")
        else:
            flash(gettext("Le remboursement du dépôt %(reference)s n'a pas abouti : il sera retenté à la "
                          "prochaine passe.", reference=deposit.reference), "error")
    return redirect(url_for("cart.locker_banks"))


@bp.route("/admin/consignes/<int:bank_id>/cle", methods=["POST"])
@access(ADMIN)
def locker_key(bank_id: int):
    bank = db.get_or_404(LockerBank, bank_id)
    if ButtonForm().validate_on_submit():
        key = lockers.new_api_key(bank)
        flash(gettext("Clé d'API de %(name)s (affichée une seule fois) : %(key)s", name=bank.name, key=key), "success")
    return redirect(url_for("cart.locker_banks"))
