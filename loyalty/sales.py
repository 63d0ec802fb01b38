"""Online sales paid by bank card (Stripe), and the territory's commission on settlements.

The bank-card part of an order never touches a territorial card, but the shop is owed it all
the same and is paid by the settlement run: `record_online_sale` moves it from the Stripe
clearing account (what Stripe collected for the shops; it goes negative by that much, like an
`external` account) to the shop's payable account; `refund_online_sale` moves a refunded part
back. `take_commission` moves what the territory keeps on a settlement from the shop's payable
account to the territory's commission account, so the commission earned is one balance. `record_stripe_payout` is Stripe paying out
to the territory's bank account: the Stripe clearing account is settled by that much; Stripe's fees
(`record_stripe_fee`, or with the payout) settle the rest of it against the territory's bank fees.
Same contract as loyalty.ledger: own transaction, commits, idempotent on `key`.
"""
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty import accounts as acc
from loyalty.errors import N_, RefundNotAllowed
from loyalty.models import Entry
from loyalty.results import LedgerResult, result_of
from loyalty.steps import check_positive, replay_if_done, run_once, stamp
from loyalty.transactions import request_hash


def record_online_sale(session: Session, *, shop_id: int, amount_cents: int, payment_ref: str, key: str,
                       actor: str, now: datetime | None = None) -> LedgerResult:
    """The shop sold `amount_cents` online, paid by bank card through Stripe (`payment_ref`: the
    PaymentIntent id, kept as the entry's memo). Use one key per order and shop."""
    check_positive(amount_cents)
    fingerprint = request_hash("sale", shop_id=shop_id, amount_cents=amount_cents, payment_ref=payment_ref)

    def work() -> LedgerResult:
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        stripe = acc.territory_account(session, acc.STRIPE_CLEARING)
        payable = acc.shop_payable_account(session, shop_id)
        entry = acc.post(session, {stripe.id: -amount_cents, payable.id: amount_cents}, key=key,
                         fingerprint=fingerprint, kind="sale", actor=actor, amount_cents=amount_cents,
                         now=stamp(now), shop_id=shop_id, memo=payment_ref[:500])
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def refund_online_sale(session: Session, *, sale_entry_id: int, amount_cents: int, key: str, actor: str,
                       now: datetime | None = None) -> LedgerResult:
    """Part (or all) of an online sale was refunded to the bank card: the shop is owed that much
    less. All refunds of a sale together never exceed it (RefundNotAllowed)."""
    check_positive(amount_cents)
    fingerprint = request_hash("salerefund", sale_entry_id=sale_entry_id, amount_cents=amount_cents)

    def work() -> LedgerResult:
        sale = session.get(Entry, sale_entry_id)
        if sale is None or sale.kind != "sale":
            raise RefundNotAllowed(N_("Seule une vente en ligne peut être remboursée ainsi."))
        stripe = acc.territory_account(session, acc.STRIPE_CLEARING)
        payable = acc.shop_payable_account(session, sale.shop_id)
        acc.lock_accounts(session, [payable.id, stripe.id])  # two refunds of one sale: one at a time
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        refunded = session.scalar(select(func.coalesce(func.sum(Entry.amount_cents), 0))
                                  .where(Entry.refunded_entry_id == sale.id, Entry.kind == "salerefund"))
        if amount_cents > sale.amount_cents - refunded:
            raise RefundNotAllowed(N_("Au plus %(left)s peuvent encore être remboursés sur cette vente."),
                                   amounts={"left": sale.amount_cents - refunded})
        entry = acc.post(session, {payable.id: -amount_cents, stripe.id: amount_cents}, key=key,
                         fingerprint=fingerprint, kind="salerefund", actor=actor, amount_cents=amount_cents,
                         now=stamp(now), shop_id=sale.shop_id, refunded_entry_id=sale.id, memo=sale.memo)
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def take_commission(session: Session, *, shop_id: int, amount_cents: int, memo: str, key: str, actor: str,
                    now: datetime | None = None) -> LedgerResult:
    """The territory keeps `amount_cents` of what it owed the shop (a settlement's commission)."""
    check_positive(amount_cents)
    fingerprint = request_hash("commission", shop_id=shop_id, amount_cents=amount_cents)

    def work() -> LedgerResult:
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        payable = acc.shop_payable_account(session, shop_id)
        commission = acc.territory_account(session, acc.COMMISSION)
        entry = acc.post(session, {payable.id: -amount_cents, commission.id: amount_cents}, key=key,
                         fingerprint=fingerprint, kind="commission", actor=actor, amount_cents=amount_cents,
                         now=stamp(now), shop_id=shop_id, memo=memo[:500])
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)


def record_stripe_fee(session: Session, *, amount_cents: int, memo: str, key: str, actor: str,
                      now: datetime | None = None) -> LedgerResult:
    """Stripe kept `amount_cents` of what it collected as its fee (known per charge, from its balance
    transaction): the Stripe clearing account expects that much less, the territory's bank fees
    (an expense) are the larger by it. Use one key per charge."""
    check_positive(amount_cents)
    fingerprint = request_hash("fee", amount_cents=amount_cents, memo=memo)

    def work() -> LedgerResult:
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        return result_of(session, _post_fee(session, amount_cents, memo, key, fingerprint, actor, now))

    return run_once(session, key, fingerprint, work)


def _post_fee(session: Session, amount_cents: int, memo: str, key: str, fingerprint: str, actor: str,
              now: datetime | None):
    stripe = acc.territory_account(session, acc.STRIPE_CLEARING)
    fees = acc.territory_account(session, acc.BANK_FEES)
    return acc.post(session, {fees.id: -amount_cents, stripe.id: amount_cents}, key=key, fingerprint=fingerprint,
                    kind="fee", actor=actor, amount_cents=amount_cents, now=stamp(now), memo=memo[:500])


def record_bank_fee(session: Session, *, amount_cents: int, memo: str, key: str, actor: str,
                    now: datetime | None = None) -> LedgerResult:
    """The bank took `amount_cents` from the territory's account for its own services (account
    keeping, transfers): the account holds that much less (`external:bank` gives it back), the
    territory's bank fees (an expense) are the larger by it. Use one key per statement line."""
    check_positive(amount_cents)
    fingerprint = request_hash("bank_fee", amount_cents=amount_cents, memo=memo)

    def work() -> LedgerResult:
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        fees = acc.territory_account(session, acc.BANK_FEES)
        bank = acc.external_account(session, "bank")
        return result_of(session, acc.post(session, {fees.id: -amount_cents, bank.id: amount_cents}, key=key,
                                           fingerprint=fingerprint, kind="bank_fee", actor=actor,
                                           amount_cents=amount_cents, now=stamp(now), memo=memo[:500]))

    return run_once(session, key, fingerprint, work)


def record_stripe_payout(session: Session, *, amount_cents: int, payout_ref: str, key: str, actor: str,
                         fee_cents: int = 0, now: datetime | None = None) -> LedgerResult:
    """Stripe paid `amount_cents` into the territory's bank account (`payout_ref`: what the bank
    statement shows of it, kept as the memo): the Stripe clearing account gets it back and the
    bank account (`external:bank`) is the richer by it. `fee_cents`: what Stripe kept of the
    payout's charges as fees that no `fee` entry holds yet, booked in the same transaction by a
    `fee` entry of key `<key>:fees`. Use one key per payout (or per bank line)."""
    check_positive(amount_cents)
    if fee_cents:
        check_positive(fee_cents)
    fingerprint = request_hash("payout", amount_cents=amount_cents, payout_ref=payout_ref,
                               **({"fee_cents": fee_cents} if fee_cents else {}))

    def work() -> LedgerResult:
        if replay := replay_if_done(session, key, fingerprint):
            return replay
        if fee_cents:
            _post_fee(session, fee_cents, payout_ref, f"{key}:fees",
                      request_hash("fee", amount_cents=fee_cents, memo=payout_ref), actor, now)
        stripe = acc.territory_account(session, acc.STRIPE_CLEARING)
        bank = acc.external_account(session, "bank")
        entry = acc.post(session, {bank.id: -amount_cents, stripe.id: amount_cents}, key=key,
                         fingerprint=fingerprint, kind="payout", actor=actor, amount_cents=amount_cents,
                         now=stamp(now), memo=payout_ref[:500])
        return result_of(session, entry)

    return run_once(session, key, fingerprint, work)
