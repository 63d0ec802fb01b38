"""The last run of each periodic job, shown to the admin.

Revision ID: e2a4c6e8f0b2
Revises: d0f2b4c6e8a1
"""
import sqlalchemy as sa
from alembic import op

revision = "e2a4c6e8f0b2"
down_revision = "d0f2b4c6e8a1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "periodic_runs",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(length=200), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_periodic_runs")),
    )


def downgrade():
    op.drop_table("periodic_runs")
