"""Why a document file cannot be read as an article; every message says what to do."""

from __future__ import annotations

from index.errors import ArticleReadError


class DocumentFormatError(ArticleReadError):
    """A file in one of the supported formats cannot be read as an article."""


class UnsupportedFormatError(DocumentFormatError):
    """The file's suffix is not one of the supported formats."""


class CorruptDocumentError(DocumentFormatError):
    """The file is damaged or is not what its suffix says (bad PDF, bad DOCX/ZIP, binary)."""


class EncryptedDocumentError(DocumentFormatError):
    """The PDF is password protected."""


class NoTextLayerError(DocumentFormatError):
    """The PDF holds no extractable text (a scan): it must be OCR'd first."""


class TooManyPagesError(DocumentFormatError):
    """The PDF has more pages than the limit."""


class MainTextNotFoundError(DocumentFormatError):
    """The HTML page has no main text, or one too short to be an article."""
