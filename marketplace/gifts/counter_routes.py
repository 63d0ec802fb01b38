"""The card counter ("point de vente cartes"): the seller's phone-first page (sell, print, void,
the day's list, the cash-up and its closing), and the territory admin's counters and sellers.
The rules live in marketplace/counters.py."""
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from loyalty.models import Card
from marketplace import counters, gift_cards, invitations, once, short_addresses
from marketplace.access import ADMIN, AUTHENTICATED, COUNTER_SELLER, PUBLIC, access
from marketplace.card_holders import qr_data_uri
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.forms import ConfirmForm
from marketplace.gifts.counter_forms import CounterCreateForm, CounterSaleForm, CounterSellerForm
from marketplace.models import CardCounter, CardCounterInvitation, Commune, CreditPurchase, CreditPurchaseItem

bp = Blueprint("counter", __name__)


@bp.after_request
def _not_stored(response):
    """Card numbers and PINs: kept by no cache on the way."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _counter(counter_id: int) -> CardCounter:
    return db.get_or_404(CardCounter, counter_id)


def _sale(counter_id: int, sale_id: int) -> CreditPurchase:
    sale = db.session.get(CreditPurchase, sale_id)
    if sale is None or sale.counter_id != counter_id or sale.kind != "counter":
        abort(404)
    return sale


@bp.route("/guichet/")
@access(AUTHENTICATED)
def mine():
    """halle.fr/guichet: the seller's counter (see marketplace/short_addresses.py)."""
    return short_addresses.open_space(current_user, "counter")


@bp.route("/guichet/<int:counter_id>/", methods=["GET", "POST"])
@access(COUNTER_SELLER)
def index(counter_id: int):
    """Sell cards, and the seller's sales of the day."""
    counter = _counter(counter_id)
    form = CounterSaleForm()
    if request.method == "GET":
        form.form_token.data = gift_cards.new_form_token()
    elif form.add_card.data or form.remove_card.data:
        if form.add_card.data and len(form.cards) < gift_cards.MAX_CARDS:
            form.cards.append_entry()
        elif form.remove_card.data and len(form.cards) > 1:
            form.cards.pop_entry()
    elif form.validate_on_submit():
        try:  # the same form sent twice finds the sale it made
            sale = counters.sell(counter, seller=current_user, form_token=form.form_token.data or
                                 gift_cards.new_form_token(), tender=form.tender.data, cards=form.counter_cards(),
                                 buyer_name=form.buyer_name.data or "")
        except counters.CounterError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(gettext("Vente enregistrée : %(amount)s. Imprimez les cartes.", amount=money(sale.amount_cents)),
                  "success")
            return redirect(url_for("counter.sale", counter_id=counter_id, sale_id=sale.id))
    day = counters.today()
    low, high = gift_cards.amount_limits()
    return render_template("counter/index.html", counter=counter, form=form, low=low, high=high,
                           sales=counters.sales_of_day(counter_id, day, seller_id=current_user.id),
                           closed=counters.is_closed(counter_id, day), max_cards=gift_cards.MAX_CARDS,
                           labels={t: counters.tender_label(t) for t in counters.COUNTER_TENDERS})


@bp.route("/guichet/<int:counter_id>/vente/<int:sale_id>")
@access(COUNTER_SELLER)
def sale(counter_id: int, sale_id: int):
    counter, sale = _counter(counter_id), _sale(counter_id, sale_id)
    return render_template("counter/sale.html", counter=counter, sale=sale, can_void=counters.can_void(sale),
                           confirm=ConfirmForm(), print_form=FlaskForm(), top_ups=counters.top_ups_by_card(sale),
                           cards={i.id: db.session.get(Card, i.card_id) for i in sale.items if i.card_id})


@bp.route("/guichet/<int:counter_id>/vente/<int:sale_id>/imprimer", methods=["POST"])
@access(COUNTER_SELLER)
def print_sale(counter_id: int, sale_id: int):
    """The print sheet: each card with a new PIN on a tear-off slip, shown this once."""
    counter, sale = _counter(counter_id), _sale(counter_id, sale_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        abort(400)
    printed = counters.print_sale(sale)
    top_ups = counters.top_ups_by_card(sale)
    return render_template("counter/print.html", counter=counter, sale=sale,
                           cards=[dict(name=c.name, number=c.number, amount_cents=c.amount_cents, pin=c.pin,
                                       last4=c.card.number[-4:], qr=qr_data_uri(c.card),
                                       top_up=top_ups.get(c.card.id)) for c in printed])


@bp.route("/guichet/<int:counter_id>/vente/<int:sale_id>/carte/<int:item_id>.pdf")
@access(COUNTER_SELLER)
def card_pdf(counter_id: int, sale_id: int, item_id: int):
    sale = _sale(counter_id, sale_id)
    item = db.session.get(CreditPurchaseItem, item_id)
    if item is None or item.purchase_id != sale.id or item.card_id is None:
        abort(404)
    return Response(gift_cards.card_pdf(item), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="carte-cadeau-{item.id}.pdf"'})


@bp.route("/guichet/<int:counter_id>/vente/<int:sale_id>/annuler", methods=["POST"])
@access(COUNTER_SELLER)
def void(counter_id: int, sale_id: int):
    _sale(counter_id, sale_id)
    if not ConfirmForm().validate_on_submit():
        flash(gettext("Cochez la case pour confirmer l'annulation."), "error")
        return redirect(url_for("counter.sale", counter_id=counter_id, sale_id=sale_id))
    try:
        sale = counters.void(sale_id, user=current_user)
    except counters.CounterError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(gettext("Vente annulée : %(amount)s à rendre.", amount=money(sale.amount_cents)), "success")
    return redirect(url_for("counter.sale", counter_id=counter_id, sale_id=sale_id))


def _day_arg() -> date:
    value = request.args.get("jour")
    if not value:
        return counters.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, gettext("Jour : une date au format AAAA-MM-JJ."))


@bp.route("/guichet/<int:counter_id>/caisse", methods=["GET", "POST"])
@access(COUNTER_SELLER)
def cash_up(counter_id: int):
    """The day's cash-up (all sellers), and closing it."""
    counter = _counter(counter_id)
    form = ConfirmForm()
    day = _day_arg()
    if request.method == "POST":
        if day != counters.today():
            abort(400)
        if not form.validate_on_submit():
            flash(gettext("Cochez la case pour confirmer la clôture."), "error")
        else:
            try:
                counters.close_day(counter, day, user=current_user)
            except counters.CounterError as error:
                flash(str(error), "error")
            else:
                flash(gettext("Journée close."), "success")
        return redirect(url_for("counter.cash_up", counter_id=counter_id))
    return render_template("counter/cash_up.html", counter=counter, report=counters.cash_up(counter, day),
                           labels={t: counters.tender_label(t) for t in counters.COUNTER_TENDERS},
                           confirm=form, today=counters.today())


@bp.route("/guichet/<int:counter_id>/caisse.csv")
@access(COUNTER_SELLER)
def cash_up_csv(counter_id: int):
    counter = _counter(counter_id)
    day = _day_arg()
    return Response(counters.cash_up_csv(counters.cash_up(counter, day)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="caisse-{counter.id}-{day.isoformat()}.csv"'})


@bp.route("/admin/guichets", methods=["GET", "POST"])
@access(ADMIN)
def admin_counters():
    """The territory admin's card counters: create one, add its sellers."""
    form = CounterCreateForm()
    form.commune.choices = [SelectChoice(c.insee, c.name) for c in db.session.scalars(select(Commune).order_by(Commune.name))]
    if form.validate_on_submit():
        if (earlier := once.claim(form, url_for("counter.admin_counters"))) is not None:
            return earlier
        counter = counters.create_counter(name=form.name.data, commune_insee=form.commune.data, admin=current_user)
        flash(gettext("Point de vente « %(name)s » créé.", name=counter.name), "success")
        return redirect(url_for("counter.admin_counters"))
    listed = db.session.scalars(select(CardCounter).order_by(CardCounter.name)).all()
    return render_template("counter/admin.html", form=form, seller_form=CounterSellerForm(), counters=listed,
                           revoke_form=FlaskForm(), pending=counters.pending_by_counter(c.id for c in listed))


@bp.route("/admin/guichets/<int:counter_id>/vendeurs", methods=["POST"])
@access(ADMIN)
def admin_add_seller(counter_id: int):
    counter = _counter(counter_id)
    form = CounterSellerForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "error")
        return redirect(url_for("counter.admin_counters"))
    added = counters.add_or_invite_seller(counter, form.email.data, by=current_user)
    flash(counters.seller_added_message(added, counter), "success")
    return redirect(url_for("counter.admin_counters"))


@bp.route("/admin/guichets/<int:counter_id>/invitations/<int:invitation_id>/retirer", methods=["POST"])
@access(ADMIN)
def admin_revoke_invitation(counter_id: int, invitation_id: int):
    counter = _counter(counter_id)
    invitations.revoke_from_page(CardCounterInvitation, invitation_id, owner=("counter_id", counter.id),
                                 target=counter, action="counter.revoke_invitation")
    return redirect(url_for("counter.admin_counters"))


@bp.route("/guichet/invitation/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def accept_invitation(token: str):
    """The emailed link: the invited address, signed in (or after creating its account), accepts."""
    invitation = invitations.find(CardCounterInvitation, token)

    def accept():
        member = counters.accept_invitation(invitation, current_user)
        flash(gettext("Vous vendez désormais les cartes au guichet « %(counter)s ».",
                      counter=invitation.counter.name), "success")
        return redirect(url_for("counter.index", counter_id=member.counter_id))

    return invitations.answer(
        invitation, accept=accept,
        title=lambda i: gettext("Vendre les cartes cadeaux au guichet « %(counter)s »", counter=i.counter.name),
        consent=lambda i: gettext("Vous êtes connecté avec l'adresse %(email)s. Acceptez l'invitation pour vendre "
                                  "les cartes cadeaux à ce point de vente.", email=current_user.email))
