"""The gift cards' route modules, for the app to register their blueprint with all its views."""
from marketplace.gifts import programme_routes, routes  # noqa: F401  (their views register on the blueprint)
from marketplace.gifts.blueprint import bp  # noqa: F401
