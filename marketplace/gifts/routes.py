"""Buying gift cards (anyone, signed in or not), topping up one's own card, the recipient's card
page, and the admin's list and refunds. The pages of a purchase are reached by its random token
(the buyer may have no account); the recipient's by a signed link from their email."""
from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from loyalty.cards import card_now, grouped_number
from loyalty.clock import paris_day, utc_now
from loyalty.models import Card
from marketplace import counters, gift_cards, payments
from marketplace.access import ADMIN, AUTHENTICATED, PUBLIC, access
from marketplace.card_holders import claim_url, qr_data_uri
from marketplace.extensions import db, limiter
from marketplace.forms import ConfirmForm
from marketplace.gifts.blueprint import bp
from marketplace.gifts.forms import GiftOrderForm, TopUpForm, amount_cents
from marketplace.models import CreditPurchase, CreditPurchaseItem


@bp.after_request
def _not_stored(response):
    """A purchase's or a card's page (reached by its token) is kept by no cache on the way."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/carte-cadeau", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config.get("GIFT_ORDER_RATE_LIMIT", "120 per hour"), methods=["POST"])
def buy():
    """Anyone may order: the form's posts (adding a card counts) are limited per address."""
    form = GiftOrderForm()
    if request.method == "GET":
        form.form_token.data = gift_cards.new_form_token()
        if current_user.is_authenticated:
            form.buyer_name.data, form.buyer_email.data = current_user.display_name, current_user.email
        for entry in form.cards:
            entry.form.deliver_on.data = entry.form.deliver_on.data or paris_day(utc_now())
    elif form.add_card.data or form.remove_card.data:
        if form.add_card.data and len(form.cards) < gift_cards.MAX_CARDS:
            form.cards.append_entry({"deliver_on": paris_day(utc_now())})
        elif form.remove_card.data and len(form.cards) > 1:
            form.cards.pop_entry()
    elif form.validate_on_submit():
        try:  # the same form sent twice finds the purchase it started
            purchase = gift_cards.start_gift_purchase(
                form_token=form.form_token.data or gift_cards.new_form_token(), buyer_name=form.buyer_name.data,
                buyer_email=form.buyer_email.data, gifts=form.gifts(),
                buyer_user_id=current_user.id if current_user.is_authenticated else None)
        except gift_cards.GiftError as error:
            flash(str(error), "error")
        else:
            return redirect(url_for("gifts.pay", token=purchase.token))
    low, high = gift_cards.amount_limits()
    return render_template("gifts/buy.html", form=form, low=low, high=high, max_cards=gift_cards.MAX_CARDS,
                           today=paris_day(utc_now()))


def _purchase(token: str) -> CreditPurchase:
    purchase = gift_cards.purchase_by_token(token)
    if purchase is None:
        abort(404)
    return purchase


@bp.route("/carte-cadeau/achat/<token>/paiement")
@access(PUBLIC)
def pay(token: str):
    purchase = _purchase(token)
    if purchase.status == "paid":
        return redirect(url_for("gifts.receipt", token=token))
    try:
        intent = gift_cards.payment_intent_for(purchase)
    except payments.PaymentError as error:
        flash(str(error), "error")
        return redirect(url_for("gifts.receipt", token=token))
    return render_template("gifts/pay.html", purchase=purchase, client_secret=intent["client_secret"])


@bp.route("/carte-cadeau/achat/<token>/paiement", methods=["POST"])
@access(PUBLIC)
def confirm(token: str):
    """The page sends the payment method Stripe.js created; the server confirms the intent."""
    purchase = _purchase(token)
    payment_method = payments.posted_payment_method()
    if not payment_method or not purchase.stripe_payment_intent_id:
        return jsonify({"error": gettext("Moyen de paiement manquant.")}), 400
    if purchase.status == "paid":
        return jsonify({"status": "succeeded", "client_secret": None})
    try:
        intent = gift_cards.confirm_card_payment(purchase, payment_method)
    except payments.PaymentError as error:
        return jsonify({"error": str(error)}), 402
    return jsonify({"status": intent["status"], "client_secret": intent["client_secret"]})


@bp.route("/carte-cadeau/achat/<token>/retour")
@access(PUBLIC)
def payment_return(token: str):
    """Back from the payment page: ask Stripe itself how the payment went."""
    purchase = _purchase(token)
    try:
        outcome = gift_cards.check_payment(purchase)
    except payments.PaymentError as error:
        flash(str(error), "error")
        return redirect(url_for("gifts.pay", token=token))
    if outcome == "paid":  # the receipt's heading says so: no flash repeating it
        return redirect(url_for("gifts.receipt", token=token))
    if outcome == "processing":
        flash(gettext("Paiement en cours de confirmation par la banque : revenez dans quelques minutes."), "info")
        return redirect(url_for("gifts.receipt", token=token))
    flash(gettext("Le paiement n'a pas abouti : vous pouvez réessayer."), "error")
    return redirect(url_for("gifts.pay", token=token))


@bp.route("/carte-cadeau/achat/<token>")
@access(PUBLIC)
def receipt(token: str):
    purchase = _purchase(token)
    cards = {item.id: db.session.get(Card, item.card_id) for item in purchase.items if item.card_id}
    return render_template("gifts/receipt.html", purchase=purchase, cards=cards,
                           top_ups=counters.top_ups_by_card(purchase),
                           balance_cents=gift_cards.topped_up_balance_cents(purchase, current_user))


def _gift_item(token: str) -> CreditPurchaseItem:
    item = gift_cards.item_from_gift_token(token)
    if item is None:
        abort(404)
    return item


@bp.route("/carte-cadeau/carte/<token>")
@access(PUBLIC)
def card(token: str):
    """The recipient's card, from the link of their email: number, QR code, PDF, registration."""
    item = _gift_item(token)
    card = card_now(db.session, db.session.get(Card, item.card_id))  # replaced when lost: the new one
    return render_template("gifts/card.html", item=item, card=card, number=grouped_number(card.number),
                           qr=qr_data_uri(card), claim_link=claim_url(card.id), token=token,
                           unused=gift_cards.unused_cents(item))


@bp.route("/carte-cadeau/carte/<token>/carte.pdf")
@access(PUBLIC)
def card_pdf(token: str):
    item = _gift_item(token)
    pdf = gift_cards.card_pdf(item)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="carte-cadeau-{item.id}.pdf"', "Cache-Control": "private, no-store"})


@bp.route("/compte/carte/<int:card_id>/recharger", methods=["GET", "POST"])
@access(AUTHENTICATED)
def topup(card_id: int):
    card = db.session.get(Card, card_id)
    if card is None or card.holder_user_id != current_user.id:
        abort(404)
    form = TopUpForm()
    if request.method == "GET":
        form.form_token.data = gift_cards.new_form_token()
    elif form.validate_on_submit():
        try:
            purchase = gift_cards.start_topup(form_token=form.form_token.data or gift_cards.new_form_token(),
                                              user=current_user, card=card, amount_cents=amount_cents(form.amount))
        except gift_cards.GiftError as error:
            flash(str(error), "error")
        else:
            return redirect(url_for("gifts.pay", token=purchase.token))
    low, high = gift_cards.amount_limits()
    return render_template("gifts/topup.html", form=form, card=card, number=grouped_number(card.number),
                           low=low, high=high)


@bp.route("/admin/cartes-cadeaux")
@access(ADMIN)
def admin_list():
    purchases = db.session.scalars(select(CreditPurchase)
                                   .where(CreditPurchase.status == "paid", CreditPurchase.kind != "counter")
                                   .order_by(CreditPurchase.paid_at.desc()).limit(200)).all()
    unused = {item.id: gift_cards.unused_cents(item) for p in purchases for item in p.items}
    return render_template("gifts/admin.html", purchases=purchases, unused=unused, confirm=ConfirmForm())


@bp.route("/admin/cartes-cadeaux/<int:item_id>/rembourser", methods=["POST"])
@access(ADMIN)
def admin_refund(item_id: int):
    db.get_or_404(CreditPurchaseItem, item_id)
    if not ConfirmForm().validate_on_submit():
        flash(gettext("Cochez la case pour confirmer le remboursement."), "error")
        return redirect(url_for("gifts.admin_list"))
    try:
        cents = gift_cards.refund_item(item_id, admin=current_user)
    except (gift_cards.GiftError, payments.PaymentError) as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        from marketplace.formatting import money

        flash(gettext("%(amount)s remboursés à l'acheteur et retirés de la carte.", amount=money(cents)), "success")
    return redirect(url_for("gifts.admin_list"))
