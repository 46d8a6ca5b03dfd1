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
from rag.assistant import Assistant
from rag.config import Settings
from rag.errors import (
    GeneratorConfigError,
    InvalidQuestionError,
    LLMError,
    UploadError,
)
from rag.refs import relabel_refs, unique_labels
from rag.retrieve import ParagraphRetriever
from rag.types import (
    Answer,
    AnswerSentence,
    Citation,
    Passage,
    StreamEvent,
    VerificationReport,
)

__all__ = [
    "Answer",
    "AnswerSentence",
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
    "VerificationReport",
    "relabel_refs",
    "unique_labels",
]
