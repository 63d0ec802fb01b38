import re

from marketplace.api_keys import authenticate_api_key
from marketplace.extensions import db
from marketplace.models import ApiKey
from tests import factories as f
from tests.conftest import login


def shop_with_team(app):
    with app.app_context():
        shop = f.shop("Quincaillerie Bernard", f.commune())
        f.shop_member(shop, f.user("owner@example.fr"), "owner")
        f.shop_member(shop, f.user("cashier@example.fr"), "cashier")
        db.session.commit()
        return shop.id


def test_owner_creates_a_key_shown_once_and_stored_hashed(app, client):
    shop_id = shop_with_team(app)
    login(client, "owner@example.fr")
    page = client.post(f"/caisse/{shop_id}/cles-api", data={"name": "Caisse comptoir"}).get_data(as_text=True)
    key = re.search(r'data-testid="new-api-key">([^<]+)<', page).group(1)
    assert key.startswith("halle_")
    assert key not in client.get(f"/caisse/{shop_id}/cles-api").get_data(as_text=True)
    with app.app_context():
        row = ApiKey.query.one()
        assert row.name == "Caisse comptoir" and key not in row.secret_hash
        assert authenticate_api_key(key).id == row.id
        assert authenticate_api_key(key[:-1] + "x") is None
        assert authenticate_api_key("halle_nope_nope") is None


def test_a_revoked_key_no_longer_works(app, client):
    shop_id = shop_with_team(app)
    login(client, "owner@example.fr")
    page = client.post(f"/caisse/{shop_id}/cles-api", data={"name": "Caisse"}).get_data(as_text=True)
    key = re.search(r'data-testid="new-api-key">([^<]+)<', page).group(1)
    with app.app_context():
        key_id = ApiKey.query.one().id
    client.post(f"/caisse/{shop_id}/cles-api/{key_id}/revoquer")
    with app.app_context():
        assert authenticate_api_key(key) is None


def test_key_name_is_required(app, client):
    shop_id = shop_with_team(app)
    login(client, "owner@example.fr")
    page = client.post(f"/caisse/{shop_id}/cles-api", data={"name": ""}).get_data(as_text=True)
    assert "Donnez un nom à la clé" in page
    with app.app_context():
        assert ApiKey.query.count() == 0


def test_only_the_owner_manages_keys(app, client):
    shop_id = shop_with_team(app)
    login(client, "cashier@example.fr")
    assert client.get(f"/caisse/{shop_id}/cles-api").status_code == 403
    assert client.post(f"/caisse/{shop_id}/cles-api", data={"name": "x"}).status_code == 403


def test_the_keys_page_has_the_shops_tabs_a_way_back_and_the_api_documentation(app, client):
    shop_id = shop_with_team(app)
    login(client, "owner@example.fr")
    page = client.post(f"/caisse/{shop_id}/cles-api", data={"name": "Caisse comptoir"}).get_data(as_text=True)
    assert 'aria-label="Gestion du commerce"' in page and f'href="/boutique/{shop_id}/"' in page
    assert f'href="/caisse/{shop_id}/"' in page and 'href="/api/v1/openapi.json"' in page
    assert 'class="new-key"' in page
