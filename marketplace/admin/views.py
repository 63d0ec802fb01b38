"""Every admin route module, for the app to register the admin blueprint with all its views."""
from marketplace.admin import (  # noqa: F401  (each module's views register on the blueprint)
    account_routes,
    accounting_routes,
    bank_routes,
    card_routes,
    jobs_routes,
    reconciliation_routes,
    routes,
    settlement_routes,
    territory_routes,
)
from marketplace.admin.blueprint import bp  # noqa: F401
