"""Every GET route of the app, as each role, with real ids from a small world and with hostile values
(a NUL byte in every string path parameter and in every query parameter the code reads, empty, negative
and huge values): never a 500. Runs on PostgreSQL too (TEST_DATABASE_URL), where a NUL is an error."""
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from loyalty.clock import paris_day, utc_now
from loyalty.models import Card, Grant
from marketplace import campaigns
from marketplace.extensions import db, limiter
from marketplace.models import Employee
from tests import factories as f
from tests.conftest import login
from tests.till.conftest import new_funded_card

ROOT = Path(__file__).resolve().parent.parent
NUL = "a\x00b"
# Query values tried on every route (all the parameters at once): the NUL one must get 400.
QUERY_VALUES = [NUL, "", "-1", "9" * 30, "zz", "2026-02-30"]
ROLES = [None, "owner@example.fr", "cashier@example.fr", "hr@example.fr", "admin@example.fr", "holder@example.fr"]


def query_parameters() -> set[str]:
    """The query parameters the code reads (request.args.get/getlist/[…], int_arg, args.get in the search views)."""
    names = set()
    for folder in ("marketplace", "search", "loyalty"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"""(?:args(?:\.get|\.getlist|\.get_all)?[\[(]|int_arg\()\s*["']([a-z_]+)["']""",
                                    path.read_text()))
    return names


@pytest.fixture
def world(app):
    with app.app_context():
        semur = f.commune()
        shop = f.shop("Boulangerie Moreau", semur)
        product = f.product(shop, "Pain de campagne")
        owner, cashier, hr = f.user("owner@example.fr"), f.user("cashier@example.fr"), f.user("hr@example.fr")
        holder = f.user("holder@example.fr")
        f.user("admin@example.fr", is_admin=True)
        f.shop_member(shop, owner, "owner")
        f.shop_member(shop, cashier, "cashier")
        employer = f.employer("Laiterie", semur)
        f.employer_member(employer, hr)
        employee = Employee(employer_id=employer.id, external_id="M001", last_name="Martin", first_name="Claire",
                            email="claire@example.fr")
        db.session.add(employee)
        db.session.commit()
        campaign = campaigns.create_campaign(
            employer, event="noel", label="Noël", amount_cents=5_000, child_amount_cents=0, audience="all",
            selection=None, expires_on=paris_day(utc_now()) + timedelta(days=200), allowed_categories=None,
            expiry_policy="employer", user_id=hr.id)
        card_id = new_funded_card(2_000, holder_user_id=holder.id)
        db.session.commit()
        grant = Grant.query.filter_by(card_id=card_id).one()
        return {
            "ints": {"shop_id": shop.id, "product_id": product.id, "employer_id": employer.id,
                     "campaign_id": campaign.id, "employee_id": employee.id, "grant_id": grant.id,
                     "category_id": shop.category_id},
            "strings": {"slug": [semur.slug, shop.slug, shop.category.slug], "insee": [semur.insee],
                        "card_ref": [db.session.get(Card, card_id).number], "filename": ["css/halle.css"],
                        "token": ["abc"], "key": ["abc"], "name": ["communes"]},
        }


def urls(app, world):
    """(rule, url) pairs: each GET rule with real values, then with a NUL in each string parameter."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        real, hostile = {}, {}
        for name in rule.arguments:
            converter = rule._converters[name]
            if isinstance(converter, IntegerConverter):
                real[name] = [world["ints"].get(name, 1)]
            elif isinstance(converter, AnyConverter):
                real[name] = [next(iter(converter.items))]
            else:
                real[name] = world["strings"].get(name, ["x"])
                hostile[name] = NUL
        variants = [{name: values[0] for name, values in real.items()}]
        for name, values in real.items():
            variants += [{**variants[0], name: value} for value in values[1:]]
        variants += [{**variants[0], name: value} for name, value in hostile.items()]
        for values in variants:
            path = rule.rule
            for name, value in values.items():
                path = re.sub(rf"<(?:[^:<>]+:)?{name}(?:\([^)]*\))?>", quote(str(value), safe="/"), path)
            yield rule.rule, path


def test_no_get_route_answers_500_whatever_the_parameters(app, world):
    parameters = sorted(query_parameters())
    assert {"q", "page", "date", "next"} <= set(parameters)
    clients = []
    for email in ROLES:
        client = app.test_client()
        if email:
            assert login(client, email).status_code == 302
        clients.append((email, client))
    failures = []
    limiter.enabled = False
    try:
        for rule, path in urls(app, world):
            for email, client in clients:
                for value in [None, *QUERY_VALUES]:  # the query's values only where the page answers
                    query = "" if value is None else "?" + "&".join(f"{p}={quote(value)}" for p in parameters)
                    try:  # the tests propagate exceptions: an unhandled one is the 500
                        status = client.get(path + query).status_code
                    except Exception as error:  # noqa: BLE001
                        status = f"500 ({error.__class__.__name__}: {str(error)[:80]})"
                    if str(status).startswith("500") or ("\x00" in path + (value or "") and status not in (400, 404)):
                        failures.append(f"{status} {email or 'anonymous'} GET {path}{query[:60]}")
                    if value is None and status != 200:
                        break
    finally:
        limiter.enabled = True
    assert not failures, "\n".join(failures[:30])
