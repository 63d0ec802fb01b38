"""Employer gift campaigns: who gets how much, how it was paid for, and HR invitations.

The money itself lives in the ledger (loyalty/): a campaign is funded by `fund` entries on the
employer's funding account and issued as one grant per employee (`Grant.campaign_id`).
"""
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models.base import utcnow

# Events that justify a gift under the URSSAF tolerance (slug → French label).
CAMPAIGN_EVENTS = {
    "noel": lazy_gettext("Noël"),
    "naissance": lazy_gettext("Naissance, adoption"),
    "mariage": lazy_gettext("Mariage, PACS"),
    "retraite": lazy_gettext("Départ à la retraite"),
    "fete-des-meres": lazy_gettext("Fête des mères"),
    "fete-des-peres": lazy_gettext("Fête des pères"),
    "sainte-catherine": lazy_gettext("Sainte-Catherine"),
    "saint-nicolas": lazy_gettext("Saint-Nicolas"),
    "rentree": lazy_gettext("Rentrée scolaire"),
}
# Events with a per-child amount, and which children count.
CHILD_EVENTS = {"noel": "children_under_16", "rentree": "children_under_26"}

CAMPAIGN_STATUSES = ("draft", "awaiting_payment", "funded", "issuing", "issued", "cancelled")
AUDIENCES = ("all", "parents", "selection")


class EmployerInvitation(db.Model):
    """An HR member's invitation of a colleague; only the SHA-256 of the emailed token is kept."""

    __tablename__ = "employer_invitations"

    id = db.Column(db.Integer, primary_key=True)
    employer_id = db.Column(db.Integer, db.ForeignKey("employers.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    email = db.Column(db.String(254), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    accepted_at = db.Column(db.DateTime, nullable=True)

    employer = db.relationship("Employer")


class Campaign(db.Model):
    """draft → awaiting_payment → funded → issuing → issued; or cancelled before issue."""

    __tablename__ = "campaigns"

    id = db.Column(db.Integer, primary_key=True)
    employer_id = db.Column(db.Integer, db.ForeignKey("employers.id"), nullable=False, index=True)
    event = db.Column(db.String(20), nullable=False)
    label = db.Column(db.String(120), nullable=False)
    year = db.Column(db.Integer, nullable=False)  # calendar year of the exemption check
    amount_cents = db.Column(db.Integer, nullable=False)  # per employee
    child_amount_cents = db.Column(db.Integer, nullable=False, default=0)  # per child (CHILD_EVENTS)
    audience = db.Column(db.String(10), nullable=False, default="all")
    expires_on = db.Column(db.Date, nullable=False)
    allowed_categories = db.Column(db.JSON, nullable=True)  # category slugs; None: everywhere
    expiry_policy = db.Column(db.String(10), nullable=False, default="employer")  # employer | territory
    status = db.Column(db.String(20), nullable=False, default="draft", index=True)
    funding_method = db.Column(db.String(10), nullable=True)  # card | bank | credit (its available credit paid it all)
    exemption_acknowledged = db.Column(db.Boolean, nullable=False, default=False)
    total_cents = db.Column(db.Integer, nullable=False, default=0)
    issued_count = db.Column(db.Integer, nullable=False, default=0)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    confirmed_at = db.Column(db.DateTime, nullable=True)
    funded_at = db.Column(db.DateTime, nullable=True)
    issue_heartbeat_at = db.Column(db.DateTime, nullable=True)  # last progress of a running issue
    issue_on = db.Column(db.Date, nullable=True)  # issued by the scheduler from this Paris day, once funded
    issued_at = db.Column(db.DateTime, nullable=True)
    ended_report_at = db.Column(db.DateTime, nullable=True)  # HR was mailed its result, once, after its last day
    cancelled_at = db.Column(db.DateTime, nullable=True)

    employer = db.relationship("Employer")
    recipients = db.relationship("CampaignEmployee", back_populates="campaign", lazy="dynamic")
    payments = db.relationship("CampaignPayment", back_populates="campaign", order_by="CampaignPayment.id")

    @property
    def event_label(self) -> str:
        return CAMPAIGN_EVENTS.get(self.event, self.event)

    @property
    def recipient_count(self) -> int:
        return self.recipients.count()

    @property
    def repeatable(self) -> bool:
        """Done again next year from this one: only once its cards were issued (running or ended),
        not while it is still a draft, unpaid or cancelled."""
        return self.status == "issued"

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.event} {self.status}>"


class CampaignEmployee(db.Model):
    """One employee concerned by a campaign, the amount they get, and where issuing got to."""

    __tablename__ = "campaign_employees"
    __table_args__ = (db.UniqueConstraint("campaign_id", "employee_id"),)

    id = db.Column(db.Integer, primary_key=True)
    campaign_id = db.Column(db.Integer, db.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    employee_id = db.Column(db.Integer, db.ForeignKey("employees.id"), nullable=False, index=True)
    amount_cents = db.Column(db.Integer, nullable=False)
    card_id = db.Column(db.Integer, db.ForeignKey("loyalty_cards.id"), nullable=True)
    card_created = db.Column(db.Boolean, nullable=False, default=False)  # a new card: its PIN is emailed
    grant_id = db.Column(db.Integer, db.ForeignKey("loyalty_grants.id"), nullable=True)
    issued_at = db.Column(db.DateTime, nullable=True)
    notified_at = db.Column(db.DateTime, nullable=True)
    revoked_cents = db.Column(db.Integer, nullable=True)  # set when HR revokes the unspent credit
    revoked_at = db.Column(db.DateTime, nullable=True)

    campaign = db.relationship("Campaign", back_populates="recipients")
    employee = db.relationship("Employee")


class CampaignPayment(db.Model):
    """Money paid in for a campaign: a Stripe PaymentIntent or a bank transfer."""

    __tablename__ = "campaign_payments"

    id = db.Column(db.Integer, primary_key=True)
    campaign_id = db.Column(db.Integer, db.ForeignKey("campaigns.id"), nullable=False, index=True)
    method = db.Column(db.String(10), nullable=False)  # card | bank | credit (the employer's available credit)
    amount_cents = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(12), nullable=False, default="pending")  # pending | succeeded | failed
    stripe_payment_intent_id = db.Column(db.String(255), nullable=True, unique=True)
    bank_reference = db.Column(db.String(140), nullable=True)
    ledger_entry_id = db.Column(db.Integer, db.ForeignKey("ledger_entries.id"), nullable=True)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    paid_at = db.Column(db.DateTime, nullable=True)

    campaign = db.relationship("Campaign", back_populates="payments")
    recorded_by = db.relationship("User")


class StripeEvent(db.Model):
    """A Stripe webhook event already handled: its id is the primary key, so a redelivery is
    recognised by the failed insert rather than by a look-up."""

    __tablename__ = "stripe_events"

    id = db.Column(db.String(255), primary_key=True)
    type = db.Column(db.String(80), nullable=False)
    object_id = db.Column(db.String(255), nullable=True)
    received_at = db.Column(db.DateTime, nullable=False, default=utcnow)
