"""A business offering services has no catalogue: what such a business still had on sale goes off sale.

Since 2026-12-06 a shop becomes a services business only with nothing on sale and no active feed
(marketplace.shops.kind_refusals), and a services business's catalogue tools are closed
(access.SHOP_CATALOGUE). A shop that switched before kept its products on sale, on its public page
and in search, out of its own reach. This revision puts each such shop in the state the rule now
keeps: its products off sale (kept, as the shop left them otherwise), its active feeds paused, an
audit event listing both, and a search outbox row for the shop (the Whoosh indexer re-reads its
products; the PostgreSQL backend's triggers follow the UPDATE themselves and its outbox rows are
dropped unread).

Revision ID: c4e6a8b0d2f4
Revises: a7c9e1f3b5d8
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "c4e6a8b0d2f4"
down_revision = "a7c9e1f3b5d8"
branch_labels = None
depends_on = None

_audit = sa.table("audit_events", sa.column("created_at", sa.DateTime), sa.column("actor", sa.String),
                  sa.column("action", sa.String), sa.column("target_type", sa.String),
                  sa.column("target_id", sa.Integer), sa.column("summary", sa.String),
                  sa.column("before", sa.JSON), sa.column("after", sa.JSON))
_outbox = sa.table("search_outbox", sa.column("kind", sa.String), sa.column("entity_id", sa.Integer),
                   sa.column("created_at", sa.DateTime))


def upgrade():
    connection = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    on_sale = connection.execute(sa.text(
        "SELECT p.shop_id, p.id FROM products p JOIN shops s ON s.id = p.shop_id "
        "WHERE s.kind = 'services' AND p.active = :yes ORDER BY p.shop_id, p.id"), {"yes": True}).all()
    feeds = connection.execute(sa.text(
        "SELECT f.shop_id, f.id FROM catalogue_feeds f JOIN shops s ON s.id = f.shop_id "
        "WHERE s.kind = 'services' AND f.status = 'active' ORDER BY f.shop_id, f.id")).all()
    shops = sorted({shop_id for shop_id, _ in on_sale} | {shop_id for shop_id, _ in feeds})
    if not shops:
        return
    products = {shop_id: [p for s, p in on_sale if s == shop_id] for shop_id in shops}
    paused = {shop_id: [f for s, f in feeds if s == shop_id] for shop_id in shops}
    connection.execute(sa.text("UPDATE products SET active = :no WHERE id = :id"),
                       [{"no": False, "id": product_id} for _, product_id in on_sale])
    if feeds:
        connection.execute(sa.text("UPDATE catalogue_feeds SET status = 'paused' WHERE id = :id"),
                           [{"id": feed_id} for _, feed_id in feeds])
    op.bulk_insert(_audit, [{
        "created_at": now, "actor": "system", "action": "shop.services_off_sale", "target_type": "Shop",
        "target_id": shop_id,
        "summary": f"Entreprise de services, sans catalogue : {len(products[shop_id])} produit(s) retiré(s) de la "
                   f"vente, {len(paused[shop_id])} flux mis en pause",
        "before": {"on_sale": products[shop_id], "active_feeds": paused[shop_id]},
        "after": {"on_sale": [], "active_feeds": []}} for shop_id in shops])
    op.bulk_insert(_outbox, [{"kind": "shop", "entity_id": shop_id, "created_at": now} for shop_id in shops])


def downgrade():
    """Nothing to undo: the products stay off sale, their shop may put them back on sale once it
    sells products again."""
