"""Shopify product CSV (issue 21): one line per variant, the product's columns on its first line
only, and lines with nothing but a Handle and an Image Src. Each variant becomes a product; the
file is served by the loopback feed server and sent through the upload pages."""
import io

import pytest
from PIL import Image

from marketplace import feeds, product_import
from marketplace.extensions import db
from marketplace.models import CatalogueFeedRun, Product, Shop
from tests.conftest import login
from tests.shop.test_feeds import FeedServer
from tests.shop.test_import import upload

HEADERS = ("Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,"
           "Option1 Linked To,Option2 Name,Option2 Value,Option2 Linked To,Option3 Name,Option3 Value,"
           "Option3 Linked To,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,"
           "Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,"
           "Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,"
           "Gift Card,SEO Title,SEO Description,Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,"
           "Status")


def line(**cells) -> str:
    """A CSV line in HEADERS' order from the given columns (named as HEADERS, spaces as _)."""
    names = HEADERS.split(",")
    values = [cells.pop(name.replace(" ", "_").replace("(", "").replace(")", ""), "") for name in names]
    assert not cells, cells
    return ",".join(f'"{v}"' if "," in v else v for v in values)


def shopify_csv(images: str) -> bytes:
    """Three products as Shopify exports them: a T-shirt in three variants (one without SKU) and a
    second photo; a jam without variants whose only photo is on an image line; two candles,
    unpublished, without SKUs or photo. `images`: where the photos are served."""
    lines = [
        HEADERS,
        line(Handle="t-shirt-coton-bio", Title="T-shirt coton bio",
             Body_HTML="<p>Coton biologique, teint à <b>Semur</b>.</p><ul><li>Taille&nbsp;normale.</li></ul>", Vendor="Atelier Semur",
             Product_Category="Apparel & Accessories > Clothing", Type="Vêtements", Tags="bio, coton",
             Published="true", Option1_Name="Couleur", Option1_Value="Rouge", Option2_Name="Taille",
             Option2_Value="M", Variant_SKU="TS-R-M", Variant_Grams="180", Variant_Inventory_Tracker="shopify",
             Variant_Inventory_Qty="4", Variant_Inventory_Policy="deny", Variant_Fulfillment_Service="manual",
             Variant_Price="25.00", Variant_Requires_Shipping="true", Variant_Taxable="true",
             Variant_Barcode="3017620422003", Image_Src=f"{images}/tshirt.png", Image_Position="1",
             Image_Alt_Text="T-shirt rouge", Gift_Card="false", Variant_Weight_Unit="kg", Status="active"),
        line(Handle="t-shirt-coton-bio", Option1_Value="Rouge", Option2_Value="L", Variant_SKU="TS-R-L",
             Variant_Grams="200", Variant_Inventory_Tracker="shopify", Variant_Inventory_Qty="2",
             Variant_Inventory_Policy="deny", Variant_Fulfillment_Service="manual", Variant_Price="25.00",
             Variant_Requires_Shipping="true", Variant_Taxable="true", Variant_Weight_Unit="kg"),
        line(Handle="t-shirt-coton-bio", Option1_Value="Bleu", Option2_Value="M", Variant_Grams="180",
             Variant_Inventory_Tracker="shopify", Variant_Inventory_Qty="0", Variant_Inventory_Policy="deny",
             Variant_Fulfillment_Service="manual", Variant_Price="27.00", Variant_Requires_Shipping="true",
             Variant_Taxable="true", Variant_Barcode="4006381333931", Variant_Weight_Unit="kg"),
        line(Handle="t-shirt-coton-bio", Image_Src=f"{images}/tshirt-dos.png", Image_Position="2",
             Image_Alt_Text="Le dos"),
        line(Handle="confiture-cassis", Title="Confiture de cassis", Body_HTML="Cassis de Bourgogne",
             Vendor="Ferme des Laumes", Type="Épicerie", Published="true", Option1_Name="Title",
             Option1_Value="Default Title", Variant_SKU="CONF-01", Variant_Inventory_Tracker="shopify",
             Variant_Inventory_Qty="12", Variant_Inventory_Policy="deny", Variant_Fulfillment_Service="manual",
             Variant_Price="6.50", Variant_Requires_Shipping="true", Variant_Taxable="true",
             Gift_Card="false", Status="active"),
        line(Handle="confiture-cassis", Image_Src=f"{images}/confiture.png", Image_Position="1"),
        line(Handle="bougie-parfumee", Title="Bougie parfumée", Body_HTML="Cire de soja", Vendor="Atelier Semur",
             Type="Maison", Published="false", Option1_Name="Parfum", Option1_Value="Lavande",
             Variant_Inventory_Qty="3", Variant_Price="14.90", Gift_Card="false", Status="draft"),
        line(Handle="bougie-parfumee", Option1_Value="Figue", Variant_Inventory_Qty="1", Variant_Price="14.90"),
    ]
    return ("\n".join(lines) + "\n").encode()


EXPECTED = {  # sku: (name, price, stock, barcode, online)
    "TS-R-M": ("T-shirt coton bio – Rouge / M", 2500, 4, "3017620422003", True),
    "TS-R-L": ("T-shirt coton bio – Rouge / L", 2500, 2, None, True),
    "t-shirt-coton-bio-bleu-m": ("T-shirt coton bio – Bleu / M", 2700, 0, "4006381333931", True),
    "CONF-01": ("Confiture de cassis", 650, 12, None, True),
    "bougie-parfumee-lavande": ("Bougie parfumée – Lavande", 1490, 3, None, False),
    "bougie-parfumee-figue": ("Bougie parfumée – Figue", 1490, 1, None, False),
}


def png(color) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def server():
    running = FeedServer()
    for name, color in (("tshirt", "red"), ("tshirt-dos", "navy"), ("confiture", "purple")):
        running.files[f"/img/{name}.png"] = (200, {"Content-Type": "image/png"}, png(color))
    yield running
    running.close()


def check_products(shop_id: int) -> dict[str, Product]:
    products = {p.sku: p for p in Product.query.filter_by(shop_id=shop_id) if p.sku in EXPECTED}
    assert {sku: (p.name, p.price_cents, p.stock, p.ean, p.active) for sku, p in products.items()} == EXPECTED
    # The product's columns come from its first line: description and category for every variant.
    assert {p.description for sku, p in products.items() if sku.startswith(("TS", "t-shirt"))} == {
        "Coton biologique, teint à Semur.\nTaille normale."}  # Shopify's HTML as plain text
    assert products["CONF-01"].category.slug == "epicerie"
    # The first line's photo for every variant (not the image line's second photo); the jam's only
    # photo was on an image line; the candles have none.
    keys = {sku: [image.key for image in p.images] for sku, p in products.items()}
    assert len(keys["TS-R-M"]) == 1 and keys["TS-R-M"] == keys["TS-R-L"] == keys["t-shirt-coton-bio-bleu-m"]
    assert len(keys["CONF-01"]) == 1 and keys["CONF-01"] != keys["TS-R-M"]
    assert keys["bougie-parfumee-lavande"] == keys["bougie-parfumee-figue"] == []
    return products


def test_variant_lines_are_merged_into_products_of_their_own(app_ctx, shop_world):
    table = product_import.read_table(shopify_csv("https://cdn.example.org"), "products_export.csv")
    assert product_import.detect_format(table.headers)[0] == "shopify"
    # The image lines are no products; the others keep their line numbers.
    assert [number for number, _cells in table.rows] == [2, 3, 4, 6, 8, 9]
    plan = product_import.check_import(table, product_import.detect_format(table.headers)[1],
                                       db.session.get(Shop, shop_world["bakery"]))
    assert plan.errors == []
    assert {line.values["sku"]: line.values["name"] for line in plan.lines} == {
        sku: expected[0] for sku, expected in EXPECTED.items()}
    assert {line.values["sku"]: line.photo_url for line in plan.lines} == {
        "TS-R-M": "https://cdn.example.org/tshirt.png", "TS-R-L": "https://cdn.example.org/tshirt.png",
        "t-shirt-coton-bio-bleu-m": "https://cdn.example.org/tshirt.png",
        "CONF-01": "https://cdn.example.org/confiture.png", "bougie-parfumee-lavande": "",
        "bougie-parfumee-figue": ""}


def test_html_descriptions_become_plain_text():
    assert product_import.plain_text("Pain &amp; beurre") == "Pain &amp; beurre"  # no tag: as written
    assert product_import.plain_text("<p>Pain &amp; beurre</p><p>Bio<br>Local</p><script>x()</script>") == (
        "Pain & beurre\nBio\nLocal")
    assert product_import.plain_text("2 < 3 et 5 > 4") == "2 < 3 et 5 > 4"


def test_a_variant_sku_made_from_a_long_handle_stays_within_60_characters():
    sku = product_import._variant_sku("h" * 58, ["Rouge", "XL"])
    assert len(sku) == 60 and sku == product_import._variant_sku("h" * 58, ["Rouge", "XL"])
    assert sku != product_import._variant_sku("h" * 58, ["Rouge", "XXL"])


def test_a_shopify_export_as_a_feed(app_ctx, shop_world, server):
    server.files["/products_export.csv"] = (200, {"Content-Type": "text/csv"}, shopify_csv(server.url("/img")))
    feed = feeds.add_feed(db.session.get(Shop, shop_world["bakery"]), server.url("/products_export.csv"), None)
    preview = feeds.preview(feed)
    assert preview.format == "shopify" and preview.plan.errors == [] and preview.plan.creations == 6
    feeds.activate(feed)
    run = CatalogueFeedRun.query.one()
    assert run.status == "done" and run.counts["created"] == 6 and run.counts["photos"] == 4
    check_products(shop_world["bakery"])
    # A variant sold out for good leaves the export: that product alone goes offline.
    body = shopify_csv(server.url("/img")).decode().splitlines()
    server.files["/products_export.csv"] = (200, {"Content-Type": "text/csv"},
                                            ("\n".join(body[:2] + body[3:]) + "\n").encode())
    run = feeds.run_feed(feed.id)
    assert run.counts["offline"] == 1 and run.counts.get("photos", 0) == 0  # photos already there
    assert [p.sku for p in Product.query.filter_by(shop_id=shop_world["bakery"], active=False)
            if p.sku in EXPECTED and not p.sku.startswith("bougie")] == ["TS-R-L"]


def test_a_shopify_export_through_the_upload_pages(app, client, shop_world, server):
    login(client, shop_world["emails"]["owner"])
    review_url = upload(client, shop_world["bakery"], shopify_csv(server.url("/img")).decode(), "products_export.csv")
    page = client.get(review_url).get_data(as_text=True)
    assert "6 lignes valides : 6 nouveaux produits" in page and "T-shirt coton bio – Bleu / M" in page
    page = client.post(review_url, follow_redirects=True).get_data(as_text=True)
    assert "Import terminé : 6 produits ajoutés" in page and "4 photos ajoutées." in page
    with app.app_context():
        check_products(shop_world["bakery"])


def test_a_photo_address_goes_through_the_feeds_guards(app, app_ctx, shop_world, server, monkeypatch):
    """In production a photo address on a private network is refused like a feed's; a file that is
    no image is refused by the photo check; either way the product stays, without photo."""
    product = Product(shop_id=shop_world["bakery"], category_id=db.session.get(Shop, shop_world["bakery"]).category_id,
                      name="Sablés", price_cents=300)
    db.session.add(product)
    db.session.commit()
    server.files["/img/not-a-photo.png"] = (200, {"Content-Type": "image/png"}, b"<html>hello</html>")
    added, problems, left = product_import.attach_photos([(5, product.id, server.url("/img/not-a-photo.png"))])
    assert (added, left) == (0, 0) and problems[0].line == 5 and "Photo non reprise" in problems[0].message
    monkeypatch.setitem(app.config, "FEEDS_ALLOW_PRIVATE_ADDRESSES", False)
    requests = len(server.requests)
    added, problems, _left = product_import.attach_photos([(7, product.id, server.url("/img/tshirt.png"))])
    assert added == 0 and "réseau privé" in problems[0].message and len(server.requests) == requests
    assert db.session.get(Product, product.id).images == []
