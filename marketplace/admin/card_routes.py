"""The card desk (marketplace/card_support.py): find a card, read its file, lift a PIN lock,
replace a lost card, correct a credit."""
import secrets

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms import SelectChoice

from loyalty.cards import grouped_number
from loyalty.errors import LedgerError
from loyalty.models import Card
from loyalty.queries import card_balance
from marketplace import card_support
from marketplace.access import ADMIN, access
from marketplace.admin.blueprint import bp
from marketplace.admin.territory_forms import CardCorrectionForm, CardLookupForm
from marketplace.card_holders import ReplacementRefused, history_label, replace_card
from marketplace.extensions import db, limiter
from marketplace.formatting import day, money
from marketplace.forms import ButtonForm, ConfirmForm
from marketplace.i18n import error_message


def _admin_key() -> str:
    return f"card-desk:{current_user.id}"


@bp.route("/cartes", methods=["GET", "POST"])
@access(ADMIN)
@limiter.limit(lambda: current_app.config["CARD_DESK_RATE_LIMIT"], key_func=_admin_key, methods=["POST"])
def cards():
    """Look a card up (POST: a card's number stays out of the address bar and the logs)."""
    form = CardLookupForm()
    found = None
    if form.validate_on_submit():
        try:
            found = card_support.find_cards(form.query.data)
        except LedgerError as error:
            form.query.errors.append(error_message(error))
        else:
            if len(found) == 1:
                return redirect(url_for("admin.card_file", card_id=found[0].id))
            if not found:
                form.query.errors.append(gettext("Aucune carte n'est au nom de %(email)s.",
                                                 email=form.query.data.strip()))
    views = [(card, card_support.holder_label(card), card_balance(db.session, card.id)) for card in found or []]
    return render_template("admin/cards.html", form=form, found=views,
                           card_status_labels=card_support.STATUS_LABELS)


def _correction_form(card: Card, form: CardCorrectionForm | None = None) -> CardCorrectionForm:
    blank = form is None
    form = form or CardCorrectionForm(formdata=None)
    form.grant.choices = [SelectChoice(grant.id, f"{grant.label} · {money(grant.account.balance_cents)} · "
                                       + gettext("jusqu'au %(day)s", day=day(grant.expires_on)))
                          for grant in card_support.correctable_grants(card)]
    if blank and len(form.grant.choices) == 1:
        form.grant.data = form.grant.choices[0].value  # the card's one credit: nothing to choose
    if not form.token.data:
        form.token.data = secrets.token_hex(16)
    return form


def _render_file(card: Card, correction: CardCorrectionForm | None = None, status: int = 200):
    return render_template("admin/card_file.html", file=card_support.card_file(card),
                           correction=_correction_form(card, correction), button=ButtonForm(), confirm=ConfirmForm(),
                           history_label=history_label, card_status_labels=card_support.STATUS_LABELS), status


@bp.route("/cartes/<int:card_id>")
@access(ADMIN)
def card_file(card_id: int):
    return _render_file(db.get_or_404(Card, card_id))


@bp.route("/cartes/<int:card_id>/deverrouiller-pin", methods=["POST"])
@access(ADMIN)
def unlock_card_pin(card_id: int):
    card = db.get_or_404(Card, card_id)
    if not ButtonForm().validate_on_submit():
        flash(gettext("Formulaire expiré : réessayez."), "error")
        return redirect(url_for("admin.card_file", card_id=card.id))
    try:
        card_support.lift_pin_lock_for(card, current_user)
    except (card_support.CardDeskError, LedgerError) as error:
        db.session.rollback()
        flash(error_message(error), "error")
    else:
        flash(gettext("Code PIN de la carte %(card)s déverrouillé.", card=card.masked_number), "success")
    return redirect(url_for("admin.card_file", card_id=card.id))


@bp.route("/cartes/<int:card_id>/remplacer", methods=["POST"])
@access(ADMIN)
def replace_lost_card(card_id: int):
    """A holder with no Halle account reports a lost or damaged card: the admin gives them a new one."""
    card = db.get_or_404(Card, card_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.confirm.errors)) or gettext("Formulaire expiré : réessayez."), "error")
        return redirect(url_for("admin.card_file", card_id=card.id))
    old_number = card.masked_number
    db.session.commit()  # the ledger starts its own transaction
    try:
        new = replace_card(card, current_user, by_holder=False)
    except (ReplacementRefused, LedgerError) as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(url_for("admin.card_file", card_id=card_id))
    flash(gettext("Carte %(old)s remplacée par la carte %(number)s, qui a repris son solde (%(balance)s). "
                  "Donnez ce numéro au titulaire ; s'il a un compte Halle, la nouvelle carte y est déjà.",
                  old=old_number, number=grouped_number(new.number),
                  balance=money(card_balance(db.session, new.id))), "success")
    return redirect(url_for("admin.card_file", card_id=new.id))


@bp.route("/cartes/<int:card_id>/correction", methods=["POST"])
@access(ADMIN)
def correct_card(card_id: int):
    card = db.get_or_404(Card, card_id)
    form = _correction_form(card, CardCorrectionForm())
    if not form.validate_on_submit():
        return _render_file(card, form, 400)
    try:
        result = card_support.correct_grant(card, grant_id=form.grant.data, amount_cents=form.signed_cents,
                                            reason=form.reason.data, token=form.token.data, actor=current_user)
    except card_support.CardDeskError as error:
        form[error.field].errors.append(str(error))
        return _render_file(card, form, 400)
    except LedgerError as error:
        db.session.rollback()
        form.amount.errors.append(error_message(error))
        return _render_file(card, form, 400)
    flash(gettext("Correction enregistrée : %(amount)s. La carte a maintenant %(balance)s.",
                  amount=money(result.amount_cents), balance=money(result.card_balance_cents)), "success")
    return redirect(url_for("admin.card_file", card_id=card.id))
