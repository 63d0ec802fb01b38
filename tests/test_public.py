from marketplace.extensions import db
from marketplace.models import Product, User
from tests import factories as f
from tests.conftest import login


def territory(app):
    with app.app_context():
        semur = f.commune()
        arnay = f.commune(**f.ARNAY)
        f.commune(**f.EPOISSES)
        bakery = f.shop("Boulangerie Moreau", semur, address="3 rue de la Liberté")
        f.shop("Quincaillerie en attente", arnay, status="pending")
        db.session.add(Product(shop=bakery, category=bakery.category, name="Pain de campagne", price_cents=320))
        db.session.commit()


def test_home_page_shows_the_territory(app, client):
    territory(app)
    page = client.get("/").get_data(as_text=True)
    assert "Auxois Morvan" in page
    assert 'id="map"' in page and "/communes.json" in page
    assert 'data-testid="count-communes">3<' in page
    assert 'data-testid="count-shops">1<' in page  # pending shops are not counted
    assert 'data-testid="count-products">1<' in page
    assert 'name="q"' in page and 'name="commune"' in page


def test_communes_geojson_feeds_the_map(app, client):
    territory(app)
    data = client.get("/communes.json").get_json()
    names = {feature["properties"]["name"] for feature in data["features"]}
    assert names == {"Semur-en-Auxois", "Arnay-le-Duc", "Époisses"}
    semur = next(x for x in data["features"] if x["properties"]["insee"] == "21603")
    assert semur["geometry"]["coordinates"] == [4.3336, 47.4914]


def test_commune_page(app, client):
    territory(app)
    page = client.get("/communes/semur-en-auxois").get_data(as_text=True)
    assert "Semur-en-Auxois" in page and "21140" in page and "4\u202f110" in page
    assert "Boulangerie Moreau" in page
    empty = client.get("/communes/arnay-le-duc").get_data(as_text=True)
    assert "Quincaillerie en attente" not in empty and "Aucun commerce" in empty
    assert client.get("/communes/atlantis").status_code == 404


def test_choose_commune_by_postal_code_or_name(app, client):
    territory(app)
    client.post("/ma-commune", data={"commune": "21230"})
    assert 'data-testid="current-commune"><a href="/communes/arnay-le-duc">Arnay-le-Duc<' in client.get("/").get_data(as_text=True)
    client.post("/ma-commune", data={"commune": "epoisses"})
    assert 'data-testid="current-commune"><a href="/communes/epoisses">Époisses<' in client.get("/").get_data(as_text=True)


def test_a_shared_postal_code_offers_a_choice(app, client):
    territory(app)
    with app.app_context():
        f.commune(insee="21337", name="Lacanche", slug="lacanche", postal_codes="21230")
        db.session.commit()
    page = client.post("/ma-commune", data={"commune": "21230"}).get_data(as_text=True)
    assert "Arnay-le-Duc (21230)" in page and "Lacanche (21230)" in page
    client.post("/ma-commune", data={"commune": "Lacanche (21230)"})  # its button in the list
    assert 'data-testid="current-commune"><a href="/communes/lacanche">Lacanche<' in client.get("/").get_data(as_text=True)


def current_commune_link(client) -> str | None:
    import re

    found = re.search(r'data-testid="current-commune"><a href="/communes/([^"]+)"', client.get("/").get_data(as_text=True))
    return found.group(1) if found else None


def test_a_postal_code_means_its_communes_not_the_commune_with_that_insee_code(app, client):
    """21140 is Semur-en-Auxois' postal code and Champignolles' INSEE code; 21500 is Montbard's
    postal code and Pouillenay's INSEE code: a typed postal code offers the communes that have it."""
    territory(app)
    with app.app_context():
        f.commune(insee="21140", name="Champignolles", slug="champignolles", postal_codes="21230", population=60)
        f.commune(insee="21394", name="Massingy-lès-Semur", slug="massingy-les-semur", postal_codes="21140",
                  population=160)
        f.commune(insee="21425", name="Montbard", slug="montbard", postal_codes="21500", population=5300)
        f.commune(insee="21500", name="Pouillenay", slug="pouillenay", postal_codes="21150", population=250)
        db.session.commit()
    page = client.post("/ma-commune", data={"commune": "21140"}).get_data(as_text=True)
    assert "Semur-en-Auxois (21140)" in page and "Massingy-lès-Semur (21140)" in page
    assert "Champignolles" not in page
    assert page.index("Semur-en-Auxois (21140)") < page.index("Massingy-lès-Semur (21140)")  # larger first
    assert current_commune_link(client) is None  # nothing chosen yet
    client.post("/ma-commune", data={"commune": "Massingy-lès-Semur (21140)"})  # the button of the list
    assert current_commune_link(client) == "massingy-les-semur"

    client.post("/ma-commune", data={"commune": "21500"})  # only Montbard has it: chosen at once
    assert current_commune_link(client) == "montbard"


def test_a_name_is_matched_by_folded_prefix_then_substring(app, client):
    territory(app)
    with app.app_context():
        f.commune(insee="21394", name="Massingy-lès-Semur", slug="massingy-les-semur", postal_codes="21140",
                  population=160)
        db.session.commit()
    response = client.post("/ma-commune", data={"commune": "semur"}, follow_redirects=True)
    assert "Votre commune : Semur-en-Auxois." in response.get_data(as_text=True)  # the one name starting so
    assert current_commune_link(client) == "semur-en-auxois"
    client.post("/ma-commune", data={"commune": "LES SEMUR"})  # no name starts so; one contains it
    assert current_commune_link(client) == "massingy-les-semur"
    client.post("/ma-commune", data={"commune": "ARNAY LE DUC"})
    assert current_commune_link(client) == "arnay-le-duc"
    page = client.post("/ma-commune", data={"commune": "ur"}).get_data(as_text=True)  # several contain it
    assert "Quelle commune ?" in page and "Semur-en-Auxois (21140)" in page and "Massingy-lès-Semur (21140)" in page
    assert "tapez quelques lettres de plus" not in page
    with app.app_context():
        for n in range(25):
            f.commune(insee=f"21{n + 700}", name=f"Sainte-Urne {n}", slug=f"sainte-urne-{n}", postal_codes="21800")
        db.session.commit()
    page = client.post("/ma-commune", data={"commune": "sainte-urne"}).get_data(as_text=True)
    assert page.count('name="commune" value="Sainte-Urne') == 20 and "tapez quelques lettres de plus" in page
    page = client.post("/ma-commune", data={"commune": "21999"}, follow_redirects=True).get_data(as_text=True)
    assert "Aucune commune du territoire ne correspond à « 21999 »" in page
    assert current_commune_link(client) == "arnay-le-duc"  # unchanged


def test_unknown_commune_gets_a_clear_message(app, client):
    territory(app)
    page = client.post("/ma-commune", data={"commune": "Dijon"}, follow_redirects=True).get_data(as_text=True)
    assert "Aucune commune du territoire ne correspond à « Dijon »" in page
    assert 'data-testid="current-commune"' not in page


def test_logged_in_choice_is_kept_in_the_account(app, client, make_user):
    territory(app)
    make_user("resident@example.fr")
    login(client, "resident@example.fr")
    client.post("/ma-commune", data={"commune": "Semur-en-Auxois (21140)"})
    with app.app_context():
        assert User.query.one().home_commune_insee == "21603"
    fresh = app.test_client()  # a new session remembers it through the account
    login(fresh, "resident@example.fr")
    assert 'data-testid="current-commune"><a href="/communes/semur-en-auxois">Semur-en-Auxois<' in fresh.get("/").get_data(as_text=True)


def test_commune_suggestions(app, client):
    territory(app)
    assert [c["name"] for c in client.get("/communes/suggestions?q=arn").get_json()] == ["Arnay-le-Duc"]
    assert [c["insee"] for c in client.get("/communes/suggestions?q=211").get_json()] == ["21603"]
    assert [c["name"] for c in client.get("/communes/suggestions?q=EPOI").get_json()] == ["Époisses"]
    assert client.get("/communes/suggestions?q=").get_json() == []


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_english_is_available(app, client):
    territory(app)
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "Log in" in page and 'lang="en"' in page
    assert "Log in" in client.get("/").get_data(as_text=True)  # remembered in the session


def test_pages_have_a_favicon(client):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in page
    assert 'rel="icon" href="/static/favicon.ico"' in page
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    icon = client.get("/favicon.ico")  # asked by browsers for pages that name no icon
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
