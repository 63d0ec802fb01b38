"""Top-up programmes (bons d'achat abondés): the territory adds a share of what residents pay
for credit, from a budget of its own, while the budget lasts.

The budget's money lives in the ledger (account `programme:<id>`, funded from the bank when
the programme is created or its budget changed): each top-up is a grant of its own funded from
it, so what is left is that account's balance and the ledger refuses to overspend it.
"""
from marketplace.extensions import db
from marketplace.models.base import utcnow


class TopUpProgramme(db.Model):
    __tablename__ = "topup_programmes"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    budget_cents = db.Column(db.BigInteger, nullable=False)  # what was put in, in all
    rate_percent = db.Column(db.Integer, nullable=False)  # 50: pay 20 €, get 30 €
    cap_per_purchase_cents = db.Column(db.Integer, nullable=False)  # the most one purchase's top-up
    cap_per_person_cents = db.Column(db.Integer, nullable=False)  # the most one buyer's top-ups together
    starts_on = db.Column(db.Date, nullable=False)  # Paris days, both included
    ends_on = db.Column(db.Date, nullable=False)
    # Where the top-up can be spent: category slugs (with their sub-categories), INSEE codes; None: anywhere.
    allowed_categories = db.Column(db.JSON(none_as_null=True), nullable=True)
    allowed_communes = db.Column(db.JSON(none_as_null=True), nullable=True)
    # Who runs it and pays its budget: the territory (both NULL), a commune (its top-ups are spent
    # in that commune only) or a merchants' association (at its member shops only).
    commune_insee = db.Column(db.String(5), db.ForeignKey("communes.insee"), nullable=True, index=True)
    association_id = db.Column(db.Integer, db.ForeignKey("associations.id"), nullable=True, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    commune = db.relationship("Commune")
    association = db.relationship("Association")


class TopUpAward(db.Model):
    """One top-up granted with one paid item of a purchase by one programme (an item gets one
    per programme it qualifies for), and what its refund took back."""

    __tablename__ = "topup_awards"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("topup_programmes.id"), nullable=False, index=True)
    item_id = db.Column(db.Integer, db.ForeignKey("credit_purchase_items.id"), nullable=False, index=True)
    person = db.Column(db.String(254), nullable=False)  # the cap per person: topup_programmes.person_of
    card_id = db.Column(db.Integer, db.ForeignKey("loyalty_cards.id"), nullable=False)
    grant_id = db.Column(db.Integer, db.ForeignKey("loyalty_grants.id"), nullable=False, unique=True)
    issue_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=False, unique=True)
    amount_cents = db.Column(db.Integer, nullable=False)
    taken_back_cents = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    __table_args__ = (db.Index("ix_topup_awards_programme_person", "programme_id", "person"),
                      db.UniqueConstraint("programme_id", "item_id", name="uq_topup_awards_programme_item"))
