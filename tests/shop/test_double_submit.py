"""A shopkeeper's creation form sent twice (a double click: two POSTs at once; back + resubmit)
creates once: the form's one-time token (marketplace/once.py). The second leads where the first
went, with « Déjà enregistré. »."""
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace import once, periodic
from marketplace.extensions import db
from marketplace.models import ApiKey, FormSubmission, Product, ShopClosure, ShopInvitation
from marketplace.models.base import utcnow
from tests.conftest import login, post_twice_at_once
from tests.shop.test_onboarding import outbox
from tests.shop.test_products import product_form


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_product_form_sent_twice_at_once_creates_one_product(app, shop_world):
    url = f"/boutique/{shop_world['bakery']}/produits/nouveau"
    answers = post_twice_at_once(app, "staff@example.fr", url, product_form(shop_world, once="double-click"))
    assert [a.status_code for a in answers] == [302, 302]
    assert {a.headers["Location"] for a in answers} == {f"/boutique/{shop_world['bakery']}/produits"}
    assert count(app, Product, Product.name == "Brioche au beurre") == 1


def test_a_product_form_sent_again_after_back_creates_nothing_and_says_so(app, client, shop_world):
    login(client, "staff@example.fr")
    url = f"/boutique/{shop_world['bakery']}/produits/nouveau"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="once" type="hidden" value="([^"]+)"', page).group(1)
    data = product_form(shop_world, once=token, again="1")
    assert client.post(url, data=data).headers["Location"] == url
    again = client.post(url, data=data, follow_redirects=True)
    assert "Déjà enregistré." in again.get_data(as_text=True)
    assert count(app, Product, Product.name == "Brioche au beurre") == 1
    # A new form (a new token) is a new product.
    fresh = client.get(url).get_data(as_text=True)
    assert token not in fresh
    client.post(url, data=product_form(shop_world, sku="B011"))
    assert count(app, Product, Product.name == "Brioche au beurre") == 2


def test_a_refused_product_form_leaves_its_token_free_for_the_corrected_one(app, client, shop_world):
    login(client, "staff@example.fr")
    url = f"/boutique/{shop_world['bakery']}/produits/nouveau"
    assert client.post(url, data=product_form(shop_world, price="gratuit", once="fix-me")).status_code == 200
    assert client.post(url, data=product_form(shop_world, once="fix-me")).status_code == 302
    assert count(app, Product, Product.name == "Brioche au beurre") == 1


def test_an_api_key_form_sent_twice_at_once_makes_one_key(app, shop_world):
    url = f"/caisse/{shop_world['bakery']}/cles-api"
    answers = post_twice_at_once(app, "owner@example.fr", url, {"name": "Caisse comptoir", "once": "tap-tap"})
    shown = [a for a in answers if a.status_code == 200]
    assert len(shown) == 1 and 'data-testid="new-api-key"' in shown[0].get_data(as_text=True)
    assert [a.headers["Location"] for a in answers if a.status_code == 302] == [url]
    assert count(app, ApiKey) == 1


def test_a_closure_and_a_team_invitation_sent_twice_are_made_once(app, client, shop_world):
    bakery = shop_world["bakery"]
    start = date.today() + timedelta(days=10)
    closure = {"starts_on": start.isoformat(), "ends_on": (start + timedelta(days=3)).isoformat(),
               "reason": "Congés", "once": "closure-1"}
    answers = post_twice_at_once(app, "owner@example.fr", f"/boutique/{bakery}/fermetures", closure)
    assert [a.status_code for a in answers] == [302, 302]
    assert count(app, ShopClosure, ShopClosure.shop_id == bakery) == 1
    invitation = {"email": "lea@example.fr", "role": "cashier", "once": "invite-1"}
    answers = post_twice_at_once(app, "owner@example.fr", f"/boutique/{bakery}/equipe", invitation)
    assert {a.headers["Location"] for a in answers} == {f"/boutique/{bakery}/equipe"}
    assert count(app, ShopInvitation, ShopInvitation.shop_id == bakery) == 1
    assert [m["To"] for m in outbox(app)].count("lea@example.fr") == 1


def test_old_tokens_are_forgotten_by_a_nightly_job(app, shop_world):
    assert periodic.forget_form_submissions in [job for job, *_ in periodic.PERIODIC]
    with app.app_context():
        db.session.add_all([FormSubmission(token="old", url="/", created_at=utcnow() - once.KEPT_FOR * 2),
                            FormSubmission(token="new", url="/")])
        db.session.commit()
        assert periodic.forget_form_submissions() == 1
        assert db.session.scalars(select(FormSubmission.token)).all() == ["new"]
