"""`flask --app run ledger …` commands."""
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="The territorial card ledger.")
