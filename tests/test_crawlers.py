"""Search engines find the territory's shops and products by themselves: robots.txt keeps them out
of the back offices and private links, the sitemaps list every public page and nothing else."""
import json

from lxml import etree

from marketplace.extensions import db
from marketplace.models import Product
from marketplace.models.base import utcnow
from tests import factories as f

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(client, path: str) -> list[str]:
    answer = client.get(path)
    assert answer.status_code == 200 and answer.mimetype == "application/xml", path
    assert answer.headers["Cache-Control"] == "public, max-age=3600"
    return etree.fromstring(answer.data).xpath("//s:loc/text()", namespaces=NS)


def test_robots_txt_keeps_crawlers_out_of_back_offices_and_names_the_sitemap(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://halle.example.fr")
    lines = client.get("/robots.txt").get_data(as_text=True).splitlines()
    for prefix in ("/admin/", "/boutique/", "/compte/", "/caisse/", "/carte-cadeau/", "/recherche", "/api/"):
        assert f"Disallow: {prefix}" in lines, prefix
    assert "Disallow: /" not in lines  # the public pages stay open
    assert lines[-1] == "Sitemap: https://halle.example.fr/sitemap.xml"


def test_the_sitemaps_list_every_public_page_and_no_other(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SITEMAP_URLS", 3)  # product slices of three ids
    with app.app_context():
        semur = f.commune()
        bakery = f.shop("Boulangerie Moreau", semur)
        pending = f.shop("Fromagerie Perrin", semur, status="pending")
        on_sale = [f.product(bakery, f"Pain {n}") for n in range(4)]
        offline = f.product(bakery, "Brioche", active=False)
        hidden = f.product(bakery, "Couteau", hidden_by_admin_at=utcnow())
        unseen = f.product(pending, "Comté")
        db.session.commit()
        ids = {"on_sale": [p.id for p in on_sale], "others": [offline.id, hidden.id, unseen.id],
               "highest": db.session.scalar(db.select(db.func.max(Product.id)))}
    base = "http://localhost"
    files = locations(client, "/sitemap.xml")
    slices = ids["highest"] // 3 + 1
    assert files == [f"{base}/sitemaps/pages.xml", f"{base}/sitemaps/commerces.xml",
                     *(f"{base}/sitemaps/produits-{n}.xml" for n in range(1, slices + 1))]
    pages = locations(client, "/sitemaps/pages.xml")
    assert f"{base}/" in pages and f"{base}/communes/semur-en-auxois" in pages
    assert f"{base}/mentions-legales" in pages and f"{base}/carte-cadeau" in pages
    assert any(url.startswith(f"{base}/categories/") for url in pages)
    assert locations(client, "/sitemaps/commerces.xml") == [f"{base}/commerces/boulangerie-moreau"]
    products = [url for n in range(1, slices + 1) for url in locations(client, f"/sitemaps/produits-{n}.xml")]
    assert products == [f"{base}/produits/{product_id}" for product_id in ids["on_sale"]]
    day = etree.fromstring(client.get("/sitemaps/produits-1.xml").data).xpath("//s:lastmod/text()", namespaces=NS)
    assert day and day[0] == utcnow().date().isoformat()
    assert client.get(f"/sitemaps/produits-{slices + 1}.xml").status_code == 404
    assert client.get("/sitemaps/produits-0.xml").status_code == 404


def test_a_product_and_a_shop_describe_themselves_to_search_results(app, client):
    from lxml import html

    with app.app_context():
        bakery = f.shop("Boulangerie Moreau", f.commune(), description="Pain au levain, cuit au feu de bois.")
        bread = f.product(bakery, "Pain de campagne", 240, description="Farine de Bourgogne, 800 g.")
        db.session.commit()
        urls = {"product": f"/produits/{bread.id}", "shop": "/commerces/boulangerie-moreau", "home": "/recherche"}

    def described(path: str) -> str:
        return html.fromstring(client.get(path).data).xpath("//meta[@name='description']/@content")[0]

    assert described(urls["product"]) == ("Pain de campagne, 2,40\xa0€, chez Boulangerie Moreau à Semur-en-Auxois. "
                                          "Farine de Bourgogne, 800 g.")
    assert described(urls["shop"]).startswith("Boulangerie Moreau, Boulangerie à Semur-en-Auxois : ses produits")
    assert described(urls["shop"]).endswith("Pain au levain, cuit au feu de bois.")
    assert described(urls["home"]).startswith("Les commerces de ")


def structured(client, path: str) -> dict | None:
    from lxml import html

    blocks = html.fromstring(client.get(path).data).xpath("//script[@type='application/ld+json']/text()")
    return json.loads(blocks[0]) if blocks else None


def test_a_shop_and_a_product_describe_themselves_as_schema_org_data(app, client):
    """What a search engine shows in its results without a business listing typed by hand: the
    shop's address, place and opening hours; the product's price, availability and seller."""
    with app.app_context():
        bakery = f.shop("Boulangerie Moreau", f.commune(), address="3 rue Buffon", phone="03 80 97 00 00",
                        opening_hours={"tue": [["07:00", "12:30"], ["15:00", "19:00"]]})
        bread = f.product(bakery, "Pain de campagne", 240, sku="B001", ean="3017620422003", stock=0)
        db.session.commit()
        urls = {"shop": "/commerces/boulangerie-moreau", "product": f"/produits/{bread.id}"}
    place = structured(client, urls["shop"])
    assert (place["@type"], place["name"], place["telephone"]) == ("LocalBusiness", "Boulangerie Moreau",
                                                                    "03 80 97 00 00")
    assert place["address"] == {"@type": "PostalAddress", "addressLocality": "Semur-en-Auxois", "addressCountry": "FR",
                                "streetAddress": "3 rue Buffon", "postalCode": "21140"}
    assert [(hours["dayOfWeek"], hours["opens"], hours["closes"]) for hours in place["openingHoursSpecification"]] == [
        ("https://schema.org/Tuesday", "07:00", "12:30"), ("https://schema.org/Tuesday", "15:00", "19:00")]
    assert "latitude" in place["geo"]
    item = structured(client, urls["product"])
    assert (item["@type"], item["name"], item["sku"], item["gtin13"]) == ("Product", "Pain de campagne", "B001",
                                                                         "3017620422003")
    assert item["offers"]["price"] == "2.40" and item["offers"]["priceCurrency"] == "EUR"
    assert item["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert item["offers"]["seller"]["name"] == "Boulangerie Moreau"
    assert item["url"] == f"http://localhost{urls['product']}"
