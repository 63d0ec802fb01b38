"""Does the territorial card pay at this shop, and with which grants: the one place the
marketplace says it (see loyalty/terms.py). The ledger asks it through `loyalty.terms.for_shop`,
configured in create_app."""
from sqlalchemy import literal, select
from sqlalchemy.orm import Session, aliased

from loyalty.terms import AcceptanceTerms, refused
from marketplace.models import Category, Shop

MAX_CATEGORY_DEPTH = 50  # a guard against a cycle in the taxonomy


def acceptance_for(session: Session, shop: Shop) -> AcceptanceTerms:
    """The terms of `shop`: approved and accepting the card, its category path and its commune."""
    if shop.status != "approved" or not shop.accepts_card:
        return refused(shop.id)
    return AcceptanceTerms(shop_id=shop.id, takes_card=True,
                           category_slugs=frozenset(_category_path_slugs(session, shop.category_id)),
                           commune=shop.commune_insee)


def acceptance_for_shop_id(session: Session, shop_id: int) -> AcceptanceTerms:
    """The ledger's source (loyalty.terms.configure); an unknown shop takes no card."""
    shop = session.get(Shop, shop_id)
    return refused(shop_id) if shop is None else acceptance_for(session, shop)


def _category_path_slugs(session: Session, category_id: int | None) -> set[str]:
    """The slugs of a category and of all its ancestors, in one query (the till's hot path)."""
    if category_id is None:
        return set()
    up = (select(Category.parent_id, Category.slug, literal(1).label("depth"))
          .where(Category.id == category_id).cte("up", recursive=True))
    parent = aliased(Category)
    up = up.union_all(select(parent.parent_id, parent.slug, up.c.depth + 1)
                      .where(parent.id == up.c.parent_id, up.c.depth < MAX_CATEGORY_DEPTH))
    return set(session.scalars(select(up.c.slug)))
