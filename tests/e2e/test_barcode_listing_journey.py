"""Issue 22's measure (part 1): the demo baker lists 10 products that two grocers of the territory
already sell, each by scanning its barcode (a photo of a real EAN-13 label, read by the page's
scanner, the camera's decoder), typing a price and a stock, and saving. Prints the user time per
product (the actions' time, waits for the page included, axe audits excluded): target ≤ 20 s.
A second journey scans with the camera itself (Chromium's fake camera plays a video of a label)."""
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select

from marketplace.demo_barcodes import LISTINGS
from marketplace.extensions import db
from marketplace.models import Category, Product, ProductImage, Shop
from tests.e2e import axe
from tests.e2e.barcodes import camera_y4m, photo_png
from tests.e2e.conftest import CHROMIUM, DEMO_PASSWORD, SCREENS, log_in, screenshot

BAKER = "commercant@demo.halle.fr"
TARGET_SECONDS = 20
# What the browser cannot measure, the person's own gestures, by the keystroke-level model (Card,
# Moran and Newell): M thinking before a step, P a tap on a phone, K a key on a phone's keypad;
# aiming the phone at the label and shooting is taken as 3 s.
M, P, K, SHOOT = 1.35, 1.1, 0.4, 3.0


def gestures_seconds(price: str, stock: str) -> float:
    """Scan (think, tap, aim and shoot, accept the photo), price (think, type: the field has the
    focus already), stock (tap, type), save (tap)."""
    return (M + P + SHOOT + P) + (M + K * len(price)) + (P + K * len(stock)) + P


def _bakery_id(live_app) -> int:
    with live_app.app_context():
        return db.session.scalar(select(Shop.id).where(Shop.name == "Boulangerie Moreau"))


def _forget_scanned(live_app, shop_id: int) -> None:
    """Each journey starts with none of the barcoded products in the bakery (the screens share one database)."""
    with live_app.app_context():
        db.session.execute(delete(Product).where(Product.shop_id == shop_id,
                                                 Product.ean.in_([code for code, *_ in LISTINGS])))
        db.session.commit()


def _reference_photos(live_app, shop_id: int) -> dict[str, str]:
    """The photo each barcode's grocer listing shows (what the reference should hand over)."""
    with live_app.app_context():
        rows = db.session.execute(select(Product.ean, ProductImage.key).join(ProductImage)
                                  .where(Product.shop_id != shop_id, Product.ean.in_([c for c, *_ in LISTINGS]),
                                         ProductImage.position == 0)).all()
        return dict(rows)


def test_baker_lists_ten_known_products_by_scanning_them(open_page, screen, live_app, tmp_path):
    shop_id = _bakery_id(live_app)
    _forget_scanned(live_app, shop_id)
    photos = _reference_photos(live_app, shop_id)
    assert len(photos) == len(LISTINGS)  # the demo grocers list them all, with a photo
    page = open_page()
    log_in(page, BAKER)
    page.goto(f"/boutique/{shop_id}/produits/nouveau")
    screenshot(page, "barcode-listing-empty")
    status = page.get_by_test_id("scan-status")
    unknown = tmp_path / "unknown.png"  # a product no shop of the territory lists: the page says so
    unknown.write_bytes(photo_png("4006381333931"))
    page.get_by_label("Ou lire le code-barres sur une photo").set_input_files(unknown)
    expect(status).to_contain_text("Aucun autre commerce du territoire n'a encore ce code-barres (4006381333931)")
    expect(page.get_by_label("Code-barres EAN")).to_have_value("4006381333931")
    expect(page.get_by_label("Nom du produit")).to_be_focused()
    durations, gestures = [], []
    for number, (code, name, unit, _, price, stock) in enumerate(LISTINGS):
        picture = tmp_path / f"{code}.png"
        picture.write_bytes(photo_png(code))
        my_price = price + 20
        typed_price, typed_stock = f"{my_price // 100},{my_price % 100:02d}", str(stock // 2)
        gestures.append(gestures_seconds(typed_price, typed_stock))
        started = time.perf_counter()
        page.get_by_label("Ou lire le code-barres sur une photo").set_input_files(picture)  # scan
        expect(status).to_contain_text(f"Produit connu du territoire : « {name} »")
        expect(page.get_by_label("Prix TTC (€)")).to_be_focused()  # the next thing to type
        page.get_by_label("Prix TTC (€)").fill(typed_price)  # price
        page.get_by_label("Stock", exact=True).fill(typed_stock)  # stock
        scanned = time.perf_counter()
        if number == 0:
            expect(page.get_by_label("Nom du produit")).to_have_value(name)
            expect(page.get_by_label("Unité")).to_have_value(unit)
            expect(page.get_by_label("Code-barres EAN")).to_have_value(code)
            expect(page.get_by_role("img", name="Photo reprise de la fiche du territoire")).to_be_visible()
            screenshot(page, "barcode-listing-scanned")
        resumed = time.perf_counter()
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer et ajouter un autre").click()  # save
        expect(page.get_by_text(f"« {name} » est ajouté à votre catalogue.")).to_be_visible()
        durations.append((scanned - started) + (time.perf_counter() - resumed))
    browser_time = sum(durations) / len(durations)
    human_time = sum(gestures) / len(gestures)
    print(f"\n[{screen}] {len(durations)} produits déjà connus du territoire listés par scan + prix + stock + "
          f"enregistrer (4 actions chacun), par produit : {browser_time:.2f} s d'actions dans le navigateur "
          f"(lecture du code-barres et attentes de la page comprises ; le plus long {max(durations):.2f} s) "
          f"+ {human_time:.2f} s de gestes estimés (KLM : viser et photographier, taper prix et stock) "
          f"= {browser_time + human_time:.2f} s de temps d'utilisation (objectif ≤ {TARGET_SECONDS} s)")
    assert browser_time + human_time <= TARGET_SECONDS

    with live_app.app_context():
        listed = {p.ean: p for p in db.session.scalars(select(Product).where(
            Product.shop_id == shop_id, Product.ean.in_([code for code, *_ in LISTINGS])))}
        categories = {c.id: c.slug for c in db.session.scalars(select(Category))}
        for code, name, unit, category, price, stock in LISTINGS:
            product = listed[code]
            assert (product.name, product.unit, categories[product.category_id]) == (name, unit, category)
            assert (product.price_cents, product.stock, product.active) == (price + 20, stock // 2, True)
            assert [image.key for image in product.images] == [photos[code]]
    page.goto(f"/boutique/{shop_id}/produits?tri=recent")
    expect(page.get_by_role("link", name=LISTINGS[-1][1])).to_be_visible()
    screenshot(page, "barcode-listing-catalogue")

    # The baker's own photo, straight from the phone's camera, then put first with the keyboard.
    with page.expect_navigation():
        page.get_by_role("link", name=LISTINGS[-1][1]).click()
    own_photo = tmp_path / "shelf.png"
    own_photo.write_bytes(photo_png("2100112000108"))  # any picture: the camera's file
    page.get_by_label("Prendre une photo").set_input_files(own_photo)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le produit").click()
    move_up = page.get_by_role("button", name="Monter la photo 2")
    move_up.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Ordre des photos enregistré")).to_be_visible()
    screenshot(page, "barcode-listing-photos")
    with live_app.app_context():
        product = db.session.scalars(select(Product).where(Product.shop_id == shop_id,
                                                           Product.ean == LISTINGS[-1][0])).one()
        keys = [image.key for image in product.images]
        assert len(keys) == 2 and keys[1] == photos[LISTINGS[-1][0]]  # the baker's photo first now


@pytest.fixture(scope="module")
def camera_browser(browser, tmp_path_factory):
    """Chromium whose camera films a barcode label (a fake capture device playing a Y4M file)."""
    video = camera_y4m(LISTINGS[3][0], tmp_path_factory.mktemp("camera") / "label.y4m")
    fake = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
              "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"])
    yield fake
    fake.close()


def test_the_camera_reads_the_barcode(camera_browser, live_server, live_app, screen):
    shop_id = _bakery_id(live_app)
    _forget_scanned(live_app, shop_id)
    context = camera_browser.new_context(base_url=live_server, locale="fr-FR", bypass_csp=True, **SCREENS[screen])
    context.grant_permissions(["camera"], origin=live_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    axe.watch(page, screen)
    try:
        log_in(page, BAKER)
        page.goto(f"/boutique/{shop_id}/produits/nouveau")
        axe.audit(page)
        code, name = LISTINGS[3][0], LISTINGS[3][1]
        page.get_by_role("button", name="Scanner le code-barres").click()
        expect(page.get_by_test_id("scan-status")).to_contain_text(f"Produit connu du territoire : « {name} »")
        expect(page.get_by_label("Code-barres EAN")).to_have_value(code)
        expect(page.get_by_label("Nom du produit")).to_have_value(name)
        expect(page.get_by_role("button", name="Scanner le code-barres")).to_be_visible()  # the camera is off again
        expect(page.locator("#scan-video")).to_be_hidden()
        screenshot(page, "barcode-camera-scanned")
        assert axe.unaudited(page) == []
    finally:
        context.close()


def test_the_scanner_works_under_the_site_s_content_security_policy(camera_browser, live_server, live_app, tmp_path):
    """The journeys above open their pages with bypass_csp (to inject axe); here the site's own policy
    holds: a photo and the camera are both read, and the browser reports no refused load."""
    shop_id = _bakery_id(live_app)
    _forget_scanned(live_app, shop_id)
    context = camera_browser.new_context(base_url=live_server, locale="fr-FR")
    context.grant_permissions(["camera"], origin=live_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        page.goto("/connexion")
        page.get_by_label("Adresse e-mail").fill(BAKER)
        page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter").click()
        response = page.goto(f"/boutique/{shop_id}/produits/nouveau")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        status = page.get_by_test_id("scan-status")
        picture = tmp_path / "label.png"
        picture.write_bytes(photo_png(LISTINGS[0][0]))
        page.get_by_label("Ou lire le code-barres sur une photo").set_input_files(picture)
        expect(status).to_contain_text(f"Produit connu du territoire : « {LISTINGS[0][1]} »")
        expect(page.get_by_role("img", name="Photo reprise de la fiche du territoire")).to_be_visible()
        page.get_by_role("button", name="Scanner le code-barres").click()  # the camera films LISTINGS[3]
        expect(status).to_contain_text(f"Produit connu du territoire : « {LISTINGS[3][1]} »")
        expect(page.get_by_label("Code-barres EAN")).to_have_value(LISTINGS[3][0])
        assert refused == []
    finally:
        context.close()
