"""Word files (``.docx``): the non-empty paragraphs, in document order.

Paragraphs are the document's non-empty paragraphs (body text, headings, list items), in
order; a table counts one block per non-empty row (cells joined with `` | ``). Headers,
footers, footnotes and comments are not read. The same file always gives the same blocks, so
``¶n`` is stable on re-indexing.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.document import Document as WordDocument
from docx.table import Table
from docx.text.paragraph import Paragraph as WordParagraph

from index.formats.base import (
    SOURCE,
    Block,
    Document,
    DocumentMetadata,
    ReadLimits,
    check_blocks,
    clean_field,
    is_source_line,
    normalize_block,
    safe_url,
    source_url,
)
from index.formats.errors import CorruptDocumentError
from index.parse import HEADING, find_date, fold

SUFFIXES = (".docx",)

# python-docx's template sets this author; it says nothing about the article.
_TEMPLATE_AUTHOR = "python-docx"


def _open(data: bytes, limits: ReadLimits) -> WordDocument:
    if not data.strip():
        raise CorruptDocumentError("empty DOCX file: nothing to read")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if "word/document.xml" not in archive.namelist():
                raise CorruptDocumentError(
                    "not a Word document: the ZIP has no word/document.xml (is it a .docx?)"
                )
    except zipfile.BadZipFile as exc:
        raise CorruptDocumentError(
            f"corrupt DOCX: not a readable ZIP archive ({exc}); re-save it from Word"
        ) from exc
    if unpacked > limits.max_unpacked_bytes:
        raise CorruptDocumentError(
            f"DOCX unpacks to {unpacked:,} bytes, over the {limits.max_unpacked_bytes:,} limit"
        )
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # damaged XML or parts; a bad file must not stop a folder
        raise CorruptDocumentError(f"corrupt DOCX: {exc}; re-save it from Word") from exc


def _style(paragraph: WordParagraph) -> str:
    try:
        return paragraph.style.name if paragraph.style is not None else ""
    except (KeyError, ValueError, AttributeError):
        return ""


def _blocks(document: WordDocument) -> list[tuple[Block, str]]:
    found: list[tuple[Block, str]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if text and (not cells or cells[-1] != text):  # merged cells repeat
                        cells.append(text)
                if cells:
                    found.append((Block(" | ".join(cells)), ""))
            continue
        text = normalize_block(item.text)
        if not text:
            continue
        style = _style(item)
        heading = style == "Title" or style.startswith("Heading")
        flag = SOURCE if is_source_line(text) else HEADING if heading else None
        found.append((Block(text, flag=flag), style))
    return found


def read_docx(data: bytes, name: str, limits: ReadLimits) -> Document:
    """Read a Word file's bytes.

    Raises:
        CorruptDocumentError: empty, not a ZIP, not a Word document, damaged or a ZIP bomb.
        ArticleReadError: no text in the document.
        TooManyParagraphsError: over the block limits.
    """
    document = _open(data, limits)
    try:
        styled = _blocks(document)
        properties = document.core_properties
        stated_title = clean_field(properties.title)
        author = clean_field(properties.author)
        identifier = properties.identifier
    except Exception as exc:  # damaged parts show up while reading
        raise CorruptDocumentError(f"corrupt DOCX: {exc}; re-save it from Word") from exc
    if not styled:
        raise CorruptDocumentError("empty Word document: no paragraph with text")
    blocks = tuple(block for block, _ in styled)
    check_blocks(blocks, limits)
    title_block = next((i for i, (_, style) in enumerate(styled) if style == "Title"), None)
    if title_block is None and stated_title:
        title_block = next(
            (i for i, b in enumerate(blocks[:3]) if fold(b.text) == fold(stated_title)), None
        )
    if title_block is None:
        title_block = next(
            (i for i, (_, style) in enumerate(styled[:3]) if style == "Heading 1"), None
        )
    if title_block is not None:
        title = " ".join(blocks[title_block].text.split())
    else:
        title = stated_title or ""
    texts = [b.text for b in blocks]
    metadata = DocumentMetadata(
        url=source_url("\n\n".join(texts)) or safe_url(identifier),
        author=None if author == _TEMPLATE_AUTHOR else author,
        date=find_date(texts),
    )
    return Document(
        title=title, blocks=blocks, metadata=metadata, format="docx", title_block=title_block
    )
