"""Saved web pages (``.html``, ``.htm``): the main text only, with title, author, date and URL.

The main text is extracted by trafilatura, which leaves out navigation, ads, footers and the
comment section. Paragraphs are the blocks of that main text, in order: each paragraph,
heading, list, quote, table or code block is one block (a list's items, a table's rows are
lines of it). The same file always gives the same blocks, so ``¶n`` is stable on re-indexing.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import htmldate
import trafilatura
from lxml import etree
from lxml import html as lxml_html

from index.formats.base import (
    Block,
    Document,
    DocumentMetadata,
    ReadLimits,
    check_blocks,
    clean_field,
    normalize_block,
    safe_url,
)
from index.formats.errors import CorruptDocumentError, MainTextNotFoundError
from index.parse import HEADING, fold

SUFFIXES = (".html", ".htm")

logger = logging.getLogger(__name__)

# trafilatura's output elements that are blocks; anything else at the top level is read as text.
_HEAD = "head"
_SKIP = {"graphic", "ref"}


def _line(element: etree._Element) -> str:
    """The text of one element, ``<lb/>`` as line breaks, whitespace collapsed on each line."""
    element = copy.deepcopy(element)
    for lb in element.iter("lb"):
        lb.text = "\n"
    text = "".join(element.itertext())
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


def _block_text(element: etree._Element) -> str:
    if element.tag == "list":
        return "\n".join(_line(item) for item in element.iter("item"))
    if element.tag == "table":
        rows = []
        for row in element.iter("row"):
            cells = [" ".join(_line(c).split()) for c in row.iter("cell")]
            rows.append(" | ".join(c for c in cells if c))
        return "\n".join(rows)
    return _line(element)


def _extract(data: bytes) -> Any:
    try:
        return trafilatura.bare_extraction(
            data,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
            output_format="python",
        )
    except (ValueError, TypeError, etree.LxmlError) as exc:  # malformed beyond repair
        raise CorruptDocumentError(f"not a readable HTML page: {exc}") from exc


def _fallback_date(data: bytes) -> str | None:
    try:
        tree = lxml_html.fromstring(data)
        found = htmldate.find_date(tree, original_date=True, extensive_search=False)
    except (ValueError, TypeError, etree.LxmlError):
        return None
    return found if isinstance(found, str) else None


def read_html(data: bytes, name: str, limits: ReadLimits) -> Document:
    """Read a saved web page's bytes.

    Raises:
        CorruptDocumentError: the file is empty, binary or not HTML at all.
        MainTextNotFoundError: no main text, or one shorter than ``limits.min_main_text_chars``.
        TooManyParagraphsError: over the block limits.
    """
    if not data.strip():
        raise CorruptDocumentError("empty HTML file: no page to read")
    if b"\x00" in data[:8192]:
        raise CorruptDocumentError("binary file (contains NUL bytes), not an HTML page")
    extracted = _extract(data)
    body = getattr(extracted, "body", None)
    if extracted is None or body is None or not len(body):
        raise MainTextNotFoundError(
            "no article text found in the HTML page (save the article page itself, not a home "
            "or index page)"
        )
    blocks: list[Block] = []
    for element in body:
        if element.tag in _SKIP:
            continue
        text = normalize_block(_block_text(element))
        if text:
            blocks.append(Block(text, flag=HEADING if element.tag == _HEAD else None))
    body_chars = sum(len(b.text) for b in blocks if b.flag is None)
    if body_chars < limits.min_main_text_chars:
        raise MainTextNotFoundError(
            f"main text too short to be an article: {body_chars} characters "
            f"(at least {limits.min_main_text_chars}); save the article page itself"
        )
    found = tuple(blocks)
    check_blocks(found, limits)
    title = clean_field(getattr(extracted, "title", None)) or ""
    title_block = next(
        (i for i, b in enumerate(found[:3]) if b.flag == HEADING and title
         and fold(" ".join(b.text.split())) == fold(title)),
        None,
    )  # fmt: skip
    if not title:
        title_block = next((i for i, b in enumerate(found[:3]) if b.flag == HEADING), None)
        title = " ".join(found[title_block].text.split()) if title_block is not None else ""
    date = clean_field(getattr(extracted, "date", None)) or _fallback_date(data)
    metadata = DocumentMetadata(
        url=safe_url(getattr(extracted, "url", None)),
        author=clean_field(getattr(extracted, "author", None)),
        date=date,
    )
    return Document(
        title=title, blocks=found, metadata=metadata, format="html", title_block=title_block
    )
