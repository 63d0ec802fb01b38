"""Merchants' associations' pages: the territory admin's, the managers', the shops' and the public
page (service: marketplace/associations.py)."""
