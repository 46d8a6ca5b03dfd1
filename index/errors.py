"""Typed errors of ingestion and storage; each message says what to do.

Answering errors (LLM, generator configuration, upload, question) live in ``rag.errors``;
all derive from :class:`RagError`.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class of every error this project raises on purpose."""


class CorpusNotFoundError(RagError):
    """The corpus folder does not exist or is not a folder."""


class EmptyCorpusError(RagError):
    """The corpus folder holds no readable article file."""


class IndexNotFoundError(RagError):
    """The store holds no indexed article yet."""


class EmbedderError(RagError):
    """The embedding model cannot be loaded or does not match the index."""


class StoreError(RagError):
    """The vector store cannot be opened or reached."""


class ArticleReadError(RagError):
    """A single file cannot be used as an article; the message says why."""


class FileTooLargeError(ArticleReadError):
    """The file is over the size limit (``RAG_MAX_FILE_BYTES``); it was not read."""


class TooManyParagraphsError(ArticleReadError):
    """The file has more blocks than ``RAG_MAX_PARAGRAPHS_PER_FILE``, or is mostly repetition."""


class RepetitiveContentError(TooManyParagraphsError):
    """The file is one passage repeated over and over (see ``index.parse.check_repetition``)."""


class NoRunningTextError(ArticleReadError):
    """The file holds only headings, menus, captions or markup: nothing could be cited."""


class TooManyChunksError(ArticleReadError):
    """The file cuts into more chunks than ``RAG_MAX_CHUNKS_PER_FILE``."""


class ArticleRemovalError(RagError, ValueError):
    """An article cannot be removed (unknown, or part of the corpus folder); the message says
    why and what to do instead."""


class IndexLockedError(RagError):
    """Another indexer holds the data dir's lock and did not release it in time."""


class IndexCorruptError(StoreError):
    """The store exists but its content is unusable (foreign, half-migrated or damaged)."""
