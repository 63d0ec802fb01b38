"""Does the territorial card pay at this shop, and with which grants: the one place the
marketplace says it (see loyalty/terms.py). The ledger asks it through `loyalty.terms.for_shop`,
and on PostgreSQL reads the same statement inside its one-call redemption (`terms_statement`),
both configured in create_app."""
from functools import cache

from sqlalchemy import bindparam, literal, select, true
from sqlalchemy.orm import Session, aliased

from loyalty.terms import AcceptanceTerms, refused
from marketplace.models import Category, Shop

MAX_CATEGORY_DEPTH = 50  # a guard against a cycle in the taxonomy


def acceptance_for(session: Session, shop: Shop) -> AcceptanceTerms:
    """The terms of `shop`: approved and accepting the card, its category path and its commune."""
    if not shop.takes_card:
        return refused(shop.id)
    slugs = session.scalars(_category_path_statement(), {"category_id": shop.category_id}) \
        if shop.category_id is not None else ()
    return AcceptanceTerms(shop_id=shop.id, takes_card=True, category_slugs=frozenset(slugs),
                           commune=shop.commune_insee)


def acceptance_for_shop_id(session: Session, shop_id: int) -> AcceptanceTerms:
    """The ledger's source (loyalty.terms.configure); an unknown shop takes no card. One query for
    the shop's columns and its category path (loading the whole Shop, then the path, was two thirds
    of a redemption's CPU)."""
    rows = session.execute(terms_statement(), {"shop_id": shop_id}).all()
    if not rows or not rows[0].takes_card:
        return refused(shop_id)
    return AcceptanceTerms(shop_id=shop_id, takes_card=True,
                           category_slugs=frozenset(row.slug for row in rows if row.slug is not None),
                           commune=rows[0].commune_insee)


def _category_path(anchor):
    """The recursive CTE of a category (the one meeting `anchor`) and its ancestors' slugs."""
    up = (select(Category.parent_id, Category.slug, literal(1).label("depth"))
          .where(anchor).cte("up", recursive=True))
    parent = aliased(Category)
    return up.union_all(select(parent.parent_id, parent.slug, up.c.depth + 1)
                        .where(parent.id == up.c.parent_id, up.c.depth < MAX_CATEGORY_DEPTH))


# Built once (the till's hot path): building these recursive queries cost ~1 ms of CPU per
# redemption, three times what running them costs; SQLAlchemy then reuses their compiled form.
@cache
def _category_path_statement():
    return select(_category_path(Category.id == bindparam("category_id")).c.slug)


@cache
def terms_statement():
    """The terms of the shop `:shop_id`, one row per slug of its category path (one row without a
    slug for a shop without a category; none for an unknown shop): `takes_card`, `commune_insee`,
    `slug`."""
    up = _category_path(Category.id == select(Shop.category_id).where(Shop.id == bindparam("shop_id"))
                        .scalar_subquery())
    return (select(Shop.takes_card.label("takes_card"), Shop.commune_insee, up.c.slug).select_from(Shop)
            .outerjoin(up, true()).where(Shop.id == bindparam("shop_id")))
