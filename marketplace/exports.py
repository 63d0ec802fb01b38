"""Every spreadsheet the site hands out (CSV and XLSX) is written here, one way.

Formula injection: what a cell holds may come from anyone (a product or shop name, a customer's
address, a search term typed by an anonymous visitor), and a spreadsheet program runs a cell
that starts like a formula (=, +, -, @, tab, CR). So text is neutralised: in CSV it gets a
leading single quote (OWASP's advice; the imports take it off again, see
marketplace/spreadsheets.py), in XLSX it is written as a string cell, never a formula. Only text:
numbers stay numbers, an int as it is and money as a Decimal of euros (`euros(cents)`), typed in
XLSX and written with a decimal comma in CSV, so a negative amount is still a number.

French Excel flavour whatever the reader's language: `;`, UTF-8 with BOM, decimal comma.
"""
import csv
import io
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = '#,##0.00" €"'


def euros(cents: int | None) -> Decimal | None:
    """Decimal("-12.50") from -1250: an amount, written as a number in every export."""
    return None if cents is None else Decimal(int(cents)).scaleb(-2)


def safe_cell(value):
    """A CSV cell's text: text a spreadsheet would take for a formula gets a leading quote; a
    number is written as French spreadsheets read it (decimal comma) and never neutralised."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, int | float):
        return str(value).replace(".", ",")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_document(rows: Iterable[Iterable]) -> str:
    """The CSV text (BOM first) of these rows, every cell through safe_cell()."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def xlsx_document(title: str, header: list[str], rows: Iterable[Iterable]) -> bytes:
    """A workbook of one sheet: the header in bold, then the rows; text as string cells (never a
    formula), ints and amounts (Decimal, in euros) as numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)

    def cell(value, bold=False):
        if value is None:
            return None
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            written = WriteOnlyCell(sheet, value=value)
            if isinstance(value, Decimal):
                written.number_format = MONEY_FORMAT
            return written
        written = WriteOnlyCell(sheet, value=str(value))
        written.data_type = "s"  # openpyxl would make "=…" a formula
        if bold:
            written.font = Font(bold=True)
        return written

    sheet.append([cell(value, bold=True) for value in header])
    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
