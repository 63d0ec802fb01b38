"""Businesses without a catalogue (issue 22): a shop's kind (commerce or services), what it does
(services, keywords) and the area it serves (a radius and/or communes).

Revision ID: e7a9c1b3d5f6
Revises: e4c8a2f6b0d3
"""
import sqlalchemy as sa
from alembic import op

revision = "e7a9c1b3d5f6"
down_revision = "e4c8a2f6b0d3"
branch_labels = None
depends_on = None


COLUMNS = ("area_communes", "area_radius_km", "keywords", "services", "kind")


def upgrade():
    # Plain ALTER TABLE (no batch copy of `shops` on SQLite: it would break the foreign keys to it).
    op.add_column("shops", sa.Column("kind", sa.String(length=10), server_default="commerce", nullable=False))
    op.add_column("shops", sa.Column("services", sa.Text(), server_default="", nullable=False))
    op.add_column("shops", sa.Column("keywords", sa.String(length=500), server_default="", nullable=False))
    op.add_column("shops", sa.Column("area_radius_km", sa.Integer(), nullable=True))
    op.add_column("shops", sa.Column("area_communes", sa.JSON(), nullable=True))


def downgrade():
    for column in COLUMNS:
        if op.get_bind().dialect.name == "sqlite":  # in place (SQLite 3.35+), as above
            op.execute(f"ALTER TABLE shops DROP COLUMN {column}")
        else:
            op.drop_column("shops", column)
