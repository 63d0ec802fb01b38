"""A shop's answers about its files' category texts ("Pain" -> Boulangerie), for its next imports.

Revision ID: e7a2c4f6b8d1
Revises: d2b6f8a4c0e9
"""
import sqlalchemy as sa
from alembic import op

revision = "e7a2c4f6b8d1"
down_revision = "d2b6f8a4c0e9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shop_category_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(length=200), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"],
                                name=op.f("fk_shop_category_aliases_category_id_categories"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_shop_category_aliases_shop_id_shops"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_category_aliases")),
        sa.UniqueConstraint("shop_id", "text_key", name=op.f("uq_shop_category_aliases_shop_id_text_key")),
    )


def downgrade():
    op.drop_table("shop_category_aliases")
