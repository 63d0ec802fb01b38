"""An independent reader of FEC files (Fichier des Écritures Comptables, article A47 A-1 of the Livre
des procédures fiscales), written from the article's text and not from the code that writes the
files (marketplace/accounting.py): the tests and bench/books_year.py check every export with it."""
import csv
import re
from collections import defaultdict
from datetime import date, datetime

COLUMNS = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
           "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
           "ValidDate", "Montantdevise", "Idevise"]
AMOUNT = re.compile(r"^\d+,\d{2}$")


class FecError(ValueError):
    """The file breaks a rule of the format; the message says where."""


def _check(condition: bool, message) -> None:
    if not condition:
        raise FecError(str(message))


def read_fec(text: str, separator: str, first: date, last: date) -> list[dict]:
    """Parse and check a FEC of the period [first, last]; returns its lines as dicts, amounts in
    cents. Raises FecError on the first rule broken."""
    rows = list(csv.reader(text.splitlines(), delimiter=separator, quoting=csv.QUOTE_NONE))
    _check(rows and rows[0] == COLUMNS, f"header: {rows[0] if rows else None}")
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        _check(len(row) == 18, f"line {number}: {len(row)} fields")
        line = dict(zip(COLUMNS, row, strict=True))
        for name in ("EcritureDate", "PieceDate", "ValidDate"):
            _check(re.fullmatch(r"\d{8}", line[name]), (number, name, line[name]))
            _check(first <= datetime.strptime(line[name], "%Y%m%d").date() <= last, (number, name, "outside"))
        for name in ("Debit", "Credit"):
            _check(AMOUNT.match(line[name]), (number, name, line[name]))
            whole, cents = line[name].split(",")
            line[name] = int(whole) * 100 + int(cents)
        _check((line["Debit"] == 0) != (line["Credit"] == 0), f"line {number}: one side only")
        _check(all(line[name] for name in ("JournalCode", "JournalLib", "CompteNum", "CompteLib", "EcritureLib",
                                           "PieceRef")), f"line {number}: a required field is empty")
        _check(line["DateLet"] == line["EcritureLet"] == line["Montantdevise"] == line["Idevise"] == "",
               f"line {number}: lettering or currency where there is none")
        lines.append(line)
    entries = defaultdict(list)
    for line in lines:
        entries[(line["JournalCode"], int(line["EcritureNum"]))].append(line)
    for key, entry in entries.items():
        _check(sum(line["Debit"] for line in entry) == sum(line["Credit"] for line in entry), f"{key} unbalanced")
        _check(len({line["EcritureDate"] for line in entry}) == 1, f"{key}: several dates")
    journals = defaultdict(list)
    for journal, number in entries:  # in the order of the file
        journals[journal].append(number)
    for journal, numbers in journals.items():
        _check(numbers == list(range(1, len(numbers) + 1)), f"journal {journal}: numbers not continuous")
    _check(len({(line["JournalCode"], line["JournalLib"]) for line in lines}) == len(journals),
           "a journal with two labels")
    return lines
