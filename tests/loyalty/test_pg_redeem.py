"""PostgreSQL's one-call redemption (loyalty/pg_redeem.py) against the Python path.

Each scenario runs twice on an empty database, once with the one-call function and once in
Python only; the results, errors, entries, postings, balances and cards must be the same.
The plain cases must really be paid by the function, and the others must leave it untouched.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from loyalty import accounts as acc
from loyalty import cards, ledger
from loyalty import pins as pin_keys
from loyalty.errors import LedgerError
from loyalty.models import Account, Card, Entry, Posting
from loyalty.pg_redeem import REDEEM_FUNCTION
from marketplace.extensions import db
from marketplace.models import Shop
from tests import factories
from tests.conftest import clear_database
from tests.loyalty.conftest import NOW, TODAY, build_world, make_card


@pytest.fixture
def redemption_path():
    """Each test here runs both paths itself (or the function alone)."""
    return "both"


@pytest.fixture(autouse=True)
def _postgres_only(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the one-call redemption is PostgreSQL's")


def redeem(world, card_id, amount, *, shop="bakery", key=None, **options):
    """A redemption's outcome: its result, or the refusal with what it says."""
    shop_id = world.bakery_id if shop == "bakery" else world.hardware_id
    try:
        result = ledger.redeem(db.session, card_id=card_id, shop_id=shop_id, amount_cents=amount,
                               key=key or f"k:{card_id}:{amount}:{shop}:{sorted(options.items())}",
                               actor="till", now=NOW, **options)
    except LedgerError as error:
        db.session.rollback()
        return ("refused", error.code, getattr(error, "available_cents", None))
    return ("paid", result)


def open_accounts(world):
    """The shops' accounts, which their first redemption otherwise creates (in Python)."""
    for shop_id in (world.bakery_id, world.hardware_id):
        acc.shop_payable_account(db.session, shop_id)
    db.session.commit()


def soonest_expiry_first(world):
    open_accounts(world)
    card = make_card(world, (3000, TODAY + timedelta(days=10)), (2000, TODAY + timedelta(days=5)),
                     (1000, TODAY - timedelta(days=1)), (500, TODAY))
    return [redeem(world, card, 2600), redeem(world, card, 1000), redeem(world, card, 1900),
            redeem(world, card, 100)]


def partial_and_insufficient(world):
    open_accounts(world)
    card = make_card(world, (1500, TODAY + timedelta(days=3)), (700, TODAY + timedelta(days=3)))
    return [redeem(world, card, 3000), redeem(world, card, 4000, allow_partial=True),
            redeem(world, card, 100, allow_partial=True), redeem(world, card, 100)]


def category_restrictions(world):
    open_accounts(world)
    card = make_card(world, (1000, TODAY + timedelta(days=3), ["boulangerie"]), (1000, TODAY + timedelta(days=9)),
                     (800, TODAY + timedelta(days=1), ["alimentation", "bricolage"]),
                     (900, TODAY + timedelta(days=2), []), (700, TODAY - timedelta(days=1), ["bricolage"]))
    return [redeem(world, card, 1500), redeem(world, card, 600, shop="hardware"),
            redeem(world, card, 900, shop="hardware", allow_partial=True), redeem(world, card, 2000),
            redeem(world, card, 300, allow_partial=True), redeem(world, card, 100, shop="hardware")]


def commune_restrictions(world):
    """A grant limited to some communes (a top-up programme's) pays only at the shops there."""
    open_accounts(world)
    elsewhere = factories.commune(**factories.ARNAY)
    bakery = db.session.get(Shop, world.bakery_id)
    db.session.get(Shop, world.hardware_id).commune_insee = elsewhere.insee
    db.session.commit()
    card = make_card(world, (1000, TODAY + timedelta(days=1)), (2000, TODAY + timedelta(days=5)),
                     (500, TODAY + timedelta(days=2)), (300, TODAY + timedelta(days=3)))
    grants = sorted(db.session.get(Card, card).grants, key=lambda grant: grant.id)
    grants[0].allowed_communes = [bakery.commune_insee]
    grants[2].allowed_communes = [elsewhere.insee, "99999"]
    grants[3].allowed_communes = []
    db.session.commit()
    return [redeem(world, card, 1200), redeem(world, card, 700, shop="hardware"),
            redeem(world, card, 2000, shop="hardware"), redeem(world, card, 1600, shop="hardware"),
            redeem(world, card, 100, allow_partial=True)]


def shop_restrictions(world):
    """A grant limited to some shops (an association's top-up) pays only at those shops."""
    open_accounts(world)
    card = make_card(world, (1000, TODAY + timedelta(days=1)), (2000, TODAY + timedelta(days=5)),
                     (500, TODAY + timedelta(days=2)), (300, TODAY + timedelta(days=3)))
    grants = sorted(db.session.get(Card, card).grants, key=lambda grant: grant.id)
    grants[0].allowed_shops = [world.bakery_id]
    grants[2].allowed_shops = [world.hardware_id, 999_999]
    grants[3].allowed_shops = []
    db.session.commit()
    return [redeem(world, card, 1200), redeem(world, card, 700, shop="hardware"),
            redeem(world, card, 2000, shop="hardware"), redeem(world, card, 1600, shop="hardware"),
            redeem(world, card, 100, allow_partial=True)]


def pins(world):
    open_accounts(world)
    card = make_card(world, (5000, TODAY + timedelta(days=3)))
    cards.set_pin(db.session, card, "4321")
    return [redeem(world, card, 1000, pin_required_above_cents=2000),
            redeem(world, card, 3000, pin_required_above_cents=2000),
            redeem(world, card, 1000, pin="0000"),
            redeem(world, card, 1000, pin="4321", key="right pin"),
            redeem(world, card, 1000)]


def printed_pins(world):
    """A printed PIN is asked even under the threshold, until the holder chooses their own."""
    open_accounts(world)
    card = make_card(world, (5000, TODAY + timedelta(days=3)))
    cards.set_pin(db.session, card, "4321", always_required=True)
    outcomes = [redeem(world, card, 1000, pin_required_above_cents=2000),
                redeem(world, card, 1000, pin="4321", pin_required_above_cents=2000)]
    cards.set_pin(db.session, card, "8765")
    return outcomes + [redeem(world, card, 1000, pin_required_above_cents=2000, key="holder's own")]


def wrong_pins_lock(world):
    """A right PIN pays; a wrong one counts, the 5th locks, and then even the right one is refused;
    after a wrong one, a right one pays and clears the count."""
    open_accounts(world)
    card = make_card(world, (5000, TODAY + timedelta(days=3)))
    cards.set_pin(db.session, card, "4321")
    outcomes = [redeem(world, card, 100, pin="4321", key="right"), redeem(world, card, 100, pin="0000", key="w0"),
                redeem(world, card, 100, pin="4321", key="right after a wrong one")]
    outcomes += [redeem(world, card, 100, pin="1111", key=f"wrong {n}") for n in range(5)]
    return outcomes + [redeem(world, card, 100, pin="4321", key="right but locked"),
                       redeem(world, card, 100, pin_required_above_cents=2000, key="no PIN needed")]


def older_pin_keys(world):
    """A PIN stored with an older key is checked (and stored again) in Python, then paid in one call."""
    open_accounts(world)
    card = make_card(world, (5000, TODAY + timedelta(days=3)))
    current = pin_keys.keys()
    older = pin_keys.PinKeys({"old": b"an-older-secret-0123456789"}, "old")
    with pin_keys.using(older):
        cards.set_pin(db.session, card, "4321")
    with pin_keys.using(pin_keys.PinKeys({**current.keys, **older.keys}, current.current)):
        return [redeem(world, card, 100, pin="4321", key="moves"), redeem(world, card, 100, pin="4321", key="moved")]


def card_and_shop_states(world):
    card = make_card(world, (5000, TODAY + timedelta(days=3)))
    first = redeem(world, card, 100)  # the shop's account does not exist yet
    cards.block_card(db.session, card)
    blocked = redeem(world, card, 200)
    cards.unblock_card(db.session, card)
    db.session.get(Shop, world.hardware_id).status = "suspended"
    db.session.commit()
    return [first, blocked, redeem(world, card, 300), redeem(world, card, 400, shop="hardware"),
            redeem(world, 999_999, 100)]


def replays(world):
    open_accounts(world)
    card = make_card(world, (5000, TODAY + timedelta(days=3)))
    first = redeem(world, card, 1200, key="same")
    return [first, redeem(world, card, 1200, key="same"), redeem(world, card, 1300, key="same"),
            redeem(world, card, 4000), redeem(world, card, 1200, key="same")]


SCENARIOS = [soonest_expiry_first, partial_and_insufficient, category_restrictions, commune_restrictions,
             shop_restrictions, pins,
             printed_pins, wrong_pins_lock, older_pin_keys, card_and_shop_states, replays]


def ledger_state():
    entries = db.session.execute(select(
        Entry.id, Entry.idempotency_key, Entry.request_hash, Entry.kind, Entry.actor, Entry.shop_id, Entry.card_id,
        Entry.amount_cents, Entry.card_balance_after_cents, Entry.memo, Entry.created_at).order_by(Entry.id)).all()
    postings = db.session.execute(select(Posting.entry_id, Posting.account_id, Posting.amount_cents)
                                  .order_by(Posting.entry_id, Posting.account_id)).all()
    accounts = db.session.execute(select(Account.id, Account.code, Account.balance_cents).order_by(Account.id)).all()
    card_rows = db.session.execute(select(Card.id, Card.status, Card.failed_pin_attempts, Card.pin_hash,
                                          Card.pin_always_required).order_by(Card.id)).all()
    return entries, postings, accounts, card_rows


def run(scenario, monkeypatch, *, one_call: bool):
    """The scenario's outcomes and ledger, and how many redemptions the function paid."""
    clear_database()
    monkeypatch.setattr(ledger, "ONE_CALL_REDEMPTIONS", one_call)
    paid_in_one_call = []
    redeem_in_one_call = ledger._redeem_in_one_call

    def counted(*args):
        paid = redeem_in_one_call(*args)
        if paid is not None:
            paid_in_one_call.append(paid)
        return paid

    monkeypatch.setattr(ledger, "_redeem_in_one_call", counted)
    outcomes = scenario(build_world())
    return outcomes, ledger_state(), len(paid_in_one_call)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_the_one_call_redemption_does_what_the_python_path_does(scenario, monkeypatch):
    *one_call, paid_by_function = run(scenario, monkeypatch, one_call=True)
    *python_only, none = run(scenario, monkeypatch, one_call=False)
    assert one_call == python_only
    assert none == 0 and paid_by_function >= 1


def call_function(world, card_id, amount, *, key, allow_partial=False):
    row = db.session.connection().exec_driver_sql("SELECT * FROM " + ledger.REDEEM_CALL, {
        "card_id": card_id, "shop_id": world.bakery_id, "shop_slugs": ["alimentation", "boulangerie"],
        "shop_commune": db.session.get(Shop, world.bakery_id).commune_insee,
        "payable_code": acc.shop_payable_code(world.bakery_id), "amount": amount, "allow_partial": allow_partial,
        "pin_hash": None, "pin_free_up_to": None, "key": key, "fingerprint": "f", "actor": "till",
        "today": TODAY, "now": NOW.replace(tzinfo=None)}).first()
    db.session.commit()
    return row


def test_plain_redemptions_are_paid_in_one_call_and_the_others_left_to_python(app_ctx):
    world = build_world()
    plain = make_card(world, (1000, TODAY + timedelta(days=2)), (1000, TODAY + timedelta(days=1)))
    restricted = make_card(world, (1000, TODAY + timedelta(days=2), ["bricolage"]))
    assert redeem(world, plain, 100)[0] == "paid"  # creates the shop's account (Python)
    entries = db.session.scalar(select(db.func.count(Entry.id)))

    row = call_function(world, plain, 1500, key="one call")
    assert (row.taken, row.balance_after) == (1500, 400)
    assert dict(zip(row.grant_ids, row.grant_cents, strict=True)) == {
        grant.id: cents for grant, cents in zip(
            sorted(db.session.get(Card, plain).grants, key=lambda g: (g.expires_on, g.id)), [900, 600], strict=True)}

    for card_id, amount, key in [(plain, 1000, "too much"), (plain, 100, "one call"), (restricted, 100, "restricted")]:
        assert call_function(world, card_id, amount, key=key) is None
    assert db.session.scalar(select(db.func.count(Entry.id))) == entries + 1
    assert call_function(world, plain, 1000, key="partial", allow_partial=True).taken == 400


def paid_in_one_call(monkeypatch) -> list[bool]:
    """Whether each redemption from now on is paid by the one call (True) or left to Python."""
    paid_by_function = []
    one_call = ledger._redeem_in_one_call

    def counted(*args):
        paid = one_call(*args)
        paid_by_function.append(paid is not None)
        return paid

    monkeypatch.setattr(ledger, "_redeem_in_one_call", counted)
    return paid_by_function


def test_a_right_pin_is_paid_in_one_call_and_wrong_ones_still_lock(monkeypatch):
    """The till's common case, a card with a PIN and the right PIN, takes the one call (issue 20:
    the Python path's round trips missed the POS target); wrong PINs are still counted and
    locked by the Python path, and a locked card refuses the right PIN."""
    paid_by_function = paid_in_one_call(monkeypatch)
    world = build_world()
    open_accounts(world)
    card = make_card(world, (5000, TODAY + timedelta(days=3)))
    cards.set_pin(db.session, card, "4321")
    assert redeem(world, card, 1000, pin="4321", key="right")[1].card_balance_cents == 4000
    assert paid_by_function == [True]

    refusals = [redeem(world, card, 100, pin="1234", key=f"wrong {n}")[1] for n in range(5)]
    assert refusals == ["wrong_pin"] * 4 + ["pin_lockout"]
    assert redeem(world, card, 100, pin="4321", key="right but locked")[1] == "pin_locked"
    assert paid_by_function == [True] + [False] * 6
    db.session.expire_all()
    locked = db.session.get(Card, card)
    assert locked.failed_pin_attempts == 5 and locked.pin_locked_until is not None
    assert db.session.scalar(select(db.func.count(Entry.id)).where(Entry.kind == "redeem")) == 1


def test_without_the_function_redemptions_are_paid_in_python(app_ctx, caplog):
    """A database not migrated yet: redemptions work, the long way, and the log says why."""
    world = build_world()
    open_accounts(world)
    card = make_card(world, (1000, TODAY + timedelta(days=2)))
    db.session.execute(text("DROP FUNCTION halle_redeem"))
    db.session.commit()
    try:
        assert redeem(world, card, 400)[1].card_balance_cents == 600
        assert "one-call redemption failed" in caplog.text
    finally:
        db.session.execute(REDEEM_FUNCTION)
        db.session.commit()
    assert call_function(world, card, 100, key="back").balance_after == 500


def test_create_all_leaves_the_codes_function_alone_when_an_older_one_was_there(app_ctx):
    """A test or bench database reused across versions (another signature left behind) gets
    exactly the code's function back from `db.create_all`, and `ledger verify` is clean."""
    from loyalty.pg_redeem import REDEEM_VERSION, deployed_version

    db.session.execute(text("CREATE FUNCTION halle_redeem(p_card_id integer) RETURNS integer "
                            "LANGUAGE sql AS $$ SELECT 1 $$"))
    db.session.commit()
    assert deployed_version(db.session.connection()) is None  # two functions: ambiguous
    db.session.commit()
    db.create_all()
    assert deployed_version(db.session.connection()) == REDEEM_VERSION
    count = db.session.scalar(text("SELECT count(*) FROM pg_proc WHERE proname = 'halle_redeem'"))
    assert count == 1


def test_a_connection_that_lost_the_prepared_statement_pays_in_python_then_prepares_it_again(monkeypatch, caplog):
    """The one call is prepared once per connection; a connection that lost it (a pooler's
    DISCARD ALL, say) still pays, the long way, and prepares it again for the next payment."""
    paid_by_function = paid_in_one_call(monkeypatch)
    world = build_world()
    open_accounts(world)
    card = make_card(world, (5000, TODAY + timedelta(days=3)))
    db.session.remove()
    db.engine.dispose()
    connection = db.engine.raw_connection()  # the pool's only connection from now on
    connection.driver_connection.autocommit = True
    with connection.driver_connection.cursor() as cursor:
        cursor.execute("DISCARD ALL")
    connection.driver_connection.autocommit = False
    connection.info[ledger._PREPARED] = True  # as if it had been prepared before the reset
    connection.close()

    assert redeem(world, card, 1000, key="after the reset")[1].card_balance_cents == 4000
    assert "one-call redemption failed" in caplog.text
    assert redeem(world, card, 500, key="prepared again")[1].card_balance_cents == 3500
    assert paid_by_function == [False, True]
