from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models.base import utcnow

CLOSED_ACCOUNT_DOMAIN = "compte-ferme.invalid"  # a closed account's address (RFC 2606: never delivered)


class User(UserMixin, db.Model):
    """Anyone with an account. Roles come from memberships (shops, employers) and is_admin."""

    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    first_name = db.Column(db.String(80), nullable=False, default="")
    last_name = db.Column(db.String(80), nullable=False, default="")
    home_commune_insee = db.Column(db.String(5), db.ForeignKey("communes.insee"), nullable=True)
    locale = db.Column(db.String(5), nullable=False, default="fr")
    is_admin = db.Column(db.Boolean, nullable=False, default=False)
    is_active_account = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # When the account showed it reads its address (a link mailed to it, opened: sign-up, password
    # reset, invitation, new address). An account an admin opens for an address is reached through
    # that mailbox only, and starts with it (marketplace.admins).
    email_confirmed_at = db.Column(db.DateTime, nullable=True)
    # When the last link confirming the address was mailed: an account that holds nothing and never
    # opened it is closed UNCONFIRMED_ACCOUNT_DAYS later (marketplace.account_closure).
    confirmation_sent_at = db.Column(db.DateTime, nullable=True)

    home_commune = db.relationship("Commune")
    # Oldest first, whether read lazily or with the user (marketplace.auth.sessions.load_user).
    shop_memberships = db.relationship("ShopMember", back_populates="user", cascade="all, delete-orphan",
                                       order_by="ShopMember.id")
    employer_memberships = db.relationship("EmployerMember", back_populates="user", cascade="all, delete-orphan",
                                           order_by="EmployerMember.id")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    # The login this User object was loaded for (a UserSession token), set by marketplace.auth.sessions.
    session_token = None

    def get_id(self) -> str:
        """Flask-Login's alternative id: the user and the login, so that ending the login (its row)
        ends this session cookie and its remember cookie, wherever they are replayed."""
        if not self.session_token:
            raise RuntimeError("log in through marketplace.auth.sessions.log_in")
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if current_app else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        if not full and self.email.endswith(f"@{CLOSED_ACCOUNT_DOMAIN}"):
            return str(lazy_gettext("compte fermé"))  # its orders in a shop's books: no one's name left
        return full or self.email

    def shop_role(self, shop_id: int) -> str | None:
        for membership in self.shop_memberships:
            if membership.shop_id == shop_id:
                return membership.role
        return None

    def is_employer_member(self, employer_id: int) -> bool:
        return any(m.employer_id == employer_id for m in self.employer_memberships)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserSession(db.Model):
    """One login (a browser): its session and remember cookies carry the token, of which only the
    SHA-256 is kept. Deleting the row ends that login; deleting a user's rows ends them all."""

    __tablename__ = "user_sessions"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False)


class LoginThrottle(db.Model):
    """Wrong passwords typed for one email address (known or not), from any client address:
    past a few, that address is locked for a while that doubles at each further failure."""

    __tablename__ = "login_throttles"

    email_hash = db.Column(db.String(64), primary_key=True)  # SHA-256 of the normalised address
    failures = db.Column(db.Integer, nullable=False, default=0)
    last_failure_at = db.Column(db.DateTime, nullable=False)
    locked_until = db.Column(db.DateTime, nullable=True)
