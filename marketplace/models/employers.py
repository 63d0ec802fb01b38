from marketplace.extensions import db
from marketplace.models.base import utcnow


class Employer(db.Model):
    """A company whose HR department gives gift credit on the territorial card."""

    __tablename__ = "employers"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(140), nullable=False, unique=True)
    name = db.Column(db.String(140), nullable=False)
    siret = db.Column(db.String(14), nullable=True)
    address = db.Column(db.String(200), nullable=False, default="")
    commune_insee = db.Column(db.String(5), db.ForeignKey("communes.insee"), nullable=False)
    billing_email = db.Column(db.String(254), nullable=False, default="")
    status = db.Column(db.String(12), nullable=False, default="pending", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    commune = db.relationship("Commune")
    members = db.relationship("EmployerMember", back_populates="employer", cascade="all, delete-orphan")
    employees = db.relationship("Employee", back_populates="employer", lazy="dynamic")

    def __repr__(self) -> str:
        return f"<Employer {self.slug}>"


class EmployerMember(db.Model):
    """An HR manager of an employer."""

    __tablename__ = "employer_members"
    __table_args__ = (db.UniqueConstraint("employer_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    employer_id = db.Column(db.Integer, db.ForeignKey("employers.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    role = db.Column(db.String(10), nullable=False, default="hr")

    employer = db.relationship("Employer", back_populates="members")
    user = db.relationship("User", back_populates="employer_memberships")


class Employee(db.Model):
    """A member of an employer's staff list (not necessarily a Halle user)."""

    __tablename__ = "employees"
    __table_args__ = (db.UniqueConstraint("employer_id", "external_id"),)

    id = db.Column(db.Integer, primary_key=True)
    employer_id = db.Column(db.Integer, db.ForeignKey("employers.id"), nullable=False)
    external_id = db.Column(db.String(40), nullable=False)
    last_name = db.Column(db.String(80), nullable=False)
    first_name = db.Column(db.String(80), nullable=False)
    email = db.Column(db.String(254), nullable=True)
    children_under_16 = db.Column(db.Integer, nullable=False, default=0)
    children_under_26 = db.Column(db.Integer, nullable=False, default=0)
    archived = db.Column(db.Boolean, nullable=False, default=False)

    employer = db.relationship("Employer", back_populates="employees")
