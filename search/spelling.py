"""Typo correction over the words of the catalogue, with an edit budget scaled to word length.

Whoosh's FuzzyTerm works on stemmed terms, does not count a transposition as one edit, and
is slow on a large lexicon. Here: a symmetric-deletion index over the folded (unstemmed) words
of the catalogue, verified by the optimal-string-alignment distance (a transposition is one
edit), so a lookup costs microseconds, and the correction is a real word to show in
"Vouliez-vous dire …".
"""
from functools import lru_cache
from itertools import combinations


def max_edits(word: str) -> int:
    """Edits tolerated: none up to 3 letters, one up to 7, two beyond."""
    if len(word) <= 3:
        return 0
    return 1 if len(word) <= 7 else 2


ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def one_edit_variants(word: str) -> set[str]:
    """Every string one edit away from a folded word (a letter dropped, two neighbours swapped,
    a letter replaced or added), the word itself included."""
    letters = set(ALPHABET) | set(word)
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {word}
    found.update(a + b[1:] for a, b in splits if b)
    found.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    found.update(a + c + b[1:] for a, b in splits if b for c in letters)
    found.update(a + c + b for a, b in splits for c in letters)
    return found


def _deletes(word: str, edits: int) -> set[str]:
    found = {word}
    for count in range(1, edits + 1):
        for positions in combinations(range(len(word)), count):
            found.add("".join(c for i, c in enumerate(word) if i not in positions))
    return found


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (Damerau without repeated edits), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class Speller:
    """Corrections for one vocabulary: {folded word: number of documents holding it}."""

    KEPT_CORRECTIONS = 20_000  # the words last looked up, and their correction

    def __init__(self, vocabulary: dict[str, int]):
        self.vocabulary = vocabulary
        self._index: dict[str, list[str]] = {}
        for word in vocabulary:
            for variant in _deletes(word, max_edits(word)):
                self._index.setdefault(variant, []).append(word)
        self._remembered = lru_cache(maxsize=self.KEPT_CORRECTIONS)(self._correction)

    def correct(self, word: str) -> str | None:
        """The likeliest catalogue word within the edit budget of `word`, or None. The same typos
        come back (a tenth of a typo's search page was spent finding its correction again)."""
        return self._remembered(word)

    def _correction(self, word: str) -> str | None:
        edits = max_edits(word)
        if edits == 0:
            return None
        best = None
        for variant in _deletes(word, edits):
            for candidate in self._index.get(variant, ()):
                distance = osa_distance(word, candidate, edits)
                if distance <= edits:
                    key = (distance, -self.vocabulary[candidate], candidate)
                    if best is None or key < best:
                        best = key
        return best[2] if best else None
