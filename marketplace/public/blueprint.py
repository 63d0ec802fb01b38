"""The public pages' blueprint, alone in its module (routes and report_routes import it;
marketplace/public/views.py gathers them)."""
from flask import Blueprint

bp = Blueprint("public", __name__)
