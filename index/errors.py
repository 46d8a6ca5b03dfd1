"""Typed errors raised by ingestion and answering; each message says what to do."""

from __future__ import annotations


class RagError(Exception):
    """Base class of every error this project raises on purpose."""


class CorpusNotFoundError(RagError):
    """The corpus folder does not exist or is not a folder."""


class EmptyCorpusError(RagError):
    """The corpus folder holds no readable .txt/.md article."""


class IndexNotFoundError(RagError):
    """The store holds no indexed article yet."""


class EmbedderError(RagError):
    """The embedding model cannot be loaded or does not match the index."""


class InvalidQuestionError(RagError, ValueError):
    """The question is empty, too long or not text."""


class StoreError(RagError):
    """The vector store cannot be opened or reached."""


class UploadError(RagError, ValueError):
    """An uploaded article was refused (type, size, name or content); the message says why."""
