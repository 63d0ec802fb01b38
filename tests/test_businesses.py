"""Businesses without a catalogue (issue 22): a plumber's public page says what it does, where it
works, when it is open and how to reach it; no empty product list."""
from marketplace.extensions import db
from tests import factories as f

WEEKDAYS = {d: [["08:00", "12:00"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_a_business_offering_services_shows_what_it_does(app, client):
    with app.app_context():
        semur = f.commune()
        f.commune(**f.ARNAY)
        f.commune(**f.EPOISSES)
        f.shop("Plomberie Renaud", semur, kind="services", description="Plombier chauffagiste.",
               services="Dépannage de fuites\n- Installation de chauffe-eau\n\n", keywords="plombier, chauffe-eau,",
               area_radius_km=25, area_communes=["21247", "21023"], phone="03 80 97 21 48",
               email="contact@plomberie-renaud.fr", opening_hours=WEEKDAYS)
        f.shop("Boulangerie Moreau", semur)
        db.session.commit()
    page = client.get("/commerces/plomberie-renaud").get_data(as_text=True)
    services = page[page.index('data-testid="shop-services"'):]
    assert "<li>Dépannage de fuites</li><li>Installation de chauffe-eau</li>" in services
    assert "plombier · chauffe-eau" in services
    assert ("dans un rayon de 25 km autour de Semur-en-Auxois ; Arnay-le-Duc, Époisses" in
            services[services.index('data-testid="shop-area"'):])
    assert "03 80 97 21 48" in page and "contact@plomberie-renaud.fr" in page and "13h30" in page
    assert 'id="products-title"' not in page  # no empty catalogue
    bakery = client.get("/commerces/boulangerie-moreau").get_data(as_text=True)
    assert 'data-testid="shop-services"' not in bakery and 'id="products-title"' in bakery
