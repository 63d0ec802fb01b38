"""PostgreSQL search backend: extensions, text search configurations, search tables, triggers

Revision ID: a7c3e5f1b2d4
Revises: 51d337803ea2
Create Date: 2026-11-23 16:20:00

Nothing on SQLite. The DDL lives in one place, search.postgres_backend.ensure_schema, which the
backend runs on first use whenever the database's search schema is not the code's version
(idempotent; `flask search check` and /readyz report it); the tables it creates are not models
(see migrations/env.py include_object).

This revision no longer runs that DDL: it is today's, and reads columns of the products table
that did not exist at this point of the history (hidden_by_admin_at), so a database upgraded from
scratch failed here. The schema is derived data: the backend builds it on the finished tables.
"""
from alembic import op

revision = "a7c3e5f1b2d4"
down_revision = "51d337803ea2"
branch_labels = None
depends_on = None


def upgrade():
    pass  # see the docstring: the search backend installs its schema on first use


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from search.postgres_backend import drop_schema

    drop_schema(bind)
