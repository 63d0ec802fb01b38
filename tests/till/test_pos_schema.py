"""The POS and products APIs answer as their OpenAPI document says, whatever schemathesis throws at
them (the shop has products, so the products operations meet known SKUs too)."""
import re

import pytest
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


@pytest.mark.parametrize("blank", [" ", "\u00a0", "\u2003\t", "\x85"])
def test_a_text_the_api_reads_as_missing_is_outside_its_schema(app, client, till, blank):
    """Schemathesis once sent a card number of one no-break space, which the schema allowed (minLength 1)
    and the API answered 422 (« card » est obligatoire): what the API reads as blank (str.strip), the
    schema must refuse too, for the card, a void's reason and the Idempotency-Key."""
    from marketplace.api.openapi import SPEC

    body = SPEC["paths"]["/redemptions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    void = SPEC["paths"]["/redemptions/{entry_id}/void"]["post"]["requestBody"]["content"]["application/json"]
    patterns = [body["properties"]["card"]["pattern"], void["schema"]["properties"]["reason"]["pattern"],
                SPEC["paths"]["/redemptions"]["post"]["parameters"][0]["schema"]["pattern"]]
    for pattern in patterns:
        assert re.search(pattern, blank) is None and re.search(pattern, f"{blank}4242{blank}")
    key = api_key(app, till["shop"])
    response = client.post("/api/v1/redemptions", json={"card": blank, "amount_cents": 100},
                           headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "blank-card"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "card"
