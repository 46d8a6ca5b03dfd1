"""Article files in several formats, read through one interface.

``read_document(path)`` picks the reader by suffix and returns a :class:`Document`: a title,
the numbered blocks (``¶n`` is ``blocks[n - 1]``, with its PDF page), and the source URL,
author and date. Paragraph numbering contract, per format:

- ``.txt``/``.md``: the non-empty blank-line-separated blocks of the file, counted before any
  filtering (a ``source: URL`` line is a block too: it gives the URL and is never cited).
- ``.html``/``.htm``: the blocks of the main text extracted by trafilatura (paragraphs,
  headings, lists, quotes, tables), in order; navigation, ads and comments are not counted.
- ``.pdf``: the text blocks after rejoining lines (a vertical gap or an indented line after a
  sentence end starts a block; hyphenated words are rejoined; running headers, footers and
  page numbers are dropped; a paragraph cut by a page break is one block, on its first page).
- ``.docx``: the non-empty paragraphs in document order (a table: one block per row).

The same file always gives the same blocks, so ``¶n`` is stable when it is indexed again.
:func:`index.parse.build_article` numbers and flags a document's blocks as an article; the
package imports nothing from :mod:`index.parse` at import time (its readers do, when first
used), so :mod:`index.parse` can build on it.
"""

from index.formats.base import (
    SOURCE,
    Block,
    Document,
    DocumentMetadata,
    ReadLimits,
    check_blocks,
    is_source_line,
    safe_url,
    source_url,
)
from index.formats.errors import (
    CorruptDocumentError,
    DocumentFormatError,
    EncryptedDocumentError,
    MainTextNotFoundError,
    NoTextLayerError,
    TooManyPagesError,
    UnsupportedFormatError,
)
from index.formats.registry import READERS, SUPPORTED_SUFFIXES, read_document, reader_for

__all__ = [
    "READERS",
    "SOURCE",
    "SUPPORTED_SUFFIXES",
    "Block",
    "CorruptDocumentError",
    "Document",
    "DocumentFormatError",
    "DocumentMetadata",
    "EncryptedDocumentError",
    "MainTextNotFoundError",
    "NoTextLayerError",
    "ReadLimits",
    "TooManyPagesError",
    "UnsupportedFormatError",
    "check_blocks",
    "is_source_line",
    "read_document",
    "reader_for",
    "safe_url",
    "source_url",
]
