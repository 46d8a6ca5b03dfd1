"""Plain-text and Markdown articles (``.txt``, ``.md``): today's reading, plus a ``source:`` URL.

Paragraphs are the non-empty blank-line-separated blocks of the file, exactly as
:mod:`index.parse` numbers them. A block that is only a ``source: https://...`` line gives the
article's URL; it keeps its number (so ``¶n`` does not move) and is flagged, never cited.
"""

from __future__ import annotations

from index.errors import ArticleReadError
from index.formats.base import Document, ReadLimits
from index.parse import check_repetition, count_blocks, decode_bytes, text_document

SUFFIXES = (".txt", ".md")


def read_text(data: bytes, name: str, limits: ReadLimits) -> Document:
    """Read a text article's bytes.

    In order: not empty, decoding (UTF-8, else Windows-1252, else Latin-1) and binary content,
    block cap (counting stops at the limit), repetition (:func:`index.parse.check_repetition`).

    Raises:
        ArticleReadError: empty, binary, too many blocks or repetitive.
    """
    if not data.strip():
        raise ArticleReadError("empty file: no paragraph to index")
    text, encoding = decode_bytes(data)
    count_blocks(text, limits.max_blocks)
    check_repetition(text)
    return text_document(text, encoding)
