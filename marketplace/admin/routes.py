from flask import Blueprint, render_template

from marketplace.access import ADMIN, access
from marketplace.models import Employer, Shop
from marketplace.territory import territory_summary

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@access(ADMIN)
def dashboard():
    return render_template(
        "admin/dashboard.html",
        summary=territory_summary(),
        pending_shops=Shop.query.filter_by(status="pending").count(),
        pending_employers=Employer.query.filter_by(status="pending").count(),
    )
