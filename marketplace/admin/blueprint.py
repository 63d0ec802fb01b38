"""The admin pages' blueprint, alone in its module: every admin route module imports it, and
marketplace/admin/views.py gathers them (no module imports its siblings back)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
