"""Shops' opt-out of the territorial barcode reference (issue 22): `private_listings` keeps a shop's
product listings from pre-filling other shops' forms.

Revision ID: b3f5d7e9a1c4
Revises: f73d6f104253
"""
import sqlalchemy as sa
from alembic import op

revision = "b3f5d7e9a1c4"
down_revision = "f73d6f104253"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("shops", sa.Column("private_listings", sa.Boolean(), nullable=False, server_default=sa.false()))
    # Looking a barcode up among the territory's listings.
    op.create_index("ix_products_ean", "products", ["ean"])


def downgrade():
    op.drop_index("ix_products_ean", table_name="products")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column in place (3.35+); a batch copy of `shops` would break the products'
        # foreign keys to it.
        op.execute("ALTER TABLE shops DROP COLUMN private_listings")
    else:
        op.drop_column("shops", "private_listings")
