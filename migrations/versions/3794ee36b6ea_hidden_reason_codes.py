"""Products hidden by the territory keep the report reason's code (translated where it is shown),
no longer its French label: the labels stored so far become codes (any other text stays as is).

Revision ID: 3794ee36b6ea
Revises: e5b1d7c3a9f2
"""
import sqlalchemy as sa
from alembic import op

revision = "3794ee36b6ea"
down_revision = "e5b1d7c3a9f2"
branch_labels = None
depends_on = None

# The French labels of REPORT_REASONS when this migration was written (frozen here on purpose).
LABELS = {
    "illegal": "Produit interdit ou dangereux",
    "misleading": "Description trompeuse ou prix erroné",
    "offensive": "Contenu choquant",
    "not_local": "Pas un produit du commerce (revente, hors territoire)",
    "other": "Autre raison",
}

products = sa.table("products", sa.column("hidden_reason", sa.String(200)))


def upgrade():
    for code, label in LABELS.items():
        op.execute(products.update().where(products.c.hidden_reason == label).values(hidden_reason=code))


def downgrade():
    for code, label in LABELS.items():
        op.execute(products.update().where(products.c.hidden_reason == code).values(hidden_reason=label))
