"""All models, importable from one place (Alembic and the app factory import this module)."""
from marketplace.models.users import User
from marketplace.models.territory import Commune
from marketplace.models.shops import Category, Shop, ShopMember, Product
from marketplace.models.employers import Employer, EmployerMember, Employee
from marketplace.models.api_keys import ApiKey

__all__ = [
    "User",
    "Commune",
    "Category",
    "Shop",
    "ShopMember",
    "Product",
    "Employer",
    "EmployerMember",
    "Employee",
    "ApiKey",
]
