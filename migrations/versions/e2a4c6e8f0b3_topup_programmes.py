"""Top-up programmes (bons d'achat abondés), their top-ups, and grants limited to some communes.

Revision ID: e2a4c6e8f0b3
Revises: b8d2f4a6c0e1
"""
import sqlalchemy as sa
from alembic import op

revision = "e2a4c6e8f0b3"
down_revision = "b8d2f4a6c0e1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("loyalty_grants") as batch:
        batch.add_column(sa.Column("allowed_communes", sa.JSON(none_as_null=True), nullable=True))
    op.create_table(
        "topup_programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("rate_percent", sa.Integer(), nullable=False),
        sa.Column("cap_per_purchase_cents", sa.Integer(), nullable=False),
        sa.Column("cap_per_person_cents", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("allowed_categories", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("allowed_communes", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topup_programmes")),
    )
    op.create_table(
        "topup_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=254), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("issue_entry_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("taken_back_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["topup_programmes.id"],
                                name=op.f("fk_topup_awards_programme_id_topup_programmes")),
        sa.ForeignKeyConstraint(["item_id"], ["credit_purchase_items.id"],
                                name=op.f("fk_topup_awards_item_id_credit_purchase_items")),
        sa.ForeignKeyConstraint(["card_id"], ["loyalty_cards.id"], name=op.f("fk_topup_awards_card_id_loyalty_cards")),
        sa.ForeignKeyConstraint(["grant_id"], ["loyalty_grants.id"], name=op.f("fk_topup_awards_grant_id_loyalty_grants")),
        sa.ForeignKeyConstraint(["issue_entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_topup_awards_issue_entry_id_ledger_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topup_awards")),
        sa.UniqueConstraint("item_id", name=op.f("uq_topup_awards_item_id")),
        sa.UniqueConstraint("grant_id", name=op.f("uq_topup_awards_grant_id")),
        sa.UniqueConstraint("issue_entry_id", name=op.f("uq_topup_awards_issue_entry_id")),
    )
    with op.batch_alter_table("topup_awards") as batch:
        batch.create_index(batch.f("ix_topup_awards_programme_id"), ["programme_id"], unique=False)
        batch.create_index("ix_topup_awards_programme_person", ["programme_id", "person"], unique=False)


def downgrade():
    op.drop_table("topup_awards")
    op.drop_table("topup_programmes")
    with op.batch_alter_table("loyalty_grants") as batch:
        batch.drop_column("allowed_communes")
