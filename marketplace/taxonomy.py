"""The default category tree of a territory (the admin can edit it afterwards).

Slugs are stable identifiers used elsewhere: gift campaigns default to "everything except
`alimentation` and `carburant`, plus `produits-festifs` at Noël" (see EXCLUDED_FROM_GIFTS_BY_DEFAULT
and FESTIVE_SLUG).
"""
from sqlalchemy import select

from marketplace.models import Category

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
