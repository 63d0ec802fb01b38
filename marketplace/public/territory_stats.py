"""The public page of headline figures: what the card money did for the territory's shops."""
from flask import Blueprint, render_template

from loyalty.clock import paris_day, utc_now
from marketplace import territory_stats
from marketplace.access import PUBLIC, access
from marketplace.request_guard import int_arg

bp = Blueprint("territory_stats", __name__)


@bp.route("/chiffres")
@access(PUBLIC)
def headline():
    year = int_arg("annee", maximum=9999) or paris_day(utc_now()).year
    return render_template("public/figures.html", figures=territory_stats.headline(year),
                           by_month=territory_stats.by_month(year))
