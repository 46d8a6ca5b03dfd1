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


class LLMError(RagError):
    """The LLM could not give an answer (the assistant falls back to the extractive answer)."""


class LLMUnavailableError(LLMError):
    """The LLM endpoint cannot be reached or answered with a server error."""


class LLMTimeoutError(LLMError):
    """The LLM did not answer (or stopped streaming) within the configured time."""


class LLMRateLimitError(LLMError):
    """The LLM endpoint kept refusing with HTTP 429 (rate limit) after the retries."""


class LLMOutputError(LLMError):
    """The LLM returned nothing usable (empty or unreadable output)."""


class GeneratorConfigError(RagError, ValueError):
    """The generator settings are inconsistent or its optional dependency is missing."""


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


class UploadError(RagError, ValueError):
    """An uploaded article was refused (type, size, name or content); the message says why."""
