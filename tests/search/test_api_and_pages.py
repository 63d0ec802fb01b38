"""The JSON API contract, the search page and the admin page of synonyms."""
import re
from html import unescape

from flask import url_for

from marketplace.extensions import db
from search.models import SynonymGroup
from search.query import FacetValue, SearchQuery
from search.views import PageLinks
from tests import factories as f
from tests.conftest import login, sql_statements

SEMUR = "21603"


def test_search_api_answers_its_contract(client, world):
    response = client.get(f"/api/v1/search?q=miel&commune={SEMUR}&radius_km=20&per_page=2&sort=distance")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"total", "page", "per_page", "results", "facets", "suggestion", "businesses"}
    assert (body["total"], body["page"], body["per_page"], body["suggestion"]) == (3, 1, 2, None)
    first = body["results"][0]
    assert set(first) == {"id", "name", "price_cents", "unit", "in_stock", "url", "image_url", "shop",
                          "commune", "distance_km"}
    assert first["name"] == "Pain d'épices au miel" and first["distance_km"] == 0
    assert first["shop"] == {"slug": "boulangerie-moreau", "name": "Boulangerie Moreau"}
    assert first["commune"] == {"insee": SEMUR, "name": "Semur-en-Auxois"}
    assert first["url"].endswith(str(first["id"]))
    assert isinstance(first["price_cents"], int)
    assert {"value": "21505", "label": "Précy-sous-Thil", "count": 2} in body["facets"]["commune"]
    assert set(body["facets"]) == {"category", "commune", "shop"}

    typo = client.get("/api/v1/search?q=confiure").get_json()
    assert typo["suggestion"] == "confiture" and typo["total"] == 2


def test_search_api_refuses_invalid_parameters_with_422(client, world):
    """The API refuses a bad value; its message names the setting in words (the same as the page's),
    the parameter's name is in "parameter"."""
    for query, parameter, message in (
            ("radius_km=loin&commune=21603", "radius_km", "Rayon (km) : indiquez un nombre entier."),
            ("radius_km=-5&commune=21603", "radius_km", "Rayon (km) : indiquez un nombre de 0 à 1000."),
            ("radius_km=10", "radius_km", "Rayon (km) : choisissez d'abord une commune."),
            ("commune=00000", "commune", "Commune inconnue : « 00000 » (code INSEE attendu)."),
            ("sort=random", "sort", "Tri inconnu : indiquez relevance, distance, price_asc, price_desc."),
            ("max_price_cents=1.5", "max_price_cents", "Prix maximum (en centimes) : indiquez un nombre entier."),
            ("in_stock=peut-etre", "in_stock", "En stock : indiquez oui ou non."),
            ("per_page=101", "per_page", "Résultats par page : indiquez un nombre de 1 à 100.")):
        response = client.get(f"/api/v1/search?{query}")
        assert response.status_code == 422, query
        error = response.get_json()["error"]
        assert error["code"] == "invalid_parameter" and error["parameter"] == parameter
        assert error["message"] == message


def test_the_search_page_words_a_bad_setting_for_residents_and_drops_a_bad_sort_silently(client, world):
    """Bad values come from old links or edited URLs: the page falls back to the default, and says so
    in the resident's words (no « radius_km » nor « sort » in the message)."""
    client.post("/ma-commune", data={"commune": "Semur-en-Auxois"})
    far = client.get("/recherche?q=miel&radius_km=-5")
    assert far.status_code == 200
    flashes = re.findall(r'class="flash flash-error"[^>]*>(.*?)<', far.get_data(as_text=True), re.S)
    assert [unescape(text).strip() for text in flashes] == ["Rayon (km) : indiquez un nombre de 0 à 1000."]
    assert far.get_data(as_text=True).count('data-testid="result"') == 3  # the default 20 km
    unsorted = client.get("/recherche?q=miel&sort=zzz")
    page = unsorted.get_data(as_text=True)
    assert unsorted.status_code == 200 and page.count('data-testid="result"') == 3
    assert 'class="flash flash-error"' not in page and "relevance, distance" not in page
    assert '<option value="relevance" selected>' in page


def test_search_api_refusals_read_in_the_request_s_language(client, world):
    english = client.get("/api/v1/search?sort=distance", headers={"Accept-Language": "en"}).get_json()["error"]
    assert english["message"] == "Sorting by distance needs a commune (“commune”)."
    french = client.get("/api/v1/search?commune=00000").get_json()["error"]
    assert french["message"] == "Commune inconnue : « 00000 » (code INSEE attendu)."
    long = client.get("/api/v1/suggest?lang=en&q=" + "a" * 101).get_json()["error"]
    assert long["message"] == "“q” is limited to 100 characters."


def test_suggest_api(client, world):
    body = client.get("/api/v1/suggest?q=chau").get_json()
    kinds = {s["type"] for s in body["suggestions"]}
    assert {"product", "category", "shop"} <= kinds
    assert all(set(s) == {"type", "label", "url"} for s in body["suggestions"])
    assert client.get("/api/v1/suggest?q=").get_json()["suggestions"] == []


def test_search_page_shows_distances_facets_and_the_empty_state(client, world):
    client.post("/ma-commune", data={"commune": "Semur-en-Auxois"})
    page = client.get("/recherche?q=miel").get_data(as_text=True)
    assert "à 12 km · Précy-sous-Thil" in page
    assert 'data-testid="facet-category"' in page and "(2)" in page
    assert "<mark>Miel</mark> de fleurs" in page

    empty = client.get("/recherche?q=confiture&radius_km=10").get_data(as_text=True)
    assert 'data-testid="empty-state"' in empty
    assert "Chercher dans tout le territoire" in empty  # Arnay-le-Duc is 40 km away
    assert "Prix croissant" in empty
    english = client.get("/recherche?q=confiture&radius_km=10&lang=en").get_data(as_text=True)
    assert "Search the whole territory" in english and "Price, lowest first" in english
    assert "Chercher dans tout le territoire" not in english and "Prix croissant" not in english
    card_only = "/recherche?q=confiture&card=1&radius_km=0"  # the grocery does not take the card
    assert "Without the “territory card” filter" in client.get(card_only).get_data(as_text=True)
    assert "Sans le filtre « carte du territoire »" in client.get(card_only + "&lang=fr").get_data(as_text=True)

    corrected = client.get("/recherche?q=confiure&radius_km=0").get_data(as_text=True)
    assert "Vouliez-vous dire" in corrected and "« confiture »" in corrected

    bad = client.get("/recherche?q=miel&radius_km=loin")
    assert bad.status_code == 200 and "Rayon (km) : indiquez un nombre entier." in bad.get_data(as_text=True)


def test_results_are_product_cards_and_empty_price_ranges_are_hidden(app, client, world):
    import search
    from marketplace.models import ProductImage

    key = "ab" * 32
    with app.app_context():
        db.session.add(ProductImage(product_id=world.products["Miel de fleurs"], key=key))
        db.session.commit()
        search.rebuild()
    client.post("/ma-commune", data={"commune": "Semur-en-Auxois"})
    page = client.get("/recherche?q=miel").get_data(as_text=True)
    cards = re.findall(r'<li class="product-card result-card".*?</li>', page, re.S)
    assert len(cards) == 3
    honey = next(card for card in cards if "<mark>Miel</mark> de fleurs" in card)
    assert f'src="/medias/thumb/{key}.webp"' in honey
    for text in ("8,90", "Rucher de Précy", "à 12 km · Précy-sous-Thil"):
        assert text in honey, text
    assert sum('class="no-photo"' in card for card in cards) == 2  # the others: the placeholder
    facet = re.search(r'data-testid="facet-price".*?</details>', page, re.S).group(0)
    assert "5 à 10 €" in facet and "(2)" in facet and "10 à 20 €" in facet
    for empty in ("Moins de 5 €", "20 à 50 €", "Plus de 50 €"):
        assert empty not in facet
    chosen_href = unescape(re.search(r'<a href="([^"]+)">5 à 10 €</a>', facet).group(1))
    assert chosen_href == f"/recherche?q=miel&commune={SEMUR}&radius_km=20&min_price_cents=500&max_price_cents=1000"
    chosen = client.get(chosen_href).get_data(as_text=True)
    facet = re.search(r'data-testid="facet-price".*?</details>', chosen, re.S).group(0)
    assert '<strong aria-current="true">5 à 10 €</strong> <span class="count">(2)</span>' in facet
    remove = re.search(r'<a href="([^"]+)" aria-label="Retirer le filtre de prix">', facet).group(1)
    assert unescape(remove) == f"/recherche?q=miel&commune={SEMUR}&radius_km=20"
    assert "10 à 20 €" not in facet  # none of the chosen range's results is in another
    english = client.get("/recherche?q=miel&lang=en").get_data(as_text=True)
    assert "€10 to €20" in re.search(r'data-testid="facet-price".*?</details>', english, re.S).group(0)
    assert 'data-testid="filters-toggle"' in page and 'aria-controls="filters-panel"' in page


def test_the_map_reads_the_page_s_shops_whatever_their_names(app, client, world):
    """The map's data, JSON in an HTML attribute, survives quotes, apostrophes, ampersands and angle
    brackets in a shop's name: each shop of the page once, with its products on the page."""
    import json
    from html.parser import HTMLParser

    import search
    from marketplace.models import Shop

    name = 'Rucher "L\'Abeille" & <Fils>'
    with app.app_context():
        db.session.get(Shop, world.shops["Rucher de Précy"]).name = name
        db.session.commit()
        search.rebuild()
        search.invalidate_reference()

    class MapData(HTMLParser):
        shops = None

        def handle_starttag(self, tag, attrs):
            if dict(attrs).get("id") == "search-map":
                self.shops = json.loads(dict(attrs)["data-shops"])

    parser = MapData()
    parser.feed(client.get("/recherche?q=miel").get_data(as_text=True))
    by_name = {shop["name"]: shop for shop in parser.shops}
    assert len(by_name) == len(parser.shops) == 2
    assert by_name[name]["products"] == 2 and by_name[name]["commune"] == "Précy-sous-Thil"
    assert by_name["Boulangerie Moreau"]["products"] == 1


def test_a_page_past_the_last_leads_to_the_last(client, world):
    response = client.get("/recherche?q=miel&per_page=2&page=999")
    assert response.status_code == 302
    assert unescape(response.headers["Location"]) == "/recherche?q=miel&page=2&per_page=2"
    last = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Page 2 sur 2" in last and last.count('data-testid="result"') == 1
    assert client.get("/recherche?q=miel&page=1").status_code == 200
    nothing = client.get("/recherche?q=parapluie&page=5")
    assert nothing.status_code == 302 and unescape(nothing.headers["Location"]) == "/recherche?q=parapluie"


def test_the_page_links_lead_to_the_search_they_name(client, world):
    page = client.get(f"/recherche?q=miel&commune={SEMUR}&radius_km=40").get_data(as_text=True)
    facet = re.search(r'<a href="([^"]+)">Rucher de Précy</a>', page).group(1)
    assert unescape(facet) == f"/recherche?q=miel&commune={SEMUR}&radius_km=40&shop=rucher-de-precy"
    filtered = client.get(unescape(facet)).get_data(as_text=True)
    assert filtered.count('data-testid="result"') == 2 and "Pain d&#39;épices au miel" not in filtered
    assert f'href="/produits/{world.products["Miel de fleurs"]}"' in filtered
    assert 'href="/commerces/rucher-de-precy"' in filtered


def test_page_links_are_written_as_url_for_writes_them(app):
    tricky = SearchQuery(text="pâté & œufs / 100 % ?#'+\"", commune=SEMUR, radius_km=10, category="epicerie",
                         shop="rucher-de-precy", min_price_cents=100, in_stock=True, sort="price_asc", page=3)
    for root in ("", "/halle"):
        with app.test_request_context(base_url=f"http://localhost{root}"):
            links = PageLinks()
            for query in (SearchQuery(), SearchQuery(text="miel"), tricky, tricky.but(commune=None)):
                assert links.search(query) == url_for("public.search", **query.url_args())
            assert links.product(42) == url_for("public.product", product_id=42)
            assert links.image("ab" * 32) == url_for("public.media", size="thumb", key="ab" * 32)
            for query in (SearchQuery(text="miel"), tricky, tricky.but(text="")):  # facets, wherever they sit
                for name, values in (("shop", ("rucher-de-precy", "l'épi & co")), ("category", ("epicerie", "vins")),
                                     ("commune_filter", (SEMUR, "21425"))):
                    facet = [FacetValue(value, value, 1) for value in values]
                    assert [href for _, href in links.choices(query, name, facet)] == [
                        url_for("public.search", **query.but(**{name: value}).url_args()) for value in values]
            for slug in ("rucher-de-precy", "épicerie du duc/2?x=1&y=%"):
                assert links.shop(slug) == url_for("public.shop", slug=slug)


def test_admin_edits_the_synonyms(app, client):
    with app.app_context():
        f.user("admin@example.fr", is_admin=True)
        db.session.commit()
    login(client, "admin@example.fr")
    assert "La liste est vide" in client.get("/admin/recherche/").get_data(as_text=True)
    response = client.post("/admin/recherche/", data={"terms": "Pull ,chandail"}, follow_redirects=True)
    assert "Synonymes ajoutés : Pull, chandail." in response.get_data(as_text=True)
    refused = client.post("/admin/recherche/", data={"terms": "pull"}).get_data(as_text=True)
    assert "au moins deux expressions" in refused
    english = client.post("/admin/recherche/?lang=en", data={"terms": "pull, le"}).get_data(as_text=True)
    assert "“le” only contains stop words (le, de, à…)." in english
    client.get("/admin/recherche/?lang=fr")
    with app.app_context():
        group_id = db.session.execute(db.select(SynonymGroup.id)).scalar_one()
    client.post(f"/admin/recherche/synonymes/{group_id}/supprimer")
    client.post("/admin/recherche/synonymes/par-defaut")
    with app.app_context():
        assert db.session.query(SynonymGroup).count() > 3


def test_a_search_page_runs_a_fixed_number_of_sql_statements(app, client, world, monkeypatch):
    """The search page's SQL does not grow with its results (no query per result, shop or facet):
    reference data comes from its cache, the results from the backend (the PostgreSQL backend sends
    its one page statement straight to the driver's cursor, which these counters do not see; the
    look-ups of its typo correction go through SQLAlchemy and are counted: 2). A page that needs
    more says here why."""
    pages = ["/recherche?q=miel", f"/recherche?q=miel&commune={SEMUR}&radius_km=20&sort=price_asc",
             "/recherche?q=confiture&category=epicerie&in_stock=1", "/recherche?q=pain&per_page=1&page=2"]
    monkeypatch.setitem(app.config, "SEARCH_CACHE_SECONDS", 3600)  # as in production (tests: 0, always fresh)
    client.get(pages[0])  # the reference data's cache fills on the first page
    with sql_statements(app) as statements:
        counts = {}
        for page in pages:
            statements.clear()
            response = client.get(page)
            assert response.status_code == 200 and 'data-testid="result"' in response.get_data(as_text=True), page
            counts[page] = len(statements)
        statements.clear()
        typo = client.get("/recherche?q=confiure").get_data(as_text=True)
        assert "« confiture »" in typo
        counts["typo"] = len(statements)
        statements.clear()
        assert 'data-testid="browse-categories"' in client.get("/recherche?q=").get_data(as_text=True)
        counts["empty"] = len(statements)
        # A resident who chose their commune: the page names it and searches around it, with no
        # query for it (reference data).
        client.post("/ma-commune", data={"commune": "Semur-en-Auxois"})
        statements.clear()
        resident = client.get("/recherche?q=miel").get_data(as_text=True)
        assert 'data-testid="current-commune"' in resident and "à 12 km · Précy-sous-Thil" in resident
        counts["resident"] = len(statements)
    backend = app.config["SEARCH_BACKEND"]
    expected = {**dict.fromkeys(pages, 0), "typo": 0 if backend == "whoosh" else 2, "empty": 0, "resident": 0}
    assert counts == expected, (backend, counts, statements)


def test_an_alternative_with_one_result_says_so_in_the_singular(client, world):
    """« Essayez : Sans le filtre « prix maximum » (1 résultat) », not « (1 résultats) »."""
    page = client.get("/recherche?q=vélo&max_price_cents=1000").get_data(as_text=True)
    assert 'data-testid="empty-state"' in page
    assert re.search(r"Sans le filtre « prix maximum »</a>\s+\(1 résultat\)", unescape(page))
    assert "1 résultats" not in page


def test_an_empty_search_invites_to_browse_the_top_categories_and_offers_no_empty_filters(client, world):
    """« /recherche » and « /recherche?q= » asked nothing: an invitation, and each top category of the
    territory as a link to the search filtered on it; no « Filtres » button opening onto nothing."""
    for url in ("/recherche", "/recherche?q=", "/recherche?q=++"):
        page = client.get(url).get_data(as_text=True)
        assert 'data-testid="search-start"' in page, url
        assert "parcourez les catégories" in page
        assert 'data-testid="filters-toggle"' not in page and 'data-testid="filters-panel"' not in page
        browse = re.search(r'data-testid="browse-categories">(.*?)</ul>', page, re.S).group(1)
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', browse)
        assert ("/recherche?category=alimentation", "Alimentation") in links
        assert ("/recherche?category=mode", "Mode") in links
        assert all(unescape(href).startswith("/recherche?category=") for href, _ in links)
        assert "fromagerie" not in browse  # a sub-category: reached from its parent's facets
    filtered = client.get("/recherche?category=alimentation").get_data(as_text=True)
    assert 'data-testid="result"' in filtered and 'data-testid="filters-toggle"' in filtered
    assert 'data-testid="search-start"' not in filtered
