"""The business's lockers page (phone first): book a compartment for a named person, confirm the
deposit (the person gets the code), follow and cancel its deposits. Any approved business, online
shop or not; only the members of that business (owner, staff)."""
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms import SelectChoice

from marketplace import lockers
from marketplace.access import SHOP_TEAM, access
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.forms import ButtonForm
from marketplace.models import LockerDeposit, Shop
from marketplace.models.orders import COMPARTMENT_SIZES
from marketplace.orders_bp.forms import CancelDepositForm, DepositForm

bp = Blueprint("shop_lockers", __name__, url_prefix="/boutique")



def _deposit(shop_id: int, deposit_id: int) -> LockerDeposit:
    """A deposit of this business; another's is "not found", whatever its id."""
    deposit = db.session.get(LockerDeposit, deposit_id)
    if deposit is None or deposit.shop_id != shop_id:
        abort(404)
    return deposit


def _deposited_message(deposit: LockerDeposit) -> str:
    """What the person was sent: the code, or for a deposit to pay, the payment link (the code follows)."""
    if deposit.awaits_payment:
        return gettext("Dépôt %(reference)s enregistré : %(name)s a reçu le lien pour payer %(amount)s ; "
                       "son code de retrait lui sera envoyé dès le paiement reçu.", reference=deposit.reference,
                       name=deposit.recipient_name, amount=money(deposit.amount_cents))
    return gettext("Dépôt %(reference)s enregistré : %(name)s a reçu son code de retrait.",
                   reference=deposit.reference, name=deposit.recipient_name)


@bp.route("/<int:shop_id>/consigne", methods=["GET", "POST"])
@access(SHOP_TEAM)
def deposits(shop_id: int):
    shop = db.get_or_404(Shop, shop_id)
    banks = lockers.active_banks()
    form = DepositForm()
    form.bank.choices = [SelectChoice(b.id, b.name) for b in banks]  # the page lists their addresses
    form.size.choices = [SelectChoice(size, f"{size} ({label})") for size, label in COMPARTMENT_SIZES.items()]
    if not form.is_submitted():
        form.booking_key.data = secrets.token_urlsafe(24)
        form.size.data = "M"
    if shop.is_public and form.validate_on_submit():
        try:
            deposit = lockers.book_deposit(
                shop, bank_id=form.bank.data, size=form.size.data, name=form.recipient_name.data,
                phone=form.recipient_phone.data or "", email=form.recipient_email.data or "", note=form.note.data,
                booking_key=form.booking_key.data or secrets.token_urlsafe(24), user=current_user,
                amount_cents=form.amount.cents or 0)
        except lockers.DepositError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Casier %(compartment)s réservé à la consigne %(locker)s : déposez-y les marchandises, "
                          "puis appuyez sur « C'est déposé ».", compartment=deposit.compartment.label,
                          locker=deposit.locker_bank.name), "success")
            return redirect(url_for("shop_lockers.deposits", shop_id=shop_id))
    return render_template("shop/lockers.html", shop=shop, form=form, banks=banks,
                           availability={b.id: lockers.availability(b) for b in banks},
                           deposits=lockers.shop_deposits(shop_id), labels=lockers.DEPOSIT_STATUS_LABELS,
                           button=ButtonForm(), cancel_form=CancelDepositForm(), sizes=COMPARTMENT_SIZES)


@bp.route("/<int:shop_id>/consigne/<int:deposit_id>/depose", methods=["POST"])
@access(SHOP_TEAM)
def confirm(shop_id: int, deposit_id: int):
    deposit = _deposit(shop_id, deposit_id)
    if ButtonForm().validate_on_submit():
        try:
            lockers.confirm_deposit(deposit)
        except lockers.DepositError as error:
            flash(str(error), "error")
        else:
            flash(_deposited_message(deposit), "success")
    return redirect(url_for("shop_lockers.deposits", shop_id=shop_id))


@bp.route("/<int:shop_id>/consigne/<int:deposit_id>/annuler", methods=["POST"])
@access(SHOP_TEAM)
def cancel(shop_id: int, deposit_id: int):
    deposit = _deposit(shop_id, deposit_id)
    form = CancelDepositForm()
    if not form.validate_on_submit():
        flash(gettext("Cochez la case pour confirmer l'annulation."), "error")
    else:
        try:
            lockers.cancel_deposit(deposit, actor=current_user)
        except lockers.DepositError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Dépôt %(reference)s annulé : le casier est libéré, le code ne fonctionne plus.",
                          reference=deposit.reference), "success")
    return redirect(url_for("shop_lockers.deposits", shop_id=shop_id))
