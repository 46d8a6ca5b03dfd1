"""PDF files (``.pdf``): the text layer, rejoined into paragraphs, with the page of each.

Paragraphs are the text blocks after rejoining lines: pypdf gives each piece of text with its
position and font size; pieces on one baseline are a line; a vertical gap larger than the
usual line spacing, a change of font size (a heading) or an indented line after a sentence
end starts a new block; the lines of a block are joined with spaces and a word hyphenated
across a line break is rejoined (the hyphen is kept only when the document writes that word
with a hyphen elsewhere, e.g. ``porte-parole``).
Running headers and footers (the same line at the top or bottom of most pages, page numbers
included) are dropped before counting. A paragraph cut by a page break is one block, on the
page where it starts. The same file always gives the same blocks, so ``¶n`` is stable.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from index.errors import ArticleReadError
from index.formats.base import (
    SOURCE,
    Block,
    Document,
    DocumentMetadata,
    ReadLimits,
    check_blocks,
    clean_field,
    is_source_line,
    source_url,
)
from index.formats.errors import (
    CorruptDocumentError,
    EncryptedDocumentError,
    NoTextLayerError,
    TooManyPagesError,
)
from index.parse import find_date, fold

SUFFIXES = (".pdf",)

logger = logging.getLogger(__name__)

# Lines at the top or bottom of a page that may be running headers/footers.
EDGE_LINES = 2
# A repeated edge line longer than this is text, not a running header or footer.
RUNNING_MAX_WORDS = 20
# Edge lines up to this long also match when only their numbers differ ("Le Monde, 3 mai, p. 4").
RUNNING_MAX_WORDS_NUMBERED = 10
_SENTENCE_END = re.compile(r"[.!?…:;»\"”')\]]$")
_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:page\s*)?\d{1,4}(?:\s*(?:/|of|sur|de)\s*\d{1,4})?[-–—\s]*$",
                          re.IGNORECASE)  # fmt: skip
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"\w+")
_COMPOUND = re.compile(r"\w+(?:-\w+)*")
_HYPHENS = "-\u2010\u00ad"
_PLACEHOLDER_TITLES = {"untitled", "sans titre", "document", "titre"}


def _open(data: bytes, limits: ReadLimits) -> PdfReader:
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise CorruptDocumentError("not a PDF file (no %PDF header): corrupt or misnamed")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise EncryptedDocumentError(
                    "encrypted PDF (AES) that cannot be opened here: save an unprotected copy "
                    "and index that"
                ) from exc
            if opened == PasswordType.NOT_DECRYPTED:
                raise EncryptedDocumentError(
                    "encrypted PDF: it needs a password; save an unprotected copy and index that"
                )
        pages = len(reader.pages)
    except ArticleReadError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; none may stop a folder
        raise CorruptDocumentError(f"not a readable PDF (corrupt or truncated): {exc}") from exc
    if pages == 0:
        raise CorruptDocumentError("PDF without pages: nothing to read")
    if pages > limits.max_pages:
        raise TooManyPagesError(
            f"too many pages: {pages} pages, the limit is {limits.max_pages} (RAG_MAX_PDF_PAGES)"
        )
    return reader


@dataclass(frozen=True)
class Line:
    """One line of text on a page, with its position (PDF points, y grows upwards)."""

    text: str
    x: float
    y: float
    size: float


def _fragments(reader: PdfReader, index: int) -> list[tuple[str, float, float, float]]:
    """The page's text pieces in drawing order, as ``(text, x, y, font size)``."""
    found: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        a, b, c, d, e, f = tm
        ca, cb, cc, cd, ce, cf = cm
        x = e * ca + f * cc + ce
        y = e * cb + f * cd + cf
        scale = math.sqrt(abs((a * d - b * c) * (ca * cd - cb * cc))) or 1.0
        found.append((text.replace("\n", " "), x, y, float(size) * scale))

    page = reader.pages[index]
    try:
        page.extract_text(visitor_text=visit)
    except FileNotDecryptedError as exc:
        raise EncryptedDocumentError("encrypted PDF: it needs a password") from exc
    except Exception as exc:  # a damaged content stream; none may stop a folder
        raise CorruptDocumentError(f"cannot read the text of page {index + 1}: {exc}") from exc
    return found


def _page_lines(reader: PdfReader, index: int) -> list[Line]:
    """The page's text lines in drawing order: pieces on the same baseline are one line."""
    lines: list[Line] = []
    for text, x, y, size in _fragments(reader, index):
        last = lines[-1] if lines else None
        if last is not None and abs(last.y - y) <= 0.3 * max(size, last.size):
            lines[-1] = Line(last.text + text, min(last.x, x), last.y, max(last.size, size))
        else:
            lines.append(Line(text, x, y, size))
    return [Line(" ".join(line.text.split()), line.x, line.y, line.size) for line in lines
            if line.text.strip()]  # fmt: skip


def _edge_keys(line: Line) -> set[str]:
    """What makes a top/bottom line the same on several pages: its text, and for a short line
    (a running title with a date or page number) its text with the numbers blanked."""
    folded = " ".join(fold(line.text).split())
    keys = {folded}
    if len(folded.split()) <= RUNNING_MAX_WORDS_NUMBERED:
        keys.add(_DIGITS.sub("#", folded))
    return keys


def _edges(lines: list[Line]) -> set[int]:
    """Indexes of the top and bottom lines of a page (by position, not drawing order)."""
    by_height = sorted(range(len(lines)), key=lambda i: -lines[i].y)
    return set(by_height[:EDGE_LINES] + by_height[-EDGE_LINES:])


def _drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove the headers/footers: short top/bottom lines repeated on most pages (the same, or
    the same but for their numbers), and page numbers."""
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update(set().union(*(_edge_keys(lines[i]) for i in _edges(lines))))
    texts = sum(1 for lines in pages if lines)
    needed = max(2, math.ceil(texts / 2))

    def running(line: Line) -> bool:
        if _PAGE_NUMBER.match(line.text):
            return True
        short = len(line.text.split()) <= RUNNING_MAX_WORDS
        return short and any(counts[key] >= needed for key in _edge_keys(line))

    cleaned = []
    for lines in pages:
        edges = _edges(lines)
        cleaned.append(
            [line for i, line in enumerate(lines) if i not in edges or not running(line)]
        )
    return cleaned


def _pitches(lines: list[Line]) -> dict[float, float]:
    """The line spacing of each font size on a page: the smallest plausible distance between
    consecutive lines of that size (a page of one-line paragraphs has none)."""
    pitches: dict[float, float] = {}
    for above, below in itertools.pairwise(lines):
        gap, size = above.y - below.y, round(below.size, 1)
        if abs(above.size - below.size) < 0.5 and 0.9 * size <= gap <= 2.0 * size:
            pitches[size] = min(pitches.get(size, gap), gap)
    return pitches


def _starts_paragraph(above: Line, below: Line, margin: float, pitch: float | None) -> bool:
    if abs(above.size - below.size) > 0.1 * max(above.size, below.size):
        return True  # a heading and the text under it
    gap = above.y - below.y
    limit = pitch * 1.25 + 0.5 if pitch else 1.6 * below.size
    if gap <= 0 or gap > limit:
        return True  # a vertical gap, or a jump up (next column, a box)
    return below.x >= margin + below.size and bool(_SENTENCE_END.search(above.text))


def _groups(lines: list[Line]) -> list[list[Line]]:
    """Split a page's lines into paragraphs: at a vertical gap or a font size change, and at an
    indented line that follows a sentence end."""
    pitches = _pitches(lines)
    groups: list[list[Line]] = []
    for line in lines:
        current = groups[-1] if groups else None
        if current is None or _starts_paragraph(
            current[-1], line, min(x.x for x in current), pitches.get(round(line.size, 1))
        ):
            groups.append([line])
        else:
            current.append(line)
    return groups


def _join(left: str, right: str, vocabulary: set[str]) -> str:
    """Join two lines of one paragraph, rejoining a word hyphenated across the break."""
    if not left:
        return right
    if not right:
        return left
    if left[-1] in _HYPHENS and len(left) >= 2 and left[-2].isalpha() and right[0].islower():
        if left[-1] == "\u00ad":
            return left[:-1] + right
        head = _WORD.findall(left[:-1])[-1] if _WORD.findall(left[:-1]) else ""
        tail = _WORD.findall(right)[0] if _WORD.findall(right) else ""
        joined, hyphenated = fold(head + tail), fold(f"{head}-{tail}")
        if hyphenated in vocabulary and joined not in vocabulary:
            return left + right  # a compound word that happens to break at its hyphen
        return left[:-1] + right
    return f"{left} {right}"


def _paragraph(lines: list[Line], vocabulary: set[str]) -> str:
    text = ""
    for line in lines:
        text = _join(text, line.text, vocabulary)
    return text


def _vocabulary(pages: list[list[Line]]) -> set[str]:
    """Every word of the document, hyphenated compounds included, case and accents folded."""
    words: set[str] = set()
    for lines in pages:
        for line in lines:
            words.update(fold(w) for w in _COMPOUND.findall(line.text))
    return words


def read_pdf(data: bytes, name: str, limits: ReadLimits) -> Document:
    """Read a PDF's bytes.

    Raises:
        CorruptDocumentError: not a PDF, damaged, or without pages.
        EncryptedDocumentError: password protected.
        TooManyPagesError: more pages than ``limits.max_pages``.
        NoTextLayerError: no page has text (a scan).
        TooManyParagraphsError: over the block limits.
    """
    reader = _open(data, limits)
    raw_pages = [_page_lines(reader, i) for i in range(len(reader.pages))]
    if not any(raw_pages):
        raise NoTextLayerError(
            "no text layer: OCR it first (the PDF holds only images, e.g. a scan)"
        )
    pages = _drop_running_lines(raw_pages)
    vocabulary = _vocabulary(pages)
    found: list[Block] = []
    for number, lines in enumerate(pages, start=1):
        for position, group in enumerate(_groups(lines)):
            text = _paragraph(group, vocabulary)
            previous = found[-1] if found else None
            if (
                position == 0
                and previous is not None
                and previous.page is not None
                and previous.page < number
                and not _SENTENCE_END.search(previous.text)
                and text[:1].islower()
            ):  # the paragraph goes on from the previous page
                found[-1] = Block(_join(previous.text, text, vocabulary), page=previous.page)
                continue
            found.append(Block(text, page=number))
    if not found:
        raise NoTextLayerError(
            "no text layer: OCR it first (only running headers or page numbers have text)"
        )
    blocks = tuple(
        Block(b.text, page=b.page, flag=SOURCE) if is_source_line(b.text) else b for b in found
    )
    check_blocks(blocks, limits)
    info = _info(reader)
    title = clean_field(info.get("/Title")) or ""
    if fold(title) in _PLACEHOLDER_TITLES or title.lower().endswith((".doc", ".docx", ".pdf")):
        title = ""
    title_block = next(
        (
            i
            for i, b in enumerate(blocks[:3])
            if title and fold(" ".join(b.text.split())) == fold(title)
        ),
        None,
    )
    texts = [b.text for b in blocks]
    metadata = DocumentMetadata(
        url=source_url("\n\n".join(texts)),
        author=clean_field(info.get("/Author")),
        date=find_date(texts),
    )
    return Document(
        title=title,
        blocks=blocks,
        metadata=metadata,
        format="pdf",
        title_block=title_block,
        pages=len(pages),
    )


def _info(reader: PdfReader) -> dict[str, object]:
    """Title and author from the PDF's document information, when readable."""
    try:
        info = reader.metadata
        if info is None:
            return {}
        return {"/Title": info.title, "/Author": info.author}
    except Exception:  # a damaged info dictionary only loses the metadata
        return {}
