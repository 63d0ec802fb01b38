"""Catalogue feeds: a URL where a shop already keeps its catalogue, re-read on a schedule.

A published spreadsheet (CSV, TSV, XLSX), an e-shop's product export (WooCommerce, PrestaShop,
Shopify CSV; Google Merchant Center XML or TSV) or a till's export. Each run goes through the
import engine of the uploads (marketplace/product_import.py: read, map the columns, check every
line, write in one transaction), the columns found at every run by their names: the ones the shop
chose on the column-mapping screen, else the known e-shop formats', else the usual French headers.
The schedule reads each feed at its interval (INTERVALS: hourly by default, or on demand only).
Nothing changed, nothing written: a conditional GET (ETag, Last-Modified), then a hash of the
content before any parsing. Products that left the feed go
offline (never deleted). Two runs of one feed never overlap (claim()).

Fetching a URL a user typed is a way into the servers' network (SSRF): http(s) only, at most
MAX_REDIRECTS redirects, the uploads' size cap, a time limit, and unless
FEEDS_ALLOW_PRIVATE_ADDRESSES (tests, development) the host is resolved first, every address
checked to be public, and the connection made to the address checked (a second DNS answer
cannot point it elsewhere), with the Host header and TLS server name of the URL.
"""
import hashlib
import http.client
import ipaddress
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from flask import current_app
from flask_babel import gettext, ngettext
from lxml import etree
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import OperationalError

from marketplace import jobs, mail, product_import
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models import (
    CatalogueFeed,
    CatalogueFeedRun,
    Product,
    Shop,
    ShopMember,
)
from marketplace.models.base import utcnow
from marketplace.spreadsheets import MAX_FILE_BYTES, ImportFileError
from search.outbox import enqueue_products

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
MAX_FEEDS_PER_SHOP = 5  # each one is fetched every hour
STALE_CLAIM = timedelta(hours=1)  # a run claimed longer ago died with its worker
RUNS_KEPT = 50
CHUNK = 64 * 1024
GOOGLE_NS = "http://base.google.com/ns/1.0"

# How often a feed is read (minutes: label); 0 is "on demand only" (never by the schedule).
INTERVALS = {
    60: lazy_gettext("toutes les heures"),
    360: lazy_gettext("toutes les 6 heures"),
    1440: lazy_gettext("une fois par jour"),
    0: lazy_gettext("à la demande seulement"),
}


class FeedError(Exception):
    """The feed could not be read; the message, in the reader's language, says why."""


# --- Fetching ---


@dataclass
class Fetched:
    status: int  # 200, or 304 (not modified)
    content: bytes = b""
    url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""


def _connect(addresses: list[str], port: int, timeout) -> socket.socket:
    """A connection to the first of the checked addresses that answers."""
    error = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as refused:
            error = refused
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the addresses that were checked, whatever the host name resolves to now."""

    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS, the certificate checked against the URL's host name (also sent as SNI)."""

    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.addresses = addresses

    def connect(self):
        self.sock = self._context.wrap_socket(_connect(self.addresses, self.port, self.timeout),
                                              server_hostname=self.host)


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to; FeedError for a host that does not resolve or (in production)
    has any private, loopback, link-local or reserved address."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FeedError(gettext("L'adresse « %(host)s » est introuvable.", host=host)) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not current_app.config["FEEDS_ALLOW_PRIVATE_ADDRESSES"]:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            ip = getattr(ip, "ipv4_mapped", None) or ip
            if not ip.is_global or ip.is_multicast:
                raise FeedError(gettext("L'adresse « %(host)s » est celle d'un réseau privé : donnez l'adresse "
                                        "publique du fichier.", host=host))
    return addresses


def fetch(url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """GET the URL within the limits (module docstring), conditionally when etag/last_modified."""
    timeout = current_app.config["FEEDS_TIMEOUT_SECONDS"]
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": "Halle-catalogue-feed/1", "Accept": "*/*", "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FeedError(gettext("L'adresse doit commencer par http:// ou https://."))
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FeedError(gettext("L'adresse n'est pas valide.")) from None
        addresses = checked_addresses(parts.hostname, port)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(parts.hostname, port, addresses, timeout)
        try:
            connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                               headers=headers | {"Host": parts.netloc.rpartition("@")[2]})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status == 304:
                return Fetched(304, url=url, etag=etag, last_modified=last_modified)
            if response.status != 200:
                raise FeedError(gettext("Le serveur du fichier a répondu « %(status)s %(reason)s ».",
                                        status=response.status, reason=response.reason))
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > MAX_FILE_BYTES:
                raise _too_big()
            body = bytearray()
            while chunk := response.read(CHUNK):
                body += chunk
                if len(body) > MAX_FILE_BYTES:
                    raise _too_big()
                if time.monotonic() > deadline:
                    raise _too_slow(timeout)
            return Fetched(200, bytes(body), url, response.getheader("ETag"), response.getheader("Last-Modified"),
                           response.getheader("Content-Type") or "")
        except TimeoutError:
            raise _too_slow(timeout) from None
        except (OSError, http.client.HTTPException) as error:
            raise FeedError(gettext("Le fichier n'a pas pu être lu (%(error)s).", error=type(error).__name__)) from None
        finally:
            connection.close()
    raise FeedError(gettext("Trop de redirections (plus de %(n)s).", n=MAX_REDIRECTS))


def _too_big() -> FeedError:
    return FeedError(gettext("Le fichier dépasse 20 Mo : découpez-le en plusieurs fichiers."))


def _too_slow(seconds: int) -> FeedError:
    return FeedError(gettext("Le serveur du fichier n'a pas répondu en %(seconds)s secondes.", seconds=seconds))


# --- Reading what was fetched ---


def read_feed(fetched: Fetched) -> product_import.Table:
    """The table of a fetched feed: a Merchant Center XML feed, else a spreadsheet (its kind told
    by the URL or the content type, as Google Sheets' `output=tsv`)."""
    start = fetched.content.lstrip()[:200].lower()
    served_as_page = "text/html" in fetched.content_type.lower() and not start.startswith((b"<?xml", b"<rss", b"<feed"))
    if start[:1] == b"<" and (served_as_page or start.startswith((b"<!doctype html", b"<html"))):
        raise ImportFileError(gettext("Cette adresse donne une page web, pas un tableur ni un flux de produits : "
                                      "donnez l'adresse du fichier lui-même (CSV, Excel ou flux XML)."))
    if start[:1] == b"<":
        return _merchant_xml(fetched.content)
    url, content_type = fetched.url.lower(), fetched.content_type.lower()
    if "tab-separated" in content_type or url.split("?")[0].endswith(".tsv") or "output=tsv" in url:
        filename = "feed.tsv"
    elif "spreadsheetml" in content_type or "output=xlsx" in url or url.split("?")[0].endswith(".xlsx"):
        filename = "feed.xlsx"
    else:
        filename = "feed.csv"
    return product_import.read_table(fetched.content, filename)


def _merchant_xml(content: bytes) -> product_import.Table:
    """RSS 2.0 items (or Atom entries) with their g: fields, as a table: one column per field name."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        raise ImportFileError(gettext("Ce fichier XML est illisible.")) from None
    headers: list[str] = []
    items = []
    for item in root.iter("item", "{http://www.w3.org/2005/Atom}entry"):
        values = {}
        for child in item:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if name not in values:
                values[name] = (child.text or "").strip()
                if name not in headers:
                    headers.append(name)
        items.append(values)
    if not items:
        raise ImportFileError(gettext("Aucun produit (<item>) dans ce flux XML."))
    return product_import.Table(headers=headers, header_line=1,
                                rows=[(number, [values.get(h, "") for h in headers])
                                      for number, values in enumerate(items, start=2)])


@dataclass
class Preview:
    format: str
    mapping: dict
    table: product_import.Table
    plan: product_import.ImportPlan


def read_columns(feed: CatalogueFeed, table: product_import.Table) -> None:
    """The feed's format and mapping for this reading: the columns the shop chose (found by their
    headers), else the known export's or the usual headers' (found by their names at every run: a
    column moved or added in the sheet does not shift the others). Raises ColumnsNeeded when
    they give no name or price, or a chosen column is gone."""
    if feed.column_choice:
        feed.format, feed.mapping = "chosen", product_import.apply_column_choice(feed.column_choice, table.headers)
    else:
        feed.format, feed.mapping = product_import.detect_format(table.headers)
    problems = product_import.mapping_errors(feed.mapping)
    if problems:
        raise product_import.ColumnsNeeded(" ".join(problems))


def preview(feed: CatalogueFeed) -> Preview:
    """The first reading, shown before the shop confirms the feed: nothing is written. Saves the
    format and mapping on the (draft) feed. Raises FeedError or ImportFileError (ColumnsNeeded
    when the shop must say which column holds what)."""
    table = read_feed(fetch(feed.url))
    try:
        read_columns(feed, table)
    finally:
        db.session.commit()
    plan = product_import.check_import(table, feed.mapping, db.session.get(Shop, feed.shop_id))
    return Preview(feed.format, feed.mapping, table, plan)


def fetch_table(feed: CatalogueFeed) -> product_import.Table:
    """The feed's file as it is now, for the column-mapping screen. Raises FeedError or ImportFileError."""
    return read_feed(fetch(feed.url))


def choose_columns(feed: CatalogueFeed, table: product_import.Table, mapping: dict[str, int | None]) -> None:
    """The shop's answer on the column-mapping screen, used by every next run with no question.
    The next run reads the file again even if it did not change; an active feed runs at once."""
    feed.column_choice = product_import.column_choice(table.headers, mapping)
    feed.format, feed.mapping = "chosen", mapping
    feed.etag = feed.last_modified = feed.content_hash = None
    db.session.commit()
    if feed.status == "active":
        queue_run(feed)


# --- Runs ---


def claim(feed_id: int) -> bool:
    """Take the feed for one run (committed); False if another run holds it."""
    now = utcnow()
    claimed = db.session.execute(update(CatalogueFeed).where(
        CatalogueFeed.id == feed_id,
        or_(CatalogueFeed.running_since.is_(None), CatalogueFeed.running_since < now - STALE_CLAIM),
    ).values(running_since=now))
    db.session.commit()
    return claimed.rowcount == 1


def queue_run(feed: CatalogueFeed) -> None:
    jobs.enqueue(run_feed, feed.id, job_id=f"feed-{feed.id}")


def queue_due() -> int:
    """The periodic job: queue a run of every active feed whose time has come."""
    due = db.session.scalars(select(CatalogueFeed.id).where(
        CatalogueFeed.status == "active", CatalogueFeed.interval_minutes > 0, CatalogueFeed.next_run_at <= utcnow(),
        CatalogueFeed.running_since.is_(None))).all()
    for feed_id in due:
        jobs.enqueue(run_feed, feed_id, job_id=f"feed-{feed_id}")
    return len(due)


def run_feed(feed_id: int) -> CatalogueFeedRun | None:
    """The job: read the feed, write what changed with the run's record in one transaction, and
    release the claim. None when another run holds the feed or the feed is gone."""
    if not claim(feed_id):
        return None
    feed = db.session.get(CatalogueFeed, feed_id)
    if feed is None:
        return None
    started, photos = utcnow(), []
    try:
        run, photos = _run(feed, started)
    except OperationalError:
        db.session.rollback()
        _release(feed_id)
        raise
    except Exception as error:  # any other failure is the feed's, shown to the shop
        db.session.rollback()
        if not isinstance(error, FeedError | ImportFileError):
            log.exception("catalogue feed %s failed", feed_id)
        message = str(error) if isinstance(error, FeedError | ImportFileError) else gettext(
            "Erreur inattendue pendant la mise à jour : rien n'a été modifié.")
        feed = db.session.get(CatalogueFeed, feed_id)
        # counts["columns"]: the columns must be chosen again, the page and the e-mail link there.
        run = CatalogueFeedRun(feed_id=feed_id, started_at=started, finished_at=utcnow(), status="failed",
                               error=message[:500], counts={"columns": isinstance(error, product_import.ColumnsNeeded)})
        db.session.add(run)
        _finish(feed, message, columns=isinstance(error, product_import.ColumnsNeeded))
        db.session.commit()
        return run
    db.session.commit()
    if photos:
        _attach_photos(feed, run, photos)
    return run


def _attach_photos(feed: CatalogueFeed, run: CatalogueFeedRun, wanted: list) -> None:
    """After the run is written (a slow photo server holds no transaction open): the photos of
    the products that have none. Those left for lack of time make the next run read the file
    again, even unchanged."""
    added, problems, left = product_import.attach_photos(wanted)
    run.counts = run.counts | {"photos": added}
    run.errors = (run.errors or []) + [error | {"warning": True} for error in product_import.stored_errors(problems)]
    if left:
        feed.content_hash = feed.etag = feed.last_modified = None
    db.session.commit()


def _run(feed: CatalogueFeed, started) -> tuple[CatalogueFeedRun, list]:
    """The run's record and the photos its products want (product_import.photos_wanted)."""
    shop = db.session.get(Shop, feed.shop_id)
    fetched = fetch(feed.url, feed.etag, feed.last_modified)
    digest = hashlib.sha256(fetched.content).hexdigest() if fetched.status == 200 else None
    if fetched.status == 304 or digest == feed.content_hash:
        feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
        run = CatalogueFeedRun(feed_id=feed.id, started_at=started, finished_at=utcnow(), status="unchanged",
                               counts={})
        db.session.add(run)
        _finish(feed, None)
        return run, []
    table = read_feed(fetched)
    read_columns(feed, table)
    plan = product_import.check_import(table, feed.mapping, shop)
    counts = product_import._write(plan, shop)
    db.session.flush()
    seen = {line.product.id for line in plan.lines}
    kept = _refused_products(table, feed.mapping, plan, shop)  # a refused line does not take it offline
    gone = set(feed.product_ids or []) - seen - kept
    counts["offline"] = db.session.execute(update(Product).where(
        Product.id.in_(gone), Product.shop_id == shop.id, Product.active.is_(True)).values(active=False)
    ).rowcount if gone else 0
    back = seen & set(feed.offline_ids or [])  # it took them offline: back in the feed, back online
    if back and feed.mapping.get("active") is None:
        db.session.execute(update(Product).where(Product.id.in_(back), Product.hidden_by_admin_at.is_(None))
                           .values(active=True))
    enqueue_products(db.session, gone | back)  # bulk updates: the search index hears of them here
    feed.offline_ids = sorted((set(feed.offline_ids or []) - seen) | gone)
    counts["refused"] = plan.error_lines
    feed.etag, feed.last_modified, feed.content_hash = fetched.etag, fetched.last_modified, digest
    feed.product_ids = sorted(seen | (kept & set(feed.product_ids or [])))
    errors = product_import.stored_errors(plan.errors)
    run = CatalogueFeedRun(feed_id=feed.id, started_at=started, finished_at=utcnow(), status="done",
                           counts=counts, errors=errors)
    db.session.add(run)
    problem = ngettext("%(num)s ligne refusée.", "%(num)s lignes refusées.", plan.error_lines) if plan.errors else None
    _finish(feed, problem, refused=errors)
    return run, product_import.photos_wanted(plan)


def _refused_products(table, mapping, plan, shop) -> set[int]:
    lines = {error.line for error in plan.errors}
    skus, names = set(), set()
    for number, cells in table.rows:
        if number in lines:
            for field, bucket in (("sku", skus), ("name", names)):
                index = mapping.get(field)
                if index is not None and index < len(cells) and cells[index].strip():
                    bucket.add(cells[index].strip())
    if not skus and not names:
        return set()
    return set(db.session.scalars(select(Product.id).where(
        Product.shop_id == shop.id, or_(Product.sku.in_(skus), Product.name.in_(names)))))


def _finish(feed: CatalogueFeed, problem: str | None, refused: list | None = None, columns: bool = False) -> None:
    """Release the claim, plan the next run (none for a feed read on demand only), keep the last
    runs, and e-mail the shop about a problem unless it is the same as the last one e-mailed."""
    feed.running_since = None
    feed.next_run_at = next_run(feed.interval_minutes)
    db.session.flush()
    old = db.session.scalars(select(CatalogueFeedRun.id).where(CatalogueFeedRun.feed_id == feed.id)
                             .order_by(CatalogueFeedRun.id.desc()).offset(RUNS_KEPT)).all()
    if old:
        db.session.execute(delete(CatalogueFeedRun).where(CatalogueFeedRun.id.in_(old)))
    signature = None if problem is None else (problem + repr(refused or ""))[:500]
    if signature is not None and signature != feed.last_notified_error:
        _notify(feed, problem, refused or [], columns)
    feed.last_notified_error = signature


def _release(feed_id: int) -> None:
    db.session.execute(update(CatalogueFeed).where(CatalogueFeed.id == feed_id).values(running_since=None))
    db.session.commit()


def _notify(feed: CatalogueFeed, problem: str, refused: list, columns: bool = False) -> None:
    from marketplace.urls import public_url_for

    shop = db.session.get(Shop, feed.shop_id)
    lines = "\n".join(f"- {e['line']} · {e['field']} : {e['message']}" for e in refused[:20])
    link = public_url_for("shop_feeds.feed_columns" if columns else "shop_feeds.feed", shop_id=shop.id,
                          feed_id=feed.id)
    body = lazy_gettext("Bonjour,\n\nLa mise à jour du catalogue de %(shop)s depuis %(url)s : %(problem)s\n\n"
                        "%(lines)s\n\nLe détail : %(link)s\n\nHalle", shop=shop.name, url=feed.url, problem=problem,
                        lines=lines, link=link)
    subject = lazy_gettext("Catalogue de %(shop)s : la mise à jour demande votre attention", shop=shop.name)
    emails = db.session.scalars(select(ShopMember).where(ShopMember.shop_id == shop.id,
                                                         ShopMember.role == "owner")).all()
    for member in emails:
        mail.send_mail(member.user.email, subject, body)


# --- The shop's actions ---


def shop_feeds(shop_id: int) -> list[tuple[CatalogueFeed, CatalogueFeedRun | None]]:
    """The shop's feeds, each with its last run (the catalogue page and the feeds page show them)."""
    feeds = db.session.scalars(select(CatalogueFeed).where(CatalogueFeed.shop_id == shop_id)
                               .order_by(CatalogueFeed.id)).all()
    return [(feed, db.session.scalar(select(CatalogueFeedRun).where(CatalogueFeedRun.feed_id == feed.id)
                                     .order_by(CatalogueFeedRun.id.desc()).limit(1))) for feed in feeds]


def _new_feed_url(shop: Shop, url: str) -> str:
    """The address of a feed the shop may add (http or https; at most MAX_FEEDS_PER_SHOP), stripped."""
    url = (url or "").strip()
    if urlsplit(url).scheme not in ("http", "https") or len(url) > 2000:
        raise FeedError(gettext("L'adresse doit commencer par http:// ou https://."))
    count = db.session.scalar(select(func.count()).select_from(CatalogueFeed).where(CatalogueFeed.shop_id == shop.id))
    if count >= MAX_FEEDS_PER_SHOP:
        raise FeedError(gettext("%(n)s flux au plus par commerce : supprimez-en un d'abord.", n=MAX_FEEDS_PER_SHOP))
    return url


def add_read_feed(shop: Shop, url: str, user_id: int | None) -> CatalogueFeed:
    """The shop's form: the file is read once first, and a draft is added only when it reads as a
    table (its columns are looked at next). An unreachable address, or a file that is not a table,
    raises FeedError and adds nothing: no draft is left with nothing to confirm."""
    url = _new_feed_url(shop, url)
    try:
        read_feed(fetch(url))
    except ImportFileError as error:
        raise FeedError(str(error)) from None
    return add_feed(shop, url, user_id)


def add_feed(shop: Shop, url: str, user_id: int | None) -> CatalogueFeed:
    """A draft feed (its first reading is shown before it runs); at most MAX_FEEDS_PER_SHOP."""
    url = _new_feed_url(shop, url)
    feed = CatalogueFeed(shop_id=shop.id, url=url, status="draft", created_by_id=user_id,
                         interval_minutes=current_app.config["FEEDS_INTERVAL_MINUTES"])
    db.session.add(feed)
    db.session.commit()
    return feed


def activate(feed: CatalogueFeed) -> None:
    """Confirmed (or resumed): runs from now on, the first one at once."""
    feed.status, feed.next_run_at = "active", utcnow()
    db.session.commit()
    queue_run(feed)


def next_run(interval_minutes: int, after=None):
    """When the schedule reads a feed next: `interval_minutes` after `after` (now by default);
    None for a feed read on demand only."""
    return (after or utcnow()) + timedelta(minutes=interval_minutes) if interval_minutes else None


def interval_label(minutes: int) -> str:
    return str(INTERVALS[minutes]) if minutes in INTERVALS else gettext("toutes les %(n)s minutes", n=minutes)


def set_interval(feed: CatalogueFeed, minutes: int) -> None:
    """The shop's choice of how often its feed is read; the next reading counts from the last one."""
    if minutes not in INTERVALS:
        raise FeedError(gettext("Choisissez une fréquence de lecture dans la liste."))
    last = db.session.scalar(select(CatalogueFeedRun.started_at).where(CatalogueFeedRun.feed_id == feed.id)
                             .order_by(CatalogueFeedRun.id.desc()).limit(1))
    feed.interval_minutes = minutes
    feed.next_run_at = next_run(minutes, last)
    db.session.commit()


def pause(feed: CatalogueFeed) -> None:
    feed.status = "paused"
    db.session.commit()


def delete_feed(feed: CatalogueFeed) -> None:
    """The feed and its runs go; its products stay as they are."""
    db.session.execute(delete(CatalogueFeedRun).where(CatalogueFeedRun.feed_id == feed.id))
    db.session.delete(feed)
    db.session.commit()
