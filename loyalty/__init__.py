"""The territorial card and its double-entry ledger (see DESIGN.md, "The ledger")."""
from loyalty import sqlite  # noqa: F401  (registers the SQLite BEGIN listener)
