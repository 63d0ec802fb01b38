"""The products API's idempotency keys (per shop) and the answers they got.

Revision ID: a9c4e6b8d0f3
Revises: f8b3d5a7c9e2
"""
import sqlalchemy as sa
from alembic import op

revision = "a9c4e6b8d0f3"
down_revision = "f8b3d5a7c9e2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "product_api_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_product_api_requests_shop_id_shops"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_api_requests")),
        sa.UniqueConstraint("shop_id", "key", name=op.f("uq_product_api_requests_shop_id_key")),
    )


def downgrade():
    op.drop_table("product_api_requests")
