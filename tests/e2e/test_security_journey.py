"""Issue 17 in the browser: a shop named like an HTML payload stays text on every map, and the main
pages run under the Content-Security-Policy without one violation. These contexts keep the policy
(no bypass_csp): the policy is what is tested."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from loyalty.models import Card, Grant
from marketplace.extensions import db
from marketplace.models import Category, Commune, Shop, ShopMember, User
from tests.e2e.conftest import DEMO_PASSWORD

HOSTILE = "X <img src=x onerror=window.__xss=1>"
PAGE_LOADED = "() => document.readyState === 'complete'"


@pytest.fixture
def strict_page(browser, live_server):
    """A page that records every CSP violation: the console's reports and the DOM's events."""
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # no network here
    context.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                            "(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.csp_console = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.csp_console.append(message.text))
    yield page
    context.close()


@pytest.fixture
def hostile_shop(live_app):
    """An approved shop, taking the card, whose name is an HTML payload (removed afterwards)."""
    with live_app.app_context():
        commune = db.session.scalars(select(Commune).where(Commune.latitude.is_not(None))).first()
        category = db.session.scalars(select(Category)).first()
        shop = Shop(name=HOSTILE, slug="x-img-onerror", category_id=category.id, commune_insee=commune.insee,
                    status="approved", accepts_card=True)
        db.session.add(shop)
        db.session.commit()
        shop_id = shop.id
    yield "x-img-onerror"
    with live_app.app_context():
        db.session.delete(db.session.get(Shop, shop_id))
        db.session.commit()


def log_in(page, email):
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()


def assert_popup_is_text(page):
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(HOSTILE)  # the markup is shown as the text it is
    assert popup.locator("img").count() == 0
    assert page.evaluate("() => window.__xss") is None


def assert_no_csp_violation(page):
    page.wait_for_function(PAGE_LOADED)
    assert page.csp_console == [] and page.evaluate("() => window.__csp") == [], (
        page.url, page.csp_console, page.evaluate("() => window.__csp"))


def test_a_hostile_shop_name_stays_text_on_the_shop_map(strict_page, hostile_shop):
    page = strict_page
    response = page.goto(f"/commerces/{hostile_shop}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#shop-map[data-ready='1']")).to_be_attached()
    page.locator("#shop-map path.leaflet-interactive").click()
    assert_popup_is_text(page)
    assert_no_csp_violation(page)


def test_a_hostile_shop_name_stays_text_on_the_where_to_spend_map(strict_page, hostile_shop, live_app):
    page = strict_page
    with live_app.app_context():
        resident = db.session.scalars(select(User).filter_by(email="resident@demo.halle.fr")).one()
        grant_id = db.session.scalars(select(Grant.id).join(Card, Grant.card_id == Card.id)
                                      .where(Card.holder_user_id == resident.id)).first()
    log_in(page, "resident@demo.halle.fr")
    page.goto(f"/compte/carte/credits/{grant_id}/commerces")
    markers = page.evaluate("() => JSON.parse(document.getElementById('shops-map').dataset.markers)")
    index = [marker["name"] for marker in markers].index(HOSTILE)
    page.locator("#shops-map .leaflet-marker-icon").nth(index).dispatch_event("click")
    assert_popup_is_text(page)
    assert_no_csp_violation(page)


def test_the_main_pages_run_under_the_policy_without_a_violation(strict_page, live_app):
    page = strict_page
    with live_app.app_context():
        shop = db.session.scalars(select(Shop).where(Shop.status == "approved").order_by(Shop.id)).first()
        cashier = db.session.scalars(select(User).filter_by(email="caissier@demo.halle.fr")).one()
        till_shop_id = db.session.scalars(select(ShopMember.shop_id).filter_by(user_id=cashier.id)).first()
    page.goto("/")
    expect(page.locator("#map[data-markers]")).to_be_attached()  # the map script ran
    assert_no_csp_violation(page)
    page.goto("/recherche?q=pain")
    assert_no_csp_violation(page)
    page.goto(f"/commerces/{shop.slug}")
    expect(page.locator("#shop-map[data-ready='1']")).to_be_attached()
    assert_no_csp_violation(page)
    log_in(page, "caissier@demo.halle.fr")
    page.goto(f"/caisse/{till_shop_id}/")
    expect(page.get_by_label("Numéro de carte ou QR code")).to_be_visible()
    assert_no_csp_violation(page)


def test_the_admin_statistics_map_and_charts_run_under_the_policy(strict_page):
    page = strict_page
    log_in(page, "admin@demo.halle.fr")
    page.goto("/admin/statistiques")
    expect(page.locator("#spending-map[data-markers]")).to_be_attached()  # the map script ran
    for box in page.locator(".chart-box").all():  # their height set by the script, not an inline style
        assert box.evaluate("(element) => element.style.height") == box.get_attribute("data-height") + "px"
    assert_no_csp_violation(page)
