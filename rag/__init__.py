"""Grounded question answering over news articles, cited to article and paragraph.

``from rag import Assistant`` is the public entry point; see :class:`rag.assistant.Assistant`.
"""

from index import offline as _offline  # noqa: F401  (offline env first)
from index.errors import (
    CorpusNotFoundError,
    EmbedderError,
    EmptyCorpusError,
    IndexNotFoundError,
    RagError,
    StoreError,
)
from rag.answer import Citation
from rag.assistant import Answer, Assistant, StreamEvent
from rag.config import Settings
from rag.errors import (
    GeneratorConfigError,
    InvalidQuestionError,
    LLMError,
    UploadError,
)
from rag.retrieve import ParagraphRetriever, Passage

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "CorpusNotFoundError",
    "EmbedderError",
    "EmptyCorpusError",
    "GeneratorConfigError",
    "IndexNotFoundError",
    "InvalidQuestionError",
    "LLMError",
    "ParagraphRetriever",
    "Passage",
    "RagError",
    "Settings",
    "StoreError",
    "StreamEvent",
    "UploadError",
]
