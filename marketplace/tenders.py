"""The means that pay an online order's sub-orders (tenders), one class each, in the order a
refund takes them back.

Each means' part of a sub-order is an OrderPayment row (what it paid, what it gave back); a
refund is an OrderRefund request split over those rows by `split_refund`, each part given back by
its means' `give_back`. A new means (gift credit bought online, a top-up programme, a local
currency) is one class here, added to REFUND_ORDER, plus the way the checkout collects it.
"""
from flask import current_app
from sqlalchemy import select

from loyalty import ledger, sales
from loyalty.errors import LedgerError
from loyalty.models import Entry
from marketplace import mail, payments
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models import OrderPayment, OrderRefundPart, OrderShop
from marketplace.models.orders import BANK_CARD, TERRITORIAL_CARD


class Tender:
    means: str

    def given_back_words(self, amount_cents: int):
        """How the resident's email says what this means gave back."""
        raise NotImplementedError

    def give_back(self, sub: OrderShop, part: OrderRefundPart) -> int:
        """Give `part.amount_cents` back through this means, record its proof on the part, and
        return what was given back (0 when the means could not, for the territory to settle)."""
        raise NotImplementedError


class BankCard(Tender):
    """The Stripe PaymentIntent of the order; the shops are owed its part through the ledger's
    online sale (loyalty.sales), which a refund reduces."""

    means = BANK_CARD

    def given_back_words(self, amount_cents: int):
        return lazy_gettext("%(amount)s sur votre carte bancaire", amount=mail.amount(amount_cents))

    def give_back(self, sub: OrderShop, part: OrderRefundPart) -> int:
        order = sub.order
        sale = db.session.scalar(select(Entry).where(Entry.idempotency_key == sale_key(sub)))
        if sale is None:  # orders paid before online sales were in the ledger
            current_app.logger.warning("order shop %s: no online sale in the ledger to refund", sub.id)

        def proof(stripe_refund_id: str) -> None:
            part.stripe_refund_id = stripe_refund_id
            db.session.commit()

        self.refund_sale(order.stripe_payment_intent_id, part.amount_cents, sale_entry_id=sale.id if sale else None,
                         key=f"order-refund:{part.refund_id}:sale", actor=f"order:{sub.order_id}",
                         metadata={"order_id": order.id, "order_shop_id": sub.id}, proof=proof)
        return part.amount_cents

    def refund_sale(self, payment_intent_id: str, amount_cents: int, *, sale_entry_id: int | None, key: str,
                    actor: str, metadata: dict, proof=lambda stripe_refund_id: None) -> str:
        """Give `amount_cents` of a PaymentIntent back to the bank card (`proof` keeps the Stripe
        refund's id at once), then owe the shop that much less on its online sale (a sub-order's,
        a paid locker deposit's). Returns the Stripe refund's id; raises payments.PaymentError."""
        stripe_refund = payments.refund_payment_intent(payment_intent_id, amount_cents, metadata)
        proof(stripe_refund["id"])
        if sale_entry_id is not None:
            sales.refund_online_sale(db.session, sale_entry_id=sale_entry_id, amount_cents=amount_cents, key=key,
                                     actor=actor)
        return stripe_refund["id"]


class TerritorialCard(Tender):
    """The resident's territorial card: a hold at checkout, captured when the order is paid
    (marketplace.orders); a refund credits the card back in the ledger."""

    means = TERRITORIAL_CARD

    def given_back_words(self, amount_cents: int):
        return lazy_gettext("%(amount)s sur votre carte territoriale", amount=mail.amount(amount_cents))

    def give_back(self, sub: OrderShop, part: OrderRefundPart) -> int:
        try:
            if sub.capture_entry_id is None:
                raise LedgerError("the card part was never captured")
            result = self.refund_payment(sub.capture_entry_id, sub.shop_id, part.amount_cents,
                                         key=f"order-refund:{part.refund_id}", actor=f"order:{sub.order_id}")
        except LedgerError as error:  # a blocked card…: left for the territory's admins, and visible
            db.session.rollback()
            current_app.logger.error("order %s: card refund of %s cents failed: %s", sub.order_id,
                                     part.amount_cents, error)
            return 0
        part.ledger_entry_id = result.entry_id
        return part.amount_cents

    def refund_payment(self, payment_entry_id: int, shop_id: int, amount_cents: int, *, key: str, actor: str):
        """Credit the card back with `amount_cents` of a payment (a captured hold, a redemption:
        a paid locker deposit's) in the ledger; raises LedgerError."""
        return ledger.refund(db.session, purchase_id=payment_entry_id, shop_id=shop_id, amount_cents=amount_cents,
                             key=key, actor=actor)


# The bank card first: the territorial card's credit can be spent again at once, a bank refund
# cannot be undone.
REFUND_ORDER = (BankCard(), TerritorialCard())
BY_MEANS = {tender.means: tender for tender in REFUND_ORDER}


def sale_key(sub: OrderShop) -> str:
    """The ledger key of a sub-order's bank-card sale (one per order and shop)."""
    return f"order:{sub.order_id}:shop:{sub.id}:sale"


def split_refund(payments_: list[OrderPayment], amount_cents: int) -> list[tuple[OrderPayment, int]]:
    """Take `amount_cents` from the means in REFUND_ORDER, each up to what it has left."""
    by_means = {payment.means: payment for payment in payments_}
    split, left = [], amount_cents
    for tender in REFUND_ORDER:
        payment = by_means.get(tender.means)
        if payment is None or left <= 0:
            continue
        taken = min(left, payment.amount_cents - payment.refunded_cents)
        if taken > 0:
            split.append((payment, taken))
            left -= taken
    return split


def given_back_words(sub: OrderShop):
    """"12,30 € sur votre carte bancaire, 5,50 € sur votre carte territoriale" for the emails."""
    parts = [BY_MEANS[payment.means].given_back_words(payment.refunded_cents)
             for payment in sorted(sub.payments, key=lambda p: [t.means for t in REFUND_ORDER].index(p.means))
             if payment.refunded_cents]
    return mail.joined(parts, ", ") if parts else lazy_gettext("rien à rembourser")
