"""A shop names its consumer mediator: shops.mediator_name, shops.mediator_url.

A professional who sells to consumers must give them the contact of the consumer mediator it
belongs to (Code de la consommation, L616-1 and R616-1); the shop's page shows it. Empty for every
shop of before: its owner fills it in from the shop's settings, which the dashboard asks for.

Revision ID: a2c4e6f8b0d3
Revises: e7a9c1b3d5f8
"""
import sqlalchemy as sa
from alembic import op

revision = "a2c4e6f8b0d3"
down_revision = "e7a9c1b3d5f8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shops") as batch:
        batch.add_column(sa.Column("mediator_name", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("mediator_url", sa.String(300), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("shops") as batch:
        batch.drop_column("mediator_url")
        batch.drop_column("mediator_name")
