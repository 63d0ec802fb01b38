"""Catalogue feeds: the URLs shops keep their catalogue at, and each run's result.

Revision ID: f8b3d5a7c9e2
Revises: e7a2c4f6b8d1
"""
import sqlalchemy as sa
from alembic import op

revision = "f8b3d5a7c9e2"
down_revision = "e7a2c4f6b8d1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "catalogue_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("format", sa.String(length=30), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=True),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("running_since", sa.DateTime(), nullable=True),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("product_ids", sa.JSON(), nullable=True),
        sa.Column("offline_ids", sa.JSON(), nullable=True),
        sa.Column("last_notified_error", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_catalogue_feeds_created_by_id_users")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_catalogue_feeds_shop_id_shops"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_feeds")),
    )
    with op.batch_alter_table("catalogue_feeds") as batch:
        batch.create_index(batch.f("ix_catalogue_feeds_shop_id"), ["shop_id"], unique=False)
        batch.create_index(batch.f("ix_catalogue_feeds_next_run_at"), ["next_run_at"], unique=False)
    op.create_table(
        "catalogue_feed_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["feed_id"], ["catalogue_feeds.id"],
                                name=op.f("fk_catalogue_feed_runs_feed_id_catalogue_feeds"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_feed_runs")),
    )
    with op.batch_alter_table("catalogue_feed_runs") as batch:
        batch.create_index(batch.f("ix_catalogue_feed_runs_feed_id"), ["feed_id"], unique=False)


def downgrade():
    op.drop_table("catalogue_feed_runs")
    op.drop_table("catalogue_feeds")
