"""Browser journeys: Debian's Chromium (headless, --no-sandbox) driven by Playwright against a
real server on loopback, serving the demo territory from its own SQLite file."""
import os
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from config import LEGAL_SETTINGS, DevelopmentConfig
from marketplace import create_app
from marketplace.extensions import db
from tests.e2e import axe
from tests.stripe_server import register_webhook, stripe_config, stripe_server  # noqa: F401

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "halle-demo"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"Chromium not found at {CHROMIUM}: CI must run the browser tests.")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from marketplace.demo import seed

    folder = tmp_path_factory.mktemp("e2e")
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'halle-e2e.db'}",
        SEARCH_INDEX_DIR=str(folder / "search-index"),
        MEDIA_DIR=str(folder / "media"),
        WTF_CSRF_ENABLED=True,
        LOGIN_RATE_LIMIT="1000 per minute",
        SERVER_NAME=None,
        # What `make demo` configures (config.DevelopmentConfig): the territory's bank account and
        # the operator its legal pages name.
        TERRITORY_IBAN=DevelopmentConfig.TERRITORY_IBAN,
        TERRITORY_BIC=DevelopmentConfig.TERRITORY_BIC,
        **{name: getattr(DevelopmentConfig, name) for name in LEGAL_SETTINGS},
    )
    with app.app_context():
        db.create_all()
        seed(echo=lambda *args, **kwargs: None)
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PUBLIC_URL"] = url  # the links of the emails lead to this server
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def stripe_live(live_app, live_server, stripe_server):  # noqa: F811
    """Card payments on localstripe (the demo's provider, tests/stripe_server.py) with its webhook;
    jobs in a thread, as on the development server (pages follow their progress)."""
    keys = {**stripe_config(stripe_server), "JOBS_BACKEND": "thread"}
    saved = {key: live_app.config.get(key) for key in keys}
    live_app.config.update(keys)
    register_webhook(stripe_server, f"{live_server}/stripe/webhook")
    yield live_app
    live_app.config.update(saved)


# Every journey runs on a desktop screen and on a phone (an iPhone 12-14: 390×844 CSS pixels).
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture(params=list(SCREENS))
def screen(request) -> str:
    return request.param


@pytest.fixture
def open_page(browser, live_server, screen):
    """Open a page in a browser context of its own (its own cookies: one person) at the test's screen
    size. bypass_csp lets axe-core be injected into pages that forbid inline scripts. When the test
    ends, every page each of them visited must have been audited by axe (tests/e2e/axe.py), and no
    script may have thrown (an uncaught error stops the rest of a page's script: a filter, a map, a
    payment form that never appears)."""
    pages, script_errors = [], []

    def open_one():
        context = browser.new_context(base_url=live_server, locale="fr-FR", bypass_csp=True, **SCREENS[screen])
        # The map tiles come from OpenStreetMap at run time; the test machine has no network.
        context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
        page = context.new_page()
        page.set_default_timeout(10_000)
        axe.watch(page, screen)
        page.on("pageerror", lambda error, page=page: script_errors.append(f"{page.url}: {error}"))
        pages.append(page)
        return page

    yield open_one
    missed = [url for page in pages for url in axe.unaudited(page)]
    for page in pages:
        page.context.close()
    assert not missed, f"pages visited without an axe-core audit: {missed}"
    assert not script_errors, f"scripts that threw: {script_errors}"


@pytest.fixture
def page(open_page):
    return open_page()


# A closed list box (select) shows its choice on one line, cut at its edge: on a phone « Chaque semaine
# (le lundi, pour la… » hides what was chosen. The choice shown, in the box's font, must fit the room the
# box leaves it (its width less its padding, the arrow's included).
_CUT_CHOICES = """() => {
    const context = document.createElement('canvas').getContext('2d');
    return [...document.querySelectorAll('select:not([multiple]):not([size])')]
        .filter(s => s.getClientRects().length && s.selectedIndex >= 0).map(s => {
            const style = getComputedStyle(s), text = s.options[s.selectedIndex].text.trim();
            context.font = style.font;
            const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return [s.name || s.id, text, Math.round(context.measureText(text).width), Math.round(room)];
        }).filter(([, , width, room]) => width > room + 1);  // (1 px: the sub-pixel widths' rounding)
}"""


def screenshot(page, name: str) -> Path:
    """Audit the page with axe-core and check nothing makes it wider than the screen (a wide table
    scrolls in its own box), no key figure (`.stats`) breaks over two lines and no list box cuts off a
    choice, then save a full-page screenshot under test-artifacts/ (git-ignored) for people to look at,
    named after the screen (name-desktop.png, name-phone.png)."""
    page.wait_for_load_state()  # its stylesheets and images: the widths below are the laid-out page's
    axe.audit(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, (
        f"{page.url} is {width} px wide on a {page.viewport_size['width']} px screen: " + ", ".join(page.evaluate(
            "() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right"
            " > window.innerWidth + 1).slice(0, 4).map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 60))")))
    broken = page.evaluate(
        "() => [...document.querySelectorAll('.stats strong')].filter(e => e.getClientRects().length"
        " && e.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(e).lineHeight))"
        ".map(e => e.textContent.trim())")
    assert not broken, f"{page.url}: figures broken over two lines: {broken}"
    cut = page.evaluate(_CUT_CHOICES)
    assert not cut, f"{page.url}: choices cut off in their list box (field, choice, text px, room px): {cut}"
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{axe.screen_of(page)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def expect_rows_as_cards(table):
    """A table people act on (`.stack-table`): on a phone, one card per row, each labelled value
    with its label shown and nothing wider than the screen; on a desktop, a table with its headers."""
    page = table.page
    table.wait_for()
    page.wait_for_load_state()  # after a click, the new page's table may be read before its stylesheet applies
    shape = table.evaluate("""t => ({
        rows: [...t.tBodies[0].rows].map(r => getComputedStyle(r).display),
        labels: [...t.querySelectorAll('td[data-label]')].map(
            c => [c.dataset.label, getComputedStyle(c, '::before').content]),
        right: t.getBoundingClientRect().right, headers: getComputedStyle(t.tHead).position})""")
    assert shape["rows"], "the table has no rows"
    if axe.screen_of(page) == "phone":
        assert set(shape["rows"]) == {"block"}, shape["rows"]
        assert all(shown == f'"{label}"' for label, shown in shape["labels"]), shape["labels"]
        assert shape["right"] <= page.viewport_size["width"] + 1, shape["right"]
    else:
        assert set(shape["rows"]) == {"table-row"} and shape["headers"] != "absolute", shape


def expect_on_screen(page, *controls):
    """Each control (a locator) lies within the screen's width, and no box of the page's main part
    scrolls sideways: on a phone, what one acts on or reads is not off to the right of a table."""
    page.wait_for_load_state()
    width = page.viewport_size["width"]
    for control in controls:
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (control, box)
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => e.clientWidth
        && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
        .map(e => `${e.getAttribute('aria-label') || e.tagName}: ${e.scrollWidth} px in ${e.clientWidth}`)""")
    assert not wide, f"{page.url}: boxes that scroll sideways: {wide}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


def open_menu(page):
    """On a phone the site menu folds behind its button: open it (nothing to do on a desktop)."""
    if axe.screen_of(page) != "phone":
        return
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()  # static/js/menu.js has run
    if toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


def log_out(page):
    open_menu(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()


def log_in(page, email: str, password: str = DEMO_PASSWORD):
    page.goto("/connexion")
    axe.audit(page)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    axe.audit(page)  # the page the person lands on


def pay_by_card(page, number: str) -> None:
    """Fill localstripe's card element (its stand-in for Stripe.js) and pay."""
    element = page.locator("#card-element")
    element.get_by_placeholder("number").fill(number)
    element.get_by_placeholder("exp_month").fill("12")
    element.get_by_placeholder("exp_year").fill("34")
    element.get_by_placeholder("cvc").fill("123")
    element.get_by_placeholder("postal_code").fill("21140")
    page.get_by_role("button", name=re.compile("^Payer")).click()


def shopkeeper_shop_id() -> int:
    """The shop that the demo's shopkeeper (commercant@) owns; called inside the live app's context."""
    from marketplace.models import ShopMember, User

    return db.session.scalar(db.select(ShopMember.shop_id).join(User, User.id == ShopMember.user_id)
                             .where(User.email == "commercant@demo.halle.fr", ShopMember.role == "owner"))
