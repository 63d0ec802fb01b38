"""The yardstick of bench/http_load.py: a bare Flask app, one route returning a short HTML page,
served by the same gunicorn settings as Halle (no database, no session, no template)."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def page():
    return "<!doctype html><title>Halle</title><p>Bonjour</p>"
