"""Card counters' sellers invited by email (card_counter_invitations).

Revision ID: b4d6f8a0c2e5
Revises: c5e7a9b1d3f2
"""
import sqlalchemy as sa
from alembic import op

revision = "b4d6f8a0c2e5"
down_revision = "c5e7a9b1d3f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "card_counter_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["counter_id"], ["card_counters.id"],
                                name=op.f("fk_card_counter_invitations_counter_id_card_counters")),
        sa.ForeignKeyConstraint(["invited_by_id"], ["users.id"],
                                name=op.f("fk_card_counter_invitations_invited_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_counter_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_card_counter_invitations_token_hash")),
    )
    with op.batch_alter_table("card_counter_invitations") as batch_op:
        batch_op.create_index(batch_op.f("ix_card_counter_invitations_counter_id"), ["counter_id"], unique=False)


def downgrade():
    with op.batch_alter_table("card_counter_invitations") as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_counter_invitations_counter_id"))
    op.drop_table("card_counter_invitations")
