import uuid
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from loyalty.clock import paris_day, utc_now
from loyalty.cards import require_active
from loyalty.errors import InsufficientBalance, LedgerError
from loyalty.queries import spendable_balance
from marketplace.access import AUTHENTICATED, SHOP_OWNER, SHOP_TILL, access
from marketplace.api_keys import create_api_key, revoke_api_key
from marketplace.card_acceptance import acceptance_for
from marketplace import once, short_addresses
from marketplace.extensions import db, limiter
from marketplace.forms import ButtonForm, date_refusal
from marketplace.i18n import error_message
from marketplace.models import ApiKey, Shop, User
from marketplace.request_guard import int_arg
from marketplace.till import service
from marketplace.till.forms import ApiKeyForm, PaymentForm, RefundForm, VoidForm

bp = Blueprint("till", __name__, url_prefix="/caisse")

HISTORY_MAX_DAYS = 92


def _shop(shop_id: int) -> Shop:
    return db.session.get(Shop, shop_id)


def _actor() -> str:
    return f"user:{current_user.id}"


def _new_key() -> str:
    return uuid.uuid4().hex


def _till_user_key() -> str:
    return f"till-user:{current_user.id}" if current_user.is_authenticated else request.remote_addr


@bp.route("/")
@access(AUTHENTICATED)
def mine():
    """halle.fr/caisse: the till of the user's shop (see marketplace/short_addresses.py)."""
    return short_addresses.open_till(current_user)


@bp.route("/<int:shop_id>/", methods=["GET", "POST"])
@access(SHOP_TILL)
@limiter.limit(lambda: current_app.config["TILL_LOOKUP_RATE_LIMIT"], key_func=_till_user_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["TILL_LOOKUP_RATE_LIMIT"], methods=["POST"])
def index(shop_id: int):
    shop = _shop(shop_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            card = service.lookup_card(form.card.data)
            if card.pin_hash is not None:  # nothing about the card is shown before its PIN
                service.check_card_pin(shop, card, form.pin.data or None)
            require_active(card)
            quote = service.quote(shop, card, form.amount_cents)
            if quote.spendable_cents == 0:
                form.card.errors.append(_nothing_spendable_message(shop))
            elif quote.is_partial and form.accept_partial.data != "1":
                return render_template("till/partial.html", shop=shop, form=form, quote=quote)
            else:
                result = service.take_payment(shop, card, form.amount_cents, pin=form.pin.data or None,
                                              client_key=form.key.data or _new_key(), actor=_actor(),
                                              allow_partial=form.accept_partial.data == "1")
                return redirect(url_for("till.receipt", shop_id=shop_id, entry_id=result.entry_id,
                                        demande=form.amount_cents))
        except service.CARD_REFUSALS:
            form.card.errors.append(str(service.CARD_REFUSED))
        except service.ShopPinTriesExhausted as error:
            form.pin.errors.append(error_message(error))
        except InsufficientBalance as error:
            form.amount.errors.append(error_message(error))
        except LedgerError as error:
            flash(error_message(error), "error")
    if not form.key.data or not form.is_submitted():
        form.key.data = _new_key()
    form.accept_partial.data = ""
    report = service.day_report(shop_id, paris_day(utc_now()))
    who = service.actors(report)
    mine = [line for line in report.lines if who[line.entry_id] == _actor()]
    return render_template("till/index.html", shop=shop, form=form, report=report, mine=mine)


def _nothing_spendable_message(shop: Shop) -> str:
    if not acceptance_for(db.session, shop).takes_card:
        return gettext("Ce commerce n'accepte pas la carte du territoire.")
    return gettext("Cette carte n'a pas de solde utilisable dans ce commerce.")


@bp.route("/<int:shop_id>/paiements/<int:entry_id>")
@access(SHOP_TILL)
def receipt(shop_id: int, entry_id: int):
    entry = service.shop_payment(shop_id, entry_id) or abort(404)
    requested = int_arg("demande")
    rest = requested - entry.amount_cents if requested and requested > entry.amount_cents else 0
    status = service.payment_status(entry)
    return render_template(
        "till/receipt.html", shop=_shop(shop_id), entry=entry, rest_cents=rest, status=status,
        spendable_here_cents=spendable_balance(db.session, entry.card_id, shop_id),
        void_form=VoidForm(key=_new_key()), refund_form=RefundForm(key=_new_key()),
        can_void=status.voidable_today,
    )


@bp.route("/<int:shop_id>/paiements/<int:entry_id>/annuler", methods=["POST"])
@access(SHOP_TILL)
def void(shop_id: int, entry_id: int):
    entry = service.shop_payment(shop_id, entry_id) or abort(404)
    form = VoidForm()
    if not form.validate_on_submit():
        for error in form.reason.errors:
            flash(str(error), "error")
        return redirect(url_for("till.receipt", shop_id=shop_id, entry_id=entry.id))
    try:
        result = service.void_payment(_shop(shop_id), entry.id, reason=form.reason.data,
                                      client_key=form.key.data or _new_key(), actor=_actor())
    except LedgerError as error:
        flash(error_message(error), "error")
    else:
        flash(gettext("Paiement annulé : la carte retrouve %(amount)s.", amount=_money(result.amount_cents)),
              "success")
    return redirect(url_for("till.receipt", shop_id=shop_id, entry_id=entry.id))


@bp.route("/<int:shop_id>/paiements/<int:entry_id>/rembourser", methods=["POST"])
@access(SHOP_TILL)
def refund(shop_id: int, entry_id: int):
    entry = service.shop_payment(shop_id, entry_id) or abort(404)
    form = RefundForm()
    if not form.validate_on_submit():
        for error in form.amount.errors:
            flash(str(error), "error")
        return redirect(url_for("till.receipt", shop_id=shop_id, entry_id=entry.id))
    try:
        result = service.refund_payment(_shop(shop_id), entry.id, form.amount_cents,
                                        client_key=form.key.data or _new_key(), actor=_actor())
    except LedgerError as error:
        flash(error_message(error), "error")
    else:
        flash(gettext("%(amount)s remboursés sur la carte.", amount=_money(result.amount_cents)), "success")
    return redirect(url_for("till.receipt", shop_id=shop_id, entry_id=entry.id))


def _money(cents: int) -> str:
    from marketplace.formatting import money

    return money(cents)


def _parse_day(text: str | None, default: date) -> date | None:
    if not text:
        return default
    for read in (date.fromisoformat, lambda typed: datetime.strptime(typed, "%d/%m/%Y").date()):
        try:
            return read(text.strip())
        except ValueError:
            pass
    return None


@bp.route("/<int:shop_id>/jour")
@access(SHOP_TILL)
def day(shop_id: int):
    today = paris_day(utc_now())
    chosen = _parse_day(request.args.get("date"), today)
    if chosen is None:
        flash(gettext("Date invalide : choisissez un jour dans le calendrier."), "error")
        chosen = today
    report = service.day_report(shop_id, chosen)
    return render_template("till/day.html", shop=_shop(shop_id), report=report, day=chosen,
                           by_cashier=service.totals_by_cashier(report), names=_cashier_names(report))


@bp.route("/<int:shop_id>/historique")
@access(SHOP_OWNER)
def history(shop_id: int):
    today = paris_day(utc_now())
    start = _parse_day(request.args.get("du"), today - timedelta(days=6))
    end = _parse_day(request.args.get("au"), today)
    cashier = int_arg("caissier")
    for day_, label, typed in ((start, gettext("Date de début"), request.args.get("du")),
                               (end, gettext("Date de fin"), request.args.get("au"))):
        if day_ is None:
            flash(date_refusal(label, typed), "error")
    if start is not None and end is not None and start > end:
        flash(gettext("Période invalide : la date de début doit précéder la date de fin."), "error")
    if start is None or end is None or start > end:
        start, end = today - timedelta(days=6), today
    if (end - start).days >= HISTORY_MAX_DAYS:
        flash(gettext("Période limitée à %(n)s jours.", n=HISTORY_MAX_DAYS), "error")
        start = end - timedelta(days=HISTORY_MAX_DAYS - 1)
    days = service.history(shop_id, start, end, cashier_user_id=cashier)
    team = [m.user for m in _shop(shop_id).members]
    return render_template("till/history.html", shop=_shop(shop_id), days=days, start=start, end=end,
                           cashier=cashier, team=team)


def _cashier_names(report) -> dict[str, str]:
    names = {}
    for actor in set(service.actors(report).values()):
        if actor and actor.startswith("user:"):
            user = db.session.get(User, int(actor.split(":")[1]))
            names[actor] = user.display_name if user else actor
        elif actor and actor.startswith("apikey:"):
            key = db.session.get(ApiKey, int(actor.split(":")[1]))
            names[actor] = gettext("Logiciel de caisse « %(name)s »", name=key.name) if key else actor
    return names


@bp.route("/<int:shop_id>/cles-api", methods=["GET", "POST"])
@access(SHOP_OWNER)
def api_keys(shop_id: int):
    shop = _shop(shop_id)
    form = ApiKeyForm()
    new_key = None
    if form.validate_on_submit():
        if (earlier := once.claim(form, url_for("till.api_keys", shop_id=shop_id))) is not None:
            return earlier
        _, new_key = create_api_key(shop_id, form.name.data, current_user.id)
        form = ApiKeyForm(formdata=None)
    keys = ApiKey.query.filter_by(shop_id=shop_id).order_by(ApiKey.created_at.desc()).all()
    return render_template("till/api_keys.html", shop=shop, form=form, keys=keys, new_key=new_key,
                           revoke_form=ButtonForm())


@bp.route("/<int:shop_id>/cles-api/<int:key_id>/revoquer", methods=["POST"])
@access(SHOP_OWNER)
def revoke_key(shop_id: int, key_id: int):
    key = db.session.get(ApiKey, key_id)
    if key is None or key.shop_id != shop_id:
        abort(404)
    if ButtonForm().validate_on_submit():
        revoke_api_key(key)
        flash(gettext("Clé « %(name)s » révoquée : elle ne permet plus aucune opération.", name=key.name), "success")
    return redirect(url_for("till.api_keys", shop_id=shop_id))
