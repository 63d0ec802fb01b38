"""The accounts: the chart of accounts of the FEC export (seeded with the PCG defaults) and the
closed months of the ledger.

Revision ID: a9c3e5f7b1d4
Revises: e7a9c1b3d5f6
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "a9c3e5f7b1d4"
down_revision = "e7a9c1b3d5f6"
branch_labels = None
depends_on = None

# A frozen copy of marketplace.accounting.DEFAULT_CHART as it was when this migration was written.
DEFAULT_CHART = (
    ("external:bank", "512000", "Banque — compte du territoire", None),
    ("territory_clearing", "512000", "Banque — compte du territoire", None),
    ("external:stripe", "467100", "Stripe — encaissements par carte bancaire à recevoir", None),
    ("stripe_clearing", "467100", "Stripe — encaissements par carte bancaire à recevoir", None),
    ("external", "471000", "Compte d'attente — autres encaissements", None),
    ("employer_funding", "419100", "Employeurs — fonds reçus à attribuer", "EMP"),
    ("territory_fund", "467500", "Fonds territorial (abondements, crédits expirés)", None),
    ("purse", "419800", "Porteurs de cartes — crédit disponible", None),
    ("card_holds", "419810", "Porteurs de cartes — crédit réservé (commandes en ligne)", None),
    ("shop_payable", "401000", "Commerces — sommes à reverser", "COM"),
    ("adjustments", "471800", "Corrections à analyser", None),
    ("commission", "706000", "Commissions sur les règlements des commerces", None),
)


def upgrade():
    chart = op.create_table(
        "accounting_chart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_key", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("aux_prefix", sa.String(length=10), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_chart")),
        sa.UniqueConstraint("ledger_key", name=op.f("uq_accounting_chart_ledger_key")),
    )
    now = datetime.utcnow()
    op.bulk_insert(chart, [{"ledger_key": key, "number": number, "label": label, "aux_prefix": prefix,
                            "updated_at": now} for key, number, label, prefix in DEFAULT_CHART])
    op.create_table(
        "ledger_closed_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("locked_by", sa.String(length=200), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("locked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_closed_months")),
        sa.UniqueConstraint("month", name=op.f("uq_ledger_closed_months_month")),
    )


def downgrade():
    op.drop_table("ledger_closed_months")
    op.drop_table("accounting_chart")
