"""schema.org descriptions of a shop (LocalBusiness: address, place, opening hours, phone) and of a
product (Product with its Offer: price, availability, seller), written into their public pages as
JSON-LD: a search engine shows them as such in its results (« ouvert », the price, « en stock »)
without anyone filling a business listing by hand.

A JSON-LD block is data, not a script: browsers never run it, and the pages' Content-Security-Policy
(no inline script) does not concern it. `tojson` escapes <, > and & inside it.
"""
from marketplace.urls import public_url_for

SCHEMA_DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
               "sat": "Saturday", "sun": "Sunday"}


def shop(shop) -> dict:
    data = {"@context": "https://schema.org", "@type": "LocalBusiness", "name": shop.name,
            "url": public_url_for("public.shop", slug=shop.slug),
            "address": _address(shop),
            "openingHoursSpecification": [
                {"@type": "OpeningHoursSpecification", "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[day]}",
                 "opens": opens, "closes": closes}
                for day in SCHEMA_DAYS for opens, closes in (shop.opening_hours or {}).get(day, [])]}
    commune = shop.commune
    if commune.latitude is not None and commune.longitude is not None:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": commune.latitude, "longitude": commune.longitude}
    if shop.photo_key:
        data["image"] = public_url_for("public.media", key=shop.photo_key, size="large")
    for field, value in (("description", shop.description), ("telephone", shop.phone), ("email", shop.email)):
        if value:
            data[field] = value
    return data


def product(product) -> dict:
    data = {"@context": "https://schema.org", "@type": "Product", "name": product.name,
            "url": public_url_for("public.product", product_id=product.id), "category": product.category.name,
            "offers": {"@type": "Offer", "price": f"{product.price_cents / 100:.2f}", "priceCurrency": "EUR",
                       "availability": "https://schema.org/" + ("InStock" if product.in_stock else "OutOfStock"),
                       "url": public_url_for("public.product", product_id=product.id),
                       "seller": {"@type": "LocalBusiness", "name": product.shop.name,
                                  "url": public_url_for("public.shop", slug=product.shop.slug)}}}
    if product.images:
        data["image"] = [public_url_for("public.media", key=image.key, size="large") for image in product.images]
    if product.description:
        data["description"] = product.description
    if product.sku:
        data["sku"] = product.sku
    if product.ean and len(product.ean) == 13:
        data["gtin13"] = product.ean
    return data


def _address(shop) -> dict:
    postal_code = next(iter(shop.commune.postal_code_list), "")
    address = {"@type": "PostalAddress", "addressLocality": shop.commune.name, "addressCountry": "FR"}
    if shop.address:
        address["streetAddress"] = shop.address
    if postal_code:
        address["postalCode"] = postal_code
    return address
