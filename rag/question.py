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


# What ends a sentence already: a question mark, an exclamation, a full stop, an ellipsis.
_ENDS = tuple("?!.…")


def with_question_mark(text: str, language: str) -> str:
    """``text`` ending with a question mark (« … ? » in French, "…?" otherwise) when it ends
    with no sentence punctuation, as questions typed in a hurry do.

    The support bars and the reader were fitted on questions that end with one, and the query
    embedding moves with it: without it, 22 of the 325 training items changed status.

    >>> with_question_mark("qui dirige les négociations", "fr")
    'qui dirige les négociations ?'
    >>> with_question_mark("Who leads the talks?", "en")
    'Who leads the talks?'
    """
    if text.endswith(_ENDS):
        return text
    return f"{text} ?" if language == "fr" else f"{text}?"


__all__ = ["clean_question", "with_question_mark"]
