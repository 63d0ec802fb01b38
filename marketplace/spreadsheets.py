"""Reading the spreadsheets people upload (catalogue and staff imports), within limits.

The files people already have: a French Excel CSV export (`;`, decimal comma, cp1252 or UTF-8
with BOM; also `,` or tab, UTF-16) or an .xlsx (merged cells spread over their range).

A hostile file must end in a clear refusal, never in a worker that swells or hangs. Memory is
bounded by construction rather than by a memory limit around the parse (the parse runs in the
web request, for the upload and its review, and in the import job, which may itself run in the
web process: a process-wide `setrlimit` would hit the other requests of that process). Nothing is
allocated from what a file declares (an .xlsx's dimension, its zip entries' sizes), only from
what it holds, and each thing read is checked against a cap as it comes:
- the upload itself: MAX_FILE_BYTES (and Flask's MAX_CONTENT_LENGTH before the form is read);
- .xlsx: every zip member's uncompressed size and their total (zip bomb), then each XML member
  streamed once (lxml, elements dropped as they are read) to count its rows, cells, columns,
  shared strings and text before openpyxl opens the workbook in read-only mode; rows are then
  streamed, the declared dimension ignored, never wider than MAX_COLUMNS;
- CSV: streamed line by line with a bound on physical lines and on the length of one record;
- the table built: MAX_ROWS lines, MAX_COLUMNS columns, MAX_CELLS filled cells, MAX_CELL_CHARS
  in a cell and MAX_TEXT_CHARS in all.
With these, reading any file of at most MAX_FILE_BYTES stays within some tens of MB and a few
seconds (tests/shop/test_hostile_imports.py measures it), and the refusal names the limit.
"""
import codecs
import csv
import io
import itertools
import re
import zipfile
from collections import Counter
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext

from marketplace.exports import FORMULA_STARTS
from marketplace.formatting import number

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_CELLS = 300_000
MAX_CELL_CHARS = 5_000  # a product description may hold 5,000 characters
MAX_TEXT_CHARS = 10_000_000
# CSV: physical lines (a quoted cell may span several) and characters of one record (below the
# csv module's own limit on a cell, 131,072).
MAX_CSV_LINES = 10 * MAX_ROWS
MAX_RECORD_CHARS = 100_000
# .xlsx: uncompressed size of one zip member and of them all; elements in a member that holds no
# cells nor shared strings (styles, workbook, theme: openpyxl reads those whole).
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_OTHER_ELEMENTS = 100_000
MAX_MERGED_CELLS = MAX_ROWS * 10
SNIFF_LINES = 30


class ImportFileError(ValueError):
    """The file cannot be read at all; the message is in the reader's language."""


def unreadable_xlsx() -> ImportFileError:
    return ImportFileError(gettext("Ce fichier Excel est illisible ou protégé : enregistrez-le à nouveau au "
                                   "format .xlsx, ou exportez-le en CSV."))


def too_many_rows() -> ImportFileError:
    return ImportFileError(gettext("Le fichier dépasse %(rows)s lignes : découpez-le en plusieurs fichiers.",
                                   rows=number(MAX_ROWS)))


def too_many_columns(line: int) -> ImportFileError:
    return ImportFileError(gettext("Ligne %(line)s : le fichier dépasse %(columns)s colonnes.", line=line,
                                   columns=number(MAX_COLUMNS)))


def too_many_cells() -> ImportFileError:
    return ImportFileError(gettext("Le fichier dépasse %(cells)s cellules remplies : découpez-le en plusieurs "
                                   "fichiers.", cells=number(MAX_CELLS)))


def too_much_text() -> ImportFileError:
    return ImportFileError(gettext("Le fichier dépasse %(chars)s caractères de texte : découpez-le en plusieurs "
                                   "fichiers.", chars=number(MAX_TEXT_CHARS)))


def cell_too_long(line: int, column: int) -> ImportFileError:
    return ImportFileError(gettext("Ligne %(line)s, colonne %(column)s : cellule trop longue (%(most)s caractères "
                                   "au plus).", line=line, column=column_letter(column), most=number(MAX_CELL_CHARS)))


def column_letter(index: int) -> str:
    """A, B, … Z, AA… for the 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_rows(data: bytes, filename: str) -> list[list[str]]:
    """The lines of a CSV or XLSX file as text cells (a blank line is []), checked against the caps
    (see the module's docstring). Raises ImportFileError saying why a file is refused."""
    if not data:
        raise ImportFileError(gettext("Le fichier est vide."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(gettext("Le fichier dépasse 20 Mo : découpez-le en plusieurs fichiers."))
    is_xlsx = data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm"))
    if filename.lower().endswith(".xls") and not is_xlsx:
        raise ImportFileError(gettext("Les fichiers .xls (Excel 97-2003) ne sont pas lus : enregistrez-le au "
                                      "format .xlsx ou CSV."))
    if is_xlsx:
        return _read_xlsx(data)
    return _read_csv(data, "\t" if filename.lower().endswith((".tsv", ".tab")) else None)


class _Rows:
    """The table as it is read: every line goes through add(), which enforces the caps."""

    def __init__(self):
        self.rows: list[list[str]] = []
        self.cells = self.chars = 0

    def add(self, line: int, cells: list[str]) -> None:
        """Line `line` (1-based, as the spreadsheet shows it); lines skipped before it are blank."""
        while cells and not cells[-1]:
            cells.pop()
        if line > MAX_ROWS:
            if cells:
                raise too_many_rows()
            return
        if len(cells) > MAX_COLUMNS:
            raise too_many_columns(line)
        for column, text in enumerate(cells):
            if len(text) > MAX_CELL_CHARS:
                raise cell_too_long(line, column)
            if text:
                self.cells += 1
                self.chars += len(text)
        if self.cells > MAX_CELLS:
            raise too_many_cells()
        if self.chars > MAX_TEXT_CHARS:
            raise too_much_text()
        self.rows.extend([] for _ in range(line - 1 - len(self.rows)))
        self.rows.append(cells)


# --- CSV ---


def text_encoding(data: bytes) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM, otherwise Windows-1252 (French Excel). Checked
    piece by piece: the whole file is never decoded at once."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def detect_delimiter(lines: list[str]) -> str:
    """The separator that splits most lines into the same number (> 1) of columns."""
    best, best_score = ";", (0, 0)
    sample = [line for line in lines if line.strip()]
    for delimiter in (";", "\t", ","):
        counts = Counter(len(row) for row in csv.reader(sample, delimiter=delimiter) if len(row) > 1)
        if not counts:
            continue
        columns, lines_with_it = counts.most_common(1)[0]
        score = (lines_with_it, columns)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, delimiter: str | None = None) -> list[list[str]]:
    """`delimiter`: the file's name says it (.tsv), else it is guessed from the first lines."""
    if data.count(b"\n") > MAX_CSV_LINES:
        raise too_many_rows()
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=text_encoding(data), errors="replace", newline="")
    since_record = [0]  # characters fed to the CSV reader since its last record

    def lines():
        while line := stream.readline(MAX_RECORD_CHARS + 1):
            if "\x00" in line:
                raise ImportFileError(gettext("Ce fichier n'est pas un fichier texte CSV : exportez votre tableur "
                                              "en CSV ou en .xlsx."))
            since_record[0] += len(line)
            if since_record[0] > MAX_RECORD_CHARS:
                raise ImportFileError(gettext("Ligne %(line)s : ligne trop longue.", line=len(table.rows) + 1))
            yield line

    table = _Rows()
    source = lines()
    sample = list(itertools.islice(source, SNIFF_LINES))
    reader = csv.reader(itertools.chain(sample, source), delimiter=delimiter or detect_delimiter(sample))
    since_record[0] = 0
    for line, row in enumerate(reader, start=1):
        since_record[0] = 0
        table.add(line, [_csv_cell(cell) for cell in row])
    return table.rows


def _csv_cell(text: str) -> str:
    """A cell as it reads, a formula-like text neutralised by an export ('=…, marketplace/exports.py)
    as it was: an export imports back unchanged."""
    text = text.strip()
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


# --- XLSX ---


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


_REFERENCE = re.compile(r"([A-Z]{1,3})(\d+)")


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


STREAMED_ROOTS = ("worksheet", "sst")  # what openpyxl reads in read-only mode without building a tree
BINARY_MEMBERS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".wdp", ".bin")


def _check_xlsx(data: bytes) -> dict[str, list[str]]:
    """Before openpyxl opens the file: the zip members' sizes, then each XML member streamed with
    its rows, cells, shared strings and text counted. Returns the merged ranges of each member."""
    from lxml import etree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise unreadable_xlsx() from None
    with archive:
        members = archive.infolist()
        if (any(info.file_size > MAX_MEMBER_BYTES for info in members)
                or sum(info.file_size for info in members) > MAX_UNZIPPED_BYTES):
            raise ImportFileError(gettext("Ce fichier Excel est trop volumineux une fois décompressé : découpez-le "
                                          "en plusieurs fichiers, ou exportez-le en CSV."))
        merged = {}
        for info in members:
            try:
                with archive.open(info) as member:
                    merged[info.filename] = _scan_xml(member)
            except etree.XMLSyntaxError:
                if not info.filename.lower().endswith(BINARY_MEMBERS):  # pictures: not read in read-only mode
                    raise unreadable_xlsx() from None
            except (etree.LxmlError, zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError):
                raise unreadable_xlsx() from None
    return merged


def _scan_xml(member) -> list[str]:
    """One pass over an XML member keeping nothing but counters (and the merged ranges): each
    element is dropped once read, so memory stays flat whatever the member holds."""
    from lxml import etree

    rows = cells = strings = chars = 0
    column, cell_chars = -1, 0  # in the row, in the cell being read
    merged: list[str] = []
    root = None
    parser = etree.iterparse(member, events=("end",), resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    for elements, (_event, element) in enumerate(parser, start=1):
        tag = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if tag in ("v", "t") and element.text:
            chars += len(element.text)
            cell_chars += len(element.text)
            if chars > MAX_TEXT_CHARS:
                raise too_much_text()
        elif tag == "c":
            cells += 1
            if cells > MAX_CELLS:
                raise too_many_cells()
            found = _REFERENCE.fullmatch(element.get("r") or "")
            column = _column_index(found.group(1)) if found else column + 1
            if cell_chars:
                row = element.getparent()
                line = int(found.group(2)) if found else int((row.get("r") if row is not None else "") or rows + 1)
                if line > MAX_ROWS:
                    raise too_many_rows()
                if column >= MAX_COLUMNS:
                    raise too_many_columns(line)
                if cell_chars > MAX_CELL_CHARS:
                    raise cell_too_long(line, column)
            cell_chars = 0
        elif tag == "row":
            rows += 1
            column = -1
            if rows > MAX_ROWS:
                raise too_many_rows()
        elif tag == "si":
            strings += 1
            cell_chars = 0
            if strings > MAX_CELLS:
                raise too_many_cells()
        elif tag == "mergeCell":
            merged.append(element.get("ref") or "")
            if len(merged) > MAX_MERGED_CELLS:
                raise unreadable_xlsx()
        if root is None:  # the document element, from the first element read
            top = element
            while top.getparent() is not None:
                top = top.getparent()
            root = top.tag.rpartition("}")[2] if isinstance(top.tag, str) else ""
        if root not in STREAMED_ROOTS and elements > MAX_OTHER_ELEMENTS:
            raise unreadable_xlsx()  # openpyxl reads such members whole (styles, workbook…)
        element.clear(keep_tail=True)
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]
    return merged


def _read_xlsx(data: bytes) -> list[list[str]]:
    merged_by_member = _check_xlsx(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on bad files
        raise unreadable_xlsx() from None
    try:
        sheet = workbook.active
        sheet.reset_dimensions()  # never trust (nor allocate from) a declared A1:XFD1048576
        table = _Rows()
        for line, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if line > MAX_ROWS:
                break  # _check_xlsx found nothing filled beyond
            table.add(line, [_cell_text(value) for value in row])
        # openpyxl's read-only worksheet names the zip member it streams in a private attribute.
        _spread_merged(table.rows, merged_by_member.get(sheet._worksheet_path, []))
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001
        raise unreadable_xlsx() from None
    finally:
        workbook.close()
    return table.rows


def _spread_merged(rows: list[list[str]], ranges: list[str]) -> None:
    """Merged cells hold their value in the top-left cell only: spread it over the whole range
    (within the lines and columns read)."""
    budget = MAX_CELLS
    for reference in ranges:
        corners = [_REFERENCE.fullmatch(part) for part in reference.split(":")]
        if len(corners) != 2 or not all(corners):
            continue
        top, left = int(corners[0].group(2)) - 1, _column_index(corners[0].group(1))
        bottom, right = int(corners[1].group(2)), min(_column_index(corners[1].group(1)) + 1, MAX_COLUMNS)
        if top >= len(rows) or left >= right:
            continue
        value = rows[top][left] if left < len(rows[top]) else ""
        for row in rows[top:min(bottom, len(rows))]:
            budget -= right - left
            if budget < 0:
                raise too_many_cells()
            row.extend([""] * (right - len(row)))
            row[left:right] = [value] * (right - left)
