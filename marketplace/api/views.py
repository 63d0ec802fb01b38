"""The API's endpoint modules, for the app to register their blueprint with all its views."""
from marketplace.api import lockers, openapi, pos, products, search  # noqa: F401  (their views register on bp)
from marketplace.api.blueprint import bp  # noqa: F401
