"""The public route modules, for the app to register their blueprint with all its views."""
from marketplace.public import report_routes, routes  # noqa: F401  (their views register on the blueprint)
from marketplace.public.blueprint import bp  # noqa: F401
