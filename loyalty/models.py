"""The territorial card ledger models (see loyalty/ledger.py)."""
