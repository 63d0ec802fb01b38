"""Issue 21's measure: the demo shopkeeper puts the spreadsheet they already keep (50 products,
a French Excel CSV published on a web server, here on loopback) online as a catalogue feed, then
the sheet changes (prices, one product gone, one new) and the schedule's next run carries it to
the residents with no action of theirs. Prints the user's set-up effort (actions, browser time)."""
import re
import time
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from marketplace import feeds, periodic
from marketplace.extensions import db
from marketplace.models import CatalogueFeed, Product
from marketplace.models.base import utcnow
from tests.e2e.axe import audit
from tests.e2e.conftest import DEMO_PASSWORD, screenshot, shopkeeper_shop_id
from tests.shop.test_feeds import FeedServer


def price_cents(n: int, changed: bool) -> int:
    return 250 + 10 * n + (30 if changed and n % 5 == 0 else 0)


def sheet(label: str, numbers, changed: bool = False) -> bytes:
    """A French Excel export: cp1252, `;`, decimal commas and €, a title line above the headers."""
    rows = ["Tarifs boulangerie 2025;;;;", "Réf;Désignation;Famille;Prix TTC;Stock"]
    for n in numbers:
        cents = price_cents(n, changed)
        rows.append(f"SB-{label}-{n:03d};Sablé breton n°{n} ({label});Épicerie;{cents // 100},{cents % 100:02d} €;"
                    f"{n % 9 or 'sur commande'}")
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def money(cents: int) -> re.Pattern:
    return re.compile(rf"{cents // 100},{cents % 100:02d}\s€")


def test_shopkeeper_sets_up_a_feed_once_and_the_catalogue_keeps_itself_current(open_page, screen, live_app):
    label = "bureau" if screen == "desktop" else "mobile"
    server = FeedServer()
    path = f"/tarifs-{label}.csv"
    server.files[path] = (200, {"Content-Type": "text/csv", "ETag": '"v1"',
                                "Last-Modified": "Mon, 01 Dec 2025 08:00:00 GMT"}, sheet(label, range(1, 51)))
    feed_url = server.url(path)
    page = open_page()
    actions, audits = 0, 0.0

    def act(locator, value=None):
        """One user action: a click, or a field filled."""
        nonlocal actions
        actions += 1
        if value is None:
            locator.click()
        else:
            locator.fill(value)

    def check(name=None):
        """axe (and the screenshot): the test's work, not the user's time."""
        nonlocal audits
        began = time.perf_counter()
        if name:
            screenshot(page, name)
        else:
            audit(page)
        audits += time.perf_counter() - began

    try:
        # Set-up, once: log in, open the shop's feeds, give the sheet's address, confirm its reading.
        started = time.perf_counter()
        page.goto("/connexion")
        check()
        act(page.get_by_label("Adresse e-mail"), "commercant@demo.halle.fr")
        act(page.get_by_label("Mot de passe"), DEMO_PASSWORD)
        act(page.get_by_role("button", name="Se connecter"))
        expect(page.get_by_test_id("role-home")).to_contain_text("Boulangerie")
        check()
        act(page.get_by_role("navigation", name="Gestion du commerce").get_by_role("link", name="Flux catalogue"))
        expect(page.get_by_role("heading", name="Ajouter un flux")).to_be_visible()
        check("feed-add")
        act(page.get_by_label("Adresse du fichier (https://…)"), feed_url)
        act(page.get_by_role("button", name="Lire ce fichier"))
        expect(page.get_by_test_id("feed-format")).to_have_text(
            "Format reconnu : Tableur (colonnes reconnues par leur nom).")
        expect(page.get_by_test_id("feed-summary")).to_contain_text(
            re.compile(r"50 lignes valides : 50 nouveaux produits, 0 mises? à jour, 0 inchangées?\."))
        check("feed-first-reading")
        act(page.get_by_role("button", name="Confirmer et mettre à jour mon catalogue"))
        expect(page.get_by_text("Flux activé : le catalogue sera mis à jour toutes les heures.")).to_be_visible()
        runs = page.get_by_test_id("feed-runs").locator("li")
        expect(runs).to_have_count(1)
        expect(runs.first).to_contain_text(
            re.compile(r"50 ajoutés, 0 mis à jour, 0 inchangés?, 0 mis hors ligne, 0 lignes? refusées?"))
        set_up_seconds = time.perf_counter() - started - audits
        expect(page.get_by_test_id("feed-status")).to_contain_text("Actif : relu toutes les heures.")
        check("feed-active")
        feed_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

        with live_app.app_context():
            shop_id = shopkeeper_shop_id()
            online = db.session.scalar(select(func.count()).select_from(Product).where(
                Product.shop_id == shop_id, Product.sku.like(f"SB-{label}-%"), Product.active.is_(True)))
            assert online == 50
            periodic.drain_search_outbox()  # the indexer's turn (a process of its own in production)

        # A resident finds one of them.
        resident = open_page()

        def search(text):
            resident.goto("/recherche")
            audit(resident)
            resident.get_by_label("Que cherchez-vous ?").fill(text)
            resident.get_by_role("button", name="Rechercher").click()
            resident.wait_for_url(re.compile(r"/recherche\?"))
            audit(resident)
            return resident.get_by_test_id("result").filter(has=resident.get_by_role("link", name=text, exact=True))

        found = search(f"Sablé breton n°10 ({label})")
        expect(found).to_have_count(1)
        expect(resident.get_by_test_id("results-count")).to_contain_text("1 résultat")
        expect(found.get_by_test_id("result-price")).to_have_text(money(price_cents(10, False)))
        screenshot(resident, "feed-search-found")

        # The sheet changes: every fifth price, n°17 sold out for good, n°51 new. The schedule's
        # next run (an hour later) picks it up: make the feed due, run the periodic job.
        server.files[path] = (200, {"Content-Type": "text/csv", "ETag": '"v2"',
                                    "Last-Modified": "Mon, 01 Dec 2025 09:00:00 GMT"},
                              sheet(label, [n for n in range(1, 52) if n != 17], changed=True))
        with live_app.app_context():
            db.session.get(CatalogueFeed, feed_id).next_run_at = utcnow() - timedelta(minutes=1)
            db.session.commit()
            periodic.queue_due_feeds()
            periodic.drain_search_outbox()
            gone = db.session.scalar(select(Product).where(Product.shop_id == shop_id,
                                                           Product.sku == f"SB-{label}-017"))
            assert gone is not None and not gone.active  # offline, never deleted
        page.reload()
        expect(runs).to_have_count(2)
        expect(runs.first).to_contain_text(
            re.compile(r"1 ajouté, 10 mis à jour, 39 inchangés, 1 mis hors ligne, 0 lignes? refusées?"))
        check("feed-second-run")

        found = search(f"Sablé breton n°10 ({label})")
        expect(found.get_by_test_id("result-price")).to_have_text(money(price_cents(10, True)))
        expect(search(f"Sablé breton n°51 ({label})")).to_have_count(1)
        screenshot(resident, "feed-search-added")
        expect(search(f"Sablé breton n°17 ({label})")).to_have_count(0)
        expect(resident.get_by_test_id("empty-state")).to_be_visible()
        screenshot(resident, "feed-search-removed")
    finally:
        server.close()
        with live_app.app_context():  # the demo shop keeps at most five feeds: leave room for the others
            feed = db.session.scalar(select(CatalogueFeed).where(CatalogueFeed.url == feed_url))
            if feed is not None:
                feeds.delete_feed(feed)

    print(f"\n[{screen}] feed set-up: {actions} actions, {set_up_seconds:.1f} s of browser time; "
          "keeping 50 products current for a month: 0 actions")
