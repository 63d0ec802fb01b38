"""The default category tree of a territory (the admin can edit it afterwards).

Slugs are stable identifiers used elsewhere: gift campaigns default to "everything except
`alimentation` and `carburant`, plus `produits-festifs` at Noël" (see EXCLUDED_FROM_GIFTS_BY_DEFAULT
and FESTIVE_SLUG).
"""
from flask_babel import gettext
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from marketplace.models import Category, CategoryRedirect, ShopCategoryAlias

FOOD_SLUG = "alimentation"
FUEL_SLUG = "carburant"
FESTIVE_SLUG = "produits-festifs"
EXCLUDED_FROM_GIFTS_BY_DEFAULT = (FOOD_SLUG, FUEL_SLUG)

# (slug, name, children); the order is the display order.
DEFAULT_TAXONOMY = (
    (FOOD_SLUG, "Alimentation", (
        ("boulangerie-patisserie", "Boulangerie, pâtisserie", ()),
        ("boucherie-charcuterie", "Boucherie, charcuterie", ()),
        ("fromagerie", "Fromagerie, crèmerie", ()),
        ("epicerie", "Épicerie", ()),
        ("fruits-legumes", "Fruits et légumes", ()),
        ("vins-boissons", "Vins et boissons", ()),
        (FESTIVE_SLUG, "Produits festifs (chocolats, foie gras, champagne…)", ()),
    )),
    (FUEL_SLUG, "Carburant", ()),
    ("maison-jardin", "Maison et jardin", (
        ("quincaillerie", "Quincaillerie", ()),
        ("bricolage", "Bricolage", ()),
        ("pieces-agricoles", "Pièces et machinisme agricoles", ()),
        ("jardinerie-fleurs", "Jardinerie, fleurs", ()),
        ("electromenager", "Électroménager", ()),
    )),
    ("culture-loisirs", "Culture et loisirs", (
        ("librairie-papeterie", "Librairie, papeterie", ()),
        ("jeux-jouets", "Jeux et jouets", ()),
        ("sport", "Sport, pêche et chasse", ()),
    )),
    ("mode", "Mode", (
        ("vetements", "Vêtements", ()),
        ("chaussures", "Chaussures", ()),
        ("maroquinerie", "Maroquinerie", ()),
    )),
    ("artisanat", "Artisanat", (
        ("menuiserie-bois", "Menuiserie, objets en bois", ()),
        ("cuir", "Travail du cuir", ()),
        ("poterie-ceramique", "Poterie, céramique", ()),
    )),
    ("beaute-sante", "Beauté et santé", (
        ("pharmacie-parapharmacie", "Pharmacie, parapharmacie", ()),
        ("coiffure-esthetique", "Coiffure, esthétique", ()),
    )),
    ("services", "Services", (
        ("reparation", "Réparation", ()),
        ("restauration", "Restauration, traiteur", ()),
    )),
)


def _walk(nodes, parent_slug=None):
    for position, (slug, name, children) in enumerate(nodes):
        yield slug, name, parent_slug, position
        yield from _walk(children, slug)


def default_category_slugs() -> list[str]:
    return [slug for slug, _, _, _ in _walk(DEFAULT_TAXONOMY)]


def ensure_default_taxonomy(session) -> dict[str, Category]:
    """Create the default categories that are missing (by slug); never changes existing ones.

    Returns every category by slug. Flushes but does not commit.
    """
    categories = {c.slug: c for c in session.execute(select(Category)).scalars()}
    for slug, name, parent_slug, position in _walk(DEFAULT_TAXONOMY):
        if slug in categories:
            continue
        category = Category(slug=slug, name=name, position=position)
        category.parent = categories.get(parent_slug) if parent_slug else None
        session.add(category)
        categories[slug] = category
    session.flush()
    return categories


# --- The admin's edits ----------------------------------------------------------------------------
# A category's slug never changes once created: campaigns and grants store allowed categories by
# slug, and links use it. Renaming and moving keep the slug; merging rewrites the merged slug to
# the target's in campaigns and grants, so a restricted card keeps paying where it paid.
# The search outbox follows: ORM changes to a category enqueue its products (search.outbox),
# and a merge enqueues the products it moves in the same transaction.

PROTECTED_SLUGS = (FOOD_SLUG, FUEL_SLUG, FESTIVE_SLUG)  # named in the code (gift defaults)


class TaxonomyError(Exception):
    pass


def category_tree(session) -> list[tuple[Category, int]]:
    """Every category with its depth, in display order (roots first, then their children)."""
    categories = list(session.scalars(select(Category).order_by(Category.position, Category.name)))
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    out: list[tuple[Category, int]] = []

    def walk(parent_id, depth):
        for category in children.get(parent_id, []):
            out.append((category, depth))
            walk(category.id, depth + 1)

    walk(None, 0)
    return out


def subtree_counts(tree: list[tuple[Category, int]], own: dict[int, int]) -> dict[int, int]:
    """Each category's count (`own`: its products, say) plus its whole subtree's, from category_tree's
    list: there each category comes before all of its descendants, so walking it backwards a
    category's total is complete when it is added to its parent's. No query."""
    totals = {category.id: own.get(category.id, 0) for category, _ in tree}
    for category, _ in reversed(tree):
        if category.parent_id in totals:
            totals[category.parent_id] += totals[category.id]
    return totals


def branch_ids(session, category: Category) -> set[int]:
    ids, frontier = {category.id}, [category.id]
    while frontier:
        frontier = list(session.scalars(select(Category.id).where(Category.parent_id.in_(frontier))))
        ids.update(frontier)
    return ids


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise TaxonomyError(gettext("Nom : indiquez le nom de la catégorie."))
    if len(name) > 120:
        raise TaxonomyError(gettext("Nom : 120 caractères au plus."))
    return name


def create_category(session, name: str, parent: Category | None) -> Category:
    """A new category under `parent` (None: at the root), with a free slug made from its name.
    Refused: a name already used under the same parent (a form sent twice would otherwise make
    « x », « x-2 »...). Two creations at once: the second finds the first's row (or its slug taken:
    then rolled back and tried again, so never an error page)."""
    name = _clean_name(name)
    for attempt in range(3):
        if _name_taken(session, name, parent):
            session.rollback()
            raise TaxonomyError(gettext("Une catégorie de ce nom existe déjà ici."))
        try:
            return _insert_category(session, name, parent)
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise


_TREE_LOCK = 0x7461786F  # PostgreSQL advisory lock key of the category tree's names ("taxo")


def _name_taken(session, name: str, parent: Category | None, but: Category | None = None) -> bool:
    """Whether another category under `parent` has this name (case aside): the tree's lists and the
    shops' choices would show two alike. On PostgreSQL the tree's names are locked first, until the
    transaction ends: two admins naming a category alike at the same moment would otherwise both
    see the name free (SQLite runs one writer at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _TREE_LOCK})
    where = Category.parent_id == parent.id if parent is not None else Category.parent_id.is_(None)
    query = select(Category.id).where(where, func.lower(Category.name) == name.lower())
    if but is not None:
        query = query.where(Category.id != but.id)
    return session.scalar(query) is not None


def _insert_category(session, name: str, parent: Category | None) -> Category:
    from marketplace import audit
    from marketplace.territory_import import slugify

    base = slugify(name, 70) or "categorie"
    slug, n = base, 2
    while session.scalar(select(Category.id).filter_by(slug=slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    position = len(parent.children) if parent else session.scalar(
        select(func.count()).select_from(Category).where(Category.parent_id.is_(None)))
    category = Category(slug=slug, name=name, parent=parent, position=position)
    session.add(category)
    session.flush()
    audit.record("category.create", category, summary=f"Catégorie « {name} » créée",
                 after={"slug": slug, "name": name, "parent": parent.slug if parent else None})
    session.commit()
    return category


def rename_category(session, category: Category, name: str) -> None:
    from marketplace import audit

    name, before = _clean_name(name), category.name
    if name == before:
        return
    if _name_taken(session, name, category.parent, but=category):
        raise TaxonomyError(gettext("Une catégorie de ce nom existe déjà ici."))
    category.name = name
    audit.record("category.rename", category, summary=f"Catégorie « {before} » renommée « {name} »",
                 before={"name": before}, after={"name": name})
    session.commit()


def move_category(session, category: Category, parent: Category | None) -> None:
    """Put the category (and its sub-categories) under `parent` (None: at the root)."""
    from marketplace import audit

    if parent is not None and parent.id in branch_ids(session, category):
        raise TaxonomyError(gettext("Parent : une catégorie ne peut pas être rangée sous elle-même ou sous une de "
                                    "ses sous-catégories."))
    before = category.parent.slug if category.parent else None
    if (parent.id if parent else None) == category.parent_id:
        return
    if _name_taken(session, category.name, parent, but=category):
        raise TaxonomyError(gettext("Parent : une catégorie de ce nom y est déjà ; fusionnez-les plutôt."))
    category.parent = parent
    category.position = len(parent.children) if parent else category.position
    audit.record("category.move", category, summary=f"Catégorie « {category.name} » déplacée sous "
                 f"« {parent.name if parent else 'la racine'} »", before={"parent": before},
                 after={"parent": parent.slug if parent else None})
    session.commit()


def merged_into(session, slug: str) -> Category | None:
    """The category that took over a merged category's slug, if any."""
    return session.scalar(select(Category).join(CategoryRedirect, CategoryRedirect.category_id == Category.id)
                          .where(CategoryRedirect.old_slug == slug))


def merge_category(session, source: Category, target: Category) -> int:
    """Move the source's products, shops and sub-categories to `target`, rewrite the source's
    slug to the target's in campaigns and grants, then delete the source. Returns the number of
    products moved (they are re-indexed)."""
    from sqlalchemy import String, cast, update

    from loyalty.models import Grant
    from marketplace import audit
    from marketplace.models import Campaign, Product, Shop
    from search.outbox import enqueue_products

    if source.id == target.id:
        raise TaxonomyError(gettext("Fusionner dans : choisissez une autre catégorie que celle à fusionner."))
    if target.id in branch_ids(session, source):
        raise TaxonomyError(gettext("Fusionner dans : la catégorie cible est une sous-catégorie de celle à "
                                    "fusionner ; déplacez-la d'abord."))
    if source.slug in PROTECTED_SLUGS:
        raise TaxonomyError(gettext("La catégorie « %(name)s » est utilisée par les réglages des campagnes "
                                    "cadeaux : renommez-la plutôt que de la fusionner.", name=source.name))
    product_ids = list(session.scalars(select(Product.id).where(Product.category_id == source.id)))
    session.execute(update(Product).where(Product.category_id == source.id).values(category_id=target.id))
    session.execute(update(Shop).where(Shop.category_id == source.id).values(category_id=target.id))
    enqueue_products(session, product_ids)
    for child in list(source.children):
        child.parent = target
    old, new = source.slug, target.slug
    pattern = f'%"{old}"%'
    for model in (Campaign, Grant):
        for row in session.scalars(select(model).where(cast(model.allowed_categories, String).like(pattern))):
            slugs = [new if slug == old else slug for slug in row.allowed_categories or []]
            row.allowed_categories = sorted(set(slugs)) if model is Grant else list(dict.fromkeys(slugs))
    # Its links lead to the target from now on, and so do those of categories merged into it before.
    session.execute(update(CategoryRedirect).where(CategoryRedirect.category_id == source.id)
                    .values(category_id=target.id))
    session.add(CategoryRedirect(old_slug=old, category_id=target.id))
    session.execute(update(ShopCategoryAlias).where(ShopCategoryAlias.category_id == source.id)
                    .values(category_id=target.id))  # the shops' answers follow the merge
    audit.record("category.merge", source, summary=f"Catégorie « {source.name} » fusionnée dans « {target.name} » "
                 f"({len(product_ids)} produits déplacés)", before={"slug": old, "name": source.name},
                 after={"merged_into": new, "products": len(product_ids)})
    session.flush()
    session.delete(source)
    session.commit()
    return len(product_ids)
