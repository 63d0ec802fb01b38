"""Catalogue feeds (issue 21): the columns a shop chose for its feed (catalogue_feeds.column_choice)
and for its uploads with the same headers (shop_column_mappings); interval_minutes 0 means a
feed read on demand only (no schema change).

Revision ID: c2e4a6b8d0f1
Revises: a9c3e5f7b1d4
"""
import sqlalchemy as sa
from alembic import op

revision = "c2e4a6b8d0f1"
down_revision = "a9c3e5f7b1d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("catalogue_feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("column_choice", sa.JSON(), nullable=True))
    op.create_table(
        "shop_column_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("headers_key", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "headers_key"),
    )


def downgrade():
    op.drop_table("shop_column_mappings")
    with op.batch_alter_table("catalogue_feeds", schema=None) as batch_op:
        batch_op.drop_column("column_choice")
