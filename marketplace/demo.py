"""Demo content: the Auxois Morvan territory with shops, products, employers and demo logins.

`seed()` is deterministic (a fixed random seed, and a plan that depends only on the communes
data file) and idempotent: every row has a natural key (slug, email, shop + sku, employer +
staff number) and only the missing ones are inserted, so running it again changes nothing.
Products without a photo get their category's illustration, drawn once per category
(marketplace.demo_pictures).
"""
import itertools
import math
import random
import time
from datetime import timedelta

from sqlalchemy import func, insert, select
from stdnum import iban as iban_number
from stdnum import luhn

from loyalty import ledger
from loyalty.cards import create_card
from loyalty.clock import paris_day, utc_now
from loyalty.models import Entry
from marketplace import demo_barcodes, topup_programmes
from marketplace import demo_data as data
from marketplace import settings as card_settings
from marketplace.demo_pictures import category_picture
from marketplace.extensions import db
from marketplace.images import store_image
from marketplace.lockers import seed_demo_banks
from marketplace.models import (
    Association,
    AssociationManager,
    AssociationMember,
    CommuneManager,
    Commune,
    Employee,
    Employer,
    EmployerMember,
    Product,
    ProductImage,
    Shop,
    ShopMember,
    TopUpProgramme,
    User,
)
from marketplace.models.associations import MEMBER, REQUESTED
from marketplace.models.base import utcnow
from marketplace.orders import resident_card
from marketplace.taxonomy import ensure_default_taxonomy
from marketplace.territory_import import (
    AUXOIS_MORVAN_EPCIS,
    import_territory,
    load_communes_file,
    slugify,
)
from search import seed_demo as seed_search

RANDOM_SEED = 21140  # Semur-en-Auxois' postal code
DEMO_PASSWORD = "halle-demo"
DEMO_DOMAIN = "demo.halle.fr"
TOWN_SHOP_COUNT = 135
COUNTRY_SHOP_COUNT = 15
PRODUCT_TARGET = 10_000
SEMUR_INSEE = "21603"
# Chefs-lieux and market towns: more shops than their population alone would give them.
MARKET_TOWNS = {"21584", "21023", "21501", "21710", "21505", "21349", "21087", "21247"}
MIN_TOWN_POPULATION = 400

DEMO_USERS = (
    # email local part, first name, last name, role description
    ("admin", "Claire", "Vautrin", "administratrice du territoire"),
    ("resident", "Julien", "Bernard", "habitant de Semur-en-Auxois"),
    ("commercant", "Sophie", "Moreau", "gérante de la Boulangerie Moreau (Semur-en-Auxois)"),
    ("caissier", "Lucas", "Petit", "caissier de la Boulangerie Moreau"),
    ("rh", "Nathalie", "Girard", "RH des Aciéries de l'Armançon"),
    ("guichet", "Aurélie", "Lambert", "vendeuse de cartes cadeaux à l'Office de tourisme de Semur"),
    ("union", "Isabelle", "Garnier", "gestionnaire de l'union commerciale Les Vitrines de Semur"),
    ("mairie", "Marc", "Dufour", "gestionnaire des programmes d'abondement de Semur-en-Auxois"),
    data.BUSINESS_OWNER[:4],
)


# --- identifiers ------------------------------------------------------------------------------


def random_digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def make_siret(rng: random.Random) -> str:
    """A fictitious SIRET: a Luhn-valid SIREN followed by an establishment number (NIC)."""
    while True:
        siren = str(rng.randrange(1, 10)) + random_digits(rng, 7)
        siren += luhn.calc_check_digit(siren)
        if not siren.startswith("356000000"):  # La Poste's SIREN follows other rules
            break
    base = siren + "0" + random_digits(rng, 3)
    return base + luhn.calc_check_digit(base)


def make_iban(rng: random.Random) -> str:
    """A fictitious French IBAN with a valid RIB key and valid IBAN check digits."""
    bank, branch, account = rng.choice(data.BANK_CODES), random_digits(rng, 5), random_digits(rng, 11)
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    return "FR" + iban_number.calc_check_digits(f"FR00{bban}") + bban


def make_phone(rng: random.Random) -> str:
    return "03 80 " + " ".join(f"{rng.randrange(100):02d}" for _ in range(3))


def de(name: str) -> str:
    """French 'of' before a place name: de Montbard, d'Arnay-le-Duc, du Morvan."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    return ("d'" if name[0] in "AEIOUYÉÈÎÔ" else "de ") + name


# --- the plan ---------------------------------------------------------------------------------


def shop_counts(communes, rng: random.Random) -> list[tuple[object, int]]:
    """How many shops each commune gets: towns by population (largest remainder), then a few
    farms and workshops in villages."""
    towns = [c for c in communes if c.population >= MIN_TOWN_POPULATION or c.insee in MARKET_TOWNS]
    weights = {
        c.insee: c.population ** 1.2 * (1.6 if c.insee in MARKET_TOWNS else 1.0) for c in towns
    }
    total = sum(weights.values())
    quotas = {c.insee: TOWN_SHOP_COUNT * weights[c.insee] / total for c in towns}
    counts = {insee: max(1, math.floor(q)) for insee, q in quotas.items()}
    by_remainder = sorted(towns, key=lambda c: (-(quotas[c.insee] - math.floor(quotas[c.insee])), c.insee))
    for commune in by_remainder[: max(0, TOWN_SHOP_COUNT - sum(counts.values()))]:
        counts[commune.insee] += 1
    plan = [(c, counts[c.insee]) for c in sorted(towns, key=lambda c: (-c.population, c.insee))]

    villages = [c for c in communes if c.insee not in weights and c.population >= 60]
    # weighted sample without replacement (Efraimidis–Spirakis): bigger villages more likely
    villages.sort(key=lambda c: (-(rng.random() ** (1 / math.sqrt(c.population))), c.insee))
    plan += [(c, 1) for c in villages[:COUNTRY_SHOP_COUNT]]
    return plan


def opening_hours(shop_type, rng: random.Random) -> dict:
    hours = {day: [list(slot) for slot in slots] for day, slots in data.HOURS[shop_type.hours].items()}
    if shop_type.hours in ("bakery", "food") and rng.random() < 0.3:
        # some close on Wednesday rather than Monday
        hours["mon"] = hours.pop("wed")
    if shop_type.hours == "retail" and rng.random() < 0.3:
        hours["mon"] = [["14:30", "19:00"]]
    order = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return {day: hours[day] for day in order if day in hours}


def shop_name(shop_type, commune, taken: set[str], rng: random.Random) -> str:
    """A name no other demo shop has, naming its keeper or its commune ("Boulangerie Perrin",
    "Le Panier de Vitteaux"): residents tell shops apart by their names."""
    for _ in range(50):
        name = rng.choice(shop_type.names).format(
            nom=rng.choice(data.SURNAMES), prenom=rng.choice(data.FIRST_NAMES), commune=commune.name,
            de_commune=de(commune.name))
        if name not in taken:
            return name
    raise RuntimeError(f"no free shop name for a {shop_type.key} in {commune.name}")


def plan_shops(communes, rng: random.Random) -> list[dict]:
    shops, slugs, names = [], set(), {"Boulangerie Moreau"}
    country_types = list(data.COUNTRY_SHOP_TYPES)
    for commune, count in shop_counts(communes, rng):
        if count == 1 and commune.population < MIN_TOWN_POPULATION and commune.insee not in MARKET_TOWNS:
            type_keys = [country_types[len(shops) % len(country_types)]]
        else:
            type_keys = list(itertools.islice(itertools.cycle(data.TOWN_SHOP_ORDER), count))
        for key in type_keys:
            shop_type = data.SHOP_TYPES[key]
            if commune.insee == SEMUR_INSEE and key == "boulangerie" and not any(
                s["type"] == "boulangerie" and s["commune_insee"] == SEMUR_INSEE for s in shops
            ):
                name = "Boulangerie Moreau"  # the demo shopkeeper's shop
            else:
                name = shop_name(shop_type, commune, names, rng)
            names.add(name)
            slug = base = slugify(name if slugify(commune.name) in slugify(name) else f"{name} {commune.name}")
            for n in itertools.count(2):
                if slug not in slugs:
                    break
                slug = f"{base}-{n}"
            slugs.add(slug)
            shops.append({
                "type": key,
                "slug": slug,
                "name": name,
                "category": shop_type.category,
                "commune_insee": commune.insee,
                "address": f"{rng.randrange(1, 40)} {rng.choice(data.STREETS)}",
                "description": rng.choice(shop_type.descriptions),
                "phone": make_phone(rng),
                "email": f"{slug}@{DEMO_DOMAIN}",
                # The demo cashier's bakery takes the card (the random draw is kept for determinism).
                "accepts_card": rng.random() < 0.9 or name == "Boulangerie Moreau",
                "siret": make_siret(rng),
                "iban": make_iban(rng) if rng.random() < 0.92 else None,
                "opening_hours": opening_hours(shop_type, rng),
                "status": "approved",
            })
    return shops


def expand_catalogue(shop_type, rng: random.Random) -> list[dict]:
    """Every product a shop of this type could sell, with a reference price."""
    products = []
    for family in shop_type.products:
        axes = [[v if isinstance(v, tuple) else (v, 1.0) for v in axis] for axis in family.axes]
        for combination in itertools.product(*axes):
            factor = math.prod(f for _, f in combination)
            products.append({
                "name": family.template.format(*(label for label, _ in combination)),
                "unit": family.unit,
                "price": rng.randint(*family.price) * factor,
                "category": family.category or shop_type.category,
                "description": family.description,
                "stock": family.stock,
            })
    return products


def stock_level(mode: str, rng: random.Random) -> int | None:
    if mode == "made_to_order":
        return None
    if mode == "scarce":
        return rng.randrange(0, 6)
    roll = rng.random()
    if roll < 0.07:
        return 0  # out of stock
    if roll < 0.12:
        return None  # made to order
    return rng.randint(1, 80)


def round_price(cents: float) -> int:
    step = 5 if cents < 200 else 10
    return max(step, int(round(cents / step)) * step)


def plan_products(shops: list[dict], rng: random.Random) -> dict[str, list[dict]]:
    """The products of each shop (by shop slug), about PRODUCT_TARGET in all."""
    catalogues = {key: expand_catalogue(t, rng) for key, t in data.SHOP_TYPES.items()}
    wishes = [data.SHOP_TYPES[s["type"]].size * rng.uniform(0.7, 1.3) for s in shops]
    limits = [len(catalogues[s["type"]]) for s in shops]
    scale = 1.0
    for _ in range(6):  # shops whose catalogue is exhausted leave more to the others
        counts = [min(limit, max(8, round(wish * scale))) for wish, limit in zip(wishes, limits)]
        scale *= PRODUCT_TARGET / sum(counts)
    products = {}
    for shop, count in zip(shops, counts):
        shop_type = data.SHOP_TYPES[shop["type"]]
        catalogue = catalogues[shop["type"]]
        chosen = sorted(rng.sample(range(len(catalogue)), count))
        price_level = rng.uniform(0.92, 1.1)
        prefix = shop["type"][:3].upper()
        rows = []
        for number, index in enumerate(chosen, start=1):
            item = catalogue[index]
            note = rng.choice(shop_type.product_notes)
            rows.append({
                "name": item["name"],
                "description": f"{item['description']} {note}".strip(),
                "price_cents": round_price(item["price"] * price_level),
                "unit": item["unit"],
                "stock": stock_level(item["stock"], rng),
                "sku": f"{prefix}-{number:04d}",
                "category": item["category"],
                "active": True,
            })
        products[shop["slug"]] = rows
    return products


def plan_employers(rng: random.Random) -> list[dict]:
    employers = []
    for slug, name, insee, street, staff in data.EMPLOYERS:
        employees, emails = [], set()
        for number in range(1, staff + 1):
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.SURNAMES)
            email = None
            if rng.random() < 0.95:
                local = base = f"{slugify(first)}.{slugify(last)}".replace("-", "")
                for n in itertools.count(2):
                    if local not in emails:
                        break
                    local = f"{base}{n}"
                emails.add(local)
                email = f"{local}@{slug}.{DEMO_DOMAIN}"
            under_16 = rng.choices((0, 1, 2, 3), weights=(55, 20, 18, 7))[0]
            employees.append({
                "external_id": f"M{number:05d}",
                "first_name": first,
                "last_name": last,
                "email": email,
                "children_under_16": under_16,
                "children_under_26": under_16 + rng.choices((0, 1, 2), weights=(75, 18, 7))[0],
            })
        employers.append({
            "slug": slug,
            "name": name,
            "commune_insee": insee,
            "address": f"{rng.randrange(1, 30)} {street}",
            "siret": make_siret(rng),
            "billing_email": f"comptabilite@{slug}.{DEMO_DOMAIN}",
            "status": "approved",
            "employees": employees,
        })
    return employers


# --- writing ----------------------------------------------------------------------------------


def plan_businesses(rng: random.Random) -> list[dict]:
    """The artisans, services and small industries that sell no catalogue (demo_data.BUSINESSES)."""
    return [{
        "slug": slug, "name": name, "commune_insee": insee, "address": address, "phone": phone, "category": category,
        "description": description, "services": services, "keywords": keywords, "area_radius_km": radius,
        "area_communes": list(communes) or None, "opening_hours": hours, "accepts_card": card, "kind": "services",
        "email": f"{slug}@{DEMO_DOMAIN}", "siret": make_siret(rng), "status": "approved",
    } for (slug, name, insee, address, phone, category, description, services, keywords, radius, communes, hours,
           card) in data.BUSINESSES]


def _insert_shops(shops, categories) -> int:
    existing = set(db.session.execute(select(Shop.slug)).scalars())
    rows = [
        {k: v for k, v in shop.items() if k not in ("type", "category")}
        | {"category_id": categories[shop["category"]].id}
        for shop in shops
        if shop["slug"] not in existing
    ]
    if rows:
        db.session.execute(insert(Shop), rows)
    return len(rows)


def _insert_products(products, shop_ids, categories) -> int:
    existing = set(
        db.session.execute(
            select(Product.shop_id, Product.sku).where(Product.shop_id.in_(shop_ids.values()))
        ).all()
    )
    rows = []
    for slug, items in products.items():
        shop_id = shop_ids[slug]
        for item in items:
            if (shop_id, item["sku"]) in existing:
                continue
            row = {k: v for k, v in item.items() if k != "category"}
            rows.append(row | {"shop_id": shop_id, "category_id": categories[item["category"]].id})
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Product), rows[start:start + 2000])
    return len(rows)


def _illustrate_products(shop_ids, categories) -> int:
    """Give the demo products without a photo their category's illustration (marketplace.demo_pictures):
    one picture per category in the media store, shared by its products. Returns how many got one."""
    has_photo = select(ProductImage.id).where(ProductImage.product_id == Product.id).exists()
    bare = db.session.execute(
        select(Product.id, Product.category_id).where(Product.shop_id.in_(shop_ids), ~has_photo)).all()
    slugs = {category.id: slug for slug, category in categories.items()}
    keys = {category_id: store_image(category_picture(slugs[category_id]))
            for category_id in {category_id for _, category_id in bare}}
    rows = [{"product_id": product_id, "key": keys[category_id], "position": 0} for product_id, category_id in bare]
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(ProductImage), rows[start:start + 2000])
    return len(rows)


def _insert_employers(employers) -> int:
    existing = set(db.session.execute(select(Employer.slug)).scalars())
    for employer in employers:
        if employer["slug"] not in existing:
            db.session.add(Employer(**{k: v for k, v in employer.items() if k != "employees"}))
    db.session.flush()
    employer_ids = dict(db.session.execute(select(Employer.slug, Employer.id)).all())
    known = set(db.session.execute(select(Employee.employer_id, Employee.external_id)).all())
    rows = [
        person | {"employer_id": employer_ids[employer["slug"]]}
        for employer in employers
        for person in employer["employees"]
        if (employer_ids[employer["slug"]], person["external_id"]) not in known
    ]
    if rows:
        db.session.execute(insert(Employee), rows)
    return len(rows)


def _ensure_users(bakery_slug: str, employer_slug: str) -> int:
    """The demo logins and their roles; returns how many users were created."""
    created = 0
    users = {}
    for local, first, last, _ in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = db.session.execute(select(User).filter_by(email=email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, first_name=first, last_name=last)
            user.set_password(DEMO_PASSWORD)
            user.is_admin = local == "admin"
            if local == "resident":
                user.home_commune_insee = SEMUR_INSEE
            db.session.add(user)
            created += 1
        user.email_confirmed_at = user.email_confirmed_at or utcnow()  # a demo persona's mailbox is the console
        users[local] = user
    db.session.flush()

    shop = db.session.execute(select(Shop).filter_by(slug=bakery_slug)).scalar_one()
    for local, role in (("commercant", "owner"), ("caissier", "cashier")):
        if not db.session.execute(
            select(ShopMember).filter_by(shop_id=shop.id, user_id=users[local].id)
        ).first():
            db.session.add(ShopMember(shop_id=shop.id, user_id=users[local].id, role=role))
    business = db.session.execute(select(Shop).filter_by(slug=data.BUSINESS_OWNER[4])).scalar_one()
    if not db.session.execute(select(ShopMember).filter_by(shop_id=business.id, user_id=users["atelier"].id)).first():
        db.session.add(ShopMember(shop_id=business.id, user_id=users["atelier"].id, role="owner"))
    employer = db.session.execute(select(Employer).filter_by(slug=employer_slug)).scalar_one()
    if not db.session.execute(
        select(EmployerMember).filter_by(employer_id=employer.id, user_id=users["rh"].id)
    ).first():
        db.session.add(EmployerMember(employer_id=employer.id, user_id=users["rh"].id, role="hr"))
    _ensure_counter(users["guichet"])
    db.session.flush()
    _ensure_association(users["union"], shop)
    # Semur's programme manager; no programme of the commune (a running one would top up every
    # card bought in the demo): they create the first one.
    if not db.session.execute(select(CommuneManager).filter_by(commune_insee=SEMUR_INSEE,
                                                               user_id=users["mairie"].id)).first():
        db.session.add(CommuneManager(commune_insee=SEMUR_INSEE, user_id=users["mairie"].id))
        db.session.commit()
    return created


DEMO_COUNTER = "Office de tourisme de Semur"


def _ensure_counter(seller: User) -> None:
    """The demo's card counter (point de vente cartes) and its seller."""
    from marketplace.models import CardCounter, CardCounterMember

    counter = db.session.execute(select(CardCounter).filter_by(name=DEMO_COUNTER)).scalar_one_or_none()
    if counter is None:
        counter = CardCounter(name=DEMO_COUNTER, commune_insee=SEMUR_INSEE)
        db.session.add(counter)
        db.session.flush()
    if not db.session.execute(select(CardCounterMember).filter_by(counter_id=counter.id, user_id=seller.id)).first():
        db.session.add(CardCounterMember(counter_id=counter.id, user_id=seller.id))


DEMO_ASSOCIATION = "Les Vitrines de Semur"
DEMO_ASSOCIATION_MEMBERS = 4


def _ensure_association(manager: User, bakery: Shop) -> None:
    """The demo's merchants' association: its manager, the bakery and three other shops of Semur
    as members, one more shop asking to join (for the manager to approve), and a running top-up
    programme of its own (funded once: the programme's row tells a later seed it is done)."""
    association = db.session.execute(select(Association).filter_by(name=DEMO_ASSOCIATION)).scalar_one_or_none()
    if association is None:
        association = Association(name=DEMO_ASSOCIATION, slug="les-vitrines-de-semur",
                                  description="Les commerçants du centre de Semur-en-Auxois : bons d'achat abondés "
                                              "et cartes cadeaux à dépenser chez nos membres.",
                                  communes=[db.session.get(Commune, SEMUR_INSEE)])
        db.session.add(association)
        db.session.flush()
    if not db.session.execute(select(AssociationManager).filter_by(association_id=association.id,
                                                                   user_id=manager.id)).first():
        db.session.add(AssociationManager(association_id=association.id, user_id=manager.id))
    if not association.memberships:
        others = db.session.scalars(select(Shop).where(Shop.commune_insee == SEMUR_INSEE, Shop.id != bakery.id,
                                                       Shop.status == "approved", Shop.kind != "services",
                                                       Shop.accepts_card.is_(True))
                                    .order_by(Shop.name).limit(DEMO_ASSOCIATION_MEMBERS)).all()
        now = utc_now().replace(tzinfo=None)
        for shop in [bakery, *others[:DEMO_ASSOCIATION_MEMBERS - 1]]:
            db.session.add(AssociationMember(association_id=association.id, shop_id=shop.id, status=MEMBER,
                                             joined_at=now))
        if len(others) >= DEMO_ASSOCIATION_MEMBERS:
            db.session.add(AssociationMember(association_id=association.id, shop_id=others[-1].id, status=REQUESTED))
    db.session.commit()
    if db.session.scalar(select(TopUpProgramme.id).where(TopUpProgramme.association_id == association.id)) is None:
        # It starts in a week: a programme running in the demo would top up every card bought there (the
        # browser journeys' amounts too); the manager sees it coming and may start their own. Not tomorrow:
        # a test run that crosses midnight in Paris would see it start halfway.
        today = paris_day(utc_now())
        topup_programmes.create(topup_programmes.ProgrammeTerms(
            name="Noël des Vitrines", budget_cents=500_000, rate_percent=20, cap_per_purchase_cents=2_000,
            cap_per_person_cents=4_000, starts_on=today + timedelta(days=7), ends_on=today + timedelta(days=365),
            allowed_categories=None,
            allowed_communes=None, association_id=association.id), admin=manager)


RESIDENT_CREDIT_CENTS = 5_000
RESIDENT_GRANT_KEY = "demo:resident-card:grant"


def _ensure_resident_card(user: User) -> bool:
    """The demo resident's territorial card, with 50 € of welcome credit from the territory fund,
    spendable in every shop for a year from the first seed. True when it was created now (the
    grant's key tells a later seed that it is done, whatever day it runs)."""
    if db.session.scalar(select(Entry.id).where(Entry.idempotency_key == RESIDENT_GRANT_KEY)):
        return False
    card = resident_card(user.id) or create_card(db.session, holder_user_id=user.id, active=True,
                                                 prefix=card_settings.card_settings().card_prefix)
    ledger.fund(db.session, amount_cents=RESIDENT_CREDIT_CENTS, key="demo:resident-card:fund", actor="demo")
    ledger.issue_grant(db.session, card_id=card.id, amount_cents=RESIDENT_CREDIT_CENTS,
                       label="Bienvenue sur Halle (démonstration)", expires_on=paris_day(utc_now()) + timedelta(days=365),
                       key=RESIDENT_GRANT_KEY, actor="demo", expiry_policy="territory")
    return True


def seed(echo=print) -> str:
    """Load the demo territory and its content; returns a summary with the demo logins."""
    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED)

    communes = load_communes_file(epci_codes=AUXOIS_MORVAN_EPCIS)
    imported = import_territory(epci_codes=AUXOIS_MORVAN_EPCIS)
    echo(f"Communes : {imported.created} ajoutées, {imported.updated} mises à jour.")
    categories = ensure_default_taxonomy(db.session)

    shops = plan_shops(communes, rng)
    products = plan_products(shops, rng)
    employers = plan_employers(rng)

    new_shops = _insert_shops(shops, categories)
    new_shops += _insert_shops(plan_businesses(random.Random(RANDOM_SEED + 22)), categories)
    slugs = [s["slug"] for s in shops]
    shop_ids = dict(db.session.execute(select(Shop.slug, Shop.id).where(Shop.slug.in_(slugs))).all())
    echo(f"Commerces : {new_shops} ajoutés.")
    new_products = _insert_products(products, shop_ids, categories)
    new_products += demo_barcodes.ensure_listings(shops, shop_ids, categories)
    echo(f"Produits : {new_products} ajoutés.")
    echo(f"Illustrations : {_illustrate_products(list(shop_ids.values()), categories)} produits illustrés.")
    new_employees = _insert_employers(employers)
    echo(f"Salariés : {new_employees} ajoutés.")
    bakery = next(s for s in shops if s["name"] == "Boulangerie Moreau")
    new_users = _ensure_users(bakery["slug"], employers[0]["slug"])
    db.session.commit()
    resident = db.session.execute(select(User).filter_by(email=f"resident@{DEMO_DOMAIN}")).scalar_one()
    if _ensure_resident_card(resident):
        echo(f"Carte territoriale de {resident.email} : {RESIDENT_CREDIT_CENTS // 100} € de crédit.")
    echo(f"Consignes : {seed_demo_banks()} ajoutées.")
    from marketplace.accounting import ensure_default_chart

    if added := ensure_default_chart():  # the migration seeds it too; a database made by create_all does not
        db.session.commit()
        echo(f"Plan comptable : {added} comptes ajoutés.")
    seed_search(echo=echo)  # bulk inserts bypass the index outbox: rebuild the search index

    def count(model, *where):
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    population = sum(c.population for c in communes)
    demo_shop_ids = list(shop_ids.values())
    lines = [
        f"Territoire de démonstration Auxois Morvan : {len(communes)} communes, {population} habitants.",
        f"{count(Shop, Shop.id.in_(demo_shop_ids))} commerces, "
        f"{count(Product, Product.shop_id.in_(demo_shop_ids))} produits, "
        f"{len(employers)} employeurs, {count(Employee)} salariés "
        f"({new_shops} commerces, {new_products} produits, {new_users} comptes ajoutés).",
        f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :",
    ]
    lines += [f"  {local + '@' + DEMO_DOMAIN:<26} {role}" for local, _, _, role in DEMO_USERS]
    lines.append(f"  (la carte territoriale de resident@{DEMO_DOMAIN} a {RESIDENT_CREDIT_CENTS // 100} € de crédit)")
    lines.append("Cartes cadeaux : /carte-cadeau, sans compte, paiement en mode test (carte 4242 4242 4242 4242).")
    lines.append(f"Point de vente cartes : {DEMO_COUNTER}, /guichet/ avec guichet@{DEMO_DOMAIN}.")
    lines.append(f"Union commerciale : {DEMO_ASSOCIATION} ({DEMO_ASSOCIATION_MEMBERS} membres, une demande d'adhésion, "
                 f"un programme d'abondement qui commence demain), avec union@{DEMO_DOMAIN}.")
    lines.append(f"Programmes d'une commune : Semur-en-Auxois, /commune-gestion/{SEMUR_INSEE}/ avec mairie@{DEMO_DOMAIN}.")
    lines.append(f"Terminé en {time.perf_counter() - started:.1f} s.")
    return "\n".join(lines)
