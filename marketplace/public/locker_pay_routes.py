"""The payment link of a locker deposit (payment on collection): the person, with no account,
pays by bank card (Stripe) or with the territorial card, then gets the pickup code. Reached by
the link's unguessable token; rate-limited per address."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext

from marketplace import lockers, payments
from marketplace.access import PUBLIC, access
from marketplace.extensions import db, limiter
from marketplace.models import LockerDeposit
from marketplace.orders_bp.forms import DepositCardPayForm

bp = Blueprint("locker_pay", __name__, url_prefix="/consigne/payer")


def _limit() -> str:
    return current_app.config.get("LOCKER_PAY_RATE_LIMIT", "30 per minute")


@bp.after_request
def _not_stored(response):
    """The page of a payment link is kept by no cache on the way."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _deposit(token: str) -> LockerDeposit:
    deposit = lockers.deposit_by_pay_token(token)
    if deposit is None:
        abort(404)
    return deposit


def _page(deposit: LockerDeposit, token: str, form: DepositCardPayForm | None = None):
    intent, stripe_error = None, None
    if lockers.payable(deposit) and payments.is_configured():
        try:
            intent = lockers.payment_intent_for(deposit)
        except (payments.PaymentError, lockers.DepositError) as error:
            stripe_error = str(error)
    return render_template("orders/deposit_pay.html", deposit=deposit, token=token, payable=lockers.payable(deposit),
                           form=form or DepositCardPayForm(), client_secret=intent["client_secret"] if intent else None,
                           stripe_error=stripe_error)


@bp.route("/<token>")
@access(PUBLIC)
@limiter.limit(_limit)
def pay(token: str):
    return _page(_deposit(token), token)


@bp.route("/<token>/carte-bancaire", methods=["POST"])
@access(PUBLIC)
@limiter.limit(_limit)
def confirm(token: str):
    """The page sends the payment method Stripe.js created; the server confirms the intent."""
    deposit = _deposit(token)
    payment_method = payments.posted_payment_method()
    if not payment_method or not deposit.stripe_payment_intent_id:
        return jsonify({"error": gettext("Moyen de paiement manquant.")}), 400
    if deposit.paid_at is not None:
        return jsonify({"status": "succeeded", "client_secret": None})
    try:
        intent = lockers.confirm_card_payment(deposit, payment_method)
    except (payments.PaymentError, lockers.DepositError) as error:
        return jsonify({"error": str(error)}), 402
    return jsonify({"status": intent["status"], "client_secret": intent["client_secret"]})


@bp.route("/<token>/retour")
@access(PUBLIC)
@limiter.limit(_limit)
def payment_return(token: str):
    """Back from the bank card: ask Stripe itself how the payment went."""
    deposit = _deposit(token)
    try:
        outcome = lockers.check_payment(deposit)
    except payments.PaymentError as error:
        flash(str(error), "error")
        return redirect(url_for("locker_pay.pay", token=token))
    if outcome == "paid":
        flash(gettext("Paiement reçu, merci ! Votre code de retrait vous a été envoyé."), "success")
    elif outcome == "processing":
        flash(gettext("Paiement en cours de confirmation par la banque : revenez dans quelques minutes."), "info")
    else:
        flash(gettext("Le paiement n'a pas abouti : vous pouvez réessayer."), "error")
    return redirect(url_for("locker_pay.pay", token=token))


@bp.route("/<token>/carte-territoire", methods=["POST"])
@access(PUBLIC)
@limiter.limit(_limit)
def territorial_card(token: str):
    deposit = _deposit(token)
    form = DepositCardPayForm()
    if form.validate_on_submit():
        try:
            lockers.pay_with_territorial_card(deposit, form.card_number.data, form.pin.data)
        except lockers.DepositError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Paiement reçu, merci ! Votre code de retrait vous a été envoyé."), "success")
            return redirect(url_for("locker_pay.pay", token=token))
    return _page(db.session.get(LockerDeposit, deposit.id), token, form), 422
