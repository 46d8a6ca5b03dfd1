"""Grounded question answering over news articles, cited to article and paragraph.

``from rag import Assistant`` is the public entry point; see :class:`rag.assistant.Assistant`.
"""

from index import offline as _offline  # noqa: F401  (offline env first)
from index.config import Settings
from index.errors import (
    CorpusNotFoundError,
    EmbedderError,
    EmptyCorpusError,
    IndexNotFoundError,
    InvalidQuestionError,
    RagError,
    StoreError,
)
from rag.answer import Citation
from rag.assistant import Answer, Assistant, StreamEvent
from rag.retrieve import ParagraphRetriever, Passage

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "CorpusNotFoundError",
    "EmbedderError",
    "EmptyCorpusError",
    "IndexNotFoundError",
    "InvalidQuestionError",
    "ParagraphRetriever",
    "Passage",
    "RagError",
    "Settings",
    "StoreError",
    "StreamEvent",
]
