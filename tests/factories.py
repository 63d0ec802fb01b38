"""Small builders for test data (real rows in the test database)."""
from marketplace.extensions import db
from marketplace.models import Category, Commune, Employer, EmployerMember, Product, Shop, ShopMember, User
from marketplace.models.base import utcnow

PASSWORD = "motdepasse-solide"

SEMUR = dict(insee="21603", name="Semur-en-Auxois", slug="semur-en-auxois", postal_codes="21140",
             latitude=47.4914, longitude=4.3336, population=4110, epci_code="200071017",
             epci_name="CC des Terres d'Auxois", departement="21")
ARNAY = dict(insee="21023", name="Arnay-le-Duc", slug="arnay-le-duc", postal_codes="21230",
             latitude=47.1331, longitude=4.4847, population=1530, epci_code="200071173",
             epci_name="CC du Pays Arnay Liernais", departement="21")
EPOISSES = dict(insee="21247", name="Époisses", slug="epoisses", postal_codes="21460",
                latitude=47.5064, longitude=4.1736, population=780, epci_code="200071017",
                epci_name="CC des Terres d'Auxois", departement="21")


def commune(**fields) -> Commune:
    row = Commune(**{**SEMUR, **fields})
    db.session.add(row)
    db.session.flush()
    return row


def user(email: str, **fields) -> User:
    """An account that confirmed its address (unless `email_confirmed_at=None`)."""
    row = User(email=email, **{"email_confirmed_at": utcnow(), **fields})
    row.set_password(PASSWORD)
    db.session.add(row)
    db.session.flush()
    return row


def category(slug="boulangerie", name="Boulangerie") -> Category:
    row = Category.query.filter_by(slug=slug).one_or_none()
    if row is None:
        row = Category(slug=slug, name=name)
        db.session.add(row)
        db.session.flush()
    return row


def shop(name: str, commune_row: Commune, status="approved", **fields) -> Shop:
    slug = name.lower().replace(" ", "-")
    row = Shop(name=name, slug=slug, category=fields.pop("category", None) or category(),
               commune_insee=commune_row.insee, status=status, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def product(shop_row: Shop, name: str, price_cents: int = 350, **fields) -> Product:
    row = Product(shop=shop_row, name=name, price_cents=price_cents,
                  category=fields.pop("category", None) or shop_row.category, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def shop_member(shop_row: Shop, user_row: User, role: str) -> ShopMember:
    row = ShopMember(shop=shop_row, user=user_row, role=role)
    db.session.add(row)
    db.session.flush()
    return row


def employer(name: str, commune_row: Commune, **fields) -> Employer:
    row = Employer(name=name, slug=name.lower().replace(" ", "-"), commune_insee=commune_row.insee,
                   status=fields.pop("status", "approved"), **fields)
    db.session.add(row)
    db.session.flush()
    return row


def employer_member(employer_row: Employer, user_row: User) -> EmployerMember:
    row = EmployerMember(employer=employer_row, user=user_row, role="hr")
    db.session.add(row)
    db.session.flush()
    return row
