"""Question validation: what counts as a question, and its normalised text.

A question is text with something visible in it. Control characters become spaces, invisible
characters (every Unicode format character, category ``Cf``: zero-width spaces and joiners,
word joiner, invisible operators, bidi controls, tags; and the blank letters and selectors that
render as nothing: Hangul fillers, variation selectors, the combining grapheme joiner, the
braille blank) are removed, markup is dropped and whitespace is collapsed. What is left must
be non-empty and at most ``max_chars`` long.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rag.errors import InvalidQuestionError

_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^<>]{1,200}>", re.IGNORECASE | re.DOTALL)
# Characters outside category Cf that show nothing (or a blank) yet are not whitespace.
_INVISIBLE = frozenset(
    [
        "\u034f",  # combining grapheme joiner
        "\u115f", "\u1160", "\u3164", "\uffa0",  # Hangul fillers
        "\u17b4", "\u17b5",  # Khmer inherent vowels (invisible)
        "\u180b", "\u180c", "\u180d", "\u180f",  # Mongolian variation selectors
        "\u2800",  # braille pattern blank
        "\ufffc",  # object replacement character
    ]
)  # fmt: skip


def _is_invisible(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf"
        or char in _INVISIBLE
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
    )


def _visible_text(text: str) -> str:
    chars: list[str] = []
    for char in text:
        if unicodedata.category(char) in {"Cc", "Cs"} or char == "\ufffd":
            chars.append(" ")
        elif not _is_invisible(char):
            chars.append(char)
    return "".join(chars)


def clean_question(question: Any, max_chars: int) -> str:
    """Validate and normalise a question.

    Raises:
        InvalidQuestionError: not a string, empty (nothing visible once control, invisible
            and markup characters are removed), or longer than ``max_chars``.
    """
    if isinstance(question, bytes):
        question = question.decode("utf-8", errors="replace")
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text, not {type(question).__name__}")
    # Markup is never part of a question about the articles; it would only dilute retrieval.
    text = " ".join(_MARKUP.sub(" ", _visible_text(question)).split())
    if not text:
        raise InvalidQuestionError("the question is empty: type a question about the articles")
    if len(text) > max_chars:
        raise InvalidQuestionError(
            f"the question is too long ({len(text)} characters; the limit is {max_chars})"
        )
    return text


__all__ = ["clean_question"]
