"""Reading a CFONB 120 bank statement ("relevé de compte 120 caractères"), the French banks'
fixed-width format that many still send besides (or instead of) CAMT.053.

A file is a sequence of 120-character records (one per line, or all run together), each starting
with its code:
- 01, the old balance: opens the statement of an account;
- 04, a movement (booking date, value date, label, the bank's entry number, amount, reference);
- 05, a complement of the movement before it: a qualifier (LIB, LCC… text; NPY/NBE the payer's or
  payee's name; RCN the end-to-end reference) and 70 characters of information;
- 07, the new balance: closes the statement.
Amounts are 14 characters whose last one carries both the last digit and the sign ('{' and 'A'…'I'
for 0…9 positive, '}' and 'J'…'R' negative), with the number of decimals given in position 20;
dates are DDMMYY. The account is given as bank code, branch code and account number (the
French RIB), from which its IBAN is computed.

No maintained standalone parser exists on PyPI (only Odoo add-ons), hence this module. It only
reads: `parse` returns the statements or raises CfonbError naming the line (French). The import,
its idempotence and the matching are marketplace/bank_statements.py's, whatever the format.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from stdnum import iban as stdnum_iban

from loyalty.money import euros as money

RECORD_LENGTH = 120
CODES = ("01", "04", "05", "07")
_POSITIVE = {"{": 0, **{letter: digit for digit, letter in enumerate("ABCDEFGHI", start=1)}}
_NEGATIVE = {"}": 0, **{letter: digit for digit, letter in enumerate("JKLMNOPQR", start=1)}}
_RIB_LETTERS = {letter: str(digit) for digits, digit in (("AJ", 1), ("BKS", 2), ("CLT", 3), ("DMU", 4), ("ENV", 5),
                                                         ("FOW", 6), ("GPX", 7), ("HQY", 8), ("IRZ", 9))
                for letter in digits}
NAME_QUALIFIERS = {"NPY", "NBE"}  # the payer's, the payee's name
REFERENCE_QUALIFIERS = {"RCN"}  # the end-to-end reference


class CfonbError(ValueError):
    """The file is not a readable CFONB 120 statement; the message (French) names the line."""


@dataclass
class Movement:
    line: int  # the 04 record's line number in the file
    booking_date: date
    value_date: date | None
    amount_cents: int
    label: str
    entry_number: str  # the bank's number of the entry (may be blank)
    reference: str  # the 16 characters of the record's reference zone
    operation_code: str  # interbank operation code (05 cheque, 18 transfer issued, 05…)
    complements: list[tuple[str, str]] = field(default_factory=list)  # (qualifier, information) of its 05s


@dataclass
class Statement:
    line: int  # the 01 record's line number
    bank_code: str
    branch_code: str
    account_number: str
    opening_date: date
    opening_cents: int
    closing_date: date | None = None
    closing_cents: int | None = None
    movements: list[Movement] = field(default_factory=list)

    @property
    def iban(self) -> str:
        return french_iban(self.bank_code, self.branch_code, self.account_number)


def looks_like_cfonb(data: bytes) -> bool:
    """True when the content starts as a CFONB 120 file does (an old balance record)."""
    return data.lstrip(b"\r\n")[:2] == b"01"


def french_iban(bank: str, branch: str, account: str) -> str:
    """The IBAN of a French RIB: its key (letters of the account number as digits), then the
    IBAN's check digits."""
    number = "".join(_RIB_LETTERS.get(char, char) for char in account.upper())
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(number)) % 97
    bban = f"{bank}{branch}{account.upper()}{key:02d}"
    return f"FR{stdnum_iban.calc_check_digits('FR00' + bban)}{bban}"


def records(data: bytes) -> list[tuple[int, str]]:
    """(line number, record) of each non-blank record, padded to 120 characters (banks often trim
    the trailing spaces)."""
    text = data.decode("latin-1")
    if "\n" in text or "\r" in text:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    else:  # records run together without line breaks
        lines = [text[i:i + RECORD_LENGTH] for i in range(0, len(text), RECORD_LENGTH)]
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > RECORD_LENGTH:
            raise CfonbError(gettext("Ligne %(line)s : %(length)s caractères ; un enregistrement CFONB 120 en a 120.",
                                     line=number, length=len(line)))
        found.append((number, line.ljust(RECORD_LENGTH)))
    return found


def amount_cents(zone: str, decimals: str, number: int) -> int:
    """Cents of a signed amount zone ('0000000001234{' with 2 decimals: 123,40 €)."""
    digits, last = zone[:-1], zone[-1:]
    sign = 1 if last in _POSITIVE else -1 if last in _NEGATIVE else 0
    if not sign or not digits.isdigit() or not decimals.isdigit():
        raise CfonbError(gettext("Ligne %(line)s : montant « %(zone)s » illisible (13 chiffres, puis un chiffre "
                                 "codé par une lettre pour le signe).", line=number, zone=zone.strip()))
    value = int(digits) * 10 + (_POSITIVE.get(last) if sign > 0 else _NEGATIVE[last])
    places = int(decimals)
    cents = value * 100 // 10 ** places if places <= 2 else value // 10 ** (places - 2)
    if places > 2 and value % 10 ** (places - 2):
        raise CfonbError(gettext("Ligne %(line)s : montant avec des fractions de centime.", line=number))
    return sign * cents


def day(zone: str, number: int, what: str, required: bool = True) -> date | None:
    """A DDMMYY date (years 2000 to 2099)."""
    if not zone.strip() and not required:
        return None
    try:
        return date(2000 + int(zone[4:6]), int(zone[2:4]), int(zone[0:2]))
    except ValueError:
        raise CfonbError(gettext("Ligne %(line)s : %(what)s « %(zone)s » n'est pas une date JJMMAA.", line=number,
                                 what=what, zone=zone)) from None


def parse(data: bytes) -> list[Statement]:
    """The statements of a CFONB 120 file, checked: record codes, euros, amounts, dates, each
    statement opened (01) and closed (07) for the same account, its movements making the new
    balance from the old one."""
    statements: list[Statement] = []
    current: Statement | None = None
    lines = records(data)
    if not lines:
        raise CfonbError(gettext("Le fichier est vide."))
    for number, record in lines:
        code = record[0:2]
        if code not in CODES:
            raise CfonbError(gettext("Ligne %(line)s : code d'enregistrement « %(code)s » inconnu (01, 04, 05 ou 07 "
                                     "attendu) : ce n'est pas un relevé CFONB 120.", line=number, code=code))
        if record[16:19] != "EUR":
            raise CfonbError(gettext("Ligne %(line)s : devise « %(currency)s » ; seuls les euros sont acceptés.",
                                     line=number, currency=record[16:19].strip()))
        account = (record[2:7], record[11:16], record[21:32])
        if code == "01":
            if current is not None:
                raise CfonbError(gettext("Ligne %(line)s : nouveau relevé alors que celui de la ligne %(start)s n'a "
                                         "pas de nouveau solde (07).", line=number, start=current.line))
            if not all(part.strip() for part in account) or not (account[0] + account[1]).isdigit():
                raise CfonbError(gettext("Ligne %(line)s : code banque, code guichet ou numéro de compte manquant.",
                                         line=number))
            current = Statement(number, *account, opening_date=day(record[34:40], number, gettext("date du solde")),
                                opening_cents=amount_cents(record[90:104], record[19], number))
            continue
        if current is None:
            raise CfonbError(gettext("Ligne %(line)s : enregistrement %(code)s avant l'ancien solde (01) de son "
                                     "relevé.", line=number, code=code))
        if account != (current.bank_code, current.branch_code, current.account_number):
            raise CfonbError(gettext("Ligne %(line)s : compte %(found)s, mais le relevé de la ligne %(start)s est celui "
                                     "du compte %(expected)s.", line=number, found=" ".join(account),
                                     start=current.line, expected=" ".join((current.bank_code, current.branch_code,
                                                                            current.account_number))))
        if code == "04":
            current.movements.append(Movement(
                line=number, booking_date=day(record[34:40], number, gettext("date d'opération")),
                value_date=day(record[42:48], number, gettext("date de valeur"), required=False),
                amount_cents=amount_cents(record[90:104], record[19], number), label=record[48:79].strip(),
                entry_number=record[81:88].strip(), reference=record[104:120].strip(),
                operation_code=record[32:34].strip()))
        elif code == "05":
            if not current.movements:
                raise CfonbError(gettext("Ligne %(line)s : complément (05) sans mouvement (04) avant lui.",
                                         line=number))
            current.movements[-1].complements.append((record[45:48].strip(), record[48:118].strip()))
        else:  # 07
            current.closing_date = day(record[34:40], number, gettext("date du solde"))
            current.closing_cents = amount_cents(record[90:104], record[19], number)
            moved = sum(movement.amount_cents for movement in current.movements)
            if current.opening_cents + moved != current.closing_cents:
                raise CfonbError(gettext(
                    "Ligne %(line)s : le nouveau solde (%(closing)s) n'est pas l'ancien (%(opening)s) plus les "
                    "mouvements (%(moved)s) : le fichier est incomplet.", line=number, closing=money(current.closing_cents),
                    opening=money(current.opening_cents), moved=money(moved)))
            statements.append(current)
            current = None
    if current is not None:
        raise CfonbError(gettext("Le relevé commencé ligne %(line)s n'a pas de nouveau solde (enregistrement 07) : "
                                 "le fichier est incomplet.", line=current.line))
    return statements
