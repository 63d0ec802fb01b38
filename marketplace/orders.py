"""Orders: checkout, payment (territorial card holds + a Stripe PaymentIntent), the per-shop
status flow and refunds.

Money rules:
- the territorial card part is held per shop (`loyalty.holds.hold`) at checkout, captured when
  Stripe confirms the rest (the capture credits the shop's payable in the ledger), released when
  the payment fails or is abandoned;
- the Stripe part is recorded on the order (PaymentIntent id) and on each refund (Refund id);
- each means' part of a sub-order is an OrderPayment row; a refund takes them back in the order
  and by the rules of marketplace/tenders.py (the bank card first, then the territorial card).
Stock is reserved at checkout by a conditional UPDATE (stock >= quantity), so two residents
buying the last item cannot both get it; it is given back when the order fails or is cancelled.
Status changes are conditional UPDATEs too: a double click or a webhook redelivery changes
nothing the second time.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from loyalty import holds as loyalty_holds
from loyalty import sales
from loyalty.errors import HoldNotPending, LedgerError
from loyalty.models import Card, Hold
from loyalty.queries import spendable_in_turn
from marketplace import mail, payments, tenders
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.i18n import error_message, lazy_gettext
from marketplace.models import (
    Compartment,
    LockerBank,
    Order,
    OrderLine,
    OrderPayment,
    OrderRefund,
    OrderRefundPart,
    OrderShop,
    Product,
    ShopMember,
)
from marketplace.models.base import utcnow
from marketplace.models.orders import BANK_CARD, COMPARTMENT_SIZES, TERRITORIAL_CARD
from marketplace.models.shops import OWNER, STAFF
from marketplace.urls import public_url_for

ORDER_PURPOSE = "order"
STATUS_LABELS = {
    "pending_payment": lazy_gettext("en attente de paiement"),
    "paid": lazy_gettext("payée"),
    "accepted": lazy_gettext("acceptée"),
    "ready": lazy_gettext("prête"),
    "collected": lazy_gettext("retirée"),
    "refused": lazy_gettext("refusée"),
    "cancelled": lazy_gettext("annulée"),
    "failed": lazy_gettext("paiement échoué"),
}
DEFAULT_CODE_DAYS = 3
READY_DELAY_HOURS = 2


class OrderError(Exception):
    """A checkout or a status change that is refused; the message is French."""


# --- Territorial card ---------------------------------------------------------------------------


def resident_card(user_id: int) -> Card | None:
    return db.session.scalar(select(Card).filter_by(holder_user_id=user_id, status="active").order_by(Card.id))


def card_allowance(card: Card | None, subtotals: dict[int, int]) -> dict[int, int]:
    """Per shop id: what the card can pay there for this cart (at most the subtotal), the shops
    taking their part in the order their holds are made."""
    if card is None:
        return {shop_id: 0 for shop_id in subtotals}
    return spendable_in_turn(db.session, card.id, subtotals)


def split_card_amount(card_cents: int, allowance: dict[int, int]) -> dict[int, int]:
    """Spread the amount the resident chose over the shops, in order, within each allowance."""
    split, left = {}, card_cents
    for shop_id, most in allowance.items():
        split[shop_id] = min(left, most)
        left -= split[shop_id]
    if left > 0:
        raise OrderError(gettext("Votre carte territoriale peut payer au plus %(amount)s de cette commande.",
                                 amount=money(sum(allowance.values()))))
    return split


# --- Checkout -----------------------------------------------------------------------------------


def place_order(user, groups, pickups: dict[int, str], card_cents: int, checkout_key: str) -> Order:
    """Create the order from the cart groups, reserve stock, hold the card part and open the
    Stripe PaymentIntent for the rest. `pickups` maps shop id → "shop" or a locker bank id.
    The same `checkout_key` (a double submit) returns the first order. OrderError otherwise."""
    existing = db.session.scalar(select(Order).filter_by(checkout_key=checkout_key))
    if existing is not None:
        return existing
    if not groups:
        raise OrderError(gettext("Votre panier est vide."))
    card = resident_card(user.id) if card_cents > 0 else None
    if card_cents > 0 and card is None:
        raise OrderError(gettext("Vous n'avez pas de carte territoriale active."))
    if card_cents < 0:
        raise OrderError(gettext("Montant payé par carte territoriale : il doit être positif."))
    subtotals = {g.shop.id: g.subtotal_cents for g in groups}
    card_split = split_card_amount(card_cents, card_allowance(card, subtotals)) if card_cents else {}
    if sum(subtotals.values()) > card_cents and not payments.is_configured():
        raise OrderError(gettext("Le paiement par carte bancaire n'est pas disponible sur ce site : seule la carte "
                                 "territoriale peut payer."))

    order = Order(user_id=user.id, checkout_key=checkout_key, total_cents=sum(subtotals.values()),
                  card_id=card.id if card else None)
    db.session.add(order)
    for group in groups:
        sub = OrderShop(shop_id=group.shop.id, subtotal_cents=group.subtotal_cents)
        card_part = card_split.get(group.shop.id, 0)
        for means, amount in ((TERRITORIAL_CARD, card_part), (BANK_CARD, group.subtotal_cents - card_part)):
            if amount > 0:
                sub.payments.append(OrderPayment(means=means, amount_cents=amount))
        _set_pickup(sub, pickups.get(group.shop.id, "shop"))
        order.shops.append(sub)
        for line in group.lines:
            _reserve_stock(line.product, line.quantity)
            sub.lines.append(OrderLine(product_id=line.product.id, name=line.product.name, unit=line.product.unit,
                                       unit_price_cents=line.product.price_cents, quantity=line.quantity))
    try:
        db.session.commit()
    except IntegrityError:  # the same checkout submitted twice at once
        db.session.rollback()
        return db.session.scalar(select(Order).filter_by(checkout_key=checkout_key))

    try:
        _hold_card_parts(order)
    except LedgerError as error:
        db.session.rollback()
        fail_order(order.id)
        raise OrderError(gettext("Le paiement n'a pas pu être préparé : %(error)s",
                                 error=error_message(error))) from error
    if order.stripe_cents == 0:
        confirm_paid(order.id)
        return order
    try:
        open_payment_intent(order)
    except payments.PaymentError as error:  # the payment page tries again, for this same order
        current_app.logger.warning("order %s: no PaymentIntent yet: %s", order.id, error)
    return order


def open_payment_intent(order: Order) -> str:
    """The id of the order's PaymentIntent, created if it has none yet (Stripe could not be
    reached at checkout: the payment page retries on the same order rather than leaving a failed
    order per attempt). Two pages opened at once keep one intent; the other one is cancelled."""
    if order.stripe_payment_intent_id:
        return order.stripe_payment_intent_id
    intent = payments.create_payment_intent(
        amount_cents=order.stripe_cents, purpose=ORDER_PURPOSE, metadata={"order_id": order.id},
        description=f"Halle — commande {order.reference}")
    kept = db.session.execute(update(Order).where(Order.id == order.id, Order.stripe_payment_intent_id.is_(None))
                              .values(stripe_payment_intent_id=intent["id"])
                              .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    db.session.expire_all()
    if not kept:
        payments.cancel_payment_intent(intent["id"])
    return db.session.get(Order, order.id).stripe_payment_intent_id


def confirm_card_payment(order: Order, payment_method_id: str):
    """Confirm the order's PaymentIntent with the card the page tokenised. After a declined
    card the same order is paid through a fresh intent (see payments.declined_before); the
    answer carries its client secret for Stripe.js."""
    return payments.confirm_stored_intent(order, payment_method_id, open_payment_intent(order))


def _set_pickup(sub: OrderShop, choice: str) -> None:
    if choice in ("", "shop", None):
        sub.pickup_kind = "shop"
        return
    bank = db.session.get(LockerBank, int(choice)) if str(choice).isdigit() else None
    if bank is None or not bank.active:
        raise OrderError(gettext("Ce casier n'existe pas ou n'est plus en service : choisissez un autre lieu de "
                                 "retrait."))
    sub.pickup_kind = "locker"
    sub.locker_bank_id = bank.id


def _reserve_stock(product: Product, quantity: int) -> None:
    if not product.is_public:
        db.session.rollback()
        raise OrderError(gettext("« %(name)s » n'est plus en vente : retirez-le du panier.", name=product.name))
    if product.stock is None:
        return
    taken = db.session.execute(update(Product).where(Product.id == product.id, Product.stock >= quantity)
                               .values(stock=Product.stock - quantity)
                               .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        db.session.rollback()
        left = db.session.scalar(select(Product.stock).where(Product.id == product.id)) or 0
        raise OrderError(gettext("« %(name)s » vient d'être épuisé.", name=product.name) if left <= 0 else
                         gettext("Il ne reste que %(left)s « %(name)s » : modifiez la quantité dans le panier.",
                                 left=left, name=product.name))


def _release_stock(sub: OrderShop, lines=None) -> None:
    for line in lines if lines is not None else sub.lines:
        db.session.execute(update(Product).where(Product.id == line.product_id, Product.stock.is_not(None))
                           .values(stock=Product.stock + line.quantity)
                           .execution_options(synchronize_session=False))


def _hold_card_parts(order: Order) -> None:
    for sub in order.shops:
        if sub.card_cents <= 0:
            continue
        result = loyalty_holds.hold(db.session, card_id=order.card_id, shop_id=sub.shop_id,
                                    amount_cents=sub.card_cents, key=f"order:{order.id}:shop:{sub.id}:hold",
                                    actor=f"user:{order.user_id}")
        sub.hold_id = result.hold_id
        db.session.commit()


def _claim(model, row_id: int, allowed_from, to: str, **values) -> bool:
    """Move a row to status `to` if it is still in one of `allowed_from` (exactly once)."""
    done = db.session.execute(update(model).where(model.id == row_id, model.status.in_(allowed_from))
                              .values(status=to, **values).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    db.session.expire_all()
    return done == 1


def confirm_paid(order_id: int) -> bool:
    """The bank card part is paid (or there is none): capture the card holds, tell everyone.
    Safe to call again (webhook and return page): the second call does nothing."""
    order = db.session.get(Order, order_id)
    for sub in order.shops:
        if sub.hold_id and sub.capture_entry_id is None:
            try:
                result = loyalty_holds.capture(db.session, hold_id=sub.hold_id, amount_cents=sub.card_cents,
                                               key=f"order:{order.id}:shop:{sub.id}:capture", actor="stripe")
            except HoldNotPending:
                result = _capture_again(order, sub)
                if result is None:
                    continue
            db.session.execute(update(OrderShop).where(OrderShop.id == sub.id)
                               .values(capture_entry_id=result.entry_id))
            db.session.commit()
    _record_online_sales(order)
    if not _claim(Order, order.id, ["pending_payment"], "paid", paid_at=utcnow()):
        return False
    db.session.execute(update(OrderShop).where(OrderShop.order_id == order.id, OrderShop.status == "pending_payment")
                       .values(status="paid"))
    db.session.commit()
    order = db.session.get(Order, order_id)
    shops = mail.joined(lazy_gettext("- %(shop)s : %(amount)s, retrait %(pickup)s\n", shop=s.shop.name,
                                     amount=mail.amount(s.subtotal_cents), pickup=pickup_label(s))
                        for s in order.shops)
    _mail_resident(order, lazy_gettext("Commande %(order)s payée", order=order.reference),
                   lazy_gettext("Merci ! Votre commande %(order)s (%(amount)s) est payée.\n%(shops)sChaque commerce "
                                "va la préparer ; vous recevrez un message à chaque étape.", order=order.reference,
                                amount=mail.amount(order.total_cents), shops=shops))
    for sub in order.shops:
        _mail_shop(sub, lazy_gettext("Nouvelle commande %(order)s", order=order.reference),
                   lazy_gettext("Nouvelle commande à préparer (%(amount)s) :\n%(lines)sRetrait : %(pickup)s.\n"
                                "%(link)s\n", amount=mail.amount(sub.subtotal_cents), pickup=pickup_label(sub),
                                lines="".join(f"- {line.quantity} × {line.name}\n" for line in sub.lines),
                                link=_board_url(sub)))
    return True


def _capture_again(order: Order, sub: OrderShop):
    """The card hold expired before Stripe confirmed (a slow payment page): hold and capture the
    card part again if the card can still pay it (same keys: a second confirmation replays). If
    it cannot, the order stays paid and the Stripe reconciliation report shows the card part
    not captured, for the territory to settle with the resident."""
    expired = db.session.scalar(select(Hold.status).where(Hold.id == sub.hold_id)) == "expired"
    db.session.commit()
    if not expired:
        current_app.logger.error("order %s: the card hold %s was no longer pending", order.id, sub.hold_id)
        return None
    try:
        held = loyalty_holds.hold(db.session, card_id=order.card_id, shop_id=sub.shop_id, amount_cents=sub.card_cents,
                                  key=f"order:{order.id}:shop:{sub.id}:hold-again", actor=f"user:{order.user_id}")
        db.session.execute(update(OrderShop).where(OrderShop.id == sub.id).values(hold_id=held.hold_id))
        db.session.commit()
        return loyalty_holds.capture(db.session, hold_id=held.hold_id, amount_cents=sub.card_cents,
                                     key=f"order:{order.id}:shop:{sub.id}:capture-again", actor="stripe")
    except LedgerError as error:
        db.session.rollback()
        current_app.logger.error("order %s: the card hold %s expired and the card part could not be taken "
                                 "again: %s", order.id, sub.hold_id, error)
        return None


def _record_online_sales(order: Order) -> None:
    """Owe each shop its bank-card share in the ledger (idempotent: webhook and return page)."""
    if order.status == "failed" or not order.stripe_payment_intent_id:
        return
    for sub in order.shops:
        if sub.stripe_cents > 0:
            db.session.commit()
            sales.record_online_sale(db.session, shop_id=sub.shop_id, amount_cents=sub.stripe_cents,
                                     payment_ref=order.stripe_payment_intent_id, key=tenders.sale_key(sub),
                                     actor="stripe")


def fail_order(order_id: int) -> bool:
    """The payment failed or was abandoned: release the card holds and the stock. Once."""
    order = db.session.get(Order, order_id)
    if not _claim(Order, order_id, ["pending_payment"], "failed"):
        return False
    order = db.session.get(Order, order_id)
    if order.stripe_payment_intent_id:
        try:
            payments.cancel_payment_intent(order.stripe_payment_intent_id)
        except payments.PaymentError:
            current_app.logger.warning("order %s: PaymentIntent could not be cancelled", order.id)
    for sub in order.shops:
        if sub.hold_id:
            _release_hold(sub, "failed")
        _release_stock(sub)
        sub.status = "failed"
    db.session.commit()
    return True


def _release_hold(sub: OrderShop, why: str) -> None:
    try:
        loyalty_holds.release(db.session, hold_id=sub.hold_id, key=f"order:{sub.order_id}:shop:{sub.id}:release",
                              actor=why)
    except HoldNotPending:
        pass


def check_payment(order: Order) -> str:
    """Ask Stripe how the order's payment went (the resident is back before the webhook)."""
    if order.status != "pending_payment" or not order.stripe_payment_intent_id:
        return order.status
    intent = payments.retrieve_payment_intent(order.stripe_payment_intent_id)
    if payments.handle_succeeded(intent):
        return "paid"
    if intent["status"] == "canceled":
        fail_order(order.id)
        return "failed"
    return intent["status"]


def _on_order_payment(intent) -> None:
    order = db.session.scalar(select(Order).filter_by(stripe_payment_intent_id=intent["id"]))
    if order is None:
        current_app.logger.warning("succeeded PaymentIntent %s matches no order", intent["id"])
        return
    if intent["amount"] != order.stripe_cents or intent["currency"] != "eur":
        current_app.logger.error("PaymentIntent %s amount does not match order %s", intent["id"], order.id)
        return
    if order.status == "failed":  # paid after it was abandoned: give the money back
        current_app.logger.error("order %s was paid after it failed: refunding", order.id)
        payments.refund_payment_intent(intent["id"], order.stripe_cents, {"order_id": order.id, "reason": "failed"})
        return
    confirm_paid(order.id)


payments.register_handler(ORDER_PURPOSE, _on_order_payment)


def expire_stale(max_age: timedelta) -> tuple[int, int]:
    """The orders' sweep (the periodic job `expire_orders`, and `flask orders expire`): the orders
    left unpaid for `max_age` fail, their stock and card holds released (a payment abandoned on
    Stripe's page sends no event), and the locker codes past their day stop. (failed, expired codes)"""
    return expire_unpaid_orders(max_age), expire_pickup_codes()


def expire_unpaid_orders(max_age: timedelta = timedelta(minutes=30)) -> int:
    """Fail the orders left unpaid for `max_age` (checked with Stripe first)."""
    due = db.session.scalars(select(Order).where(Order.status == "pending_payment",
                                                 Order.created_at < utcnow() - max_age)).all()
    failed = 0
    for order in due:
        if check_payment(order) not in ("paid", "processing"):
            failed += fail_order(order.id)
    return failed


# --- Status flow --------------------------------------------------------------------------------


def accept(sub: OrderShop) -> None:
    if not _claim(OrderShop, sub.id, ["paid"], "accepted", accepted_at=utcnow()):
        raise OrderError(gettext("Cette commande ne peut plus être acceptée."))
    sub = db.session.get(OrderShop, sub.id)
    _mail_resident(sub.order, lazy_gettext("Commande %(order)s acceptée par %(shop)s", order=sub.order.reference,
                                           shop=sub.shop.name),
                   lazy_gettext("%(shop)s a accepté votre commande et la prépare. Retrait : %(pickup)s.",
                                shop=sub.shop.name, pickup=pickup_label(sub)))


def refuse(sub: OrderShop, reason: str) -> None:
    if not reason.strip():
        raise OrderError(gettext("Indiquez la raison du refus : le client la recevra."))
    _close(sub, "refused", reason.strip()[:1000], who="shop")


def cancel(sub: OrderShop) -> None:
    """The resident cancels a shop's part before the shop accepts it."""
    _close(sub, "cancelled", "Annulée par le client", who="resident")


def _close(sub: OrderShop, status: str, reason: str, who: str) -> None:
    if not _claim(OrderShop, sub.id, ["paid"], status, refusal_reason=reason, closed_at=utcnow()):
        raise OrderError(gettext("Cette commande a déjà été acceptée ou clôturée : elle ne peut plus être refusée.")
                         if status == "refused" else
                         gettext("Cette commande a déjà été acceptée ou clôturée : elle ne peut plus être annulée."))
    sub = db.session.get(OrderShop, sub.id)
    left = sub.subtotal_cents - sub.refunded_cents
    if left > 0:
        _refund(sub, left, key=f"order-shop:{sub.id}:{status}", reason=reason)
    _release_stock(sub, [line for line in sub.lines if not line.refunded])
    db.session.commit()
    sub = db.session.get(OrderShop, sub.id)
    refund = dict(shop=sub.shop.name, amount=mail.amount(sub.refunded_cents), means=tenders.given_back_words(sub))
    if status == "refused":
        subject = lazy_gettext("Commande %(order)s refusée par %(shop)s", order=sub.order.reference,
                               shop=sub.shop.name)
        body = lazy_gettext("Votre commande chez %(shop)s est refusée : %(reason)s.\nRemboursement : %(amount)s "
                            "(%(means)s).", reason=reason, **refund)
    else:
        subject = lazy_gettext("Commande %(order)s annulée", order=sub.order.reference)
        body = lazy_gettext("Votre commande chez %(shop)s est annulée.\nRemboursement : %(amount)s (%(means)s).",
                            **refund)
    _mail_resident(sub.order, subject, body)
    if who == "resident":
        _mail_shop(sub, lazy_gettext("Commande %(order)s annulée", order=sub.order.reference),
                   lazy_gettext("Le client a annulé sa commande avant acceptation."))


# A sub-order's statuses in which the shop may refund a line it cannot supply (the board offers it then only).
LINE_REFUND_STATUSES = ("paid", "accepted", "ready")


def refund_line(sub: OrderShop, line: OrderLine) -> None:
    """A line the shop cannot supply (out of stock): refund it to the means used."""
    if line.order_shop_id != sub.id or line.refunded:
        raise OrderError(gettext("Cette ligne a déjà été remboursée."))
    if sub.status not in LINE_REFUND_STATUSES:
        raise OrderError(gettext("Cette commande est clôturée : plus de remboursement de ligne possible."))
    _refund(sub, line.total_cents, key=f"order-line:{line.id}", reason=f"Indisponible : {line.name}")
    db.session.execute(update(OrderLine).where(OrderLine.id == line.id).values(refunded=True))
    db.session.commit()
    sub = db.session.get(OrderShop, sub.id)
    _mail_resident(sub.order, lazy_gettext("Commande %(order)s : un article remboursé", order=sub.order.reference),
                   lazy_gettext("%(shop)s n'a pas pu fournir « %(product)s » (%(quantity)s) : %(amount)s vous sont "
                                "remboursés (%(means)s).", shop=sub.shop.name, product=line.name,
                                quantity=line.quantity, amount=mail.amount(line.total_cents),
                                means=tenders.given_back_words(sub)))


def _refund(sub: OrderShop, amount_cents: int, key: str, reason: str) -> OrderRefund | None:
    """Give back `amount_cents` of this sub-order, split over its means in tenders.REFUND_ORDER.
    The refund request (unique key) and its parts are written first, so a repeated request
    refunds nothing more; then each means gives its part back."""
    refund = OrderRefund(order_shop_id=sub.id, key=key, reason=reason[:300])
    refund.parts = [OrderRefundPart(payment=payment, amount_cents=cents)
                    for payment, cents in tenders.split_refund(sub.payments, amount_cents)]
    db.session.add(refund)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    for part in refund.parts:
        given = tenders.BY_MEANS[part.payment.means].give_back(sub, part)
        part.amount_cents = given
        db.session.execute(update(OrderPayment).where(OrderPayment.id == part.payment_id)
                           .values(refunded_cents=OrderPayment.refunded_cents + given))
        db.session.commit()
    db.session.expire_all()
    return refund


def mark_ready(sub: OrderShop, compartment_id: int | None = None) -> None:
    """Ready at the shop counter, or deposited in a locker compartment (one-time pickup code)."""
    if sub.status != "accepted":
        raise OrderError(gettext("Acceptez d'abord la commande."))
    values = {"ready_at": utcnow()}
    if sub.pickup_kind == "locker":
        compartment = db.session.get(Compartment, compartment_id) if compartment_id else None
        if compartment is None or compartment.bank_id != sub.locker_bank_id:
            raise OrderError(gettext("Choisissez un casier libre de la consigne choisie par le client."))
        taken = db.session.execute(update(Compartment).where(Compartment.id == compartment.id,
                                                             Compartment.is_free())
                                   .values(order_shop_id=sub.id)).rowcount
        if taken != 1:
            db.session.rollback()
            raise OrderError(gettext("Le casier %(label)s est déjà occupé : choisissez-en un autre.",
                                     label=compartment.label))
        days = current_app.config.get("LOCKER_CODE_DAYS", DEFAULT_CODE_DAYS)
        values.update(compartment_id=compartment.id, pickup_code=_new_code(sub.locker_bank_id),
                      code_expires_at=utcnow() + timedelta(days=days))
    if not _claim(OrderShop, sub.id, ["accepted"], "ready", **values):
        raise OrderError(gettext("Cette commande n'est plus à préparer."))
    sub = db.session.get(OrderShop, sub.id)
    if sub.pickup_kind == "locker":
        body = lazy_gettext("Votre commande chez %(shop)s vous attend à la consigne %(locker)s (%(address)s).\n"
                            "Code de retrait : %(code)s (valable jusqu'au %(until)s, une seule fois).",
                            shop=sub.shop.name, locker=sub.locker_bank.name, address=sub.locker_bank.address,
                            code=sub.pickup_code, until=mail.date(sub.code_expires_at))
    else:
        body = lazy_gettext("Votre commande vous attend chez %(shop)s, %(address)s.", shop=sub.shop.name,
                            address=sub.shop.address)
    _mail_resident(sub.order, lazy_gettext("Commande %(order)s prête", order=sub.order.reference), body)


def _new_code(bank_id: int) -> str:
    from marketplace.lockers import new_pickup_code  # lockers imports this module

    return new_pickup_code(bank_id)


def mark_collected(sub: OrderShop) -> None:
    if not _claim(OrderShop, sub.id, ["ready"], "collected", collected_at=utcnow()):
        raise OrderError(gettext("Cette commande n'est pas prête ou a déjà été retirée."))
    db.session.execute(update(Compartment).where(Compartment.order_shop_id == sub.id).values(order_shop_id=None))
    db.session.commit()
    sub = db.session.get(OrderShop, sub.id)
    _mail_resident(sub.order, lazy_gettext("Commande %(order)s retirée", order=sub.order.reference),
                   lazy_gettext("Votre commande chez %(shop)s a été retirée. Merci d'acheter local !",
                                shop=sub.shop.name))


def expire_pickup_codes() -> int:
    """Codes past their expiry: the code stops working and the shop is told to take the goods back."""
    due = db.session.scalars(select(OrderShop).where(OrderShop.status == "ready", OrderShop.pickup_code.is_not(None),
                                                     OrderShop.code_expires_at < utcnow())).all()
    for sub in due:
        db.session.execute(update(OrderShop).where(OrderShop.id == sub.id).values(pickup_code=None))
        db.session.commit()
        _mail_shop(sub, lazy_gettext("Commande %(order)s non retirée", order=sub.order.reference),
                   lazy_gettext("Le code de retrait a expiré : reprenez la commande dans le casier %(compartment)s de "
                                "la consigne %(locker)s.", compartment=sub.compartment.label if sub.compartment else "",
                                locker=sub.locker_bank.name))
    return len(due)


def remind_uncollected() -> int:
    """Remind once each resident whose order has waited ORDER_REMINDER_DAYS for them, at the shop
    or in a locker whose code still works, so that the shop does not have to call them. The mail
    goes before the mark: a crash in between sends it twice, never loses it."""
    due_before = utcnow() - timedelta(days=current_app.config["ORDER_REMINDER_DAYS"])
    due = db.session.scalars(select(OrderShop).where(
        OrderShop.status == "ready", OrderShop.reminded_at.is_(None), OrderShop.ready_at < due_before,
        (OrderShop.pickup_kind == "shop") | OrderShop.pickup_code.is_not(None)).order_by(OrderShop.id)).all()
    for sub in due:
        if sub.pickup_kind == "locker":
            body = lazy_gettext("Votre commande chez %(shop)s vous attend toujours à la consigne %(locker)s "
                                "(%(address)s).\n"
                                "Code de retrait : %(code)s (valable jusqu'au %(until)s, une seule fois).",
                                shop=sub.shop.name, locker=sub.locker_bank.name, address=sub.locker_bank.address,
                                code=sub.pickup_code, until=mail.date(sub.code_expires_at))
        else:
            body = lazy_gettext("Votre commande vous attend toujours chez %(shop)s, %(address)s, depuis le %(since)s. "
                                "Le commerce vous la garde : passez la retirer quand vous pourrez.",
                                shop=sub.shop.name, address=sub.shop.address, since=mail.date(sub.ready_at))
        _mail_resident(sub.order, lazy_gettext("Rappel : votre commande %(order)s est à retirer",
                                               order=sub.order.reference), body)
        db.session.execute(update(OrderShop).where(OrderShop.id == sub.id, OrderShop.reminded_at.is_(None))
                           .values(reminded_at=utcnow()))
        db.session.commit()
    return len(due)


# --- Reading --------------------------------------------------------------------------------------


def pickup_label(sub: OrderShop):
    if sub.pickup_kind == "locker" and sub.locker_bank:
        return lazy_gettext("consigne %(locker)s (%(address)s)", locker=sub.locker_bank.name,
                            address=sub.locker_bank.address)
    if sub.shop.address:
        return lazy_gettext("au magasin, %(address)s", address=sub.shop.address)
    return lazy_gettext("au magasin")


def shop_orders(shop_id: int, statuses=None) -> list[OrderShop]:
    query = select(OrderShop).where(OrderShop.shop_id == shop_id, OrderShop.status != "pending_payment",
                                    OrderShop.status != "failed")
    if statuses:
        query = query.where(OrderShop.status.in_(statuses))
    return list(db.session.scalars(query.order_by(OrderShop.id.desc())))


def free_compartments(bank_id: int) -> list[Compartment]:
    """A bank's free compartments, smallest size first, then by label: the first one offered is
    the smallest that is free."""
    by_size = case({size: rank for rank, size in enumerate(COMPARTMENT_SIZES)}, value=Compartment.size,
                   else_=len(COMPARTMENT_SIZES))
    return list(db.session.scalars(select(Compartment).where(Compartment.bank_id == bank_id,
                                                             Compartment.is_free())
                                   .order_by(by_size, Compartment.label)))


# --- Mail -----------------------------------------------------------------------------------------


def _order_url(order: Order) -> str:
    return public_url_for("cart.order", order_id=order.id)


def _board_url(sub: OrderShop) -> str:
    return public_url_for("shop_orders.board", shop_id=sub.shop_id)


def _mail_resident(order: Order, subject, body) -> None:
    mail.send_mail(order.user.email, subject,
                   lazy_gettext("%(message)s\n\nSuivre la commande : %(link)s\n", message=body, link=_order_url(order)))


def _mail_shop(sub: OrderShop, subject, body) -> None:
    emails = set(db.session.scalars(select(ShopMember).where(ShopMember.shop_id == sub.shop_id,
                                                             ShopMember.role.in_((OWNER, STAFF)))))
    for email in {m.user.email for m in emails} | ({sub.shop.email} if sub.shop.email else set()):
        mail.send_mail(email, subject, body)

