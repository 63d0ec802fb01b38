"""The card holder's pages: claim the card from the email link, see the grants and where to spend
them, the history, block a lost card and replace it, choose a PIN, lift a PIN lock. Only one's own cards."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, Regexp

from loyalty.cards import block_card, grouped_number, lift_pin_lock, pin_locked, set_pin, unblock_card
from loyalty.errors import LedgerError
from loyalty.models import Card, Grant
from loyalty.queries import card_balance, card_history
from marketplace.access import AUTHENTICATED, PUBLIC, access
from marketplace.card_holders import (ClaimError, ReplacementRefused, accepting_shops, card_from_claim_token,
                                      claim_card, grants_of, history_label, nearest_first, qr_data_uri,
                                      replace_card)
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.forms import ButtonForm, ConfirmForm
from marketplace.i18n import error_message, lazy_gettext
from marketplace.models import Shop
from marketplace.settings import card_settings
from marketplace.territory import current_commune

bp = Blueprint("card", __name__)


class PinForm(FlaskForm):
    pin = PasswordField(lazy_gettext("Nouveau code PIN (4 chiffres)"), validators=[
        DataRequired(lazy_gettext("Tapez 4 chiffres.")),
        Regexp(r"^\d{4}$", message=lazy_gettext("Le code PIN doit comporter 4 chiffres."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4})
    submit = SubmitField(lazy_gettext("Enregistrer le code PIN"))


def _own_card(card_id: int) -> Card:
    card = db.session.get(Card, card_id)
    if card is None or card.holder_user_id != current_user.id:
        abort(404)
    return card


@bp.route("/carte/rattacher/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def claim(token: str):
    card = card_from_claim_token(token)
    if card is None:
        flash(gettext("Ce lien de carte n'est pas valable : vérifiez qu'il est complet."), "error")
        return redirect(url_for("public.home"))
    form = ButtonForm()
    if current_user.is_authenticated and form.validate_on_submit():
        try:
            claim_card(card.id, current_user._get_current_object())
        except (ClaimError, LedgerError) as error:
            flash(error_message(error), "error")
        else:
            flash(gettext("Votre carte est rattachée à votre compte."), "success")
            return redirect(url_for("card.index"))
    return render_template("account/card_claim.html", card=card, form=form, number=grouped_number(card.number),
                           next_url=request.path)


@bp.route("/compte/carte/")
@access(AUTHENTICATED)
def index():
    cards = db.session.scalars(select(Card).where(Card.holder_user_id == current_user.id,
                                                  Card.status != "deactivated").order_by(Card.id)).all()
    shop_names = {}
    views = []
    for card in cards:
        history = card_history(db.session, card.id)
        wanted = {line.shop_id for line in history if line.shop_id} - set(shop_names)
        if wanted:
            shop_names.update(db.session.execute(select(Shop.id, Shop.name).where(Shop.id.in_(wanted))).all())
        views.append({"card": card, "number": grouped_number(card.number), "balance": card_balance(db.session, card.id),
                      "grants": grants_of(card), "history": history, "qr": qr_data_uri(card),
                      "pin_locked": pin_locked(card)})
    return render_template("account/cards.html", cards=views, shop_names=shop_names, history_label=history_label,
                           button=ButtonForm(), pin_form=PinForm(), replace_form=ConfirmForm(),
                           pin_required_above_cents=card_settings().pin_required_above_cents)


@bp.route("/compte/carte/<int:card_id>/bloquer", methods=["POST"])
@access(AUTHENTICATED)
def block(card_id: int):
    card = _own_card(card_id)
    if ButtonForm().validate_on_submit():
        try:
            block_card(db.session, card.id)
        except LedgerError as error:
            flash(error_message(error), "error")
        else:
            flash(gettext("Carte bloquée : plus aucun paiement n'est possible avec elle. Perdue pour de bon ? "
                          "Remplacez-la ci-dessous : votre solde passera sur une nouvelle carte."), "success")
    return redirect(url_for("card.index"))


@bp.route("/compte/carte/<int:card_id>/remplacer", methods=["POST"])
@access(AUTHENTICATED)
def replace(card_id: int):
    """The holder replaces the card they blocked (lost, stolen, damaged) by a new one in their account."""
    card = _own_card(card_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.confirm.errors)) or gettext("Formulaire expiré : réessayez."), "error")
        return redirect(url_for("card.index"))
    db.session.commit()  # the ledger starts its own transaction
    try:
        new = replace_card(card, current_user, by_holder=True)
    except (ReplacementRefused, LedgerError) as error:
        db.session.rollback()
        flash(error_message(error), "error")
    else:
        flash(gettext("Votre nouvelle carte %(number)s a repris le solde de l'ancienne (%(balance)s). Elle paie dès "
                      "maintenant : présentez son QR code en caisse. Choisissez-lui un code PIN.",
                      number=grouped_number(new.number), balance=money(card_balance(db.session, new.id))), "success")
    return redirect(url_for("card.index"))


@bp.route("/compte/carte/<int:card_id>/debloquer", methods=["POST"])
@access(AUTHENTICATED)
def unblock(card_id: int):
    """The holder, logged into their own account, lifts the block they put (a lost card found again)."""
    card = _own_card(card_id)
    if ButtonForm().validate_on_submit():
        try:
            unblock_card(db.session, card.id)
        except LedgerError as error:
            flash(error_message(error), "error")
        else:
            flash(gettext("Carte débloquée : elle peut de nouveau payer. Pensez à choisir un nouveau code PIN "
                          "si vous l'avez oublié."), "success")
    return redirect(url_for("card.index"))


@bp.route("/compte/carte/<int:card_id>/deverrouiller-pin", methods=["POST"])
@access(AUTHENTICATED)
def unlock_pin(card_id: int):
    """The holder, signed in, lifts the lock that 5 wrong PINs put on their card's PIN."""
    card = _own_card(card_id)
    if ButtonForm().validate_on_submit():
        db.session.commit()
        lift_pin_lock(db.session, card.id)
        flash(gettext("Code PIN déverrouillé. Si vous ne l'avez pas oublié, quelqu'un d'autre a essayé : "
                      "choisissez un nouveau code PIN."), "success")
    return redirect(url_for("card.index"))


@bp.route("/compte/carte/<int:card_id>/pin", methods=["POST"])
@access(AUTHENTICATED)
def change_pin(card_id: int):
    card = _own_card(card_id)
    form = PinForm()
    if form.validate_on_submit():
        db.session.commit()
        set_pin(db.session, card.id, form.pin.data)
        flash(gettext("Code PIN enregistré."), "success")
    else:
        flash(" ".join(map(str, form.pin.errors)) or gettext("Formulaire expiré : réessayez."), "error")
    return redirect(url_for("card.index"))


@bp.route("/compte/carte/credits/<int:grant_id>/commerces")
@access(AUTHENTICATED)
def grant_shops(grant_id: int):
    grant = db.session.get(Grant, grant_id)
    if grant is None:
        abort(404)
    card = _own_card(grant.card_id)
    view = next(v for v in grants_of(card) if v.grant.id == grant.id)
    origin = current_commune()
    shops = nearest_first(accepting_shops(grant.allowed_categories, grant.allowed_communes, grant.allowed_shops),
                          origin)
    markers = [{"name": s.name, "commune": s.commune.name, "lat": s.commune.latitude, "lon": s.commune.longitude,
                "category": s.category.name} for s, _ in shops]
    return render_template("account/grant_shops.html", view=view, shops=shops, markers=markers, origin=origin)
