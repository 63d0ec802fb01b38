"""A commune's programme managers (la mairie): named by the territory admin, they run the
commune's own top-up programmes (TopUpProgramme.commune_insee). The rules live in
marketplace/commune_managers.py."""
from marketplace.extensions import db
from marketplace.models.base import utcnow


class CommuneManager(db.Model):
    __tablename__ = "commune_managers"
    __table_args__ = (db.UniqueConstraint("commune_insee", "user_id", name="uq_commune_manager"),)

    id = db.Column(db.Integer, primary_key=True)
    commune_insee = db.Column(db.String(5), db.ForeignKey("communes.insee"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    commune = db.relationship("Commune")
    user = db.relationship("User")


class CommuneInvitation(db.Model):
    """An emailed invitation to manage a commune's programmes (marketplace/invitations.py's rule):
    only the SHA-256 of the token is stored; accepting it makes the CommuneManager."""

    __tablename__ = "commune_invitations"

    id = db.Column(db.Integer, primary_key=True)
    commune_insee = db.Column(db.String(5), db.ForeignKey("communes.insee"), nullable=False, index=True)
    email = db.Column(db.String(254), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    accepted_at = db.Column(db.DateTime, nullable=True)

    commune = db.relationship("Commune")
