"""Bank fee labels: debits the bank takes for its own fees, booked with no click once the admin kept their label.
The bank fees account (627000) now holds the bank's fees as well as Stripe's: its default label says so
(a label the admin edited is left as it is).

Revision ID: c7e9a1b3d5f6
Revises: e9b1d3f5a7c8
"""
import sqlalchemy as sa
from alembic import op

revision = "c7e9a1b3d5f6"
down_revision = "e9b1d3f5a7c8"
branch_labels = None
depends_on = None


OLD_LABEL = "Services bancaires et assimilés — frais Stripe"
NEW_LABEL = "Services bancaires et assimilés — frais de Stripe et de la banque"
_RELABEL = "UPDATE accounting_chart SET label = :new WHERE ledger_key = 'bank_fees' AND label = :old"


def upgrade():
    op.create_table(
        "bank_fee_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label_key", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("ceiling_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_bank_fee_labels_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_fee_labels")),
        sa.UniqueConstraint("label_key", name=op.f("uq_bank_fee_labels_label_key")),
    )
    op.execute(sa.text(_RELABEL).bindparams(new=NEW_LABEL, old=OLD_LABEL))


def downgrade():
    op.execute(sa.text(_RELABEL).bindparams(new=OLD_LABEL, old=NEW_LABEL))
    op.drop_table("bank_fee_labels")
