"""Printable documents as PDF, written directly (a few text tables need no PDF library).

A4 pages, the standard Helvetica fonts in WinAnsi encoding (French accents and the euro sign;
a character outside it prints as "?"), titles, paragraphs and tables that break across pages
with their header repeated. Text is escaped, so what a name holds cannot change the document.
"""
from dataclasses import dataclass, field

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89  # A4 in points
MARGIN = 42.0
LINE = 13.0

# Helvetica's advance widths (1/1000 of the size) for ASCII 32–126; other characters: 556.
_WIDTHS = [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, *[556] * 10, 278,
           278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
           778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556,
           500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500,
           722, 500, 500, 500, 334, 260, 334, 584]


def text_width(text: str, size: float, bold: bool = False) -> float:
    units = sum(_WIDTHS[ord(c) - 32] if 32 <= ord(c) <= 126 else 556 for c in text)
    return units * size / 1000 * (1.06 if bold else 1.0)


def _encode(text: str) -> bytes:
    text = text.replace("\u202f", "\u00a0").replace("\u2009", " ")
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


@dataclass
class Column:
    title: str
    width: float  # points
    right: bool = False  # amounts


@dataclass
class _Page:
    ops: list[bytes] = field(default_factory=list)


class Document:
    """Lines of text laid from the top of the page down; a new page when the space runs out."""

    def __init__(self, footer: str = ""):
        self.pages: list[_Page] = []
        self.footer = footer
        self.y = 0.0
        self._new_page()

    def _new_page(self) -> None:
        self.pages.append(_Page())
        self.y = PAGE_HEIGHT - MARGIN

    def _room(self, height: float) -> bool:
        return self.y - height >= MARGIN + LINE

    def _text(self, x: float, text: str, size: float, bold: bool) -> None:
        font = b"/F2" if bold else b"/F1"
        self.pages[-1].ops.append(b"BT " + font + b" %.1f Tf %.2f %.2f Td (" % (size, x, self.y) + _encode(text)
                                  + b") Tj ET")

    def heading(self, text: str, size: float = 14) -> None:
        if not self._room(size * 3):
            self._new_page()
        self.y -= size * 1.2
        self._text(MARGIN, text, size, True)
        self.y -= size * 0.5

    def paragraph(self, text: str, size: float = 9.5) -> None:
        width = PAGE_WIDTH - 2 * MARGIN
        line = ""
        for word in text.split():
            candidate = f"{line} {word}".strip()
            if line and text_width(candidate, size) > width:
                self._line(line, size)
                line = word
            else:
                line = candidate
        if line:
            self._line(line, size)
        self.y -= 4

    def _line(self, text: str, size: float) -> None:
        if not self._room(LINE):
            self._new_page()
        self.y -= LINE
        self._text(MARGIN, text, size, False)

    def table(self, columns: list[Column], rows: list[list[str]], size: float = 8.5,
              bold_last: bool = False) -> None:
        """Rows under the columns' titles; the titles come again at the top of each new page."""
        def row_out(cells: list[str], bold: bool) -> None:
            if not self._room(LINE):
                self._new_page()
                row_out([column.title for column in columns], True)
            self.y -= LINE
            x = MARGIN
            for column, cell in zip(columns, cells, strict=False):
                cell = _fit(str(cell), column.width - 4, size, bold)
                left = x + column.width - 4 - text_width(cell, size, bold) if column.right else x
                self._text(left, cell, size, bold)
                x += column.width

        if not self._room(LINE * 3):
            self._new_page()
        row_out([column.title for column in columns], True)
        for index, cells in enumerate(rows):
            row_out(cells, bold_last and index == len(rows) - 1)
        self.y -= 6

    def bytes(self) -> bytes:
        objects: list[bytes] = []
        page_ids = []
        count = len(self.pages)
        for number, page in enumerate(self.pages, start=1):
            ops = list(page.ops)
            if self.footer:
                label = f"{self.footer} — {number}/{count}"
                ops.append(b"BT /F1 7.5 Tf %.2f %.2f Td (" % (MARGIN, MARGIN / 2) + _encode(label) + b") Tj ET")
            stream = b"\n".join(ops)
            content_id = 5 + len(objects)
            objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
            page_ids.append(5 + len(objects))
            objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << "
                           b"/F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>" % (PAGE_WIDTH, PAGE_HEIGHT, content_id))
        kids = b" ".join(b"%d 0 R" % page_id for page_id in page_ids)
        head = [b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"]
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(head + objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
        return bytes(out)


def _fit(text: str, width: float, size: float, bold: bool) -> str:
    """The text, cut with an ellipsis if wider than the column."""
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "…", size, bold) > width:
        text = text[:-1]
    return text + "…"
