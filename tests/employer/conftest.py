"""Fixtures of the employer gift campaign tests: a company with its HR member and staff, a shop
of the territory, and the ledger checked after every test."""
from datetime import date

import pytest

from marketplace.extensions import db
from marketplace.models import Employee
from marketplace.taxonomy import ensure_default_taxonomy
from tests import factories as f
from tests.conftest import login
from tests.paid_world import ledger_stays_sound, stripe_server  # noqa: F401  (shared fixtures)


@pytest.fixture
def hr_world(app):
    """Employer 'Laiterie' (approved) with HR user hr@example.fr and 3 employees, an other
    company with its own HR, a resident, an admin, and shops in two communes."""
    with app.app_context():
        categories = ensure_default_taxonomy(db.session)
        semur = f.commune()
        arnay = f.commune(**f.ARNAY)
        employer = f.employer("Laiterie", semur, billing_email="compta@laiterie.fr", siret="73282932000074",
                              address="route de Dijon")
        other = f.employer("Forges", semur)
        hr = f.user("hr@example.fr", first_name="Nina", last_name="Girard")
        other_hr = f.user("otherhr@example.fr")
        f.employer_member(employer, hr)
        f.employer_member(other, other_hr)
        resident = f.user("claire@example.fr")
        admin = f.user("admin@example.fr", is_admin=True)
        people = [
            Employee(employer_id=employer.id, external_id="M001", last_name="Martin", first_name="Claire",
                     email="claire@example.fr", children_under_16=2, children_under_26=2),
            Employee(employer_id=employer.id, external_id="M002", last_name="Bernard", first_name="Luc",
                     email="luc@example.fr", children_under_16=0, children_under_26=1),
            Employee(employer_id=employer.id, external_id="M003", last_name="Petit", first_name="Anne",
                     email=None, children_under_16=0, children_under_26=0),
        ]
        db.session.add_all(people)
        toys = f.shop("Jouets Arnay", arnay, category=categories["jeux-jouets"])
        bakery = f.shop("Boulangerie Semur", semur, category=categories["boulangerie-patisserie"])
        chocolates = f.shop("Chocolats Semur", semur, category=categories["produits-festifs"])
        db.session.commit()
        return {
            "employer_id": employer.id, "other_employer_id": other.id, "hr_id": hr.id, "resident_id": resident.id,
            "admin_id": admin.id, "employees": {e.external_id: e.id for e in people},
            "shops": {"toys": toys.id, "bakery": bakery.id, "chocolates": chocolates.id},
        }


@pytest.fixture
def hr_client(app, hr_world):
    client = app.test_client()
    assert login(client, "hr@example.fr").status_code == 302
    return client


TODAY = date(2026, 11, 20)
