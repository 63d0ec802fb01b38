"""Sign-ups confirm their e-mail address: users.email_confirmed_at.

Until now anyone could open an account with someone else's address, and a role given by address
(a union's or a commune's manager, a card counter's seller, an admin) went at once to whichever
account held it. From now on such a role goes at once only to an account that opened the link
mailed to its address; any other gets the mailed invitation. No account of before this revision
ever showed it reads its mail, so every one starts unconfirmed: its next order, or its next role,
asks for the link once (marketplace.auth.service).

Revision ID: e7a9c1b3d5f8
Revises: c4e6a8b0d2f4
"""
import sqlalchemy as sa
from alembic import op

revision = "e7a9c1b3d5f8"
down_revision = "c4e6a8b0d2f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_confirmed_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_confirmed_at")
