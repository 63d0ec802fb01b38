"""Category redirects: a merged category's slug leads to the category that took its products.

Revision ID: b8d2f4a6c1e3
Revises: 3794ee36b6ea
"""
import sqlalchemy as sa
from alembic import op

revision = "b8d2f4a6c1e3"
down_revision = "3794ee36b6ea"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "category_redirects",
        sa.Column("old_slug", sa.String(length=80), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="CASCADE",
                                name=op.f("fk_category_redirects_category_id_categories")),
        sa.PrimaryKeyConstraint("old_slug", name=op.f("pk_category_redirects")),
    )
    op.create_index(op.f("ix_category_redirects_category_id"), "category_redirects", ["category_id"])


def downgrade():
    op.drop_index(op.f("ix_category_redirects_category_id"), table_name="category_redirects")
    op.drop_table("category_redirects")
