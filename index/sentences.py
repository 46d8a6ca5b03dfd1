"""The one sentence splitter: where a sentence of an article (or of an answer) ends.

Used by chunking (long paragraphs are cut at sentence boundaries), by the answerer and the
retriever (sentences are what they score) and, through :func:`is_abbreviation`, by the
streaming splitter of generated text (``rag.verify.split_units``), so all of them agree on
what a period after ``M.`` or ``J.D.`` means.
"""

from __future__ import annotations

import itertools
import re

# Only this many characters before a period are looked at for an abbreviation: searching from
# the start of the text made one huge paragraph quadratic (a 300 kB block took minutes).
ABBREVIATION_WINDOW = 32
# Words that end with a period without ending a sentence (French and English titles, "etc.").
# Compared case-insensitively, except "No" (number), which is only an abbreviation capitalised.
ABBREVIATIONS = frozenset(
    {
        "m", "mm", "mme", "mlle", "dr", "pr", "st", "ste", "mr", "mrs", "ms", "jr", "sr",
        "prof", "gen", "gén", "etc", "av", "cf", "vs", "n°",
    }
)  # fmt: skip
CASED_ABBREVIATIONS = frozenset({"No"})
_WORD_BEFORE = re.compile(r"(?<!\w)[^\W\d_]+°?$")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…»”])\s+(?=[«“\"(A-ZÀ-ÖØ-Þ0-9•])|\n+")


def is_abbreviation(text: str, period: int) -> bool:
    """Whether the period at ``text[period]`` ends an abbreviation or an initial, not a sentence.

    An initial is one capital letter (``J.D. Vance``); an abbreviation is a word of
    :data:`ABBREVIATIONS` (``M. Ouchakov``, ``etc.``). Looks at most
    :data:`ABBREVIATION_WINDOW` characters back, so it costs the same on any text.
    """
    match = _WORD_BEFORE.search(text, max(0, period - ABBREVIATION_WINDOW), period)
    if match is None:
        return False
    word = match.group(0)
    if len(word) == 1:
        return word.isupper()
    return word.casefold() in ABBREVIATIONS or word in CASED_ABBREVIATIONS


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the sentences of ``text``, stripped of outer whitespace.

    A break is end punctuation followed by a capital, or a line break; a period after an
    initial or a title (``J.D. Vance``, ``M. Ouchakov``) is not a break.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        before = match.start() - 1
        if (
            "\n" not in match.group(0)
            and before >= 0
            and text[before] == "."
            and is_abbreviation(text, before)
        ):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    stripped = []
    for begin, end in spans:
        piece = text[begin:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            stripped.append((begin + lead, begin + len(piece.rstrip())))
    return stripped


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each an exact substring of it."""
    return [text[begin:end] for begin, end in sentence_spans(text)]


_LEADING_META = re.compile(
    r"^(?:date|publié le|published|updated)\s*:?\s*\d{4}-\d{2}-\d{2}\s+", re.I
)
_BULLET = re.compile(r"^[•\-–*·]\s*")
# A citable sentence has at least this many words (shorter ones are datelines and fragments).
MIN_SENTENCE_WORDS = 4


def clean_sentence(sentence: str) -> str:
    """Trim metadata markers and bullets that precede a sentence (the rest stays verbatim)."""
    return _BULLET.sub("", _LEADING_META.sub("", sentence)).strip()


def citable_sentences(text: str) -> list[tuple[int, str]]:
    """``(start, sentence)`` of the sentences of a paragraph an answer may quote: cleaned (see
    :func:`clean_sentence`), at least :data:`MIN_SENTENCE_WORDS` words, not a question (a
    question in the text is not an answer to one)."""
    found = []
    for start, end in sentence_spans(text):
        sentence = clean_sentence(text[start:end])
        if len(sentence.split()) >= MIN_SENTENCE_WORDS and not sentence.endswith("?"):
            found.append((start, sentence))
    return found


def in_context(sentences: list[str]) -> list[str]:
    """Each sentence read with the one before it in its paragraph (the first one alone): who
    "il" is, what "ce plan" is."""
    if not sentences:
        return []
    return [sentences[0], *(f"{a} {b}" for a, b in itertools.pairwise(sentences))]


__all__ = [
    "ABBREVIATIONS",
    "ABBREVIATION_WINDOW",
    "MIN_SENTENCE_WORDS",
    "citable_sentences",
    "clean_sentence",
    "in_context",
    "is_abbreviation",
    "sentence_spans",
    "split_sentences",
]
