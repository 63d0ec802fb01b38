"""Card counters (points de vente cartes): counters, their sellers, their closed days; a credit
purchase may be a counter sale (desk, tender, seller, day, void); the chart line of the counters'
clearing accounts.

Revision ID: c5e7a9b1d3f2
Revises: e2a4c6e8f0b3
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "c5e7a9b1d3f2"
down_revision = "e2a4c6e8f0b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "card_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["commune_insee"], ["communes.insee"],
                                name=op.f("fk_card_counters_commune_insee_communes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_counters")),
    )
    with op.batch_alter_table("card_counters") as batch_op:
        batch_op.create_index(batch_op.f("ix_card_counters_commune_insee"), ["commune_insee"], unique=False)
    op.create_table(
        "card_counter_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["counter_id"], ["card_counters.id"],
                                name=op.f("fk_card_counter_members_counter_id_card_counters")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_card_counter_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_counter_members")),
        sa.UniqueConstraint("counter_id", "user_id", name="uq_card_counter_member"),
    )
    with op.batch_alter_table("card_counter_members") as batch_op:
        batch_op.create_index(batch_op.f("ix_card_counter_members_counter_id"), ["counter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_counter_members_user_id"), ["user_id"], unique=False)
    op.create_table(
        "card_counter_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["counter_id"], ["card_counters.id"],
                                name=op.f("fk_card_counter_days_counter_id_card_counters")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_card_counter_days_closed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_counter_days")),
        sa.UniqueConstraint("counter_id", "day", name="uq_card_counter_day"),
    )
    with op.batch_alter_table("card_counter_days") as batch_op:
        batch_op.create_index(batch_op.f("ix_card_counter_days_counter_id"), ["counter_id"], unique=False)
    with op.batch_alter_table("credit_purchases") as batch_op:
        batch_op.add_column(sa.Column("counter_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("tender", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("seller_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sale_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("voided_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_credit_purchases_counter_id"), ["counter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_purchases_sale_day"), ["sale_day"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_credit_purchases_counter_id_card_counters"), "card_counters",
                                    ["counter_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_credit_purchases_seller_user_id_users"), "users",
                                    ["seller_user_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_credit_purchases_voided_by_id_users"), "users",
                                    ["voided_by_id"], ["id"])
    chart = sa.table("accounting_chart", sa.column("ledger_key", sa.String), sa.column("number", sa.String),
                     sa.column("label", sa.String), sa.column("aux_prefix", sa.String),
                     sa.column("updated_at", sa.DateTime))
    op.bulk_insert(chart, [{"ledger_key": "counter_clearing", "number": "467300",
                            "label": "Points de vente cartes — encaissements à remettre en banque",
                            "aux_prefix": None, "updated_at": datetime.utcnow()}])


def downgrade():
    op.execute("DELETE FROM accounting_chart WHERE ledger_key = 'counter_clearing'")
    with op.batch_alter_table("credit_purchases") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_credit_purchases_voided_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_credit_purchases_seller_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_credit_purchases_counter_id_card_counters"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_credit_purchases_sale_day"))
        batch_op.drop_index(batch_op.f("ix_credit_purchases_counter_id"))
        for column in ("voided_by_id", "voided_at", "sale_day", "seller_user_id", "tender", "counter_id"):
            batch_op.drop_column(column)
    op.drop_table("card_counter_days")
    op.drop_table("card_counter_members")
    op.drop_table("card_counters")
