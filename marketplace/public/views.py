"""The public route modules, for the app to register their blueprint with all its views."""
# Their views register on the blueprint when imported.
from marketplace.public import crawler_routes, legal_routes, report_routes, routes  # noqa: F401
from marketplace.public.blueprint import bp  # noqa: F401
