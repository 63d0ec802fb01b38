from flask import Blueprint, render_template

from marketplace.access import access, employer_member
from marketplace.extensions import db
from marketplace.models import Employer

bp = Blueprint("employer", __name__, url_prefix="/entreprise")


@bp.route("/<int:employer_id>/")
@access(employer_member())
def dashboard(employer_id: int):
    employer = db.session.get(Employer, employer_id)
    active_employees = employer.employees.filter_by(archived=False).count()
    return render_template("employer/dashboard.html", employer=employer, active_employees=active_employees)
