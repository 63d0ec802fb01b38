"""Card acceptance (marketplace/card_acceptance.py): the ledger's view of a shop (by id, one query)
and the till page's (from a loaded Shop) say the same thing."""
from marketplace.card_acceptance import acceptance_for, acceptance_for_shop_id
from marketplace.extensions import db
from marketplace.models import Category, Shop
from tests import factories as f


def both_views(shop_id: int):
    by_id = acceptance_for_shop_id(db.session, shop_id)
    assert acceptance_for(db.session, db.session.get(Shop, shop_id)) == by_id
    return by_id


def test_a_shop_takes_the_card_with_its_category_path_and_commune(app):
    with app.app_context():
        food = Category(slug="alimentation", name="Alimentation")
        grocery = Category(slug="epicerie", name="Épicerie", parent=food)
        fine = Category(slug="epicerie-fine", name="Épicerie fine", parent=grocery)
        commune = f.commune()
        shop = f.shop("Le Comptoir", commune, category=fine)
        db.session.commit()
        terms = both_views(shop.id)
        assert terms.takes_card and terms.commune == commune.insee
        assert terms.category_slugs == {"alimentation", "epicerie", "epicerie-fine"}
        top = f.shop("La Halle", commune, category=food)
        db.session.commit()
        assert both_views(top.id).category_slugs == {"alimentation"}


def test_a_shop_not_approved_or_refusing_the_card_takes_none_and_an_unknown_shop_neither(app):
    with app.app_context():
        commune = f.commune()
        pending = f.shop("En attente", commune, status="pending")
        refusing = f.shop("Sans carte", commune, accepts_card=False)
        db.session.commit()
        for shop in (pending, refusing):
            terms = both_views(shop.id)
            assert not terms.takes_card and terms.category_slugs == frozenset()
        assert not acceptance_for_shop_id(db.session, 999_999).takes_card
