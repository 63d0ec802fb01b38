from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.extensions import db
from marketplace.models.base import utcnow


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

    home_commune = db.relationship("Commune")
    shop_memberships = db.relationship("ShopMember", back_populates="user", cascade="all, delete-orphan")
    employer_memberships = db.relationship(
        "EmployerMember", back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if current_app else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
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
