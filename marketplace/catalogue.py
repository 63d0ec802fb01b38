"""Catalogue queries shared by the public pages."""
from sqlalchemy import and_

from marketplace.extensions import db
from marketplace.models import Product, Shop

PER_PAGE = 20


def search_products(query: str, page: int = 1, per_page: int = PER_PAGE):
    """Active products of approved shops whose name holds every word of the query.

    A plain SQL scan: the territorial search engine (search/) supersedes it.
    """
    words = [word for word in query.split() if len(word) > 1] or [query]
    conditions = [Product.name.ilike(f"%{word}%") for word in words]
    statement = (
        db.select(Product)
        .join(Shop)
        .where(Shop.status == "approved", Product.active.is_(True), and_(*conditions))
        .order_by(Product.name)
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)
