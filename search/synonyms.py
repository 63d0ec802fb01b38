"""The territory's synonym list, edited by the admin (/admin/recherche/synonymes)."""
from flask_babel import gettext
from sqlalchemy import func, select

from search.analysis import folded_words
from search.models import SynonymGroup

DEFAULT_SYNONYMS = (
    "pull, chandail, tricot",
    "basket, chaussure de sport",
    "vélo, bicyclette",
    "pomme de terre, patate",
    "gâteau, pâtisserie",
    "bande dessinée, bd",
    "sweat, sweat-shirt",
)


def parse_group(text: str) -> str:
    """Normalise a typed group ("Pull ,chandail") or raise ValueError with a message in the reader's language."""
    expressions = [e.strip() for e in (text or "").split(",") if e.strip()]
    if len(expressions) < 2:
        raise ValueError(gettext("Donnez au moins deux expressions séparées par des virgules."))
    for expression in expressions:
        if not folded_words(expression):
            raise ValueError(gettext("« %(expression)s » ne contient que des mots vides (le, de, à…).",
                                     expression=expression))
    return ", ".join(expressions)


def install_defaults(session) -> int:
    """Add the default groups if the list is empty; returns how many were added."""
    if session.execute(select(func.count()).select_from(SynonymGroup)).scalar_one():
        return 0
    session.add_all(SynonymGroup(terms=terms) for terms in DEFAULT_SYNONYMS)
    session.commit()
    return len(DEFAULT_SYNONYMS)


def expand(words: list[str], synonyms: list) -> list[list[tuple]]:
    """The searched words as units that must all match, each a list of alternatives (tuples of
    words): [["confiture"], [("pull",), ("chandail",), ("tricot",)]]. The longest synonym
    expression starting at a word wins ("chaussure de sport" before "chaussure")."""
    units, i = [], 0
    while i < len(words):
        match = None
        for group in synonyms:
            for expression in group:
                if tuple(words[i:i + len(expression)]) == expression and (
                        match is None or len(expression) > len(match[1])):
                    match = (group, expression)
        units.append(list(match[0]) if match else [(words[i],)])
        i += len(match[1]) if match else 1
    return units
