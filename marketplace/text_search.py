"""The search boxes of the lists (a company's staff, the shops an admin may suspend, a shop's own
products): each word typed must be in one of the columns, whatever its case ("martin claire",
"fournil semur"); % and _ are letters there, not wildcards."""
from sqlalchemy import ColumnElement, and_, or_, true


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def each_word_in(text: str, *columns) -> ColumnElement[bool]:
    """The condition that each word of `text` is in one of `columns`; true for an empty text."""
    words = [f"%{_escaped(word)}%" for word in (text or "").split()]
    if not words:
        return true()
    return and_(*(or_(*(column.ilike(word, escape="\\") for column in columns)) for word in words))
