"""What every format reader returns, and the limits and checks they share.

A reader turns one file into a :class:`Document`: a title, the ordered text blocks that become
the article's numbered paragraphs (``¶n`` is the n-th block, 1-based, counted before any
filtering), the page of each block when the format has pages, and the source URL, author and
date when the file states them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from index.errors import FileTooLargeError, TooManyParagraphsError

# Flag of a block that only carries metadata (a ``source: URL`` line): counted, never cited.
SOURCE = "source"

MAX_URL_CHARS = 2048
_SAFE_SCHEMES = frozenset({"http", "https"})
# A whole line ``source: https://...`` (also ``url:``/``lien:``), as news exports write it.
_SOURCE_LINE = re.compile(r"^\s*(?:source|url|lien)\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Block:
    """One text block of a document: a future numbered paragraph.

    Attributes:
        text: The block's text, stripped, without blank lines inside.
        page: 1-based page the block starts on (PDF), else None.
        flag: A flag the reader knows from the file's structure (e.g. ``"heading"`` for an HTML
            ``<h2>`` or a DOCX heading style, ``"source"`` for a ``source:`` line); None lets
            :func:`index.parse.classify_block` decide from the text.
    """

    text: str
    page: int | None = None
    flag: str | None = None


@dataclass(frozen=True)
class DocumentMetadata:
    """What the file says about the article. ``url`` is always http(s) or None."""

    url: str | None = None
    author: str | None = None
    date: str | None = None

    def as_dict(self) -> dict[str, str]:
        """The known fields only (for chunk metadata and citations)."""
        return {k: v for k, v in (("url", self.url), ("author", self.author), ("date", self.date))
                if v}  # fmt: skip


@dataclass(frozen=True)
class Document:
    """A file read by a format reader.

    Attributes:
        title: The headline ("" when the file states none; the article builder then picks one).
        blocks: The numbered blocks, in reading order; ``blocks[n - 1]`` is ``¶n``.
        metadata: Source URL, author, date.
        format: ``"text"``, ``"html"``, ``"pdf"`` or ``"docx"``.
        title_block: 0-based index of the block that is the headline (flagged, never cited), if
            the headline is one of the blocks.
        encoding: How a text file was decoded (``"utf-8"`` for the other formats).
        pages: Page count for paged formats, else None.
    """

    title: str
    blocks: tuple[Block, ...]
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    format: str = "text"
    title_block: int | None = None
    encoding: str = "utf-8"
    pages: int | None = None


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on the work one file may cause.

    Attributes:
        max_file_bytes: Files larger than this are refused before being read.
        max_blocks: Files with more blocks (paragraphs) are refused.
        max_pages: PDFs with more pages are refused.
        max_unpacked_bytes: DOCX archives that unpack to more than this are refused.
        min_main_text_chars: An HTML page whose main text is shorter is not an article.
    """

    max_file_bytes: int = 5 * 1024 * 1024
    max_blocks: int = 2000
    max_pages: int = 300
    max_unpacked_bytes: int = 50 * 1024 * 1024
    min_main_text_chars: int = 200

    @classmethod
    def from_settings(cls, settings: object) -> ReadLimits:
        """Limits from a settings object (``max_file_bytes``, ``max_paragraphs_per_file`` and,
        when present, ``max_pdf_pages``, ``max_unpacked_bytes``, ``min_main_text_chars``)."""
        defaults = cls()
        return cls(
            max_file_bytes=getattr(settings, "max_file_bytes", defaults.max_file_bytes),
            max_blocks=getattr(settings, "max_paragraphs_per_file", defaults.max_blocks),
            max_pages=getattr(settings, "max_pdf_pages", defaults.max_pages),
            max_unpacked_bytes=getattr(settings, "max_unpacked_bytes", defaults.max_unpacked_bytes),
            min_main_text_chars=getattr(
                settings, "min_main_text_chars", defaults.min_main_text_chars
            ),
        )


def safe_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) URL that is safe to render as a link, else None.

    ``javascript:``, ``data:``, ``file:``, relative and malformed URLs are dropped, as are URLs
    with whitespace or control characters and over-long ones.
    """
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > MAX_URL_CHARS:
        return None
    if any(c.isspace() or unicodedata.category(c) in {"Cc", "Cf"} for c in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not host:
        return None
    return url


def clean_field(value: object, max_chars: int = 300) -> str | None:
    """A metadata string with whitespace collapsed, or None when empty or not a string."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:max_chars] or None


def source_url(text: str) -> str | None:
    """The URL of the first ``source: URL`` line of a text, if it is a safe http(s) URL."""
    for match in _SOURCE_LINE.finditer(text):
        if url := safe_url(match.group(1)):
            return url
    return None


def is_source_line(block: str) -> bool:
    """Whether a block is nothing but a ``source: URL`` line."""
    match = _SOURCE_LINE.fullmatch(block.strip())
    return match is not None


def normalize_block(text: str) -> str:
    """Strip a block and collapse blank lines inside it, so it stays one block."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line.strip()).strip()


def size_text(size: int) -> str:
    """A byte count for people: MB are 10^6 bytes, kB 10^3 (as every size message says)."""
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


def check_size(size: int, limits: ReadLimits) -> None:
    """Raises FileTooLargeError when ``size`` bytes is over ``limits.max_file_bytes``."""
    limit = limits.max_file_bytes
    if size > limit:
        raise FileTooLargeError(
            f"file too large: {size:,} bytes, the limit is {limit:,} bytes "
            f"({size_text(limit)}, RAG_MAX_FILE_BYTES); the file is {size_text(size)}"
        )


def check_blocks(blocks: tuple[Block, ...], limits: ReadLimits) -> None:
    """Bound the blocks of one document (the repetition rule is applied to every format by
    :func:`index.parse.check_repetition`).

    Raises:
        TooManyParagraphsError: more blocks than ``limits.max_blocks``.
    """
    if len(blocks) > limits.max_blocks:
        raise TooManyParagraphsError(
            f"too many paragraphs: more than {limits.max_blocks} blocks "
            "(RAG_MAX_PARAGRAPHS_PER_FILE)"
        )
