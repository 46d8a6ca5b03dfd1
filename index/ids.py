"""Article ids that look alike: one comparison key for every place that decides "same id".

An article id is its file stem. Two ids that a reader cannot tell apart on screen
(``003_a146…`` with a Cyrillic ``а``, a full-width ``３``, ``O`` for ``0``) would let a new file
pass as an existing article and carry its headline, so ids are compared by :func:`id_key`:

1. Unicode NFKC normalisation (full-width and other compatibility forms become plain
   ``0-9A-Za-z``; ``ﬁ`` becomes ``fi``);
2. confusable folding with :data:`CONFUSABLES`, a small table of common Latin look-alikes:
   Cyrillic and Greek letters that render like Latin ones, ``O``/``o`` like ``0``,
   ``l``/``I``/``i``/``1``/``|`` like each other, a few dash and dot variants;
3. case folding (``Article`` and ``article`` name the same file on case-insensitive disks).

Limits: the table covers the look-alikes a Latin/French reader meets, not the whole Unicode
confusables list (``confusables.txt`` holds ~6,000 entries; Armenian, Cherokee or mathematical
letters are not folded unless NFKC already does it), and ``rn``/``m``-style multi-letter
look-alikes are not handled. The folding is coarse on purpose: ``ail`` and ``all`` share a key,
so such a pair must be told apart by renaming one. Ids are never rewritten: the key is only
used to compare.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Look-alike -> the Latin character it passes for (applied after NFKC, before case folding).
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "0", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "l", "ї": "l", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ӏ": "l",
    "А": "a", "В": "b", "Е": "e", "Ё": "e", "К": "k", "М": "m", "Н": "h", "О": "0", "Р": "p",
    "С": "c", "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "l", "Ї": "l", "Ј": "j", "Ԛ": "q",
    "Ԝ": "w", "Ү": "y", "Һ": "h", "Ӏ": "l",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "ν": "v", "ο": "0", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "l", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "0", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Latin look-alikes of digits and of each other
    # (``i`` joins the family because case is folded: ``I`` looks like ``l``.)
    "O": "0", "o": "0", "I": "l", "i": "l", "1": "l", "|": "l", "ı": "l", "ł": "l",
    # Dashes, dots and spaces that render alike
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-", "·": ".", "•": ".",
}  # fmt: skip
_TABLE = str.maketrans(CONFUSABLES)
# Format characters (zero-width joiners, BOM, soft hyphen...) are invisible: dropped.
_INVISIBLE = {"Cf"}


def id_key(article_id: str) -> str:
    """The comparison key of an article id: NFKC, confusables folded, case folded.

    >>> id_key("003_A146") == id_key("ОО3_а146")  # Cyrillic О and а
    True
    """
    text = unicodedata.normalize("NFKC", article_id)
    text = "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE)
    return text.translate(_TABLE).casefold().translate(_TABLE)


def lookalike_of(article_id: str, existing: Iterable[str]) -> str | None:
    """The existing id that ``article_id`` equals or looks like, if any (exact match first)."""
    key = id_key(article_id)
    candidates = list(existing)
    if article_id in candidates:
        return article_id
    return next((other for other in candidates if id_key(other) == key), None)


def describe_lookalike(article_id: str, other: str) -> str:
    """Why ``article_id`` is refused next to ``other``, for the reader."""
    if article_id == other:
        return f"an article named '{other}' already exists; rename the file to add it"
    return (
        f"the name '{article_id}' looks like the existing article '{other}' (same letters once "
        "look-alike characters, full-width forms and case are folded); rename the file to add it"
    )
