"""Spreadsheet import and export of a shop's catalogue.

The import reads the file people already have (a French Excel CSV export: `;`, decimal comma,
cp1252 or UTF-8 with BOM; or an .xlsx, merged header cells included), finds the header line,
proposes which column holds what from the usual French headers, checks every line and reports
each problem with its line number; once confirmed, a background job writes all the valid lines
in one transaction (or none).
A line whose reference (SKU) is known updates that product; a line without a reference updates
the product without reference that has exactly that name. Only changed values are written, so
importing a fresh export changes nothing.
The rules the uploads and the catalogue feeds (marketplace/feeds.py) share live here: the e-shops'
export formats (FORMATS; a Shopify export's variant lines merged), the column-mapping screen's
choice (kept by header, per feed and per shop), the photos fetched from the addresses a file gives.
"""
import hashlib
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import force_locale, gettext
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from marketplace import exports, jobs
from marketplace.catalogue import InvalidValue, normalize_ean, parse_price, parse_stock
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.models import Category, PendingUpload, Product, ProductImage, Shop, ShopCategoryAlias
from marketplace.models.base import utcnow
from marketplace.models.catalogue_sources import ShopColumnMapping
from marketplace.spreadsheets import ImportFileError, column_letter, read_rows
from marketplace.territory import fold
from search import analyze_catalogue
from search.analysis import folded_words, stem
from search.models import SynonymGroup

log = logging.getLogger(__name__)

# The product fields a column can feed, in display order, with their label (French, the export's header).
FIELDS = {
    "sku": lazy_gettext("Référence"),
    "name": lazy_gettext("Désignation"),
    "category": lazy_gettext("Catégorie"),
    "price": lazy_gettext("Prix TTC"),
    "unit": lazy_gettext("Unité"),
    "stock": lazy_gettext("Stock"),
    "ean": lazy_gettext("Code-barres EAN"),
    "description": lazy_gettext("Description"),
    "active": lazy_gettext("En ligne"),
    "image": lazy_gettext("Photo"),  # the address of a photo, fetched for a product that has none
}
EXPORT_FIELDS = tuple(name for name in FIELDS if name != "image")  # an export holds no photo address
# What the column-mapping screen asks of each column: "Cette colonne contient : Nom / Prix / …".
COLUMN_CONTENTS = {
    "name": lazy_gettext("Nom"),
    "price": lazy_gettext("Prix"),
    "sku": lazy_gettext("Référence"),
    "ean": lazy_gettext("Code-barres"),
    "stock": lazy_gettext("Stock"),
    "category": lazy_gettext("Catégorie"),
    "description": lazy_gettext("Description"),
    "unit": lazy_gettext("Unité"),
    "image": lazy_gettext("Photo"),
    "active": lazy_gettext("En ligne"),
}
REQUIRED_FIELDS = ("name", "price")
# Folded header texts, best first. Exact matches are tried for every field before partial ones.
HEADER_SYNONYMS = {
    "sku": ("reference", "ref", "ref.", "code article", "ref article", "reference article", "code", "sku",
            "code produit", "ref produit"),
    "ean": ("ean", "ean13", "ean 13", "code barre", "code barres", "code-barre", "code-barres", "gencod",
            "gencode", "code ean"),
    "price": ("prix ttc", "prix de vente ttc", "pu ttc", "prix", "pu", "prix unitaire", "prix vente", "tarif",
              "prix de vente", "price"),
    "stock": ("stock", "quantite", "qte", "qte.", "quantite en stock", "stock disponible", "qty"),
    "category": ("categorie", "famille", "rayon", "sous-famille", "type"),
    "unit": ("unite", "unite de vente", "conditionnement", "u.v."),
    "description": ("description", "descriptif", "detail", "details", "commentaire"),
    "active": ("en ligne", "actif", "active", "visible", "publie"),
    "name": ("designation", "libelle", "article", "nom", "produit", "nom du produit", "intitule",
             "libelle article", "designation article"),
    "image": ("photo", "image", "images", "url photo", "lien photo", "url image", "lien image", "image link",
              "image_link", "photo url"),
}
NOT_A_SALE_PRICE = ("ht", "achat", "revient", "marge", "tva")
# Also the e-shops' words: Merchant Center's availability, WooCommerce's -1 (private).
TRUE_WORDS = {"oui", "o", "x", "1", "vrai", "true", "yes", "en ligne", "actif", "active", "in stock", "in_stock",
              "en stock", "preorder", "backorder", "publish"}
FALSE_WORDS = {"non", "n", "0", "faux", "false", "no", "hors ligne", "inactif", "retire", "retiree", "-1",
               "out of stock", "out_of_stock", "rupture", "draft"}
PREVIEW_LINES = 10
HEADER_SEARCH_LINES = 20
MAX_ERRORS_SHOWN = 200


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number as the spreadsheet shows it, cells)
    header_line: int


# --- Reading the file ---


def read_table(data: bytes, filename: str) -> Table:
    """The header and the data lines of a CSV or XLSX file (marketplace/spreadsheets.py reads it,
    within its limits), a Shopify export's variant lines merged (merge_shopify_variants). Raises
    ImportFileError."""
    rows = read_rows(data, filename)
    header_index = _find_header(rows)
    if header_index is None:
        raise ImportFileError(gettext("Aucune ligne de données dans ce fichier."))
    headers = rows[header_index]
    width = max(len(headers), max((len(r) for r in rows[header_index + 1:]), default=0))
    headers = headers + [""] * (width - len(headers))
    data_rows = [(number + 1, row + [""] * (width - len(row)))
                 for number, row in enumerate(rows) if number > header_index]
    return merge_shopify_variants(Table(headers=headers, rows=data_rows, header_line=header_index + 1))


# --- The e-shops' exports ---

# Known export formats: the columns that recognise one, then each field's column (alternatives).
FORMATS = {
    "shopify": ({"handle", "variant price"}, {
        "name": ("title",), "sku": ("variant sku",), "price": ("variant price",),
        "stock": ("variant inventory qty",), "ean": ("variant barcode",), "description": ("body (html)",),
        "active": ("published",), "category": ("type", "product category"), "image": ("image src",)}),
    "woocommerce": ({"regular price", "published", "sku"}, {
        "name": ("name",), "sku": ("sku",), "price": ("regular price",), "stock": ("stock",),
        "category": ("categories",), "description": ("short description", "description"),
        "active": ("published",), "ean": ("gtin, upc, ean, or isbn", "ean"), "image": ("images",)}),
    "prestashop": ({"active (0/1)"}, {
        "name": ("name", "nom"), "sku": ("reference #", "reference"), "price": ("price tax included",
                                                                                 "prix ttc"),
        "stock": ("quantity", "quantite"), "category": ("categories (x,y,z...)", "categories"),
        "ean": ("ean13",), "description": ("short description", "description"), "active": ("active (0/1)",),
        "image": ("image urls (x,y,z...)", "image urls")}),
    "google_merchant": ({"id", "title", "price", "availability"}, {
        "sku": ("id",), "name": ("title",), "price": ("price",), "active": ("availability",), "ean": ("gtin",),
        "category": ("product_type", "product type"), "description": ("description",),
        "image": ("image_link", "image link")}),
}
FORMAT_LABELS = {
    "shopify": lazy_gettext("Export produits Shopify"),
    "woocommerce": lazy_gettext("Export produits WooCommerce"),
    "prestashop": lazy_gettext("Export produits PrestaShop"),
    "google_merchant": lazy_gettext("Flux Google Merchant Center"),
    "spreadsheet": lazy_gettext("Tableur (colonnes reconnues par leur nom)"),
    "chosen": lazy_gettext("Tableur (colonnes choisies par le commerce)"),
}


def detect_format(headers: list[str]) -> tuple[str, dict[str, int | None]]:
    """The known export whose columns these are, and its mapping; else ("spreadsheet", the
    mapping guessed from French headers)."""
    folded = [fold(h).strip() for h in headers]
    for name, (signature, fields) in FORMATS.items():
        if signature <= set(folded):
            mapping = {field: next((folded.index(c) for c in columns if c in folded), None)
                       for field, columns in fields.items()}
            return name, {field: mapping.get(field) for field in FIELDS}
    return "spreadsheet", propose_mapping(headers)


SHOPIFY_OPTIONS = ("option1 value", "option2 value", "option3 value")
SHOPIFY_DEFAULT_OPTION = "default title"  # Shopify's option value for a product without variants
SHOPIFY_VARIANT_MARKS = ("variant price", "variant sku") + SHOPIFY_OPTIONS


def merge_shopify_variants(table: Table) -> Table:
    """A Shopify product CSV has one line per variant: the first line of a product holds its
    title, description, vendor, type and image; the next ones repeat only the Handle with the
    variant's columns. Each variant becomes a product of its own, "T-shirt – Rouge / M", with its
    SKU (Variant SKU, else the handle and option values), price, barcode and stock, and the
    product's columns of the first line. A line with only the Handle and an Image Src (Shopify
    lists a product's other photos so) is no product: its image is the product's if it has none.
    Other tables are returned as they are."""
    folded = [fold(h).strip() for h in table.headers]
    if not FORMATS["shopify"][0] <= set(folded) or "title" not in folded:
        return table
    column = {name: folded.index(name) for name in folded if name}
    headers, rows = list(table.headers), [(number, list(cells)) for number, cells in table.rows]
    if "variant sku" not in column:  # the variants' own SKUs go in a column of their own
        headers.append("Variant SKU")
        column["variant sku"] = len(headers) - 1
        for _number, cells in rows:
            cells.append("")
    handle, title, sku, image = column["handle"], column["title"], column["variant sku"], column.get("image src")
    variant_columns = {index for name, index in column.items()
                       if name.startswith("variant ") or name in SHOPIFY_OPTIONS}
    options = [column[name] for name in SHOPIFY_OPTIONS if name in column]
    marks = [column[name] for name in SHOPIFY_VARIANT_MARKS if name in column]
    products: dict[str, tuple[list[str], list[list[str]]]] = {}  # handle: (first line as read, variants)
    merged = []
    for number, cells in rows:
        key = cells[handle].strip()
        if not key:
            merged.append((number, cells))
            continue
        first, variants = products.setdefault(key, (list(cells), []))
        if variants and not any(cells[index].strip() for index in marks):  # an image line
            if image is not None and cells[image].strip() and not first[image].strip():
                first[image] = cells[image].strip()
                for variant in variants:
                    variant[image] = variant[image] or first[image]
            continue
        if variants:  # a variant line: the product's columns from its first line
            for index, text in enumerate(first):
                if index not in variant_columns and index != image and not cells[index].strip():
                    cells[index] = text
        if image is not None:
            variant_image = column.get("variant image")
            cells[image] = (variant_image is not None and cells[variant_image].strip()) or first[image].strip()
        values = [cells[index].strip() for index in options
                  if cells[index].strip() and fold(cells[index]) != SHOPIFY_DEFAULT_OPTION]
        if values:
            cells[title] = f"{first[title].strip()} – {' / '.join(values)}"
        if not cells[sku].strip():
            cells[sku] = _variant_sku(key, values)
        variants.append(cells)
        merged.append((number, cells))
    return Table(headers=headers, rows=merged, header_line=table.header_line)


def _variant_sku(handle: str, values: list[str]) -> str:
    """The handle and the option values ("t-shirt-rouge-m"), at most 60 characters."""
    text = "-".join([handle] + [fold(v).replace(" ", "-") for v in values])
    if len(text) <= 60:
        return text
    return text[:49] + "-" + hashlib.sha1(text.encode()).hexdigest()[:10]


def _find_header(rows: list[list[str]]) -> int | None:
    """The line, among the first ones, whose cells name the most known fields."""
    best, best_matches = None, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_LINES]):
        matches = sum(1 for index in propose_mapping(row).values() if index is not None)
        if matches > best_matches:
            best, best_matches = index, matches
    if best is not None and best_matches >= 2:
        return best
    return next((i for i, row in enumerate(rows) if any(row)), None)


def propose_mapping(headers: list[str]) -> dict[str, int | None]:
    """Which column (index) holds each field, guessed from the header texts."""
    folded = [fold(h).strip(" :*") for h in headers]
    mapping: dict[str, int | None] = {name: None for name in FIELDS}
    used: set[int] = set()

    def take(field_name: str, index: int) -> None:
        mapping[field_name] = index
        used.add(index)

    for field_name, synonyms in HEADER_SYNONYMS.items():
        for synonym in synonyms:
            index = next((i for i, h in enumerate(folded) if h == synonym and i not in used), None)
            if index is not None:
                take(field_name, index)
                break
    for field_name, synonyms in HEADER_SYNONYMS.items():
        if mapping[field_name] is not None:
            continue
        for i, header in enumerate(folded):
            words = set(re.split(r"[^a-z0-9]+", header))
            if i in used or not header:
                continue
            if field_name == "price" and words & set(NOT_A_SALE_PRICE):
                continue
            if any(header.startswith(s) or set(s.split()) <= words for s in synonyms if len(s) > 2):
                take(field_name, i)
                break
    return mapping


# --- Checking the lines ---


@dataclass
class LineError:
    line: int
    field: str  # the field's label (FIELDS, in the reader's language), or "" for the whole line
    message: str


def stored_errors(errors: list[LineError]) -> list[dict]:
    """Line errors as stored with a finished import or a feed's run (the first MAX_ERRORS_SHOWN)."""
    return [{"line": e.line, "field": str(e.field), "message": e.message} for e in errors[:MAX_ERRORS_SHOWN]]


@dataclass
class PlannedLine:
    line: int
    values: dict  # Product column -> value, for the mapped fields only
    product: Product | None = None  # the existing product it updates
    changes: dict = field(default_factory=dict)
    photo_url: str = ""  # a photo for the product, fetched if it has none (attach_photos)


@dataclass
class ImportPlan:
    lines: list[PlannedLine]
    errors: list[LineError]
    warnings: list[LineError]
    skipped: int  # blank and total lines
    unknown_categories: list[str] = field(default_factory=list)  # texts no category matched, in file order

    @property
    def creations(self) -> int:
        return sum(1 for line in self.lines if line.product is None)

    @property
    def updates(self) -> int:
        return sum(1 for line in self.lines if line.product is not None and line.changes)

    @property
    def unchanged(self) -> int:
        return sum(1 for line in self.lines if line.product is not None and not line.changes)

    @property
    def error_lines(self) -> int:
        return len({error.line for error in self.errors})


_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_BLOCKS = ("p", "div", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "ul", "ol", "table")


def plain_text(text: str) -> str:
    """An e-shop's HTML description (Shopify's Body (HTML), WooCommerce's) as the plain text a
    product's description holds: tags dropped, entities read, one line per paragraph or item.
    Text without tags is returned as it is."""
    if not _HTML_TAG.search(text):
        return text
    from lxml import etree, html

    try:
        root = html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return _HTML_TAG.sub(" ", text).strip()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    etree.strip_elements(root, "script", "style", with_tail=False)
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def _photo_url(text: str) -> str:
    """The first http(s) address of a cell (WooCommerce and PrestaShop list several, comma-separated)."""
    first = re.split(r"[\s,]+", text.strip())[0]
    parts = urlsplit(first)
    return first if parts.scheme in ("http", "https") and parts.netloc and len(first) <= 2000 else ""


def mapping_errors(mapping: dict[str, int | None]) -> list[str]:
    messages = [gettext("Indiquez la colonne « %(field)s ».", field=FIELDS[name])
                for name in REQUIRED_FIELDS if mapping.get(name) is None]
    chosen = [index for index in mapping.values() if index is not None]
    if len(chosen) != len(set(chosen)):
        messages.append(gettext("Une même colonne est choisie pour deux champs."))
    return messages


class ColumnsNeeded(ImportFileError):
    """The file's columns do not give a name and a price (or no longer the ones the shop chose):
    the shop is sent to the column-mapping screen."""


# --- The column-mapping screen: what each column holds, chosen by the shop and kept ---

SAMPLE_VALUES = 3


def column_samples(table: Table, count: int = SAMPLE_VALUES) -> list[list[str]]:
    """For each column, its first `count` different values (shortened), shown beside its select."""
    samples: list[list[str]] = [[] for _ in table.headers]
    for _number, cells in table.rows:
        for index, text in enumerate(cells[:len(samples)]):
            text = text.strip()
            if text and len(samples[index]) < count and text[:80] not in samples[index]:
                samples[index].append(text[:80])
        if all(len(values) >= count for values in samples):
            break
    return samples


GUESS_LINES = 20
_PRICE_TEXT = re.compile(r"^\d{1,6}(?:[.,]\d{1,2})?\s*(?:€|eur)?$", re.IGNORECASE)


def guess_from_values(table: Table, mapping: dict[str, int | None]) -> dict[str, int]:
    """The name, price and barcode columns that the headers did not give, guessed from the first
    lines' values, to be proposed on the column-mapping screen (the shop confirms; nothing is
    imported on a guess): the price, the first column whose values are all amounts with cents or
    a euro sign ("4,80", "12 €") and whose header is no cost or tax; the barcode, the first whose
    values are all valid EAN codes (their check digit: a barcode brings the product's shared name
    and photo); the name, among the columns whose values all hold words, the one with the most
    different values (the leftmost of those: a description comes after the name)."""
    from stdnum import ean

    used = {index for index in mapping.values() if index is not None}
    values: list[list[str]] = [[] for _ in table.headers]
    for _number, cells in table.rows[:GUESS_LINES]:
        for index, text in enumerate(cells[:len(values)]):
            if text.strip():
                values[index].append(text.strip())
    guesses: dict[str, int] = {}
    if mapping.get("price") is None:
        for index, texts in enumerate(values):
            header_words = set(re.split(r"[^a-z0-9]+", fold(table.headers[index])))
            if (index not in used and texts and not header_words & set(NOT_A_SALE_PRICE)
                    and all(_PRICE_TEXT.match(t) for t in texts) and any(re.search(r"[.,]\d|€", t) for t in texts)):
                guesses["price"] = index
                used.add(index)
                break
    if mapping.get("ean") is None:
        index = next((i for i, texts in enumerate(values) if i not in used and texts
                      and all(len(t) in (8, 12, 13) and ean.is_valid(t) for t in texts)), None)
        if index is not None:
            guesses["ean"] = index
            used.add(index)
    if mapping.get("name") is None:
        wordy = [(len(set(texts)), -index) for index, texts in enumerate(values)
                 if index not in used and texts and all(sum(c.isalpha() for c in t) >= 3 for t in texts)]
        if wordy:
            guesses["name"] = -max(wordy)[1]
    return guesses


def guessed_note(headers: list[str], guesses: dict[str, int]) -> str:
    """What the screen says of its guesses, in the reader's language."""
    if not guesses:
        return ""
    columns = ", ".join(gettext("colonne %(column)s : %(content)s", column=column_name(headers, index),
                                content=COLUMN_CONTENTS[name]) for name, index in sorted(guesses.items(),
                                                                                         key=lambda g: g[1]))
    return gettext("Proposé d'après les valeurs du fichier (%(columns)s) : vérifiez, puis enregistrez.",
                   columns=columns)


def column_name(headers: list[str], index: int) -> str:
    """"B · Prix boutique", or "B" for a column without a header."""
    header = headers[index].strip() if index < len(headers) else ""
    return f"{column_letter(index)} · {header}" if header else column_letter(index)


def mapping_from_columns(contents: dict[int, str]) -> tuple[dict[str, int | None], list[str]]:
    """The mapping from the screen's answers ({column index: field name, or "" to ignore it}) and
    what is wrong with them, in the reader's language (empty when it can be used)."""
    chosen: dict[str, list[int]] = {}
    for index, name in sorted(contents.items()):
        if name in FIELDS:
            chosen.setdefault(name, []).append(index)
    problems = [gettext("Aucune colonne n'est marquée « %(field)s » : choisissez celle qui le contient.",
                        field=COLUMN_CONTENTS[name]) for name in REQUIRED_FIELDS if name not in chosen]
    problems += [gettext("Les colonnes %(columns)s sont toutes marquées « %(field)s » : gardez-en une seule.",
                         columns=", ".join(column_letter(i) for i in indexes), field=COLUMN_CONTENTS[name])
                 for name, indexes in chosen.items() if len(indexes) > 1]
    return {name: chosen[name][0] if name in chosen else None for name in FIELDS}, problems


def column_choice(headers: list[str], mapping: dict[str, int | None]) -> dict:
    """The mapping as it is kept: each field's column by its header (and position), so that a later
    file whose columns moved is still read right. {field: {"header": text, "index": n}}"""
    return {name: {"header": headers[index], "index": index} for name, index in mapping.items()
            if index is not None and index < len(headers)}


def apply_column_choice(choice: dict, headers: list[str]) -> dict[str, int | None]:
    """The kept choice applied to a file's headers: each column found by its header (the same
    position first, when two have it). Raises ColumnsNeeded naming any column no longer there."""
    folded = [fold(h).strip() for h in headers]
    mapping: dict[str, int | None] = {name: None for name in FIELDS}
    missing = []
    for name, column in choice.items():
        if name not in FIELDS:
            continue
        key, index = fold(column.get("header", "")).strip(), column.get("index")
        if key:
            found = [i for i, header in enumerate(folded) if header == key]
            mapping[name] = index if index in found else (found[0] if found else None)
        else:  # a column without a header: by its position only, if it still has none
            mapping[name] = index if isinstance(index, int) and index < len(folded) and not folded[index] else None
        if mapping[name] is None:
            missing.append(gettext("La colonne « %(column)s » (%(field)s) n'est plus dans le fichier.",
                                   column=column.get("header") or column_letter_of(index),
                                   field=COLUMN_CONTENTS[name]))
    if missing:
        raise ColumnsNeeded(" ".join(missing) + " " + gettext("Choisissez à nouveau ses colonnes."))
    return mapping


def column_letter_of(index) -> str:
    return column_letter(index) if isinstance(index, int) else "?"


def headers_key(headers: list[str]) -> str:
    """What identifies "a file with the same headers" for a shop's kept choice."""
    return hashlib.sha256("\x1f".join(fold(h).strip() for h in headers).encode()).hexdigest()


def saved_mapping(shop: Shop, headers: list[str]) -> dict[str, int | None] | None:
    """The columns this shop chose for a file with these headers, None if it never did."""
    kept = db.session.scalar(db.select(ShopColumnMapping.choice).where(
        ShopColumnMapping.shop_id == shop.id, ShopColumnMapping.headers_key == headers_key(headers)))
    if kept is None:
        return None
    try:
        return apply_column_choice(kept, headers)
    except ColumnsNeeded:
        return None


def remember_mapping(shop: Shop, headers: list[str], mapping: dict[str, int | None]) -> None:
    """Keep the shop's choice for its next uploads with these headers; committed."""
    key = headers_key(headers)
    kept = db.session.scalar(db.select(ShopColumnMapping).where(ShopColumnMapping.shop_id == shop.id,
                                                                ShopColumnMapping.headers_key == key))
    if kept is None:
        db.session.add(ShopColumnMapping(shop_id=shop.id, headers_key=key, choice=column_choice(headers, mapping)))
    else:
        kept.choice = column_choice(headers, mapping)
    db.session.commit()


def upload_mapping(shop: Shop, headers: list[str]) -> dict[str, int | None]:
    """The columns of an upload, before the shop says otherwise: the ones it chose for these
    headers, else the known export's, else guessed from the headers."""
    return saved_mapping(shop, headers) or detect_format(headers)[1]


def _is_total_line(cells: list[str], name: str) -> bool:
    if name and name[0] not in "TtSs":  # the common case, without folding every cell
        return False
    folded = [fold(c) for c in cells if c]
    return bool(folded) and (fold(name).startswith(("total", "sous total")) or
                             (not name and any(c.startswith(("total", "sous total", "montant")) for c in folded)))


def _parse_bool(text: str) -> bool:
    value = fold(text)
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise InvalidValue(gettext("« %(text)s » : écrivez oui ou non.", text=text))


class _Categories:
    """Finds a taxonomy category from what a file says: the shop's own answer for that text
    (ShopCategoryAlias), a category's name or slug (or a parent's, "Alimentation > Pain"), else
    the one category whose name holds every word of the text, a word standing for its synonyms
    (search/synonyms.py): "Pâtisseries" -> "Boulangerie, pâtisserie"."""

    def __init__(self, shop: Shop):
        self.by_key = {}
        self.by_words = []  # (stems of the name, category id)
        for category in db.session.scalars(db.select(Category)):
            self.by_key.setdefault(fold(category.name), category.id)
            self.by_key.setdefault(category.slug, category.id)
            self.by_words.append((_stems(folded_words(category.name)), category.id))
        self.aliases = dict(db.session.execute(db.select(ShopCategoryAlias.text_key, ShopCategoryAlias.category_id)
                                               .where(ShopCategoryAlias.shop_id == shop.id)).all())
        self.synonyms = []
        for group in db.session.scalars(db.select(SynonymGroup)):
            expressions = [_stems(folded_words(e)) for e in group.expressions]
            self.synonyms.append([e for e in expressions if e])
        self.found: dict[str, int | None] = {}

    def find(self, text: str) -> int | None:
        if text not in self.found:
            key, last = fold(text), text.split(">")[-1].split("›")[-1]
            self.found[text] = (self.aliases.get(key) or self.by_key.get(key) or self.by_key.get(key.replace(" ", "-"))
                                or self.by_key.get(fold(last)) or self._by_words(last))
        return self.found[text]

    def _by_words(self, text: str) -> int | None:
        stems = _stems(folded_words(text))
        if not stems:
            return None
        # Each word of the text, or a synonym expression it belongs to, must be in the name.
        units = [[frozenset([s])] + [e for group in self.synonyms if frozenset([s]) in group for e in group]
                 for s in stems]
        matches = sorted((len(name), category_id) for name, category_id in self.by_words
                         if all(any(alternative <= name for alternative in unit) for unit in units))
        if not matches or (len(matches) > 1 and matches[0][0] == matches[1][0]):
            return None  # no category, or two as close: the shop chooses
        return matches[0][1]


def _stems(words: list[str]) -> frozenset[str]:
    return frozenset(s for s in (stem(w) for w in words) if s)


def category_answers(form) -> dict[str, int]:
    """The shop's answers to "which category is this text?" from a form (import review, feed
    preview): `category_text_<n>` holds the text, `category_<n>` the category id chosen."""
    answers = {}
    for key, text in form.items():
        if key.startswith("category_text_"):
            chosen = form.get(f"category_{key.removeprefix('category_text_')}", "")
            if chosen.isdigit():
                answers[text] = int(chosen)
    return answers


def remember_categories(shop: Shop, answers: dict[str, int]) -> None:
    """Keep the shop's answers ({category text as its file writes it: category id}) for its next
    imports and feed runs; committed."""
    known = {c for c in db.session.scalars(db.select(Category.id))}
    for text, category_id in answers.items():
        key = fold(text)[:200]
        if not key or category_id not in known:
            continue
        alias = db.session.scalar(db.select(ShopCategoryAlias).where(ShopCategoryAlias.shop_id == shop.id,
                                                                     ShopCategoryAlias.text_key == key))
        if alias is None:
            db.session.add(ShopCategoryAlias(shop_id=shop.id, text_key=key, category_id=category_id))
        else:
            alias.category_id = category_id
    db.session.commit()


def check_import(table: Table, mapping: dict[str, int | None], shop: Shop) -> ImportPlan:
    """Read and check every line; nothing is written."""
    categories = _Categories(shop)
    existing = db.session.scalars(db.select(Product).where(Product.shop_id == shop.id)).all()
    by_sku = {p.sku: p for p in existing if p.sku}
    without_sku: dict[str, list[Product]] = {}
    for product in sorted(existing, key=lambda p: p.id):
        if not product.sku:
            without_sku.setdefault(product.name, []).append(product)
    seen_skus: dict[str, int] = {}
    plan = ImportPlan(lines=[], errors=[], warnings=[], skipped=0)

    def cell(cells, name):
        index = mapping.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    for number, cells in table.rows:
        if not any(c.strip() for c in cells):
            plan.skipped += 1
            continue
        name = cell(cells, "name")
        if _is_total_line(cells, name):
            plan.skipped += 1
            continue
        errors_before = len(plan.errors)

        def error(field_name, message):
            plan.errors.append(LineError(number, FIELDS.get(field_name, ""), message))

        values = {}
        if not name:
            error("name", gettext("Le nom du produit est vide."))
        elif len(name) > 200:
            error("name", gettext("Le nom dépasse 200 caractères."))
        values["name"] = name
        for field_name, column, parse in (("price", "price_cents", parse_price), ("stock", "stock", parse_stock),
                                          ("ean", "ean", normalize_ean), ("active", "active", _parse_bool)):
            if mapping.get(field_name) is None:
                continue
            text = cell(cells, field_name)
            if field_name == "active" and not text:
                continue
            try:
                values[column] = parse(text)
            except InvalidValue as problem:
                if field_name == "ean":  # a wrong barcode (a shop's own code, "Q-105") costs only the barcode
                    plan.warnings.append(LineError(number, FIELDS["ean"], gettext(
                        "%(problem)s Produit importé sans code-barres.", problem=str(problem))))
                else:
                    error(field_name, str(problem))
        sku = cell(cells, "sku")
        if mapping.get("sku") is not None and sku:
            if len(sku) > 60:
                error("sku", gettext("La référence dépasse 60 caractères."))
            elif sku in seen_skus:
                error("sku", gettext("La référence « %(sku)s » est déjà à la ligne %(line)s : une seule ligne par "
                                     "référence.", sku=sku, line=seen_skus[sku]))
            else:
                seen_skus[sku] = number
            values["sku"] = sku
        photo_url = ""
        if mapping.get("image") is not None and cell(cells, "image"):
            photo_url = _photo_url(cell(cells, "image"))
            if not photo_url:
                plan.warnings.append(LineError(number, FIELDS["image"], gettext(
                    "« %(text)s » n'est pas l'adresse d'une photo (https://…) : produit importé sans photo.",
                    text=cell(cells, "image")[:100])))
        for field_name, limit in (("unit", 30), ("description", 5000)):
            if mapping.get(field_name) is not None:
                text = cell(cells, field_name)
                if field_name == "description":
                    text = plain_text(text)
                if len(text) > limit:
                    error(field_name, gettext("Le texte dépasse %(limit)s caractères.", limit=limit))
                values[field_name] = text
        if len(plan.errors) > errors_before:
            continue

        product = by_sku.get(sku) if sku else None
        if product is None and not sku and without_sku.get(name):
            product = without_sku[name].pop(0)
        category_text = cell(cells, "category")
        if category_text:
            category_id = categories.find(category_text)
            if category_id is None:
                if category_text not in plan.unknown_categories:
                    plan.unknown_categories.append(category_text)
                unknown = (gettext("Catégorie « %(category)s » inconnue du territoire : le produit garde sa "
                                   "catégorie actuelle.", category=category_text) if product else
                           gettext("Catégorie « %(category)s » inconnue du territoire : le produit est rangé dans "
                                   "celle du commerce (%(shop_category)s).", category=category_text,
                                   shop_category=shop.category.name))
                plan.warnings.append(LineError(number, FIELDS["category"], unknown))
            else:
                values["category_id"] = category_id
        line = PlannedLine(number, values, product, photo_url=photo_url)
        if product is not None:
            line.changes = {k: v for k, v in values.items() if getattr(product, k) != v
                            and not (k == "active" and v and product.hidden_by_admin)}  # territory's hiding holds
        plan.lines.append(line)
    return plan


def apply_import(plan: ImportPlan, shop: Shop) -> dict[str, int]:
    """Write every planned line in one transaction: all of them, or (on any failure) none."""
    try:
        counts = _write(plan, shop)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts


def _write(plan: ImportPlan, shop: Shop) -> dict[str, int]:
    """The planned lines into the session (not committed); returns the counts. Each line's
    `product` is then the product written, created ones included."""
    counts = {"created": plan.creations, "updated": plan.updates, "unchanged": plan.unchanged}
    for line in plan.lines:
        if line.product is None:
            defaults = {"category_id": shop.category_id, "description": "", "unit": "", "active": True}
            line.product = Product(shop_id=shop.id, **(defaults | line.values))  # a feed needs its id
            db.session.add(line.product)
        else:
            for column, value in line.changes.items():
                setattr(line.product, column, value)
    return counts


# --- Photos: an address in the file, fetched for a product that has no photo yet ---

MAX_PHOTOS_PER_RUN = 20
PHOTOS_SECONDS = 60  # all of one run's photo fetches; the rest waits for the next run


def photos_wanted(plan: ImportPlan) -> list[tuple[int, int, str]]:
    """(line, product id, address) for each written line with a photo address whose product has
    no photo: a photo the shop added or removed by hand is never replaced by the file's."""
    wanted = {line.product.id: (line.line, line.photo_url) for line in plan.lines
              if line.photo_url and line.product is not None and line.product.id is not None}
    if not wanted:
        return []
    with_photo = set()
    ids = list(wanted)
    for start in range(0, len(ids), 1000):
        with_photo.update(db.session.scalars(db.select(ProductImage.product_id).where(
            ProductImage.product_id.in_(ids[start:start + 1000]))))
    return [(line, product_id, url) for product_id, (line, url) in wanted.items() if product_id not in with_photo]


def attach_photos(wanted: list[tuple[int, int, str]]) -> tuple[int, list[LineError], int]:
    """Fetch each photo with the feeds' guarded fetch (http(s), size and time limits, no private
    address in production), check and store it (marketplace/images.py), one commit per photo.
    At most MAX_PHOTOS_PER_RUN photos and PHOTOS_SECONDS: returns (added, problems, left over)."""
    import time

    from marketplace.feeds import FeedError, fetch
    from marketplace.images import InvalidImage, store_image
    from search.outbox import enqueue_products

    added, problems, deadline = 0, [], time.monotonic() + PHOTOS_SECONDS
    for done, (number, product_id, url) in enumerate(wanted):
        if done >= MAX_PHOTOS_PER_RUN or time.monotonic() > deadline:
            return added, problems, len(wanted) - done
        try:
            fetched = fetch(url)
            key = store_image(fetched.content)
        except (FeedError, InvalidImage) as error:
            problems.append(LineError(number, FIELDS["image"], gettext(
                "Photo non reprise (%(url)s) : %(problem)s", url=url[:200], problem=str(error))))
            continue
        product = db.session.get(Product, product_id)
        if product is not None and not product.images:
            product.images.append(ProductImage(key=key, position=0))
            product.updated_at = utcnow()
            enqueue_products(db.session, [product_id])
            db.session.commit()
            added += 1
    return added, problems, 0


# --- In the background (a catalogue of tens of thousands of lines takes longer than a request may) ---

UPLOAD_KIND = "catalogue"
# A bigger import (a new territory's shops loading their catalogues) changes the products table
# enough for the planner's statistics to mislead it until autovacuum passes: analyze right away.
ANALYZE_AFTER_CREATED = 5_000


def queue_import(upload: PendingUpload, mapping: dict[str, int | None], actor_id: int | None) -> None:
    """The shopkeeper confirmed: a job writes the import (run_import); the page follows its course."""
    upload.status, upload.mapping, upload.requested_by_id = "queued", mapping, actor_id
    db.session.commit()
    jobs.enqueue(run_import, upload.id)


def run_import(upload_id: int) -> None:
    """The job. The catalogue is checked again as it is now, then the lines written in the same
    transaction as the upload's "done": all or nothing, and a second run (a retry, a duplicate
    job) finds the upload no longer queued and does nothing. The file is read within the limits of
    marketplace/spreadsheets.py, which bound its memory: a hostile file fails the import with the
    limit it broke."""
    claimed = db.session.execute(update(PendingUpload).where(
        PendingUpload.id == upload_id, PendingUpload.status == "queued").values(status="running"))
    if claimed.rowcount != 1:
        db.session.rollback()
        return
    upload = db.session.get(PendingUpload, upload_id)
    try:
        shop = db.session.get(Shop, upload.owner_id)
        plan = check_import(read_table(upload.content, upload.filename), upload.mapping, shop)
        counts = _write(plan, shop)
        upload.status, upload.result = "done", counts | {"errors": plan.error_lines,
                                                         "error_list": stored_errors(plan.errors),
                                                         "warning_list": stored_errors(plan.warnings)}
        upload.content, upload.finished_at = b"", utcnow()
        db.session.commit()
        wanted = photos_wanted(plan)
    except OperationalError:
        db.session.rollback()  # the database went away: still queued, the job's retry runs it again
        raise
    except Exception as error:  # noqa: BLE001 - any other failure is the import's, shown to the shop
        db.session.rollback()
        log.exception("catalogue import %s failed", upload_id)
        message = str(error) if isinstance(error, ImportFileError) else gettext(
            "Erreur inattendue pendant l'import : rien n'a été importé. Réessayez, ou écrivez au territoire.")
        db.session.execute(update(PendingUpload).where(PendingUpload.id == upload_id).values(
            status="failed", error=message[:500], finished_at=utcnow()))
        db.session.commit()
    else:
        if counts["created"] >= ANALYZE_AFTER_CREATED:
            analyze_catalogue(db.session)
            db.session.commit()
        if wanted:  # after the products are written: a slow photo server holds no transaction open
            added, _problems, _left = attach_photos(wanted)
            upload = db.session.get(PendingUpload, upload_id)
            upload.result = upload.result | {"photos": added}
            db.session.commit()


# --- Export ---


def export_headers() -> list[str]:
    """The header row in French whatever the reader's language: the file is French Excel flavour
    (`;`, decimal comma, oui/non) and importing it back finds its columns (HEADER_SYNONYMS)."""
    with force_locale("fr"):
        return [str(FIELDS[name]) for name in EXPORT_FIELDS]


def export_rows(shop: Shop) -> list[list]:
    """One row per product, in export_headers() (EXPORT_FIELDS) order; the price in euros (a Decimal)."""
    categories = {c.id: c.name for c in db.session.scalars(db.select(Category))}
    products = db.session.scalars(db.select(Product).where(Product.shop_id == shop.id)
                                  .order_by(Product.name, Product.id)).all()
    return [[p.sku or "", p.name, categories.get(p.category_id, ""), exports.euros(p.price_cents), p.unit,
             "sur commande" if p.stock is None else p.stock, p.ean or "", p.description,
             "oui" if p.active else "non"] for p in products]


def export_csv(shop: Shop) -> bytes:
    return exports.csv_document([export_headers(), *export_rows(shop)]).encode("utf-8")


def export_xlsx(shop: Shop) -> bytes:
    return exports.xlsx_document("Catalogue", export_headers(), export_rows(shop))
