"""Plain-text and Markdown articles (``.txt``, ``.md``): today's reading, plus a ``source:`` URL.

Paragraphs are the non-empty blank-line-separated blocks of the file, exactly as
:mod:`index.parse` numbers them. A block that is only a ``source: https://...`` line gives the
article's URL; it keeps its number (so ``¶n`` does not move) and is flagged, never cited.
"""

from __future__ import annotations

from index.errors import ArticleReadError
from index.formats.base import (
    SOURCE,
    Block,
    Document,
    DocumentMetadata,
    ReadLimits,
    check_blocks,
    is_source_line,
    source_url,
)
from index.parse import CONTENT, classify_block, decode_bytes, find_date, pick_title, split_blocks

SUFFIXES = (".txt", ".md")


def read_text(data: bytes, name: str, limits: ReadLimits) -> Document:
    """Read a text article's bytes.

    Raises:
        ArticleReadError: empty, binary, or over the block limits.
    """
    if not data.strip():
        raise ArticleReadError("empty file: no paragraph to index")
    text, encoding = decode_bytes(data)
    texts = split_blocks(text)
    if not texts:
        raise ArticleReadError("empty file: no paragraph to index")
    blocks = tuple(Block(t, flag=SOURCE if is_source_line(t) else None) for t in texts)
    check_blocks(blocks, limits)
    flags = [b.flag if b.flag is not None else classify_block(b.text) for b in blocks]
    title_block = pick_title(texts, flags)
    if title_block is not None:
        title = texts[title_block]
    else:
        first = next((t for t, f in zip(texts, flags, strict=True) if f == CONTENT), texts[0])
        title = " ".join(first.split())[:120]
    return Document(
        title=title,
        blocks=blocks,
        metadata=DocumentMetadata(url=source_url(text), date=find_date(texts)),
        format="text",
        title_block=title_block,
        encoding=encoding,
    )
