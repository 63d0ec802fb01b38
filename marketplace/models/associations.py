"""Merchants' associations (unions commerciales): an association of shops of one or a few
communes, run by its managers (users), with its own public page, its top-up programmes
(TopUpProgramme.association_id) and its card counters (CardCounter.association_id).
The rules live in marketplace/associations.py."""
from marketplace.extensions import db
from marketplace.models.base import utcnow

# A shop's membership, from the first step to the last: the association invited the shop, or the
# shop asked to join; both sides agreed and the territory admin has the last word (when the
# territory asks for it); a member.
INVITED, REQUESTED, AWAITING_ADMIN, MEMBER = "invited", "requested", "admin", "member"
MEMBERSHIP_STATUSES = (INVITED, REQUESTED, AWAITING_ADMIN, MEMBER)

association_communes = db.Table(
    "association_communes",
    db.Column("association_id", db.Integer, db.ForeignKey("associations.id", ondelete="CASCADE"), primary_key=True),
    db.Column("commune_insee", db.String(5), db.ForeignKey("communes.insee"), primary_key=True),
)


class Association(db.Model):
    __tablename__ = "associations"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    slug = db.Column(db.String(140), nullable=False, unique=True)
    description = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    communes = db.relationship("Commune", secondary=association_communes, order_by="Commune.name")
    managers = db.relationship("AssociationManager", back_populates="association",
                               order_by="AssociationManager.id", cascade="all, delete-orphan")
    memberships = db.relationship("AssociationMember", back_populates="association",
                                  order_by="AssociationMember.id", cascade="all, delete-orphan")


class AssociationManager(db.Model):
    __tablename__ = "association_managers"
    __table_args__ = (db.UniqueConstraint("association_id", "user_id", name="uq_association_manager"),)

    id = db.Column(db.Integer, primary_key=True)
    association_id = db.Column(db.Integer, db.ForeignKey("associations.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    association = db.relationship("Association", back_populates="managers")
    user = db.relationship("User")


class AssociationInvitation(db.Model):
    """An emailed invitation to manage an association (marketplace/invitations.py's rule): only
    the SHA-256 of the token is stored; accepting it makes the AssociationManager."""

    __tablename__ = "association_invitations"

    id = db.Column(db.Integer, primary_key=True)
    association_id = db.Column(db.Integer, db.ForeignKey("associations.id"), nullable=False, index=True)
    email = db.Column(db.String(254), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    accepted_at = db.Column(db.DateTime, nullable=True)

    association = db.relationship("Association")


class AssociationMember(db.Model):
    """A shop's membership of an association, one row per (association, shop) from the invitation
    or the request on; removing a member deletes the row (the audit log keeps the story)."""

    __tablename__ = "association_members"
    __table_args__ = (db.UniqueConstraint("association_id", "shop_id", name="uq_association_member"),)

    id = db.Column(db.Integer, primary_key=True)
    association_id = db.Column(db.Integer, db.ForeignKey("associations.id"), nullable=False, index=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=False, index=True)
    status = db.Column(db.String(10), nullable=False)  # MEMBERSHIP_STATUSES
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    joined_at = db.Column(db.DateTime, nullable=True)

    association = db.relationship("Association", back_populates="memberships")
    shop = db.relationship("Shop")
