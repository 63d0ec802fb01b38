import re
from datetime import timedelta

from sqlalchemy import func, select, update
from stdnum import iban
from stdnum.fr import siret

from loyalty.clock import paris_day, utc_now
from marketplace import associations, commune_managers, topup_programmes
from marketplace.demo import DEMO_PASSWORD, seed
from marketplace.demo_data import SHOP_TYPES, TOWN_SHOP_ORDER
from marketplace.extensions import db
from marketplace.models import (
    Association,
    Category,
    Commune,
    Employee,
    Employer,
    EmployerMember,
    Product,
    ProductImage,
    Shop,
    ShopMember,
    User,
)
from marketplace.territory_import import AUXOIS_MORVAN_EPCIS

MODELS = (Commune, Category, Shop, Product, ProductImage, Employer, Employee, User, ShopMember, EmployerMember)
DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def counts():
    return {
        model.__name__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in MODELS
    }


def test_seed_is_complete_valid_and_idempotent(app_ctx):
    summary = seed(echo=lambda message: None)
    first = counts()

    assert "resident@demo.halle.fr" in summary and DEMO_PASSWORD in summary
    assert first["Commune"] == 226
    assert 140 <= first["Shop"] <= 160
    assert first["Product"] >= 9_000
    assert 3 <= first["Employer"] <= 4
    assert first["User"] == 9
    assert "guichet@demo.halle.fr" in summary and "Office de tourisme de Semur" in summary  # the card counter's seller
    # The merchants' association: its manager, 4 members, a request to approve, a programme of its own that
    # starts in a week (none runs in the demo: it would top up every card bought there).
    assert "union@demo.halle.fr" in summary
    union = db.session.execute(select(Association).filter_by(name="Les Vitrines de Semur")).scalar_one()
    assert len(associations.member_shop_ids(union.id)) == 4 and len(associations.members(union.id, "requested")) == 1
    assert topup_programmes.running() == [] == topup_programmes.running(today=paris_day(utc_now()) + timedelta(days=6))
    assert [p.association_id for p in topup_programmes.running(today=paris_day(utc_now()) + timedelta(days=7))] == [union.id]
    # Semur's programme manager, with no programme of the commune yet (they create the first one).
    mairie = db.session.execute(select(User).filter_by(email="mairie@demo.halle.fr")).scalar_one()
    assert commune_managers.is_manager(mairie, "21603") and commune_managers.programmes("21603") == []
    assert "mairie@demo.halle.fr" in summary
    # Artisans, services and small industries with no catalogue, found by what they do (issue 22).
    businesses = db.session.execute(select(Shop).filter_by(kind="services")).scalars().all()
    assert len(businesses) >= 8 and all(b.service_list and b.keyword_list for b in businesses)
    assert {"Plomberie Chauffage Renaud", "Usinage Précision de l'Auxois", "Motoculture Service Auxois"} <= {
        b.name for b in businesses}
    assert not any(b.products.count() for b in businesses)

    shops = db.session.execute(select(Shop)).scalars().all()
    communes = {c.insee: c for c in db.session.execute(select(Commune)).scalars()}
    assert all(shop.commune_insee in communes for shop in shops)
    assert all(communes[s.commune_insee].epci_code in AUXOIS_MORVAN_EPCIS for s in shops)
    assert all(shop.status == "approved" for shop in shops)
    assert all(siret.is_valid(shop.siret) for shop in shops)
    with_iban = [shop for shop in shops if shop.iban]
    assert len(shops) * 0.8 < len(with_iban) < len(shops)
    assert all(iban.is_valid(shop.iban) and shop.iban.startswith("FR") for shop in with_iban)
    assert sum(shop.accepts_card for shop in shops) > len(shops) * 0.75
    for shop in shops:
        assert shop.name and shop.address and shop.phone and shop.description
        assert set(shop.opening_hours) <= DAYS
        for slots in shop.opening_hours.values():
            assert all(TIME.match(start) and TIME.match(end) and start < end for start, end in slots)

    # bigger towns get more shops; small villages mostly none
    per_commune = {}
    for shop in shops:
        per_commune[shop.commune_insee] = per_commune.get(shop.commune_insee, 0) + 1
    assert per_commune["21425"] > per_commune["21710"] > 1  # Montbard > Vitteaux
    assert per_commune["21603"] >= 10  # Semur-en-Auxois
    for market_town in ("21584", "21023", "21501", "21505", "21349", "21087", "21663"):
        assert per_commune.get(market_town, 0) >= 2
    assert len(per_commune) < 60
    bakeries = [s for s in shops if s.category.slug == "boulangerie-patisserie"]
    assert all("sun" in s.opening_hours for s in bakeries)

    products = db.session.execute(select(Product)).scalars().all()
    assert all(p.price_cents > 0 and isinstance(p.price_cents, int) for p in products)
    assert any(p.stock is None for p in products) and any(p.stock == 0 for p in products)
    skus = {(p.shop_id, p.sku) for p in products}
    assert len(skus) == len(products)
    names = {p.name for p in products}
    for name in ("Époisses AOP", "Pain de campagne 400 g", "Confiture d'abricot 370 g"):
        assert name in names
    assert any(p.category.slug == "produits-festifs" for p in products)

    # names read as real: every shop its own name, naming its keeper or its commune; product names
    # without version-like numbers ("Pain de campagne 1.0"), each once in its shop
    assert len({shop.name for shop in shops}) == len(shops)
    assert not [p.name for p in products if re.search(r"\b\d+\.\d+$", p.name)]
    by_shop = {}
    for p in products:
        by_shop.setdefault(p.shop_id, []).append(p.name)
    assert all(len(set(names)) == len(names) for names in by_shop.values())

    # each product shows its category's illustration, drawn once per category into the media store
    from marketplace.images import media_path

    images = db.session.execute(select(ProductImage)).scalars().all()
    assert len(images) == len(products) and {i.product_id for i in images} == {p.id for p in products}
    keys = {p.category_id: set() for p in products}
    for image in images:
        keys[image.product.category_id].add(image.key)
    assert all(len(found) == 1 for found in keys.values())
    assert len({key for found in keys.values() for key in found}) == len(keys)
    assert all(media_path(key, size).exists() for found in keys.values() for key in found for size in ("thumb", "large"))

    employers = db.session.execute(select(Employer)).scalars().all()
    for employer in employers:
        assert employer.status == "approved" and siret.is_valid(employer.siret)
        assert employer.commune_insee in communes
        assert 20 <= employer.employees.count() <= 300

    def user(local):
        return db.session.execute(select(User).filter_by(email=f"{local}@demo.halle.fr")).scalar_one()

    assert user("admin").is_admin
    assert user("resident").home_commune_insee == "21603" and not user("resident").is_admin
    assert user("resident").check_password(DEMO_PASSWORD)
    (owner,) = user("commercant").shop_memberships
    assert owner.role == "owner" and owner.shop.commune_insee == "21603"
    assert owner.shop.category.slug == "boulangerie-patisserie"
    (cashier,) = user("caissier").shop_memberships
    assert cashier.role == "cashier" and cashier.shop_id == owner.shop_id
    (hr,) = user("rh").employer_memberships
    assert hr.employer.slug == "acieries-armancon"

    # what residents searched for and nobody sells, on the shops' dashboards (the rarest left out)
    from search.unmet import wanted_by_residents

    assert [(row.text, row.count) for row in wanted_by_residents()] == [
        ("kombucha", 6), ("farine de sarrasin", 5), ("tempeh", 4), ("sirop d'érable", 3)]

    # Every persona can order at once: their addresses count as confirmed, also on a database whose
    # accounts were there before the check (the migration leaves them unconfirmed).
    assert all(u.email_confirmed for u in db.session.execute(select(User)).scalars())
    db.session.execute(update(User).values(email_confirmed_at=None))
    db.session.commit()

    # the same seed again adds nothing and changes nothing
    before = {(s.slug, s.name, s.siret, s.iban) for s in shops}
    db.session.expire_all()
    seed(echo=lambda message: None)
    assert counts() == first
    after = {(s.slug, s.name, s.siret, s.iban) for s in db.session.execute(select(Shop)).scalars()}
    assert after == before
    assert all(u.email_confirmed for u in db.session.execute(select(User)).scalars())


def test_every_shop_type_has_a_catalogue_in_known_categories(app_ctx):
    from marketplace.taxonomy import default_category_slugs

    known = set(default_category_slugs())
    for key, shop_type in SHOP_TYPES.items():
        assert shop_type.category in known, key
        assert all((p.category or shop_type.category) in known for p in shop_type.products), key
    assert set(TOWN_SHOP_ORDER) <= set(SHOP_TYPES)
