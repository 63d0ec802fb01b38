"""A commune's programme managers (commune_managers) and their emailed invitations
(commune_invitations).

Revision ID: c5e7a9b1d3f6
Revises: b4d6f8a0c2e5
"""
import sqlalchemy as sa
from alembic import op

revision = "c5e7a9b1d3f6"
down_revision = "b4d6f8a0c2e5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "commune_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["commune_insee"], ["communes.insee"],
                                name=op.f("fk_commune_managers_commune_insee_communes")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_commune_managers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commune_managers")),
        sa.UniqueConstraint("commune_insee", "user_id", name="uq_commune_manager"),
    )
    with op.batch_alter_table("commune_managers") as batch_op:
        batch_op.create_index(batch_op.f("ix_commune_managers_commune_insee"), ["commune_insee"], unique=False)
        batch_op.create_index(batch_op.f("ix_commune_managers_user_id"), ["user_id"], unique=False)
    op.create_table(
        "commune_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["commune_insee"], ["communes.insee"],
                                name=op.f("fk_commune_invitations_commune_insee_communes")),
        sa.ForeignKeyConstraint(["invited_by_id"], ["users.id"], name=op.f("fk_commune_invitations_invited_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commune_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_commune_invitations_token_hash")),
    )
    with op.batch_alter_table("commune_invitations") as batch_op:
        batch_op.create_index(batch_op.f("ix_commune_invitations_commune_insee"), ["commune_insee"], unique=False)


def downgrade():
    op.drop_table("commune_invitations")
    op.drop_table("commune_managers")
