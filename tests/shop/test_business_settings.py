"""A business without a catalogue says so in its settings (issue 22): what it does, its keywords
and the area it serves; a bad radius is refused with the field named and changes nothing."""
import html
import re

from marketplace.extensions import db
from marketplace.models import Product, Shop
from tests.conftest import login
from tests.shop.test_onboarding import shop_form


def _off_sale(app, shop_world):
    """The bakery's bread taken off sale: a shop with products on sale stays a commerce
    (tests/shop/test_services_catalogue.py)."""
    with app.app_context():
        db.session.get(Product, shop_world["bread"]).active = False
        db.session.commit()


def test_the_owner_marks_the_shop_as_offering_services(app, client, shop_world):
    _off_sale(app, shop_world)
    login(client, shop_world["emails"]["owner"])
    url = f"/boutique/{shop_world['bakery']}/parametres"
    page = client.get(url).get_data(as_text=True)
    assert "Je propose des services</option>" in page and "sans catalogue de produits" in page
    bad = client.post(url, data=shop_form(shop_world, name="Plomberie Moreau", kind="services",
                                          area_radius_km="500")).get_data(as_text=True)
    assert "Zone d&#39;intervention : un rayon de 1 à 300 km." in bad
    with app.app_context():
        assert db.session.get(Shop, shop_world["bakery"]).name == "Boulangerie Moreau"
    response = client.post(url, data=shop_form(
        shop_world, name="Plomberie Moreau", kind="services", services="Dépannage de fuites\nPose de chauffe-eau",
        keywords="plombier, chauffe-eau", area_radius_km="20"))
    assert response.status_code == 302
    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        assert (shop.kind, shop.service_list, shop.keyword_list, shop.area_radius_km) == (
            "services", ["Dépannage de fuites", "Pose de chauffe-eau"], ["plombier", "chauffe-eau"], 20)
        slug = shop.slug
    page = client.get(f"/commerces/{slug}").get_data(as_text=True)
    assert "<li>Pose de chauffe-eau</li>" in page and "dans un rayon de 20 km autour de Semur-en-Auxois" in page


def test_the_owner_lists_the_communes_served_and_a_bad_name_is_named(app, client, shop_world):
    _off_sale(app, shop_world)
    login(client, shop_world["emails"]["owner"])
    url = f"/boutique/{shop_world['bakery']}/parametres"
    form = client.get(url).get_data(as_text=True)
    assert 'data-commune-chips' in form and "js/commune_chips.js" in form  # the picker, over the text field
    bad = client.post(url, data=shop_form(shop_world, kind="services", area_communes="Arnay-le-Duc, Semurr ; Dijonn")
                      ).get_data(as_text=True)
    assert ("Communes desservies : « Semurr » n&#39;est pas une commune du territoire ; « Dijonn » n&#39;est pas "
            "une commune du territoire. Corrigez ou retirez-les.") in bad
    with app.app_context():
        assert db.session.get(Shop, shop_world["bakery"]).area_communes is None  # nothing changed

    # The picker sends labels; a typed name or a postal code works too; each commune once.
    response = client.post(url, data=shop_form(shop_world, kind="services",
                                               area_communes="Arnay-le-Duc (21230), 21230\nsemur-en-auxois"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Shop, shop_world["bakery"]).area_communes == ["21023", "21603"]
    assert 'value="Arnay-le-Duc (21230), Semur-en-Auxois (21140)"' in client.get(url).get_data(as_text=True)
    client.post(url, data=shop_form(shop_world, kind="services", area_communes=""))
    with app.app_context():
        assert db.session.get(Shop, shop_world["bakery"]).area_communes is None


def test_the_settings_page_has_the_shops_tabs(client, shop_world):
    login(client, shop_world["emails"]["owner"])
    page = client.get(f"/boutique/{shop_world['bakery']}/parametres").get_data(as_text=True)
    assert 'aria-label="Gestion du commerce"' in page
    assert f'href="/boutique/{shop_world["bakery"]}/produits"' in page


def test_an_empty_day_reads_as_closed_and_the_iban_field_shows_no_made_up_iban(client, shop_world):
    """A day left empty shows « Fermé », not hours that look set; the hours' format is given once,
    as help; the IBAN field shows no example IBAN above « Actuel : FR76 •••• 0189 »."""
    login(client, shop_world["emails"]["owner"])
    page = html.unescape(client.get(f"/boutique/{shop_world['bakery']}/parametres").get_data(as_text=True))

    def field(name):
        return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)

    assert 'placeholder="Fermé"' in field("hours_wed") and 'value="7h-12h30, 15h-19h"' in field("hours_tue")
    assert page.count("9h-12h30, 14h-19h") == 1  # the help text's example
    assert "placeholder" not in field("iban") and "Actuel : FR76 •••• 0189" in page


def test_the_siret_field_says_where_to_find_it_and_shows_no_made_up_number(client, shop_world):
    """Registering a shop: the SIRET field is empty, with where to find the number under it (an
    example number in the box read as one already filled in)."""
    login(client, shop_world["emails"]["resident"])
    page = html.unescape(client.get("/boutique/nouvelle").get_data(as_text=True))
    siret = re.search(r'<input[^>]*name="siret"[^>]*>', page).group(0)
    assert "placeholder" not in siret and 'inputmode="numeric"' in siret
    assert "14 chiffres, sur un extrait Kbis, l'avis de situation Sirene ou vos factures." in page
