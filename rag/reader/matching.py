"""Word matching across French and English: shared stems, cognates a letter apart and
transliterated names (:class:`WordSet`), and the coverage of a question's words by a text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from rag.reader.annotate import TOKEN_RE, fold_word
from rag.text import one_letter_off


# ---------------------------------------------------------------- matching helpers
def prefix_match(a: str, b: str) -> bool:
    """Same word or the same stem across languages (``ukrainian``/``ukrainien``)."""
    if a == b:
        return True
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= 4 and shared >= 0.6 * min(len(a), len(b))


# Cognates spelt a letter apart after a shared start: negotiations/négociations,
# organization/organisation, independence/indépendance (long words only).
_SPELLING_MIN = 7


@lru_cache(maxsize=100_000)
def _one_spelling_apart(a: str, b: str) -> bool:
    """Whether two long words are one letter substituted, inserted or deleted apart."""
    if len(b) < _SPELLING_MIN or a == b:
        return a == b
    return one_letter_off(a, b)


_SKELETON_RULES = (("tch", "ch"), ("ch", "sh"), ("ou", "u"), ("y", "i"), ("w", "v"), ("k", "c"))


@lru_cache(maxsize=100_000)
def skeleton(word: str) -> str:
    """A transliteration-blind key of a name: Ouchakov/Ushakov, Poutine/Putin, Zelenski/Zelensky.

    French and English spellings of one foreign name differ in ``ou``/``u``, ``ch``/``sh``,
    ``i``/``y``: rewrite those, drop doubled letters and every vowel after the first letter.
    """
    text = word
    for old, new in _SKELETON_RULES:
        text = text.replace(old, new)
    squeezed = "".join(c for i, c in enumerate(text) if i == 0 or c != text[i - 1])
    return squeezed[:1] + "".join(c for c in squeezed[1:] if c not in "aeiou")


class WordSet:
    """Folded words of a text, indexed by their first four letters for cognate look-ups."""

    def __init__(self, words: Sequence[str], text: str | None = None) -> None:
        self.words = set(words)
        # Words in order, space-padded, for multi-word names ("maison blanche").
        self.text = text if text is not None else " " + " ".join(words) + " "
        self.by_prefix: dict[str, list[str]] = {}
        for word in self.words:
            self.by_prefix.setdefault(word[:4], []).append(word)
        self._skeletons: set[str] | None = None

    def skeletons(self) -> set[str]:
        """Transliteration-blind keys of the longer words (built on first use)."""
        if self._skeletons is None:
            self._skeletons = {skeleton(w) for w in self.words if len(w) >= 5}
        return self._skeletons

    def has(self, word: str) -> bool:
        """The word itself or a word sharing its stem (see :func:`prefix_match`)."""
        if word in self.words:
            return True
        if len(word) < 4:
            return False
        bucket = self.by_prefix.get(word[:4], ())
        if any(prefix_match(word, w) for w in bucket):
            return True
        if len(word) >= _SPELLING_MIN and any(_one_spelling_apart(word, w) for w in bucket):
            return True
        key = skeleton(word) if len(word) >= 5 else ""
        return len(key) >= 3 and key in self.skeletons()


def key_found(alternatives: tuple[str, ...], words: WordSet, text: str) -> bool:
    """Whether one of a key's alternatives occurs in a text (its word set and folded words)."""
    for alternative in alternatives:
        if " " in alternative or "-" in alternative:
            if " " + alternative.replace("-", " ") + " " in text:
                return True
            continue
        if alternative.isdigit():
            if alternative in words.words:
                return True
            continue
        if words.has(alternative):
            return True
    return False


def cognate_coverage(question_words: Iterable[str], words: WordSet) -> float:
    """Share of the question's long words that share a stem with a word of the text."""
    long_words = [w for w in set(question_words) if len(w) >= 5]
    if not long_words:
        return 0.0
    return sum(words.has(w) for w in long_words) / len(long_words)


@lru_cache(maxsize=4096)
def words_of_paragraph(text: str) -> WordSet:
    return WordSet([fold_word(w) for w in TOKEN_RE.findall(text)])


def span_words(text: str) -> set[str]:
    return {fold_word(w) for w in TOKEN_RE.findall(text)}
