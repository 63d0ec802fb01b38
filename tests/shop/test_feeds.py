"""Catalogue feeds (issue 21 item 1), against a real HTTP server on loopback serving each format:
one that changes between runs, one that answers 304, one that fails, one too slow, one too big."""
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from openpyxl import Workbook

from marketplace import feeds, mail, periodic
from marketplace.extensions import db
from marketplace.models import CatalogueFeed, CatalogueFeedRun, Product, Shop
from tests.conftest import login


class FeedServer:
    """Serves `files[path] = (status, headers, body)`; records each request's headers."""

    def __init__(self):
        self.files, self.requests, self.release = {}, [], threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                """Quiet: the test's output is not the server's access log."""

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                entry = server.files.get(self.path)
                if entry == "slow":
                    server.release.wait(10)
                    return
                if entry == "huge":  # 21 MB without a Content-Length
                    self.send_response(200)
                    self.end_headers()
                    for _ in range(21):
                        self.wfile.write(b"x" * (1024 * 1024))
                    return
                status, headers, body = entry or (404, {}, b"")
                if headers.get("ETag") and self.headers.get("If-None-Match") == headers["ETag"]:
                    status, body = 304, b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    running = FeedServer()
    yield running
    running.close()


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MERCHANT_XML = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>Boutique</title>
<item><g:id>M1</g:id><g:title>Confiture de cassis</g:title><g:price>5.90 EUR</g:price>
<g:availability>in stock</g:availability><g:gtin>3017620422003</g:gtin><g:product_type>Epicerie</g:product_type></item>
<item><g:id>M2</g:id><g:title>Miel de l'Auxois</g:title><g:price>8.50 EUR</g:price>
<g:availability>out of stock</g:availability></item>
</channel></rss>"""
FORMATS = {
    "woocommerce": ("/woo.csv", "text/csv", (
        "ID,Type,SKU,Name,Published,Short description,Description,Stock,Regular price,Sale price,Categories\n"
        "11,simple,W1,Pain au levain,1,,Bio,12,\"4,20\",,Alimentation > Boulangerie\n"
        "12,simple,W2,Brioche,1,,,5,6.50,,Pâtisserie\n").encode(), {"W1": 420, "W2": 650}),
    "prestashop": ("/presta.csv", "text/csv", (
        "Product ID;Active (0/1);Name;Categories (x,y,z...);Price tax included;Reference #;EAN13;Quantity\n"
        "1;1;Savon au lait;Beauté;5,50;P1;;10\n2;0;Bougie;Maison;12,00;P2;;3\n").encode(), {"P1": 550, "P2": 1200}),
    "shopify": ("/shopify.csv", "text/csv", (
        "Handle,Title,Body (HTML),Vendor,Type,Published,Variant SKU,Variant Inventory Qty,Variant Price,"
        "Variant Barcode\nthe-mug,Mug en grès,<p>Fait main</p>,Atelier,Poterie,TRUE,S1,4,18.00,\n").encode(),
        {"S1": 1800}),
    "google_merchant": ("/merchant.xml", "application/xml", MERCHANT_XML, {"M1": 590, "M2": 850}),
    "google_merchant_tsv": ("/merchant.tsv", "text/tab-separated-values", (
        "id\ttitle\tdescription\tprice\tavailability\tgtin\nT1\tCafé moulu\tArabica\t6.20 EUR\tin stock\t\n"
    ).encode(), {"T1": 620}),
    "spreadsheet": ("/pub?output=xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    xlsx([["Réf", "Désignation", "Prix TTC", "Stock"], ["X1", "Tarte aux pommes", 18.5, 2]]),
                    {"X1": 1850}),
}


def add_feed(shop_id: int, url: str) -> CatalogueFeed:
    return feeds.add_feed(db.session.get(Shop, shop_id), url, None)


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_is_recognised_and_imported(app_ctx, shop_world, server, name):
    path, content_type, body, prices = FORMATS[name]
    server.files[path] = (200, {"Content-Type": content_type}, body)
    feed = add_feed(shop_world["bakery"], server.url(path))
    preview = feeds.preview(feed)
    assert preview.format == name.removesuffix("_tsv")
    assert preview.plan.errors == [] and preview.plan.creations == len(prices)
    assert Product.query.filter(Product.sku.in_(prices)).count() == 0  # a preview writes nothing
    feeds.activate(feed)  # the first run at once (jobs run inline in tests)
    products = {p.sku: p for p in Product.query.filter(Product.sku.in_(prices))}
    assert {sku: p.price_cents for sku, p in products.items()} == prices
    run = CatalogueFeedRun.query.one()
    assert run.status == "done" and run.counts["created"] == len(prices)
    if name == "google_merchant":
        assert products["M1"].ean == "3017620422003" and products["M1"].active and not products["M2"].active
        assert products["M1"].category.slug == "epicerie"
    if name == "prestashop":
        assert products["P1"].active and not products["P2"].active


def test_a_feed_that_changes_between_runs(app_ctx, shop_world, server):
    sheet = "Réf;Désignation;Prix TTC\nA1;Baguette;1,10\nA2;Croissant;1,20\nA3;Chausson;1,80\n"
    server.files["/sheet.csv"] = (200, {}, sheet.encode())
    feed = add_feed(shop_world["bakery"], server.url("/sheet.csv"))
    feeds.preview(feed)
    feeds.activate(feed)
    before = {p.sku: p.updated_at for p in Product.query.filter(Product.sku.like("A%"))}
    assert len(before) == 3
    # The same content (no ETag from this server): the hash says unchanged, nothing written.
    assert feeds.run_feed(feed.id).status == "unchanged"
    assert {p.sku: p.updated_at for p in Product.query.filter(Product.sku.like("A%"))} == before
    # The sheet changes: a price, a product gone, a new one.
    server.files["/sheet.csv"] = (200, {}, "Réf;Désignation;Prix TTC\nA1;Baguette;1,15\nA2;Croissant;1,20\n"
                                           "A4;Pain aux raisins;1,90\n".encode())
    run = feeds.run_feed(feed.id)
    assert run.status == "done"
    assert run.counts == {"created": 1, "updated": 1, "unchanged": 1, "offline": 1, "refused": 0}
    products = {p.sku: p for p in Product.query.filter(Product.sku.like("A%"))}
    assert products["A1"].price_cents == 115 and products["A4"].active
    assert not products["A3"].active  # offline, not deleted
    # A3 comes back: online again. A refused line does not take its product offline.
    server.files["/sheet.csv"] = (200, {}, "Réf;Désignation;Prix TTC\nA1;Baguette;gratuit\nA2;Croissant;1,20\n"
                                           "A3;Chausson;1,80\nA4;Pain aux raisins;1,90\n".encode())
    run = feeds.run_feed(feed.id)
    assert run.counts["refused"] == 1 and run.counts["offline"] == 0
    assert run.errors == [{"line": 2, "field": "Prix TTC",
                           "message": "Le prix « gratuit » n'est pas un nombre (exemple : 12,50)."}]
    products = {p.sku: p for p in Product.query.filter(Product.sku.like("A%"))}
    assert products["A3"].active and products["A1"].active and products["A1"].price_cents == 115


def test_a_feed_answering_304_is_not_read_again(app_ctx, shop_world, server):
    server.files["/etag.csv"] = (200, {"ETag": '"v1"', "Last-Modified": "Wed, 02 Dec 2026 10:00:00 GMT"},
                                 "Désignation;Prix\nÉclair;2,40\n".encode())
    feed = add_feed(shop_world["bakery"], server.url("/etag.csv"))
    feeds.preview(feed)
    feeds.activate(feed)
    assert feeds.run_feed(feed.id).status == "unchanged"
    headers = server.requests[-1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Wed, 02 Dec 2026 10:00:00 GMT"


def test_a_failing_feed_is_reported_and_emailed_once(app_ctx, shop_world, server):
    server.files["/feed.csv"] = (200, {}, "Désignation;Prix\nÉclair;2,40\n".encode())
    feed = add_feed(shop_world["bakery"], server.url("/feed.csv"))
    feeds.preview(feed)
    feeds.activate(feed)
    sent = len(mail.outbox())
    server.files["/feed.csv"] = (500, {}, b"oops")
    run = feeds.run_feed(feed.id)
    assert run.status == "failed"
    assert run.error == "Le serveur du fichier a répondu « 500 Internal Server Error »."
    assert [m["To"] for m in mail.outbox()[sent:]] == [shop_world["emails"]["owner"]]
    assert "Internal Server Error" in mail.outbox()[-1].get_content()
    assert feeds.run_feed(feed.id).status == "failed"
    assert len(mail.outbox()) == sent + 1  # never the same failure twice in a row
    assert Product.query.filter_by(name="Éclair").one().active  # a failure changes no product
    # Refused lines are e-mailed too (once); a good run, then the same failure again, e-mails again.
    server.files["/feed.csv"] = (200, {}, "Désignation;Prix\nÉclair;2,40\nTarte;gratuit\n".encode())
    feeds.run_feed(feed.id)
    assert "1 ligne refusée." in mail.outbox()[-1].get_content() and len(mail.outbox()) == sent + 2
    server.files["/feed.csv"] = (200, {}, "Désignation;Prix\nÉclair;2,50\n".encode())
    feeds.run_feed(feed.id)
    server.files["/feed.csv"] = (500, {}, b"oops")
    feeds.run_feed(feed.id)
    assert len(mail.outbox()) == sent + 3


def test_a_slow_feed_times_out(app, app_ctx, shop_world, server, monkeypatch):
    monkeypatch.setitem(app.config, "FEEDS_TIMEOUT_SECONDS", 1)
    server.files["/slow.csv"] = "slow"
    feed = add_feed(shop_world["bakery"], server.url("/slow.csv"))
    feed.status, feed.mapping = "active", {"name": 0, "price": 1}
    db.session.commit()
    run = feeds.run_feed(feed.id)
    assert run.status == "failed" and run.error == "Le serveur du fichier n'a pas répondu en 1 secondes."


def test_a_huge_feed_is_refused(app_ctx, shop_world, server):
    server.files["/huge.csv"] = "huge"
    feed = add_feed(shop_world["bakery"], server.url("/huge.csv"))
    with pytest.raises(feeds.FeedError, match="dépasse 20 Mo"):
        feeds.preview(feed)


def test_redirects_are_followed_three_times_at_most(app_ctx, shop_world, server):
    server.files["/ok.csv"] = (200, {}, "Désignation;Prix\nÉclair;2,40\n".encode())
    for hop in range(4):
        server.files[f"/r{hop}"] = (302, {"Location": f"/r{hop + 1}" if hop < 3 else "/ok.csv"}, b"")
    assert feeds.fetch(server.url("/r1")).status == 200  # 3 redirects
    with pytest.raises(feeds.FeedError, match="Trop de redirections"):
        feeds.fetch(server.url("/r0"))


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x.csv", "http://10.1.2.3/x.csv", "http://localhost/x.csv",
                                 "http://[::1]/x.csv", "http://169.254.169.254/latest/meta-data",
                                 "file:///etc/passwd", "ftp://example.org/x.csv"])
def test_production_refuses_private_addresses_and_other_schemes(app, app_ctx, server, monkeypatch, url):
    monkeypatch.setitem(app.config, "FEEDS_ALLOW_PRIVATE_ADDRESSES", False)
    with pytest.raises(feeds.FeedError, match="réseau privé|http:// ou https://"):
        feeds.fetch(url)


def test_production_refuses_a_redirect_to_a_private_address(app, app_ctx, server, monkeypatch):
    """The check runs on every hop: here the first hop is loopback too, so it is refused at once;
    a public host redirecting inwards meets the same check on its Location."""
    monkeypatch.setitem(app.config, "FEEDS_ALLOW_PRIVATE_ADDRESSES", False)
    server.files["/r"] = (302, {"Location": "http://10.0.0.1/x.csv"}, b"")
    with pytest.raises(feeds.FeedError, match="réseau privé"):
        feeds.fetch(server.url("/r"))
    assert server.requests == []  # nothing was sent to the loopback server


def test_two_runs_of_one_feed_never_overlap(app_ctx, shop_world, server):
    server.files["/feed.csv"] = (200, {}, "Désignation;Prix\nÉclair;2,40\n".encode())
    feed = add_feed(shop_world["bakery"], server.url("/feed.csv"))
    feed.status, feed.mapping = "active", {"name": 0, "price": 1}
    db.session.commit()
    assert feeds.claim(feed.id)  # a run holds it
    assert not feeds.claim(feed.id)
    assert feeds.run_feed(feed.id) is None and server.requests == []  # the second run does nothing
    feeds._release(feed.id)
    assert feeds.run_feed(feed.id).status == "done"
    assert db.session.get(CatalogueFeed, feed.id).running_since is None


def test_the_periodic_job_queues_the_due_feeds(app_ctx, shop_world, server):
    from datetime import timedelta

    from marketplace.models.base import utcnow

    server.files["/feed.csv"] = (200, {}, "Désignation;Prix\nÉclair;2,40\n".encode())
    due = add_feed(shop_world["bakery"], server.url("/feed.csv"))
    later = add_feed(shop_world["bakery"], server.url("/feed.csv"))
    paused = add_feed(shop_world["bakery"], server.url("/feed.csv"))
    for feed, status, delay in ((due, "active", -1), (later, "active", 30), (paused, "paused", -1)):
        feed.status, feed.mapping, feed.next_run_at = status, {"name": 0, "price": 1}, utcnow() + timedelta(
            minutes=delay)
    db.session.commit()
    assert any(entry[0] is periodic.queue_due_feeds for entry in periodic.PERIODIC)
    assert periodic.queue_due_feeds() == 1
    assert [run.feed_id for run in CatalogueFeedRun.query] == [due.id]
    later.next_run_at = utcnow()  # without Redis, cron runs the same job through the command line
    db.session.commit()
    result = app_ctx.test_cli_runner().invoke(args=["jobs", "run", "queue_due_feeds"])
    assert result.exit_code == 0 and "queue_due_feeds: 1" in result.output
    assert sorted(run.feed_id for run in CatalogueFeedRun.query) == sorted([due.id, later.id])


def test_the_feed_pages(app, client, shop_world, server):
    server.files["/woo.csv"] = (200, {"Content-Type": "text/csv"}, FORMATS["woocommerce"][2])
    login(client, shop_world["emails"]["staff"])
    base = f"/boutique/{shop_world['bakery']}/flux"
    products = client.get(f"/boutique/{shop_world['bakery']}/produits").get_data(as_text=True)
    assert "Flux catalogue" in products
    assert 'aria-current="page">Produits</a>' in products  # the shop's menu marks the page one is on
    page = client.post(base, data={"url": "ftp://example.org/x"}).get_data(as_text=True)
    assert "L&#39;adresse doit commencer par http:// ou https://." in page
    feed_url = client.post(base, data={"url": server.url("/woo.csv")}).headers["Location"]
    page = client.get(feed_url).get_data(as_text=True)
    assert "Format reconnu : Export produits WooCommerce." in page and "colonne « Regular price »" in page
    assert "2 lignes valides : 2 nouveaux produits" in page
    response = client.post(f"{feed_url}/activer", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Flux activé" in page and 'data-run-status="done"' in page and "Mettre à jour maintenant" in page
    page = client.post(f"{feed_url}/maintenant", follow_redirects=True).get_data(as_text=True)
    assert "inchangé" in page
    page = client.get(f"/boutique/{shop_world['bakery']}/produits").get_data(as_text=True)
    section = page[page.index('data-testid="catalogue-feeds"'):]
    assert server.url("/woo.csv") in section and "actif" in section and "(inchangé)" in section
    assert f"{feed_url}/maintenant" in section
    # Another shop's owner does not see it.
    other = app.test_client()
    login(other, shop_world["emails"]["other"])
    assert other.get(feed_url.replace(f"/{shop_world['bakery']}/", f"/{shop_world['cheese']}/")).status_code == 404
    page = client.post(f"{feed_url}/pause", follow_redirects=True).get_data(as_text=True)
    assert "En pause." in page and "Reprendre" in page
    page = client.post(f"{feed_url}/supprimer", follow_redirects=True).get_data(as_text=True)
    assert "Flux supprimé" in page
    with app.app_context():
        assert CatalogueFeed.query.count() == 0 and Product.query.filter_by(sku="W1").one().active


def test_products_taken_offline_are_marked_for_the_search_index(app_ctx, shop_world, server):
    """The offline switch is a bulk update (no ORM event): the feed puts the products in the
    search outbox itself (with the PostgreSQL backend, triggers do it)."""
    from search.models import IndexOutbox
    from search.outbox import _outbox_in_use

    server.files["/feed.csv"] = (200, {}, "Réf;Désignation;Prix\nK1;Kouign-amann;3,40\nK2;Far breton;2,90\n".encode())
    feed = add_feed(shop_world["bakery"], server.url("/feed.csv"))
    feeds.preview(feed)
    feeds.activate(feed)
    periodic.drain_search_outbox()
    server.files["/feed.csv"] = (200, {}, "Réf;Désignation;Prix\nK2;Far breton;2,90\n".encode())
    feeds.run_feed(feed.id)
    gone = Product.query.filter_by(sku="K1").one()
    assert not gone.active
    if _outbox_in_use():
        assert [row.entity_id for row in IndexOutbox.query.filter_by(kind="product")] == [gone.id]


def test_the_shop_answers_its_feeds_categories_once(app, client, shop_world, server):
    server.files["/sheet.csv"] = (200, {}, "Désignation;Prix;Rayon\nBaguette;1,10;Pain\nÉclair;2,40;Pâtisserie\n"
                                  .encode())
    login(client, shop_world["emails"]["owner"])
    base = f"/boutique/{shop_world['bakery']}/flux"
    feed_url = client.post(base, data={"url": server.url("/sheet.csv")}).headers["Location"]
    page = client.get(feed_url).get_data(as_text=True)
    assert "Catégories à préciser" in page and 'name="category_text_0" value="Pain"' in page
    food = shop_world["categories"]["alimentation"]
    response = client.post(f"{feed_url}/categories", data={"category_text_0": "Pain", "category_0": str(food)})
    assert response.headers["Location"].endswith(feed_url)
    assert "Catégories à préciser" not in client.get(feed_url).get_data(as_text=True)
    client.post(f"{feed_url}/activer")
    with app.app_context():
        categories = {p.name: p.category_id for p in Product.query.filter(Product.name.in_(["Baguette", "Éclair"]))}
        assert categories == {"Baguette": food, "Éclair": shop_world["categories"]["boulangerie-patisserie"]}


def test_columns_are_found_by_their_names_at_every_run(app_ctx, shop_world, server):
    server.files["/sheet.csv"] = (200, {}, "Réf;Désignation;Prix TTC\nC1;Cannelé;1,60\n".encode())
    feed = add_feed(shop_world["bakery"], server.url("/sheet.csv"))
    feeds.preview(feed)
    feeds.activate(feed)
    # The shop inserts a column and moves the price: the run still reads each value from its column.
    server.files["/sheet.csv"] = (200, {}, "Prix TTC;Réf;Stock;Désignation\n1,70;C1;6;Cannelé\n".encode())
    assert feeds.run_feed(feed.id).status == "done"
    product = Product.query.filter_by(sku="C1").one()
    assert (product.price_cents, product.stock, product.name) == (170, 6, "Cannelé")
    # Without a price column at all, the run fails and says which column is missing; nothing changes.
    server.files["/sheet.csv"] = (200, {}, "Réf;Désignation\nC1;Cannelé\n".encode())
    run = feeds.run_feed(feed.id)
    assert run.status == "failed" and run.error == "Indiquez la colonne « Prix TTC »."
    assert Product.query.filter_by(sku="C1").one().active


@pytest.fixture
def tls_server(server, tmp_path):
    """The loopback server over TLS, with a self-signed certificate for "localhost"."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.files["/tls.csv"] = (200, {}, "Désignation;Prix\nÉclair;2,40\n".encode())
    return server, cert


def test_https_checks_the_certificate_against_the_urls_host(app_ctx, tls_server, monkeypatch):
    """The connection goes to the checked address, TLS names the URL's host (SNI) and checks its
    certificate: an untrusted one is refused, a trusted one for that name is read."""
    server, cert = tls_server
    url = f"https://localhost:{server.httpd.server_port}/tls.csv"
    with pytest.raises(feeds.FeedError, match="SSLCertVerificationError"):
        feeds.fetch(url)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    assert feeds.fetch(url).content == "Désignation;Prix\nÉclair;2,40\n".encode()
    with pytest.raises(feeds.FeedError, match="SSLCertVerificationError"):  # the name must match
        feeds.fetch(f"https://127.0.0.1:{server.httpd.server_port}/tls.csv")


def test_two_workers_claiming_one_feed_at_once_get_it_once(app, shop_world):
    """The claim is one UPDATE … WHERE running_since IS NULL: of workers racing for a feed, one wins."""
    with app.app_context():
        feed_id = add_feed(shop_world["bakery"], "http://127.0.0.1/x.csv").id
    barrier, results = threading.Barrier(4), []

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(feeds.claim(feed_id))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_a_shop_has_five_feeds_at_most(app_ctx, shop_world):
    for n in range(feeds.MAX_FEEDS_PER_SHOP):
        add_feed(shop_world["bakery"], f"https://example.org/{n}.csv")
    with pytest.raises(feeds.FeedError, match="5 flux au plus par commerce"):
        add_feed(shop_world["bakery"], "https://example.org/6.csv")
    add_feed(shop_world["cheese"], "https://example.org/1.csv")  # another shop's are its own


def test_the_development_servers_periodic_thread_runs_the_due_feeds(app, app_ctx, shop_world, server):
    """`make demo` has no scheduler process: its own thread runs the feeds when their time comes."""
    import threading
    import time

    from marketplace.models.base import utcnow

    server.files["/demo.csv"] = (200, {}, "Désignation;Prix\nMadeleine;0,90\n".encode())
    feed = add_feed(shop_world["bakery"], server.url("/demo.csv"))
    feed.status, feed.mapping, feed.next_run_at = "active", {"name": 0, "price": 1}, utcnow()
    db.session.commit()
    feed_id = feed.id
    stop = threading.Event()
    thread = threading.Thread(target=periodic.run_periodic, args=(app, stop, 0.05), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db.session.remove()
            if CatalogueFeedRun.query.filter_by(feed_id=feed_id).count():
                break
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    db.session.remove()
    assert [run.status for run in CatalogueFeedRun.query.filter_by(feed_id=feed_id)] == ["done"]
    assert Product.query.filter_by(name="Madeleine").one().price_cents == 90


@pytest.mark.parametrize("path", ["unreachable", "/missing.csv", "/page.html", "/empty.csv"])
def test_an_address_that_does_not_read_adds_no_feed(app, client, shop_world, server, path):
    """The first reading fails: the error is on the address field and no draft is left behind."""
    server.files["/page.html"] = (200, {"Content-Type": "text/html; charset=utf-8"},
                                  b"<!DOCTYPE html><html><head><title>Boutique</title></head><body></body></html>")
    server.files["/empty.csv"] = (200, {"Content-Type": "text/csv"}, b"")
    url = "https://catalogue.invalid/produits.csv" if path == "unreachable" else server.url(path)
    login(client, shop_world["emails"]["staff"])
    response = client.post(f"/boutique/{shop_world['bakery']}/flux", data={"url": url})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and "field-error" in page
    with app.app_context():
        assert CatalogueFeed.query.count() == 0
    if path == "/page.html":
        assert "Cette adresse donne une page web, pas un tableur ni un flux de produits" in page
        assert "XML est illisible" not in page


def test_a_web_page_is_not_called_an_unreadable_xml_file(app_ctx):
    for content_type, body in (("text/html", b"<html><body><p>Bonjour<br></body></html>"),
                               ("", b"\n  <!doctype html>\n<html lang='fr'></html>")):
        with pytest.raises(feeds.ImportFileError, match="page web, pas un tableur ni un flux de produits"):
            feeds.read_feed(feeds.Fetched(200, body, "https://example.org/", content_type=content_type))
    table = feeds.read_feed(feeds.Fetched(200, MERCHANT_XML, "https://example.org/f.xml", content_type="text/html"))
    assert len(table.rows) == 2  # an XML feed served as text/html is still read
