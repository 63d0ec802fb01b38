"""PostgreSQL search backend: extensions, text search configurations, search tables, triggers

Revision ID: a7c3e5f1b2d4
Revises: 51d337803ea2
Create Date: 2026-11-23 16:20:00

Nothing on SQLite. The DDL lives in one place, search.postgres_backend.ensure_schema, which the
backend also runs on first use (idempotent); the tables it creates are not models (see
migrations/env.py include_object).
"""
from alembic import op

revision = "a7c3e5f1b2d4"
down_revision = "51d337803ea2"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from search.postgres_backend import ensure_schema

    ensure_schema(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from search.postgres_backend import drop_schema

    drop_schema(bind)
