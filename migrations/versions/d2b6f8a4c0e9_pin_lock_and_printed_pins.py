"""PIN lock (temporary, the territory's delay) and printed PINs (always asked); halle_redeem
reads the latter: its second version, kept here as it was (see loyalty/pg_redeem.py).

Revision ID: d2b6f8a4c0e9
Revises: d6f1a3c5e7b9
"""
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy import DDL

revision = "d2b6f8a4c0e9"
down_revision = "d6f1a3c5e7b9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("loyalty_cards") as batch:
        batch.add_column(sa.Column("pin_locked_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("pin_always_required", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("territory_settings") as batch:
        batch.add_column(sa.Column("pin_lock_minutes", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REDEEM_FUNCTION_V2)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(context.script.get_revision("f3a9c2d7e1b5").module.REDEEM_FUNCTION_V1)
    with op.batch_alter_table("territory_settings") as batch:
        batch.drop_column("pin_lock_minutes")
    with op.batch_alter_table("loyalty_cards") as batch:
        batch.drop_column("pin_always_required")
        batch.drop_column("pin_locked_until")


REDEEM_FUNCTION_V2 = DDL(r"""
CREATE OR REPLACE FUNCTION halle_redeem(
    p_card_id integer, p_shop_id integer, p_amount bigint, p_allow_partial boolean,
    p_pin_given boolean, p_pin_free_up_to bigint, p_key text, p_hash text, p_actor text,
    p_today date, p_now timestamp)
RETURNS TABLE (entry_id integer, taken bigint, balance_after bigint, grant_ids integer[], grant_cents bigint[])
LANGUAGE plpgsql AS $fn$
DECLARE
    card_status text;
    card_pin text;
    card_pin_always boolean;
    payable integer;
    purse record;
    available bigint := 0;
    rest bigint;
    part bigint;
    usable_grants integer[] := '{}';
    usable_purses integer[] := '{}';
    usable_cents bigint[] := '{}';
    live_total bigint := 0;
    shop_slugs text[];
    purse_ids integer[] := '{}';
BEGIN
    grant_ids := '{}';
    grant_cents := '{}';
    SELECT status, pin_hash, pin_always_required INTO card_status, card_pin, card_pin_always
    FROM loyalty_cards WHERE id = p_card_id FOR UPDATE;
    IF NOT FOUND OR card_status <> 'active' THEN RETURN; END IF;
    IF card_pin IS NOT NULL AND (p_pin_given OR card_pin_always OR p_pin_free_up_to IS NULL
                                 OR p_amount > p_pin_free_up_to) THEN
        RETURN;
    END IF;
    PERFORM 1 FROM ledger_entries WHERE idempotency_key = p_key;
    IF FOUND THEN RETURN; END IF;
    PERFORM 1 FROM shops WHERE id = p_shop_id AND status = 'approved' AND accepts_card;
    IF NOT FOUND THEN RETURN; END IF;
    SELECT id INTO payable FROM ledger_accounts WHERE code = 'shop:' || p_shop_id || ':payable';
    IF payable IS NULL THEN RETURN; END IF;

    FOR purse IN
        SELECT g.id AS grant_id, g.expires_on, g.allowed_categories, a.id AS account_id, a.balance_cents
        FROM loyalty_grants g JOIN ledger_accounts a ON a.id = g.account_id
        WHERE g.card_id = p_card_id ORDER BY g.expires_on, g.id
        FOR NO KEY UPDATE OF a
    LOOP
        CONTINUE WHEN purse.expires_on < p_today;
        live_total := live_total + purse.balance_cents;
        IF purse.allowed_categories IS NOT NULL AND purse.allowed_categories::text <> 'null' THEN
            IF shop_slugs IS NULL THEN  -- the shop's category and its ancestors (grants.shop_category_slugs)
                WITH RECURSIVE up(parent_id, slug, depth) AS (
                    SELECT c.parent_id, c.slug, 1 FROM categories c JOIN shops s ON s.category_id = c.id
                    WHERE s.id = p_shop_id
                    UNION ALL
                    SELECT c.parent_id, c.slug, up.depth + 1 FROM categories c JOIN up ON c.id = up.parent_id
                    WHERE up.depth < 50)
                SELECT coalesce(array_agg(slug), '{}') INTO shop_slugs FROM up;
            END IF;
            CONTINUE WHEN NOT EXISTS (SELECT 1 FROM json_array_elements_text(purse.allowed_categories) AS a(slug)
                                      WHERE a.slug = ANY(shop_slugs));
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
