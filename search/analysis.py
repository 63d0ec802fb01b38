"""French text analysis, shared by indexing and querying.

Order matters: stop words are removed while the words still carry their accents (the French
list is accented: "à", "été"), then accents are folded, and only then stemmed ("pâtés" ->
"pates" -> "pat"); stemming before folding broke words such as "pièce détachée".
Apostrophes and hyphens split words: "l'Auxois" -> "auxois", "Arnay-le-Duc" -> "arnay", "duc".
"""
import re
from functools import lru_cache

from markupsafe import Markup, escape

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

# Letters and digits; anything else (apostrophes ' ’, hyphens, punctuation) separates words.
WORD_PATTERN = r"\w+"
STOP_WORDS = frozenset(stopwords_for_language("fr"))


def french_analyzer():
    """Words as the index keeps them: lower case, no stop words, no accents, stemmed."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=2)
        | CharsetFilter(accent_map)
        | StemFilter(stemfn=stemmer_for_language("fr"), cachesize=100_000)
    )


def folding_analyzer():
    """Whole words, lower case and without accents: the spelling vocabulary and completion."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=2)
        | CharsetFilter(accent_map)
    )


_FRENCH = french_analyzer()
_FOLDING = folding_analyzer()


def folded_words(text: str) -> list[str]:
    """The words of a text as the spelling vocabulary has them: ["confiture", "abricot"]."""
    return [token.text for token in _FOLDING(text or "")]


@lru_cache(maxsize=50_000)
def stem(folded_word: str) -> str:
    """The index term of one folded word ('' for a stop word)."""
    tokens = [token.text for token in _FRENCH(folded_word)]
    return tokens[0] if tokens else ""


def highlight(text: str, stems: frozenset[str]) -> Markup:
    """The text with the words whose stem was searched in <mark> (every backend)."""
    return _highlight(text, frozenset(stems))


@lru_cache(maxsize=20_000)
def _highlight(text: str, stems: frozenset[str]) -> Markup:
    """Cached: the same names come back page after page, and marking one was a quarter of a
    search's Python time. Each piece is escaped and joined as plain text (Markup.format and
    Markup.join took 40 µs a name, 20 a page)."""
    parts = []
    for piece in re.split(r"(\w+)", text):
        if piece and piece[0].isalnum() and _stem_of_piece(piece) in stems:
            parts.append(f"<mark>{escape(piece)}</mark>")
        else:
            parts.append(escape(piece))
    return Markup("".join(parts))


@lru_cache(maxsize=100_000)
def _stem_of_piece(piece: str) -> str | None:
    """The index term of one word of a name (None for a stop word): names repeat their words,
    and running the analyzer on each was half the time of a search."""
    words = folded_words(piece)
    return stem(words[0]) if words else None
