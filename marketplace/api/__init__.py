"""The JSON API (/api/v1): search and completion, the till's, the products' and the lockers'
endpoints, on one blueprint (blueprint.py); views.py gathers the endpoint modules for the app."""
