"""The search boxes' folding (marketplace/text_search.py): one rule in Python and in SQL, on this
run's database (SQLite, or PostgreSQL in CI), so that a word typed without accents finds a name with them."""
import unicodedata

from sqlalchemy import String, literal, select

from marketplace.extensions import db
from marketplace.text_search import fold, folded

FRENCH_ACCENTED = "ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇàâäéèêëîïôöùûüÿç"


def test_every_accented_letter_of_french_folds_to_its_bare_lower_case_letter():
    for letter in FRENCH_ACCENTED:
        assert fold(letter) == unicodedata.normalize("NFD", letter)[0].lower(), letter
    assert fold("Cœur de BŒUF, Ægidius et æ") == "coeur de boeuf, aegidius et ae"
    assert fold("Müller Peña Kovač 100% l'Ouche_2") == "muller pena kovac 100% l'ouche_2"


def test_the_database_folds_as_python_does(app):
    text = f"{FRENCH_ACCENTED} Cœur BŒUF Æ æ Château-Chinon İ ß"
    with app.app_context():
        assert db.session.scalar(select(folded(literal(text, String)))) == fold(text)
        assert db.session.scalar(select(folded(literal(None, String)))) is None
