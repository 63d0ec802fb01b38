"""Fixtures of the shop and catalogue tests: the default taxonomy, a shop with its team, photos."""
import io

import pytest
from PIL import Image

from marketplace.extensions import db
from marketplace.taxonomy import ensure_default_taxonomy
from tests import factories as f

VALID_SIRET = "73282932000074"
VALID_IBAN = "FR7630006000011234567890189"


@pytest.fixture(autouse=True)
def media_dir(app, tmp_path, monkeypatch):
    """Photos go to a temporary folder, not to instance/."""
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path / "media"))
    return tmp_path / "media"


@pytest.fixture
def shop_world(app):
    """Two shops in the default taxonomy; the first has an owner, a staff member and a cashier."""
    with app.app_context():
        categories = ensure_default_taxonomy(db.session)
        semur = f.commune()
        arnay = f.commune(**f.ARNAY)
        bakery = f.shop("Boulangerie Moreau", semur, category=categories["boulangerie-patisserie"],
                        address="3 rue Buffon", opening_hours={"tue": [["07:00", "12:30"], ["15:00", "19:00"]]},
                        siret=VALID_SIRET, iban=VALID_IBAN)
        cheese = f.shop("Fromagerie Perrin", arnay, category=categories["fromagerie"])
        users = {role: f.user(f"{role}@example.fr") for role in ("owner", "staff", "cashier", "other", "admin",
                                                                  "resident")}
        users["admin"].is_admin = True
        f.shop_member(bakery, users["owner"], "owner")
        f.shop_member(bakery, users["staff"], "staff")
        f.shop_member(bakery, users["cashier"], "cashier")
        f.shop_member(cheese, users["other"], "owner")
        bread = f.product(bakery, "Pain de campagne", 240, sku="B001", stock=12)
        comte = f.product(cheese, "Comté 18 mois", 3290, sku="F001", unit="le kg")
        db.session.commit()
        return {
            "bakery": bakery.id, "cheese": cheese.id, "bread": bread.id, "comte": comte.id,
            "semur": semur.insee, "arnay": arnay.insee,
            "categories": {slug: c.id for slug, c in categories.items()},
            "emails": {role: u.email for role, u in users.items()},
        }


def image_bytes(size=(800, 600), mode="RGB", image_format="JPEG", **save_options) -> bytes:
    buffer = io.BytesIO()
    color = (200, 120, 40, 128) if mode == "RGBA" else (200, 120, 40)
    Image.new(mode, size, color).save(buffer, image_format, **save_options)
    return buffer.getvalue()
