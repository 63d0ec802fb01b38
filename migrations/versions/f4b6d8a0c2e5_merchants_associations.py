"""Merchants' associations (unions commerciales): associations, their communes, managers,
manager invitations and member shops; a top-up programme's owner (a commune or an association),
several awards per purchased item (one per programme); a grant's shops; an association's card
counter; the territory's "the admin confirms new members" setting.

Revision ID: f4b6d8a0c2e5
Revises: a7c3e5f9b2d4
"""
import sqlalchemy as sa
from alembic import op

revision = "f4b6d8a0c2e5"
down_revision = "a7c3e5f9b2d4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "associations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=140), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_associations")),
        sa.UniqueConstraint("slug", name=op.f("uq_associations_slug")),
    )
    op.create_table(
        "association_communes",
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(["association_id"], ["associations.id"], ondelete="CASCADE",
                                name=op.f("fk_association_communes_association_id_associations")),
        sa.ForeignKeyConstraint(["commune_insee"], ["communes.insee"],
                                name=op.f("fk_association_communes_commune_insee_communes")),
        sa.PrimaryKeyConstraint("association_id", "commune_insee", name=op.f("pk_association_communes")),
    )
    op.create_table(
        "association_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["association_id"], ["associations.id"],
                                name=op.f("fk_association_managers_association_id_associations")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_association_managers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_managers")),
        sa.UniqueConstraint("association_id", "user_id", name="uq_association_manager"),
    )
    with op.batch_alter_table("association_managers") as batch_op:
        batch_op.create_index(batch_op.f("ix_association_managers_association_id"), ["association_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_association_managers_user_id"), ["user_id"], unique=False)
    op.create_table(
        "association_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["association_id"], ["associations.id"],
                                name=op.f("fk_association_invitations_association_id_associations")),
        sa.ForeignKeyConstraint(["invited_by_id"], ["users.id"],
                                name=op.f("fk_association_invitations_invited_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_association_invitations_token_hash")),
    )
    with op.batch_alter_table("association_invitations") as batch_op:
        batch_op.create_index(batch_op.f("ix_association_invitations_association_id"), ["association_id"],
                              unique=False)
    op.create_table(
        "association_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["association_id"], ["associations.id"],
                                name=op.f("fk_association_members_association_id_associations")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_association_members_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_members")),
        sa.UniqueConstraint("association_id", "shop_id", name="uq_association_member"),
    )
    with op.batch_alter_table("association_members") as batch_op:
        batch_op.create_index(batch_op.f("ix_association_members_association_id"), ["association_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_association_members_shop_id"), ["shop_id"], unique=False)
    with op.batch_alter_table("topup_programmes") as batch_op:
        batch_op.add_column(sa.Column("commune_insee", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("association_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_topup_programmes_commune_insee"), ["commune_insee"], unique=False)
        batch_op.create_index(batch_op.f("ix_topup_programmes_association_id"), ["association_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_topup_programmes_commune_insee_communes"), "communes",
                                    ["commune_insee"], ["insee"])
        batch_op.create_foreign_key(batch_op.f("fk_topup_programmes_association_id_associations"), "associations",
                                    ["association_id"], ["id"])
    with op.batch_alter_table("topup_awards") as batch_op:
        batch_op.drop_constraint("uq_topup_awards_item_id", type_="unique")
        batch_op.create_unique_constraint("uq_topup_awards_programme_item", ["programme_id", "item_id"])
        batch_op.create_index(batch_op.f("ix_topup_awards_item_id"), ["item_id"], unique=False)
    with op.batch_alter_table("loyalty_grants") as batch_op:
        batch_op.add_column(sa.Column("allowed_shops", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("card_counters") as batch_op:
        batch_op.add_column(sa.Column("association_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_card_counters_association_id"), ["association_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_card_counters_association_id_associations"), "associations",
                                    ["association_id"], ["id"])
    with op.batch_alter_table("territory_settings") as batch_op:
        batch_op.add_column(sa.Column("association_members_need_admin", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("territory_settings") as batch_op:
        batch_op.drop_column("association_members_need_admin")
    with op.batch_alter_table("card_counters") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_card_counters_association_id_associations"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_card_counters_association_id"))
        batch_op.drop_column("association_id")
    with op.batch_alter_table("loyalty_grants") as batch_op:
        batch_op.drop_column("allowed_shops")
    # Back to one award per item: the programmes' later awards of an item go first.
    op.execute("DELETE FROM topup_awards WHERE id NOT IN (SELECT MIN(id) FROM topup_awards GROUP BY item_id)")
    with op.batch_alter_table("topup_awards") as batch_op:
        batch_op.drop_index(batch_op.f("ix_topup_awards_item_id"))
        batch_op.drop_constraint("uq_topup_awards_programme_item", type_="unique")
        batch_op.create_unique_constraint("uq_topup_awards_item_id", ["item_id"])
    with op.batch_alter_table("topup_programmes") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_topup_programmes_association_id_associations"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_topup_programmes_commune_insee_communes"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_topup_programmes_association_id"))
        batch_op.drop_index(batch_op.f("ix_topup_programmes_commune_insee"))
        batch_op.drop_column("association_id")
        batch_op.drop_column("commune_insee")
    op.drop_table("association_members")
    op.drop_table("association_invitations")
    op.drop_table("association_managers")
    op.drop_table("association_communes")
    op.drop_table("associations")
