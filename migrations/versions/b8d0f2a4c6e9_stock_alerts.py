"""Stock alerts: a resident is told once when a sold-out product can be bought again.

Revision ID: b8d0f2a4c6e9
Revises: a7c9e1b3d5f8
"""
import sqlalchemy as sa
from alembic import op

revision = "b8d0f2a4c6e9"
down_revision = "a7c9e1b3d5f8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stock_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_stock_alerts_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_stock_alerts_product_id_products"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_alerts")),
        sa.UniqueConstraint("user_id", "product_id", name=op.f("uq_stock_alerts_user_id_product_id")),
    )
    op.create_index(op.f("ix_stock_alerts_product_id"), "stock_alerts", ["product_id"])


def downgrade():
    op.drop_table("stock_alerts")
