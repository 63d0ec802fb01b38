"""The search boxes of the lists (a company's staff, the shops an admin may suspend, a shop's own
products, the communes, the audit log, the card desk's holders): what is typed is found whatever
its case and its accents ("helene" finds "Hélène", "coeur" finds "Cœur"): people type on phones
without them. % and _ are letters there, not wildcards.

Both sides are folded by one rule, `fold`: in Python for the typed text; in SQL by `folded(column)`,
the same table given to PostgreSQL's translate() (no extension needed) and, on SQLite, `fold`
itself registered as halle_fold() (marketplace._sqlite_pragmas). marketplace.territory.fold is
another rule, Python only (it also drops hyphens and apostrophes, and keys stored in the database
depend on it): not this one."""
import unicodedata

from sqlalchemy import ColumnElement, String, and_, or_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def _bare(letter: str) -> str:
    """The ASCII letter under an accented one ("É" -> "E"), else the letter itself."""
    base = unicodedata.normalize("NFD", letter)[0]
    return base if base.isascii() and base.isalpha() else letter


# Every letter of Latin-1 and Latin Extended-A with accents (French ones and the names of
# neighbours: "Müller", "Peña", "Kovač"); Œ and Æ lowered here as PostgreSQL's lower() may not.
_LETTERS = [letter for letter in map(chr, range(0xC0, 0x180)) if _bare(letter) != letter]
_ACCENTED = "".join(_LETTERS) + "ŒÆ"
_BARE = "".join(map(_bare, _LETTERS)) + "œæ"
_LIGATURES = (("œ", "oe"), ("æ", "ae"))
_TABLE = str.maketrans(_ACCENTED, _BARE)


def fold(text: str | None) -> str | None:
    """Lower case without accents, œ and æ spelled out: "Cœur de BŒUF à l'Époisses" ->
    "coeur de boeuf a l'epoisses"."""
    if text is None:
        return None
    text = text.translate(_TABLE).lower()
    for ligature, letters in _LIGATURES:
        text = text.replace(ligature, letters)
    return text


class folded(FunctionElement):
    """`fold` of a column, in SQL."""
    type = String()
    inherit_cache = True


@compiles(folded)
def _folded_sqlite(element, compiler, **kw):
    return f"halle_fold({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw):
    def quoted(text: str) -> str:
        return compiler.render_literal_value(text, String())

    sql = f"lower(translate({compiler.process(element.clauses, **kw)}, {quoted(_ACCENTED)}, {quoted(_BARE)}))"
    for ligature, letters in _LIGATURES:
        sql = f"replace({sql}, {quoted(ligature)}, {quoted(letters)})"
    return sql


def _pattern(text: str) -> str:
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _in_one_of(text: str, columns) -> ColumnElement[bool]:
    pattern = _pattern(text)
    return or_(*(folded(column).like(pattern, escape="\\") for column in columns))


def each_word_in(text: str, *columns) -> ColumnElement[bool]:
    """The condition that each word of `text` is in one of `columns` ("martin claire", "fournil
    semur"); true for an empty text."""
    words = (text or "").split()
    if not words:
        return true()
    return and_(*(_in_one_of(word, columns) for word in words))


def whole_text_in(text: str, *columns) -> ColumnElement[bool]:
    """The condition that `text`, as typed (spaces kept), is in one of `columns`; true for an empty text."""
    text = (text or "").strip()
    return _in_one_of(text, columns) if text else true()
