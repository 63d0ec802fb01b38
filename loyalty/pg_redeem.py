"""A redemption in one round trip to PostgreSQL: the common case of `ledger.redeem`, as a function.

A redemption in Python costs ten round trips (begin, lock the card, look up the key, read the
shop's account, lock the purses, write the purse, the entry, the postings, the shop's
account, commit), and on a 2-core server those round trips, not the SQL, are most of its cost
(bench/redeem.py, 8 workers: ~190/s through Python, ~800/s through this function). So on
PostgreSQL, `ledger.redeem` first calls `halle_redeem`, as a statement that is its own
transaction (autocommit), which does the whole redemption when the case is plain:

  an active card that needs no PIN for this amount (nor a printed PIN, always asked), or whose
  PIN is given and right, with no wrong PIN counted and no lock; a key not used before, a shop
  whose account exists, and enough balance in the grants allowed at that shop (or a partial
  redemption allowed).

Whether the shop takes the card at all, and its category path, are the marketplace's to say
(loyalty/terms.py): the statement `ledger.redeem` sends reads them first, with the marketplace's
own query (terms.statement), and calls the function only for a shop that takes the card, with
the path (`p_shop_slugs`), the shop's commune (`p_shop_commune`, INSEE code: a grant limited to
some communes, a top-up programme's, pays only there) and the code of the shop's account
(`p_payable_code`, accounts.shop_payable_code); the function reads the ledger's tables only.

The PIN's secret never reaches the database: `ledger.redeem` passes the stored form the given
PIN would have with the current key (`p_pin_hash`, pins.candidate), and the function compares it
with the card's. A PIN stored with an older key or method does not match, so the Python path
checks it and stores it again with the current key: after one payment the card is paid here.
Counting a wrong PIN and the lock stay in Python (cards.pin_attempt), in one place.

In every other case it returns no row and changes nothing, and `ledger.redeem` starts over in
Python, in its own transaction: refusals, replays, wrong or locked PINs and the creation of a
shop's account are decided in one place only, there. What the function does decide (which grants pay at that
shop and in what order, how much each, the card's balance after) is `AcceptanceTerms.allows`,
`grants.spendable_grants`, `take_in_order` and `live_balance` again, in SQL: every test of
tests/loyalty and tests/till runs through both paths on PostgreSQL (tests/conftest.py
`redemption_path`), and tests/loyalty/test_pg_redeem.py compares the ledgers they leave.

Lock order is the ledger's (see accounts.lock_accounts): card, purses by (expiry, id), and
the shop's account last, by the closing UPDATE. Created by `db.create_all` (models.py) and by
the migrations: f3a9c2d7e1b5 made the first version, d2b6f8a4c0e9 the second (the printed PIN),
a1c3e5f7b9d2 the third (the terms as parameters), c7e9a1b3d5f2 the fourth (a right PIN),
b4d6f8a0c2e5 the fifth (the shop's commune: grants limited to some communes), d6f8a0c2e4b7
this one (grants limited to some shops: an association's top-up, paid at its members only).
`REDEEM_VERSION` is written in the body; `deployed_version` reads it back, and
`flask ledger verify` and /readyz fail when it is not the code's. A change here needs a new
version, and a new migration with a frozen copy of the new text (never an import of this one),
which keeps the version it replaces for its downgrade; tests/test_migrations.py checks that the
migrated function is this text.
"""
from sqlalchemy import DDL, text

REDEEM_VERSION = "halle-redeem-6"

REDEEM_FUNCTION = DDL(r"""
CREATE OR REPLACE FUNCTION halle_redeem(
    p_card_id integer, p_shop_id integer, p_shop_slugs text[], p_shop_commune text, p_payable_code text,
    p_amount bigint, p_allow_partial boolean,
    p_pin_hash text, p_pin_free_up_to bigint, p_key text, p_hash text, p_actor text,
    p_today date, p_now timestamp)
RETURNS TABLE (entry_id integer, taken bigint, balance_after bigint, grant_ids integer[], grant_cents bigint[])
LANGUAGE plpgsql AS $fn$
-- version: {version} (loyalty/pg_redeem.py REDEEM_VERSION)
DECLARE
    card_status text;
    card_pin text;
    card_pin_always boolean;
    card_failed_pins integer;
    card_pin_locked timestamp;
    payable integer;
    purse record;
    available bigint := 0;
    rest bigint;
    part bigint;
    usable_grants integer[] := '{}';
    usable_purses integer[] := '{}';
    usable_cents bigint[] := '{}';
    live_total bigint := 0;
    purse_ids integer[] := '{}';
BEGIN
    grant_ids := '{}';
    grant_cents := '{}';
    SELECT status, pin_hash, pin_always_required, failed_pin_attempts, pin_locked_until
    INTO card_status, card_pin, card_pin_always, card_failed_pins, card_pin_locked
    FROM loyalty_cards WHERE id = p_card_id FOR UPDATE;
    IF NOT FOUND OR card_status <> 'active' THEN RETURN; END IF;
    IF card_pin IS NOT NULL THEN
        IF p_pin_hash IS NOT NULL THEN
            -- A PIN given: paid here only when right (hashed with the current key) on a card with
            -- no wrong PIN counted and no lock, else Python counts it, locks, or moves the hash.
            IF card_pin <> p_pin_hash OR card_failed_pins <> 0 OR card_pin_locked IS NOT NULL THEN
                RETURN;
            END IF;
        ELSIF card_pin_always OR p_pin_free_up_to IS NULL OR p_amount > p_pin_free_up_to THEN
            RETURN;
        END IF;
    END IF;
    PERFORM 1 FROM ledger_entries WHERE idempotency_key = p_key;
    IF FOUND THEN RETURN; END IF;
    SELECT id INTO payable FROM ledger_accounts WHERE code = p_payable_code;
    IF payable IS NULL THEN RETURN; END IF;

    FOR purse IN
        SELECT g.id AS grant_id, g.expires_on, g.allowed_categories, g.allowed_communes, g.allowed_shops,
               a.id AS account_id, a.balance_cents
        FROM loyalty_grants g JOIN ledger_accounts a ON a.id = g.account_id
        WHERE g.card_id = p_card_id ORDER BY g.expires_on, g.id
        FOR NO KEY UPDATE OF a
    LOOP
        CONTINUE WHEN purse.expires_on < p_today;
        live_total := live_total + purse.balance_cents;
        IF purse.allowed_categories IS NOT NULL AND purse.allowed_categories::text <> 'null' THEN
            CONTINUE WHEN NOT EXISTS (SELECT 1 FROM json_array_elements_text(purse.allowed_categories) AS a(slug)
                                      WHERE a.slug = ANY(p_shop_slugs));
        END IF;
        IF purse.allowed_communes IS NOT NULL AND purse.allowed_communes::text <> 'null' THEN
            CONTINUE WHEN p_shop_commune IS NULL
                OR NOT EXISTS (SELECT 1 FROM json_array_elements_text(purse.allowed_communes) AS c(insee)
                               WHERE c.insee = p_shop_commune);
        END IF;
        IF purse.allowed_shops IS NOT NULL AND purse.allowed_shops::text <> 'null' THEN
            CONTINUE WHEN NOT EXISTS (SELECT 1 FROM json_array_elements_text(purse.allowed_shops) AS s(id)
                                      WHERE s.id = p_shop_id::text);
        END IF;
        IF purse.balance_cents > 0 THEN
            available := available + purse.balance_cents;
            usable_grants := usable_grants || purse.grant_id;
            usable_purses := usable_purses || purse.account_id;
            usable_cents := usable_cents || purse.balance_cents;
        END IF;
    END LOOP;
    IF available = 0 OR (available < p_amount AND NOT p_allow_partial) THEN RETURN; END IF;

    taken := least(p_amount, available);
    rest := taken;
    FOR i IN 1 .. coalesce(array_length(usable_grants, 1), 0) LOOP
        EXIT WHEN rest = 0;
        part := least(rest, usable_cents[i]);
        grant_ids := grant_ids || usable_grants[i];
        purse_ids := purse_ids || usable_purses[i];
        grant_cents := grant_cents || part;
        rest := rest - part;
    END LOOP;
    balance_after := live_total - taken;

    UPDATE ledger_accounts a SET balance_cents = a.balance_cents - m.cents
    FROM unnest(purse_ids, grant_cents) AS m(account_id, cents) WHERE a.id = m.account_id;
    INSERT INTO ledger_entries (idempotency_key, request_hash, kind, actor, shop_id, card_id, amount_cents,
                                card_balance_after_cents, memo, created_at)
    VALUES (p_key, p_hash, 'redeem', p_actor, p_shop_id, p_card_id, taken, balance_after, '', p_now)
    RETURNING id INTO entry_id;
    INSERT INTO ledger_postings (entry_id, account_id, amount_cents)
    SELECT entry_id, m.account_id, -m.cents FROM unnest(purse_ids, grant_cents) AS m(account_id, cents)
    UNION ALL SELECT entry_id, payable, taken;
    UPDATE ledger_accounts SET balance_cents = balance_cents + taken WHERE id = payable;
    RETURN NEXT;
END
$fn$
""".replace("{version}", REDEEM_VERSION))


# For `db.create_all` (tests, benches): a schema that held an older version (another signature)
# keeps one function only. The migrations replace their own versions instead.
DROP_EVERY_VERSION = DDL(r"""
DO $drop$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.proname = 'halle_redeem' AND n.nspname = current_schema() LOOP
    EXECUTE 'DROP FUNCTION ' || f;
  END LOOP;
END
$drop$
""")


_DEPLOYED_VERSION = text(
    "SELECT substring(p.prosrc FROM '-- version: ([a-z0-9-]+)') FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE p.proname = 'halle_redeem' AND n.nspname = current_schema()")


def deployed_version(connection) -> str | None:
    """The version of the database's halle_redeem; None when it is missing, has no version,
    or when two functions of that name exist (an older one left behind)."""
    versions = connection.execute(_DEPLOYED_VERSION).scalars().all()
    return versions[0] if len(versions) == 1 else None


def version_problem(connection) -> str | None:
    """What is wrong with the database's halle_redeem (PostgreSQL; None on other databases)."""
    if connection.dialect.name != "postgresql":
        return None
    found = deployed_version(connection)
    if found == REDEEM_VERSION:
        return None
    return (f"halle_redeem is {found or 'missing or ambiguous'}, the code expects {REDEEM_VERSION} "
            "(run `flask db upgrade`)")
