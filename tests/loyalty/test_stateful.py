"""Random sequences of operations against a simple in-memory model of the cards: after every
step each grant, funder and shop holds what the model says, and the ledger verifies."""
from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from loyalty import accounts, cards, holds, ledger
from loyalty.errors import (
    CardBlocked,
    HoldNotPending,
    InsufficientBalance,
    InsufficientFunds,
    RefundNotAllowed,
    VoidNotAllowed,
)
from loyalty.models import Account, Grant
from loyalty.verify import verify
from marketplace.extensions import db
from tests.conftest import clear_database
from tests.loyalty.conftest import NOW, TODAY, build_world

FUNDED = 1_000_000
CATEGORY_CHOICES = [None, ["alimentation"], ["bricolage"]]
amounts = st.integers(min_value=1, max_value=4000)


@dataclass
class ModelGrant:
    id: int
    card_id: int
    balance: int
    expires_on: date
    categories: list[str] | None
    policy: str


@dataclass
class Payment:
    """A redemption or a captured hold: what it took from each grant, what came back."""

    entry_id: int
    card_id: int
    shop_id: int
    day: date
    kind: str
    taken: dict[int, int]
    refunded: dict[int, int] = field(default_factory=dict)
    voided: bool = False


@dataclass
class ModelHold:
    id: int
    card_id: int
    shop_id: int
    held: dict[int, int]
    open: bool = True


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        clear_database()
        self.world = build_world()
        self.shop_slugs = {self.world.bakery_id: {"boulangerie", "alimentation"},
                           self.world.hardware_id: {"bricolage"}}
        self.day_offset = 0
        self.funding = FUNDED
        self.territory_fund = 0
        self.payable = {shop: 0 for shop in self.shop_slugs}
        self.cards: dict[int, str] = {}
        self.grants: dict[int, ModelGrant] = {}
        self.payments: list[Payment] = []
        self.holds: list[ModelHold] = []
        self.swept: set[tuple[int, date]] = set()
        self.keys = 0

    # --- helpers ---------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return TODAY + timedelta(days=self.day_offset)

    @property
    def now(self):
        return NOW + timedelta(days=self.day_offset)

    def key(self) -> str:
        self.keys += 1
        return f"model:{self.keys}"

    def live_balance(self, card_id: int) -> int:
        return sum(g.balance for g in self.grants.values() if g.card_id == card_id and g.expires_on >= self.today)

    def usable(self, card_id: int, shop_id: int) -> list[ModelGrant]:
        slugs = self.shop_slugs[shop_id]
        found = [g for g in self.grants.values() if g.card_id == card_id and g.expires_on >= self.today
                 and (g.categories is None or slugs & set(g.categories)) and g.balance > 0]
        return sorted(found, key=lambda g: (g.expires_on, g.id))

    @staticmethod
    def split(order: list[int], available: dict[int, int], amount: int) -> dict[int, int]:
        parts = {}
        for grant_id in order:
            part = min(amount, available[grant_id])
            if part:
                parts[grant_id] = part
                amount -= part
        return parts

    def take(self, card_id: int, shop_id: int, amount: int, allow_partial: bool):
        """The model's redemption: (parts per grant) or the available amount when refused."""
        usable = self.usable(card_id, shop_id)
        available = sum(g.balance for g in usable)
        if self.cards[card_id] != "active":
            return None, "blocked"
        if available == 0 or (available < amount and not allow_partial):
            return None, available
        parts = self.split([g.id for g in usable], {g.id: g.balance for g in usable}, min(amount, available))
        for grant_id, part in parts.items():
            self.grants[grant_id].balance -= part
        return parts, None

    def pick(self, data, items, label):
        return data.draw(st.sampled_from(items), label=label)

    # --- rules -----------------------------------------------------------------------------

    @rule(amount=amounts)
    def fund(self, amount):
        ledger.fund(db.session, amount_cents=amount, key=self.key(), actor="hr", employer_id=self.world.employer_id,
                    now=self.now)
        self.funding += amount

    @rule()
    def new_card(self):
        card = cards.create_card(db.session, active=True, now=self.now)
        self.cards[card.id] = "active"

    @precondition(lambda self: self.cards)
    @rule(data=st.data(), amount=st.integers(min_value=1, max_value=300_000), days=st.integers(0, 4),
          categories=st.sampled_from(CATEGORY_CHOICES), policy=st.sampled_from(["employer", "territory"]))
    def issue(self, data, amount, days, categories, policy):
        card_id = self.pick(data, sorted(self.cards), "card")
        expires_on = self.today + timedelta(days=days)
        try:
            result = ledger.issue_grant(db.session, card_id=card_id, amount_cents=amount, label="g",
                                        expires_on=expires_on, key=self.key(), actor="hr",
                                        employer_id=self.world.employer_id, allowed_categories=categories,
                                        expiry_policy=policy, now=self.now)
        except InsufficientFunds:
            assert amount > self.funding
            return
        except CardBlocked:
            assert self.cards[card_id] == "blocked"
            return
        assert amount <= self.funding and self.cards[card_id] == "active"
        self.funding -= amount
        self.grants[result.grant_id] = ModelGrant(result.grant_id, card_id, amount, expires_on, categories, policy)
        assert result.card_balance_cents == self.live_balance(card_id)

    @precondition(lambda self: self.cards)
    @rule(data=st.data(), amount=amounts, allow_partial=st.booleans(), use_hold=st.booleans())
    def pay(self, data, amount, allow_partial, use_hold):
        card_id = self.pick(data, sorted(self.cards), "card")
        shop_id = self.pick(data, sorted(self.shop_slugs), "shop")
        parts, refusal = self.take(card_id, shop_id, amount, allow_partial)
        operation = holds.hold if use_hold else ledger.redeem
        try:
            result = operation(db.session, card_id=card_id, shop_id=shop_id, amount_cents=amount, key=self.key(),
                               actor="till", allow_partial=allow_partial, now=self.now)
        except CardBlocked:
            assert refusal == "blocked"
            return
        except InsufficientBalance as error:
            assert error.available_cents == refusal
            return
        assert parts is not None, refusal
        assert result.grant_amounts == {g: -cents for g, cents in parts.items()}
        assert result.card_balance_cents == self.live_balance(card_id)
        if use_hold:
            self.holds.append(ModelHold(result.hold_id, card_id, shop_id, parts))
        else:
            self.payable[shop_id] += result.amount_cents
            self.payments.append(Payment(result.entry_id, card_id, shop_id, self.today, "redeem", parts))

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), fraction=st.sampled_from([0, 0.5, 1]))
    def close_hold(self, data, fraction):
        """Capture all, half or nothing (release) of a hold, open or not."""
        the_hold = self.pick(data, self.holds, "hold")
        held_total = sum(the_hold.held.values())
        amount = int(held_total * fraction)
        try:
            if amount:
                result = holds.capture(db.session, hold_id=the_hold.id, amount_cents=amount, key=self.key(),
                                       actor="stripe", now=self.now)
            else:
                result = holds.release(db.session, hold_id=the_hold.id, key=self.key(), actor="stripe",
                                       now=self.now)
        except HoldNotPending:
            assert not the_hold.open
            return
        assert the_hold.open
        the_hold.open = False
        order = sorted(the_hold.held, key=lambda g: (self.grants[g].expires_on, g))
        captured = self.split(order, the_hold.held, amount)
        for grant_id, cents in the_hold.held.items():
            self.grants[grant_id].balance += cents - captured.get(grant_id, 0)
        if amount:
            self.payable[the_hold.shop_id] += amount
            self.payments.append(Payment(result.entry_id, the_hold.card_id, the_hold.shop_id, self.today, "capture",
                                         captured))
        assert result.card_balance_cents == self.live_balance(the_hold.card_id)

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def void(self, data):
        payment = self.pick(data, self.payments, "payment")
        allowed = (payment.kind == "redeem" and payment.day == self.today and not payment.voided
                   and not payment.refunded and self.cards[payment.card_id] == "active")
        try:
            ledger.void(db.session, redemption_id=payment.entry_id, shop_id=payment.shop_id, key=self.key(),
                        actor="till", now=self.now)
        except (VoidNotAllowed, CardBlocked):
            assert not allowed
            return
        assert allowed
        payment.voided = True
        for grant_id, cents in payment.taken.items():
            self.grants[grant_id].balance += cents
        self.payable[payment.shop_id] -= sum(payment.taken.values())

    @precondition(lambda self: self.payments)
    @rule(data=st.data(), amount=st.integers(min_value=1, max_value=3000))
    def refund(self, data, amount):
        payment = self.pick(data, self.payments, "payment")
        left = {g: cents - payment.refunded.get(g, 0) for g, cents in payment.taken.items()}
        allowed = (not payment.voided and amount <= sum(left.values()) and self.cards[payment.card_id] == "active")
        try:
            ledger.refund(db.session, purchase_id=payment.entry_id, shop_id=payment.shop_id, amount_cents=amount,
                          key=self.key(), actor="till", now=self.now)
        except (RefundNotAllowed, CardBlocked):
            assert not allowed
            return
        assert allowed
        order = sorted(left, key=lambda g: (self.grants[g].expires_on, g), reverse=True)
        for grant_id, cents in self.split(order, left, amount).items():
            self.grants[grant_id].balance += cents
            payment.refunded[grant_id] = payment.refunded.get(grant_id, 0) + cents
        self.payable[payment.shop_id] -= amount

    @precondition(lambda self: self.cards)
    @rule(data=st.data())
    def block_or_unblock(self, data):
        card_id = self.pick(data, sorted(self.cards), "card")
        if self.cards[card_id] == "active":
            cards.block_card(db.session, card_id)
            self.cards[card_id] = "blocked"
        else:
            cards.unblock_card(db.session, card_id)
            self.cards[card_id] = "active"

    @rule(days=st.integers(min_value=1, max_value=3))
    def next_days(self, days):
        self.day_offset += days

    @rule()
    def expire(self):
        ledger.expire_grants(db.session, today=self.today)
        for grant in self.grants.values():
            if grant.expires_on < self.today and grant.balance > 0 and (grant.id, self.today) not in self.swept:
                self.swept.add((grant.id, self.today))
                if grant.policy == "employer":
                    self.funding += grant.balance
                else:
                    self.territory_fund += grant.balance
                grant.balance = 0

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def balances_match_the_model(self):
        db.session.rollback()
        stored = dict(db.session.query(Grant.id, Account.balance_cents).join(Account, Account.id == Grant.account_id))
        assert stored == {g.id: g.balance for g in self.grants.values()}
        assert accounts.employer_funding_account(db.session, self.world.employer_id).balance_cents == self.funding
        for shop_id, owed in self.payable.items():
            assert accounts.shop_payable_account(db.session, shop_id).balance_cents == owed
        assert accounts.territory_account(db.session, accounts.TERRITORY_FUND).balance_cents == self.territory_fund
        db.session.rollback()  # the look-ups above may have created empty accounts: not kept

    @invariant()
    def ledger_verifies(self):
        assert verify(db.session) == []
        db.session.rollback()


def test_random_operations_agree_with_the_model(app_ctx):
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=12, stateful_step_count=30, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
