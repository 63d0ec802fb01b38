"""The POS and products APIs answer as their OpenAPI document says, whatever schemathesis throws at
them (the shop has products, so the products operations meet known SKUs too)."""
import schemathesis
from hypothesis import HealthCheck, given, settings

from marketplace.extensions import limiter
from tests.till.test_pos_api import api_key
from tests.till.test_products_api import products


def test_pos_api_matches_its_openapi_document(app, till):
    products(app, till)
    headers = {"Authorization": f"Bearer {api_key(app, till['shop'])}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    limiter.enabled = False
    try:
        for operation in operations:
            @given(case=operation.as_strategy())
            @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def check(case):
                case.call_and_validate(headers=headers)

            check()
    finally:
        limiter.enabled = True
