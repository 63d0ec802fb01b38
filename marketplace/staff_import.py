"""Import of an employer's staff list from a spreadsheet (CSV in any French form, or XLSX).

Reading the file (encoding, separator, XLSX, merged cells, size limits) is shared with the
catalogue import (marketplace/spreadsheets.py, through product_import.read_table). Here: which
column holds what, a check of every line with French messages naming the line and the field,
and an all-or-nothing write that updates
people by their employee id (matricule), never duplicates them, and can archive those who left.
"""
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.i18n import colon
from marketplace.models import Employee
from marketplace.product_import import read_table
from marketplace.spreadsheets import ImportFileError
from marketplace.territory import fold

FIELDS = {
    "external_id": "Matricule",
    "last_name": "Nom",
    "first_name": "Prénom",
    "email": "E-mail",
    "children_under_16": "Enfants de moins de 16 ans",
    "children_under_26": "Enfants de moins de 26 ans",
}
REQUIRED = ("external_id", "last_name", "first_name")
UPLOAD_KIND = "staff"  # its files in marketplace/uploads.py, between the preview and the confirmation
MAX_CHILDREN = 20
MAX_ERRORS_SHOWN = 200
PREVIEW_LINES = 50  # new or changed people listed on the preview; the rest are counted

__all__ = ["ImportFileError", "StaffPlan", "read_staff_file", "apply_staff_import"]


def _column_field(header: str) -> str | None:
    """The employee field a header names ('N° matricule', 'Prénom', 'Enfants -16 ans'…)."""
    text = fold(header).strip(" :*")
    words = set(re.split(r"[^a-z0-9]+", text))
    if "enfant" in text or "enfants" in words:
        if "26" in text:
            return "children_under_26"
        if "16" in text:
            return "children_under_16"
        return None
    if "prenom" in words or text in ("first name", "firstname"):
        return "first_name"
    if "mail" in text or "courriel" in text:
        return "email"
    if words & {"matricule", "identifiant", "id"} or text in ("employee id", "numero salarie", "n salarie",
                                                             "code salarie", "numero", "no salarie"):
        return "external_id"
    if "nom" in words or text in ("last name", "lastname", "nom de famille"):
        return "last_name"
    return None


def map_columns(headers: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = _column_field(header)
        if name and name not in mapping:
            mapping[name] = index
    return mapping


@dataclass
class LineError:
    line: int
    field: str  # the column's French name (the file's header), or "" for the whole line
    message: str

    def __str__(self) -> str:
        if self.field:
            return gettext("Ligne %(line)s, %(field)s : %(message)s", line=self.line, field=self.field,
                           message=self.message)
        return gettext("Ligne %(line)s : %(message)s", line=self.line, message=self.message)


@dataclass
class StaffLine:
    line: int
    values: dict
    employee_id: int | None = None  # the existing employee it updates
    changes: dict = field(default_factory=dict)
    previous: dict = field(default_factory=dict)  # the changed fields' current values

    def described_changes(self) -> list[str]:
        """What the import changes for this person, in HR's words: « E-mail : a@… → b@… »."""
        described = [f"{FIELDS[name]}{colon()}{self.previous[name] if self.previous[name] not in (None, '') else '—'} → "
                     f"{value if value not in (None, '') else '—'}"
                     for name, value in self.changes.items() if name in FIELDS]
        if "archived" in self.changes:
            described.append(gettext("de retour (était archivé)"))
        return described


@dataclass
class StaffPlan:
    lines: list[StaffLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    to_archive: list[Employee] = field(default_factory=list)  # active people absent from the file

    @property
    def ok(self) -> bool:
        return not self.errors and not self.missing_columns and bool(self.lines)

    @property
    def creations(self) -> list[StaffLine]:
        return [line for line in self.lines if line.employee_id is None]

    @property
    def updates(self) -> list[StaffLine]:
        return [line for line in self.lines if line.employee_id is not None and line.changes]

    @property
    def to_write(self) -> list[StaffLine]:
        """The lines the import creates or changes, in the file's order."""
        return [line for line in self.lines if line.employee_id is None or line.changes]

    @property
    def unchanged(self) -> int:
        return sum(1 for line in self.lines if line.employee_id is not None and not line.changes)


def _count(text: str) -> int | None:
    text = text.strip()
    if text == "":
        return 0
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or int(text) > MAX_CHILDREN:
        return None
    return int(text)


def read_staff_file(data: bytes, filename: str, employer_id: int) -> StaffPlan:
    """Check a staff file against the employer's current list. Raises ImportFileError when the
    file cannot be read at all; every other problem is a LineError in the plan."""
    table = read_table(data, filename)
    mapping = map_columns(table.headers)
    plan = StaffPlan()
    plan.missing_columns = [FIELDS[name] for name in REQUIRED if name not in mapping]
    if plan.missing_columns:
        return plan
    existing = {e.external_id: e for e in db.session.scalars(select(Employee).filter_by(employer_id=employer_id))}
    seen: dict[str, int] = {}

    for number, cells in table.rows:
        if not any(c.strip() for c in cells):
            continue

        def cell(name: str) -> str:
            return cells[mapping[name]].strip() if name in mapping else ""

        def error(name: str, message: str) -> None:
            plan.errors.append(LineError(number, FIELDS.get(name, ""), message))

        values = {}
        external_id = cell("external_id")
        if not external_id:
            error("external_id", gettext("le matricule est obligatoire."))
        elif len(external_id) > 40:
            error("external_id", gettext("40 caractères au plus."))
        elif external_id in seen:
            error("external_id", gettext("le matricule « %(id)s » figure déjà ligne %(line)s.", id=external_id,
                                         line=seen[external_id]))
        else:
            seen[external_id] = number
        values["external_id"] = external_id
        for name in ("last_name", "first_name"):
            text = cell(name)
            if not text:
                error(name, gettext("ce champ est obligatoire."))
            elif len(text) > 80:
                error(name, gettext("80 caractères au plus."))
            values[name] = text
        email = cell("email")
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                error("email", gettext("adresse invalide « %(email)s ».", email=email))
        values["email"] = email or None
        for name in ("children_under_16", "children_under_26"):
            if name not in mapping:
                continue
            count = _count(cell(name))
            if count is None:
                error(name, gettext("un nombre entier entre 0 et %(most)s est attendu, pas « %(text)s ».",
                                    most=MAX_CHILDREN, text=cell(name)))
            values[name] = count or 0

        line = StaffLine(number, values)
        known = existing.get(external_id)
        if known is not None:
            line.employee_id = known.id
            line.changes = {name: value for name, value in values.items() if getattr(known, name) != value}
            line.previous = {name: getattr(known, name) for name in line.changes}
            if known.archived:
                line.changes["archived"] = False
        plan.lines.append(line)

    if not plan.lines and not plan.errors:
        plan.errors.append(LineError(table.header_line, "", gettext("aucun salarié dans ce fichier.")))
    present = set(seen)
    plan.to_archive = sorted((e for e in existing.values() if not e.archived and e.external_id not in present),
                             key=lambda e: (e.last_name, e.first_name))
    return plan


def apply_staff_import(plan: StaffPlan, employer_id: int, *, archive_missing: bool = False) -> dict[str, int]:
    """Write a checked plan in one transaction (nothing when it has errors)."""
    if not plan.ok:
        raise ValueError("a staff plan with errors cannot be applied")
    created = updated = archived = 0
    for line in plan.lines:
        if line.employee_id is None:
            db.session.add(Employee(employer_id=employer_id, archived=False, **line.values))
            created += 1
        elif line.changes:
            employee = db.session.get(Employee, line.employee_id)
            for name, value in line.changes.items():
                setattr(employee, name, value)
            updated += 1
    if archive_missing:
        for employee in plan.to_archive:
            employee.archived = True
            archived += 1
    db.session.commit()
    return {"created": created, "updated": updated, "archived": archived}
