"""Businesses without a catalogue in the search (issue 22), on both backends: found by what they
do next to the products, with distance, opening hours and contact; within the resident's reach or
serving the resident's commune; never past the first page or with a products-only filter."""
from sqlalchemy import select

from marketplace.extensions import db
from search.models import UnmetSearch


def names(results):
    return [hit.name for hit in results.businesses]


def test_words_find_the_businesses_that_do_it(world, ask):
    assert names(ask(q="plombier")) == ["Plomberie Renaud"]
    assert names(ask(q="plombiers")) == ["Plomberie Renaud"]  # plural
    assert names(ask(q="plonbier")) == ["Plomberie Renaud"]  # typo
    assert names(ask(q="usinage")) == ["Usinage Précision Montbard"]
    assert names(ask(q="réparation tondeuse")) == ["Motoculture Service Venarey"]
    assert names(ask(q="chauffe-eau")) == ["Plomberie Renaud"]  # a service
    assert names(ask(q="confiture")) == []
    # A product and a business answer the same word: both are shown.
    both = ask(q="tondeuse")
    assert names(both) == ["Motoculture Service Venarey"]
    assert world.names(h.id for h in both.hits) == ["Pièce détachée pour tondeuse"]


def test_a_business_match_is_not_a_miss_nor_corrected_into_a_product(app, world, ask):
    results = ask(q="plombier", record_unmet=True)
    assert results.total == 0 and not results.corrected and results.suggestion is None
    ask(q="zzzzzz", record_unmet=True)
    with app.app_context():
        assert [row.text for row in db.session.scalars(select(UnmetSearch))] == ["zzzzzz"]


def test_reach_is_the_resident_s_radius_or_the_area_served(world, ask):
    semur, arnay, epoisses = (world.communes[n] for n in ("Semur-en-Auxois", "Arnay-le-Duc", "Époisses"))
    assert names(ask(q="plombier", commune=epoisses, radius_km=5)) == ["Plomberie Renaud"]  # it serves 25 km
    assert names(ask(q="plombier", commune=arnay, radius_km=5)) == []  # 41 km away
    assert names(ask(q="plombier", commune=arnay, radius_km=50)) == ["Plomberie Renaud"]
    assert names(ask(q="ramoneur", commune=arnay, radius_km=5)) == ["Ramonage Perrot"]  # its communes
    assert names(ask(q="ramoneur", commune=semur, radius_km=20)) == []
    hit = ask(q="plombier", commune=epoisses, radius_km=5).businesses[0]
    assert 5 < hit.distance_km < 20 and hit.commune_name == "Semur-en-Auxois"
    assert ask(q="plombier", commune=semur).businesses[0].distance_km == 0
    assert names(ask(q="usinage", commune_filter=semur)) == []
    assert names(ask(q="usinage", page=2)) == []
    assert names(ask(q="plombier", in_stock=1)) == []
    assert names(ask(q="plombier", card=1)) == ["Plomberie Renaud"]
    assert names(ask(q="usinage", card=1)) == []  # the workshop does not take the card


def test_a_business_shows_for_searches_from_the_communes_it_serves(app, world, ask):
    """The communes of the business form (area_communes), not only its radius: the chimney sweep of
    Arnay-le-Duc, which has no radius, is found from Semur-en-Auxois once it says it serves it."""
    from marketplace import shops
    from marketplace.models import Shop

    semur, epoisses, pouilly = (world.communes[n] for n in ("Semur-en-Auxois", "Époisses", "Pouilly-en-Auxois"))
    assert names(ask(q="ramoneur", commune=pouilly, radius_km=5)) == ["Ramonage Perrot"]
    assert names(ask(q="ramoneur", commune=semur, radius_km=5)) == []
    with app.app_context():
        shop = db.session.get(Shop, world.shops["Ramonage Perrot"])
        shops.update_details(shop, {"area_communes": [*shop.area_communes, semur]})
        db.session.commit()
    hit = ask(q="ramoneur", commune=semur, radius_km=5).businesses
    assert names(ask(q="ramoneur", commune=semur, radius_km=5)) == ["Ramonage Perrot"]
    assert hit[0].distance_km > 5  # found for the commune served, though beyond the resident's radius
    assert names(ask(q="ramoneur", commune=epoisses, radius_km=5)) == []  # a neighbour it does not serve


def test_the_api_and_the_page_show_them_with_distance_hours_and_contact(client, world):
    body = client.get("/api/v1/search?q=plombier&commune=21247&radius_km=10").get_json()
    assert body["total"] == 0 and body["results"] == []
    [plumber] = body["businesses"]
    assert plumber["name"] == "Plomberie Renaud" and plumber["url"].endswith("/commerces/plomberie-renaud")
    assert plumber["services"][0] == "Dépannage de fuites et débouchage"
    assert plumber["commune"]["name"] == "Semur-en-Auxois" and 5 < plumber["distance_km"] < 20
    page = client.get("/recherche?q=tondeuse&commune=21603&radius_km=40").get_data(as_text=True)
    card = page[page.index('data-testid="business"'):page.index('data-testid="results-count"')]
    assert "Motoculture Service Venarey" in card and "Réparation et entretien de tondeuses" in card
    assert "03 80 97 00 00" in card and "Fermé" in card and " km" in card
    assert "Pièce détachée pour <mark>tondeuse</mark>" in page  # the product too
    empty = client.get("/recherche?q=plombier").get_data(as_text=True)
    assert 'data-testid="business"' in empty and 'data-testid="empty-state"' not in empty
