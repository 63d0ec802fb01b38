"""What the index holds for a product, built from the database (backend independent).

Only active products of approved shops are searchable; anything else is removed from the index.
"""
import hashlib
from dataclasses import dataclass, fields

from sqlalchemy import select

from marketplace.models import Category, Commune, Product, Shop
from marketplace.models.shops import public_product_clause


@dataclass(frozen=True)
class ProductDocument:
    id: int
    name: str
    description: str
    category_slug: str
    category_text: str  # the category and its ancestors' names
    category_path: tuple  # slugs from the root to the category
    shop_slug: str
    shop_name: str
    commune_insee: str
    commune_name: str
    price_cents: int
    unit: str
    in_stock: bool
    accepts_card: bool
    image_key: str | None = None  # the first photo (marketplace.images), if any

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything the index holds for the product changes (see `check`)."""
        payload = repr(tuple(getattr(self, name) for name in _FIELD_NAMES))
        return hashlib.blake2b(payload.encode(), digest_size=8).hexdigest()


_FIELD_NAMES = tuple(f.name for f in fields(ProductDocument))


def _category_paths(session) -> dict[int, tuple[tuple, str]]:
    """{category id: (slugs root→leaf, names root→leaf joined)}."""
    categories = {c.id: c for c in session.execute(select(Category)).scalars()}
    paths = {}
    for c in categories.values():
        nodes, node = [], c
        while node is not None:
            nodes.insert(0, node)
            node = categories.get(node.parent_id)
        paths[c.id] = (tuple(n.slug for n in nodes), " ".join(n.name for n in nodes))
    return paths


def _first_image():
    """The key of a product's first photo, as a correlated subquery (None without photos)."""
    from marketplace import models

    image = getattr(models, "ProductImage", None)
    if image is None:
        return None
    return (select(image.key).where(image.product_id == Product.id)
            .order_by(image.position, image.id).limit(1).correlate(Product).scalar_subquery())


def _statement():
    first_image = _first_image()
    return (
        select(
            Product.id, Product.name, Product.description, Product.category_id, Product.price_cents,
            Product.unit, Product.stock, Shop.slug.label("shop_slug"), Shop.name.label("shop_name"),
            Shop.accepts_card, Shop.commune_insee, Commune.name.label("commune_name"),
            *([first_image.label("image_key")] if first_image is not None else []),
        )
        .join(Shop, Product.shop_id == Shop.id)
        .join(Commune, Shop.commune_insee == Commune.insee)
        .where(public_product_clause())
    )


def _document(row, paths) -> ProductDocument:
    slugs, names = paths[row.category_id]
    return ProductDocument(
        id=row.id, name=row.name, description=row.description or "", category_slug=slugs[-1],
        category_text=names, category_path=slugs, shop_slug=row.shop_slug, shop_name=row.shop_name,
        commune_insee=row.commune_insee, commune_name=row.commune_name, price_cents=row.price_cents,
        unit=row.unit or "", in_stock=row.stock is None or row.stock > 0,
        accepts_card=bool(row.accepts_card), image_key=getattr(row, "image_key", None),
    )


def documents_for(session, product_ids) -> dict[int, ProductDocument]:
    """The documents of those products that are searchable; the others are absent."""
    paths = _category_paths(session)
    found = {}
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), 500):
        for row in session.execute(_statement().where(Product.id.in_(ids[start:start + 500]))):
            found[row.id] = _document(row, paths)
    return found


def searchable_count(session) -> int:
    from sqlalchemy import func

    return session.execute(select(func.count()).select_from(_statement().subquery())).scalar_one()


def all_documents(session, batch: int = 2000):
    """Every searchable product, in id order, streamed in batches. Each batch takes the next ids
    from the primary key first, then joins them: with stale statistics (right after a bulk load)
    a single statement looped over every shop, reading ~150,000 rows to return 2,000."""
    paths = _category_paths(session)
    last_id = 0
    while True:
        ids = list(session.execute(
            select(Product.id).where(Product.id > last_id).order_by(Product.id).limit(batch)).scalars())
        if not ids:
            return
        for row in session.execute(_statement().where(Product.id.in_(ids)).order_by(Product.id)):
            yield _document(row, paths)
        last_id = ids[-1]


def product_ids_of_shop(session, shop_id: int) -> list[int]:
    return list(session.execute(select(Product.id).where(Product.shop_id == shop_id)).scalars())


def product_ids_of_category(session, category_id: int) -> list[int]:
    """Products of the category and of its sub-categories (a rename changes their text)."""
    paths = _category_paths(session)
    slug = next((p[0][-1] for cid, p in paths.items() if cid == category_id), None)
    if slug is None:
        return []
    ids = [cid for cid, (slugs, _) in paths.items() if slug in slugs]
    return list(session.execute(select(Product.id).where(Product.category_id.in_(ids))).scalars())
