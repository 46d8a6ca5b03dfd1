"""Typed errors of answering: the question, the LLM, the generator settings, uploads.

All derive from ``index.errors.RagError`` (re-exported here), like the ingestion errors.
"""

from __future__ import annotations

from index.errors import RagError


class InvalidQuestionError(RagError, ValueError):
    """The question is empty, too long or not text."""


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


class ExposedWithoutKeysError(RagError, ValueError):
    """Binding a non-loopback address was refused because no API key is configured."""


class ApiKeyConfigError(RagError, ValueError):
    """The API keys settings cannot be used (unreadable file, key too short)."""


class UploadError(RagError, ValueError):
    """An uploaded article was refused (type, size, name or content); the message says why."""


__all__ = [
    "GeneratorConfigError",
    "InvalidQuestionError",
    "LLMError",
    "LLMOutputError",
    "LLMRateLimitError",
    "LLMTimeoutError",
    "LLMUnavailableError",
    "RagError",
    "UploadError",
]
