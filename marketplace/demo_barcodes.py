"""Demo listings with barcodes (issue 22): packaged local products two grocers of the demo territory
already list, so that another shop (the demo bakery) scanning them finds name, unit, category and
photo in the territory's reference (marketplace/product_reference.py) and adds only a price and a stock.

The codes use the GS1 prefix 2 (numbers for use inside a company), which no real product carries.
"""
from sqlalchemy import insert, select

from marketplace.extensions import db
from marketplace.models import Product

# (EAN-13, name, unit, category slug, price in cents, stock)
LISTINGS = (
    ("2010112000018", "Anis de Flavigny à la violette, boîte de 50 g", "la boîte", "epicerie", 390, 24),
    ("2020112000024", "Moutarde de Dijon à l'ancienne, 210 g", "le pot", "epicerie", 320, 30),
    ("2030112000030", "Pain d'épices au miel, 500 g", "la pièce", "epicerie", 690, 12),
    ("2040112000046", "Crème de cassis de Bourgogne, 50 cl", "la bouteille", "vins-boissons", 1590, 10),
    ("2050112000052", "Miel de fleurs du Morvan, 500 g", "le pot", "epicerie", 980, 18),
    ("2060112000068", "Confiture de cassis, 370 g", "le pot", "epicerie", 520, 20),
    ("2070112000074", "Jus de pomme de l'Auxois, 1 L", "la bouteille", "vins-boissons", 420, 36),
    ("2080112000080", "Nonnettes au cassis, boîte de 6", "la boîte", "epicerie", 560, 15),
    ("2090112000096", "Gaufrettes pur beurre, 125 g", "la boîte", "epicerie", 310, 25),
    ("2100112000108", "Farine de blé T65 du moulin, 1 kg", "le kg", "epicerie", 250, 40),
)


def ensure_listings(shops: list[dict], shop_ids: dict[str, int], categories) -> int:
    """List the barcoded products in the territory's first two grocers (half each) unless they
    are there already; returns how many were added. Their photos come with the other demo
    products' illustrations (demo._illustrate_products)."""
    grocers = [shop_ids[s["slug"]] for s in shops if s["type"] == "epicerie"][:2]
    if not grocers:
        return 0
    listed = set(db.session.scalars(select(Product.ean).where(Product.shop_id.in_(grocers),
                                                              Product.ean.is_not(None))))
    rows = [{"shop_id": grocers[index % len(grocers)], "category_id": categories[slug].id, "name": name,
             "unit": unit, "price_cents": price, "stock": stock, "ean": code, "sku": f"EAN-{index + 1:02d}",
             "description": "", "active": True}
            for index, (code, name, unit, slug, price, stock) in enumerate(LISTINGS) if code not in listed]
    if rows:
        db.session.execute(insert(Product), rows)
    return len(rows)
