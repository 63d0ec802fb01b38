"""Card counters ("points de vente cartes"): a tourist office, a town hall, a merchants'
association's desk that sells gift cards over the counter. A sale is a CreditPurchase of kind
"counter" (the same home for cards and grants as online gifts); these rows say which desk, who
sells there, and which days are closed."""
from marketplace.extensions import db
from marketplace.models.base import utcnow

COUNTER_TENDERS = ("cash", "cheque", "card")


class CardCounter(db.Model):
    __tablename__ = "card_counters"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    commune_insee = db.Column(db.String(5), db.ForeignKey("communes.insee"), nullable=False, index=True)
    # A merchants' association's desk: its managers add its sellers (marketplace/associations.py).
    association_id = db.Column(db.Integer, db.ForeignKey("associations.id"), nullable=True, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    commune = db.relationship("Commune")
    members = db.relationship("CardCounterMember", back_populates="counter", order_by="CardCounterMember.id")


class CardCounterMember(db.Model):
    """A seller of a counter (added by the territory admin)."""

    __tablename__ = "card_counter_members"
    __table_args__ = (db.UniqueConstraint("counter_id", "user_id", name="uq_card_counter_member"),)

    id = db.Column(db.Integer, primary_key=True)
    counter_id = db.Column(db.Integer, db.ForeignKey("card_counters.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    counter = db.relationship("CardCounter", back_populates="members")
    user = db.relationship("User")


class CardCounterInvitation(db.Model):
    """A seller invited by email who has no account yet (marketplace/invitations.py: the invited
    address only, once, within INVITATION_DAYS). Only the SHA-256 of the emailed token is
    stored; accepting it makes the CardCounterMember, revoking it deletes the row."""

    __tablename__ = "card_counter_invitations"

    id = db.Column(db.Integer, primary_key=True)
    counter_id = db.Column(db.Integer, db.ForeignKey("card_counters.id"), nullable=False, index=True)
    email = db.Column(db.String(254), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    accepted_at = db.Column(db.DateTime, nullable=True)

    counter = db.relationship("CardCounter")


class CardCounterDay(db.Model):
    """A counter's closed day (Paris date): once the row exists, no sale nor void on that day."""

    __tablename__ = "card_counter_days"
    __table_args__ = (db.UniqueConstraint("counter_id", "day", name="uq_card_counter_day"),)

    id = db.Column(db.Integer, primary_key=True)
    counter_id = db.Column(db.Integer, db.ForeignKey("card_counters.id"), nullable=False, index=True)
    day = db.Column(db.Date, nullable=False)
    closed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    closed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    total_cents = db.Column(db.Integer, nullable=False, default=0)
