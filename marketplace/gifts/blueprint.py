"""The gift cards' blueprint, alone in its module (routes and programme_routes import it;
marketplace/gifts/views.py gathers them)."""
from flask import Blueprint

bp = Blueprint("gifts", __name__)
