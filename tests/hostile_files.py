"""Spreadsheets built to exhaust an import (issue: a 4.9 KB xlsx taking 2.8 GB), written by hand:
the XML of an .xlsx goes straight into the zip, streamed, so building them costs little."""
import io
import zipfile
from functools import cache

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _part(name: str, kind: str) -> str:
    return f'<Override PartName="/{name}" ContentType="{TYPES}.{kind}+xml"/>'


def xlsx(rows_xml, dimension: str | None = None, shared_string_chunks=None) -> bytes:
    """A workbook of one sheet whose <sheetData> is the text pieces of `rows_xml` (a str or an
    iterable of str) and, with `shared_string_chunks`, one shared string made of those pieces."""
    shared = shared_string_chunks is not None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{PACKAGE}/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>'
            f'{_part("xl/workbook.xml", "sheet.main")}{_part("xl/worksheets/sheet1.xml", "worksheet")}'
            f'{_part("xl/sharedStrings.xml", "sharedStrings") if shared else ""}</Types>'))
        archive.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            f'</Relationships>'))
        archive.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f'<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            + (f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
               if shared else "") + '</Relationships>'))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for piece in ([rows_xml] if isinstance(rows_xml, str) else rows_xml):
                sheet.write(piece.encode())
            sheet.write(b"</sheetData></worksheet>")
        if shared:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
                strings.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" '
                              f'uniqueCount="1"><si><t>'.encode())
                for piece in shared_string_chunks:
                    strings.write(piece.encode())
                strings.write(b"</t></si></sst>")
    return buffer.getvalue()


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    return f'<row r="1">{text_cell("A1", "Désignation")}{text_cell("B1", "Prix")}{text_cell("C1", "Matricule")}</row>'


def far_cell_xlsx() -> bytes:
    """Cells A1 and XFD1048576, the dimension saying so: the 4.9 KB file of the issue."""
    return xlsx(f'{header_row()}<row r="1048576">{text_cell("XFD1048576", "x")}</row>', "A1:XFD1048576")


@cache  # compressing 400 MB takes seconds: built once per test session
def huge_shared_string_xlsx(megabytes: int = 400) -> bytes:
    """A few hundred KB holding one shared string of `megabytes` MB."""
    return xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', "A1",
                shared_string_chunks=("a" * (1 << 20) for _ in range(megabytes)))


def long_cell_xlsx() -> bytes:
    """Line 12, column C: 6,000 characters."""
    return xlsx([header_row(), f'<row r="12">{text_cell("A12", "Pain")}{text_cell("C12", "x" * 6000)}</row>'])


def many_rows_xlsx(rows: int = 25_000) -> bytes:
    return xlsx(f'<row r="{n}">{text_cell(f"A{n}", "Pain")}</row>' for n in range(1, rows + 1))


def long_csv(rows: int = 400_000) -> bytes:
    """Many short lines (the 19 MB CSV of the issue was about a million)."""
    return ("Désignation;Prix;Matricule\n" + "Pain;2,40;M1\n" * rows).encode()


def wide_csv(columns: int = 150) -> bytes:
    return (";".join(f"colonne {n}" for n in range(columns)) + "\n").encode()


HOSTILE = {  # name: (file name, builder, what the refusal says)
    "far cell": ("catalogue.xlsx", far_cell_xlsx, "Le fichier dépasse 20 000 lignes"),
    "huge shared string": ("catalogue.xlsx", huge_shared_string_xlsx, "trop volumineux une fois décompressé"),
    "long cell": ("catalogue.xlsx", long_cell_xlsx, "Ligne 12, colonne C : cellule trop longue"),
    "many rows": ("catalogue.xlsx", many_rows_xlsx, "Le fichier dépasse 20 000 lignes"),
    "long csv": ("catalogue.csv", long_csv, "Le fichier dépasse 20 000 lignes"),
    "25,000 csv lines": ("catalogue.csv", lambda: long_csv(25_000), "Le fichier dépasse 20 000 lignes"),
    "wide csv": ("catalogue.csv", wide_csv, "Ligne 1 : le fichier dépasse 100 colonnes"),
    "long csv cell": ("catalogue.csv", lambda: ("Désignation;Description\nPain;" + "x" * 6000 + "\n").encode(),
                      "Ligne 2, colonne B : cellule trop longue"),
    "one quoted cell over many lines": ("catalogue.csv", lambda: ('Désignation;Description\nPain;"' + "x\n" * 150_000
                                                                  + '"\n').encode(), "Ligne 2 : ligne trop longue"),
}


def plain(text: str) -> str:
    """French numbers are grouped with a narrow no-break space: compare them with plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")
