"""A shop names its consumer mediator (Code de la consommation, L616-1): the owner fills it in
from the settings the dashboard points to, and customers read it on the shop's page."""
import html

from marketplace.extensions import db
from marketplace.models import Shop
from tests.conftest import login
from tests.shop.test_onboarding import shop_form


def test_the_owner_names_the_mediator_and_customers_read_it_on_the_shop_page(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    dashboard = f"/boutique/{shop_world['bakery']}/"
    nag = client.get(dashboard).get_data(as_text=True)
    assert 'data-testid="mediator-missing"' in nag
    assert f"/boutique/{shop_world['bakery']}/parametres#mediator_name" in nag
    url = f"/boutique/{shop_world['bakery']}/parametres"
    assert 'id="mediator_name"' in client.get(url).get_data(as_text=True)
    answer = client.post(url, data=shop_form(shop_world, name="Boulangerie Moreau",
                                             mediator_name="Médiation de la consommation de l'artisanat",
                                             mediator_url="www.mediateur-artisanat.example"))
    assert answer.status_code == 302
    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        assert (shop.mediator_name, shop.mediator_url) == ("Médiation de la consommation de l'artisanat",
                                                           "https://www.mediateur-artisanat.example")
        slug = shop.slug
    assert 'data-testid="mediator-missing"' not in client.get(dashboard).get_data(as_text=True)
    page = html.unescape(client.get(f"/commerces/{slug}").get_data(as_text=True))
    assert ('<a href="https://www.mediateur-artisanat.example" rel="noopener nofollow" target="_blank">'
            "Médiation de la consommation de l'artisanat</a>") in page
    assert "<dd>552 100 554 00013</dd>" in page  # the seller's identity beside it
    # The terms page says where to find it.
    assert "sous « Informations légales »" in html.unescape(client.get("/conditions").get_data(as_text=True))


def test_a_mediator_s_site_without_its_name_or_a_bad_address_is_refused_and_changes_nothing(
        app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    url = f"/boutique/{shop_world['bakery']}/parametres"
    page = client.post(url, data=shop_form(shop_world, mediator_url="www.mediateur.example")).get_data(as_text=True)
    assert "Médiateur de la consommation : indiquez son nom, avec son site." in html.unescape(page)
    page = client.post(url, data=shop_form(shop_world, mediator_name="CM2C",
                                           mediator_url="pas une adresse")).get_data(as_text=True)
    assert "Adresse web invalide" in page
    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        assert (shop.name, shop.mediator_name, shop.mediator_url) == ("Boulangerie Moreau", "", "")


def test_only_the_owner_is_asked_for_the_mediator(app, client, shop_world):
    login(client, shop_world["emails"]["staff"])
    assert 'data-testid="mediator-missing"' not in client.get(
        f"/boutique/{shop_world['bakery']}/").get_data(as_text=True)
