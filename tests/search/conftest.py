"""A fixed catalogue over real communes of Auxois Morvan, indexed, for the search tests."""
import pytest

import search
from marketplace.extensions import db
from marketplace.models import Commune, Product, Shop
from marketplace.taxonomy import ensure_default_taxonomy
from marketplace.territory_import import AUXOIS_MORVAN_EPCIS, import_territory
from search.synonyms import install_defaults

# Closing times are exclusive: "24:00" keeps the shop open in the day's last minute too (with
# "23:59" the open-now tests failed when run at 23:59, Paris time).
ALWAYS_OPEN = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

# shop name, commune, category slug, accepts card, products (name, price in cents, stock)
CATALOGUE = [
    ("Boulangerie Moreau", "Semur-en-Auxois", "boulangerie-patisserie", True, [
        ("Pain de campagne", 320, None), ("Baguette tradition", 120, None), ("Croissant au beurre", 110, 30),
        ("Pain d'épices au miel", 650, 8), ("Tarte aux abricots", 1800, 2), ("Gâteau au chocolat", 2200, 0)]),
    ("Fromagerie Perrin", "Époisses", "fromagerie", True, [
        ("Époisses AOP", 1150, 12), ("Comté 18 mois", 2890, 5), ("Brillat-Savarin", 990, 3),
        ("Fromage blanc fermier", 450, 10), ("Beurre doux de baratte", 380, 20)]),
    ("Épicerie du Duc", "Arnay-le-Duc", "epicerie", False, [
        ("Confiture d'abricot", 590, 14), ("Confiture de fraises", 560, 9), ("Pâtés en croûte", 890, 4),
        ("Moutarde de Dijon", 320, 40), ("Huile de noix", 1290, 6), ("Lentilles vertes", 410, 25),
        ("Crème de cassis de Bourgogne", 1690, 7)]),
    ("Chaussures Lambert", "Montbard", "chaussures", True, [
        ("Chaussures de randonnée", 8900, 4), ("Baskets en toile", 4500, 6), ("Bottes en caoutchouc", 3200, 8),
        ("Chaussons en feutre", 2900, 0), ("Chaussures de sport running", 7900, 3)]),
    ("Au Pull Morvandiau", "Saulieu", "vetements", True, [
        ("Pull en laine mérinos", 7900, 5), ("Chandail marin", 6500, 2), ("Écharpe tricotée", 3500, 6),
        ("Chaussettes en laine", 1400, 30), ("Veste polaire", 5900, 4)]),
    ("Quincaillerie de l'Auxois", "Vitteaux", "quincaillerie", True, [
        ("Marteau de charpentier", 2400, 10), ("Tournevis cruciforme", 690, 25),
        ("Pièce détachée pour tondeuse", 1990, 3), ("Cadenas laiton", 1290, 12), ("Arrosoir galvanisé", 2890, 4)]),
    ("Rucher de Précy", "Précy-sous-Thil", "epicerie", True, [
        ("Miel de fleurs", 890, 20), ("Miel d'acacia", 1090, 15), ("Bougie en cire d'abeille", 790, 9),
        ("Pain d'épices artisanal", 720, 5)]),
    ("Sport Nature Venarey", "Venarey-les-Laumes", "sport", True, [
        ("Canne à pêche télescopique", 4900, 3), ("Ballon de football", 1990, 10), ("Vélo tout chemin", 39900, 1),
        ("Raquette de tennis", 5900, 4), ("Gourde inox", 1590, 20)]),
    ("Librairie Au fil des pages", "Semur-en-Auxois", "librairie-papeterie", True, [
        ("Guide des randonnées de l'Auxois", 1500, 6), ("Bande dessinée Astérix", 1099, 4),
        ("Carnet de notes", 450, 40), ("Carte IGN Morvan", 1290, 7)]),
]

# Businesses without a catalogue (issue 22): name, commune, category slug, accepts card, services,
# keywords, radius served (km), communes served.
BUSINESSES = [
    ("Plomberie Renaud", "Semur-en-Auxois", "services", True,
     "Dépannage de fuites et débouchage\nInstallation de chauffe-eau\nEntretien de chaudières",
     "plombier, plomberie, chauffagiste", 25, ()),
    ("Électricité Fournier", "Montbard", "services", True, "Mise aux normes électriques\nBornes de recharge",
     "électricien, électricité, dépannage", 30, ()),
    ("Motoculture Service Venarey", "Venarey-les-Laumes", "reparation", True,
     "Réparation et entretien de tondeuses et de débroussailleuses\nAffûtage de lames",
     "réparation tondeuse, motoculture, débroussailleuse", 30, ()),
    ("Usinage Précision Montbard", "Montbard", "services", False,
     "Tournage et fraisage sur commande numérique\nPièces de rechange sur plan ou d'après modèle\nSoudure",
     "usinage, mécanique de précision, pièce sur mesure", 60, ()),
    ("Ramonage Perrot", "Arnay-le-Duc", "services", True, "Ramonage de cheminées et de poêles",
     "ramoneur, ramonage, cheminée", None, ("Arnay-le-Duc", "Pouilly-en-Auxois")),
]


class World:
    """Ids of the fixed catalogue by name, to state expectations by name."""

    def __init__(self):
        self.products: dict[str, int] = {}
        self.shops: dict[str, int] = {}
        self.communes: dict[str, str] = {}

    def names(self, product_ids) -> list[str]:
        by_id = {v: k for k, v in self.products.items()}
        return [by_id[i] for i in product_ids]


def build_catalogue(open_shops=("Boulangerie Moreau",)) -> World:
    world = World()
    import_territory(epci_codes=AUXOIS_MORVAN_EPCIS)
    categories = ensure_default_taxonomy(db.session)
    world.communes = {c.name: c.insee for c in Commune.query.all()}
    for shop_name, commune_name, category_slug, card, products in CATALOGUE:
        slug = search_slug(shop_name)
        shop = Shop(name=shop_name, slug=slug, commune_insee=world.communes[commune_name],
                    category=categories[category_slug],
                    status="approved", accepts_card=card,
                    opening_hours=ALWAYS_OPEN if shop_name in open_shops else {})
        db.session.add(shop)
        db.session.flush()
        world.shops[shop_name] = shop.id
        for name, price, stock in products:
            product = Product(shop=shop, category_id=shop.category_id, name=name, price_cents=price,
                              stock=stock, description=f"{name}, de {shop_name} à {commune_name}.")
            db.session.add(product)
            db.session.flush()
            world.products[name] = product.id
    for name, commune_name, category_slug, card, services, keywords, radius, served in BUSINESSES:
        shop = Shop(name=name, slug=search_slug(name), commune_insee=world.communes[commune_name],
                    category=categories[category_slug], status="approved", accepts_card=card, kind="services",
                    services=services, keywords=keywords, area_radius_km=radius, phone="03 80 97 00 00",
                    area_communes=[world.communes[c] for c in served] or None,
                    opening_hours=ALWAYS_OPEN if name in open_shops else {})
        db.session.add(shop)
        db.session.flush()
        world.shops[name] = shop.id
    install_defaults(db.session)
    db.session.commit()
    return world


def search_slug(name: str) -> str:
    from marketplace.territory_import import slugify

    return slugify(name)


@pytest.fixture(autouse=True, params=search.BACKENDS)
def search_backend(request, app, database_url):
    """Every search test runs on each backend (one suite, not copies). Tests of one backend's
    own mechanics say so with @pytest.mark.whoosh_only or @pytest.mark.postgres_only."""
    name = request.param
    if name == "postgres" and not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL search backend needs a PostgreSQL test database (TEST_DATABASE_URL)")
    for marker, only in (("whoosh_only", "whoosh"), ("postgres_only", "postgres")):
        if request.node.get_closest_marker(marker) and name != only:
            pytest.skip(f"tests the {only} backend's own mechanics")
    _use_backend(app, name)
    yield name
    _use_backend(app, "whoosh")


def _use_backend(app, name: str) -> None:
    engine = app.extensions.pop("search_backend", None)
    if engine is not None:
        engine.close()
    app.config["SEARCH_BACKEND"] = name


@pytest.fixture(autouse=True)
def _empty_index(app, search_backend):
    """Each test starts from an index matching its (empty) database."""
    with app.app_context():
        search.rebuild()


@pytest.fixture
def world(app, _empty_index):
    with app.app_context():
        built = build_catalogue()
        search.rebuild()
        search.invalidate_reference()
    return built


@pytest.fixture
def ask(app):
    """Run a search as the API would (URL arguments) and return the results."""

    def run(record_unmet=False, **args):
        with app.test_request_context():
            query = search.parse_search_args({k: str(v) for k, v in args.items()}, search.reference_data())
            return search.search(query, record_unmet=record_unmet)

    return run


def pytest_configure(config):
    config.addinivalue_line("markers", "whoosh_only: tests the Whoosh backend's own mechanics (index files, outbox)")
    config.addinivalue_line("markers", "postgres_only: tests the PostgreSQL backend's own mechanics (triggers)")
