"""On PostgreSQL, halle_redeem's sixth version (see loyalty/pg_redeem.py), kept here as it was:
a grant limited to some shops (an association's top-up, spent at its members only) pays only
there, in the one call; cards holding one took the Python path until now. Same signature as
the fifth, which the downgrade restores.

Revision ID: d6f8a0c2e4b7
Revises: c5e7a9b1d3f6
"""
from alembic import context, op
from sqlalchemy import DDL

revision = "d6f8a0c2e4b7"
down_revision = "c5e7a9b1d3f6"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REDEEM_FUNCTION_V6)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(context.script.get_revision("b4d6f8a0c2e5").module.REDEEM_FUNCTION_V5)


REDEEM_FUNCTION_V6 = DDL(r"""
CREATE OR REPLACE FUNCTION halle_redeem(
    p_card_id integer, p_shop_id integer, p_shop_slugs text[], p_shop_commune text, p_payable_code text,
    p_amount bigint, p_allow_partial boolean,
    p_pin_hash text, p_pin_free_up_to bigint, p_key text, p_hash text, p_actor text,
    p_today date, p_now timestamp)
RETURNS TABLE (entry_id integer, taken bigint, balance_after bigint, grant_ids integer[], grant_cents bigint[])
LANGUAGE plpgsql AS $fn$
-- version: halle-redeem-6 (loyalty/pg_redeem.py REDEEM_VERSION)
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
""")
