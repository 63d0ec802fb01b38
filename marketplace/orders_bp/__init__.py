"""Resident-facing cart, checkout and order pages (routes.py), and the admins' locker banks."""
