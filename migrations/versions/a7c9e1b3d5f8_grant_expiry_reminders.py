"""Grant expiry reminders: each holder is told once, a month and a week before a credit's last day.

Revision ID: a7c9e1b3d5f8
Revises: f6b8d0a2c4e7
"""
import sqlalchemy as sa
from alembic import op

revision = "a7c9e1b3d5f8"
down_revision = "f6b8d0a2c4e7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "grant_expiry_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("sent_to", sa.String(length=254), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["grant_id"], ["loyalty_grants.id"],
                                name=op.f("fk_grant_expiry_reminders_grant_id_loyalty_grants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_expiry_reminders")),
        sa.UniqueConstraint("grant_id", "days_before", name=op.f("uq_grant_expiry_reminders_grant_id_days_before")),
    )


def downgrade():
    op.drop_table("grant_expiry_reminders")
