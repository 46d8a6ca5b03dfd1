"""Grounded question answering over news articles, cited to article and paragraph.

``from rag import Assistant`` is the public entry point; see :class:`rag.assistant.Assistant`.
Front ends (``app.py``) and the evaluation (``evals/``) import only the names listed in
``__all__``: the assistant and its result types, settings and errors, the chat rendering
(:mod:`rag.render`), and the few corpus helpers the evaluation needs.
"""

from typing import TYPE_CHECKING, Any

from index import offline as _offline  # noqa: F401  (offline env first)
from index.config import BUNDLED_CORPUS
from index.embed import Embedder
from index.errors import (
    ArticleRemovalError,
    CorpusNotFoundError,
    EmbedderError,
    EmptyCorpusError,
    IndexNotFoundError,
    RagError,
    StoreError,
)
from index.parse import ARTICLE_SUFFIXES, article_files, decode_bytes, fold, load_corpus
from index.sources import ArticleInfo
from rag.assistant import Assistant
from rag.config import Settings
from rag.errors import (
    GeneratorConfigError,
    InvalidQuestionError,
    LLMError,
    UploadError,
)
from rag.feedback import FeedbackError, FeedbackLog, IssuedAnswers
from rag.refs import relabel_refs, unique_labels
from rag.render import (
    ERROR_MARK,
    answer_messages,
    escape,
    is_notice,
    message_text,
    plain_history,
    status_markdown,
    stream_messages,
    unescape,
)
from rag.support import SupportJudge
from rag.types import (
    Answer,
    AnswerSentence,
    Citation,
    Passage,
    ShortAnswer,
    StreamEvent,
    VerificationReport,
)

if TYPE_CHECKING:
    from rag.api import (
        ExposedWithoutKeysError,
        KeyLimiter,
        RouteGuard,
        check_exposure,
        create_api,
        is_loopback,
        load_api_keys,
        login_checker,
    )
    from rag.paragraph_retriever import ParagraphRetriever

# Imported on first use: the HTTP API (FastAPI) and the LangChain retriever adapter take a few
# tenths of a second to import, which a process that only answers questions never needs.
_LAZY = {
    **dict.fromkeys(
        (
            "ExposedWithoutKeysError",
            "KeyLimiter",
            "RouteGuard",
            "check_exposure",
            "create_api",
            "is_loopback",
            "load_api_keys",
            "login_checker",
        ),
        "rag.api",
    ),
    "ParagraphRetriever": "rag.paragraph_retriever",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rag' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ARTICLE_SUFFIXES",
    "BUNDLED_CORPUS",
    "ERROR_MARK",
    "Answer",
    "AnswerSentence",
    "ArticleInfo",
    "ArticleRemovalError",
    "Assistant",
    "Citation",
    "CorpusNotFoundError",
    "Embedder",
    "EmbedderError",
    "EmptyCorpusError",
    "ExposedWithoutKeysError",
    "FeedbackError",
    "FeedbackLog",
    "GeneratorConfigError",
    "IndexNotFoundError",
    "InvalidQuestionError",
    "IssuedAnswers",
    "KeyLimiter",
    "LLMError",
    "ParagraphRetriever",
    "Passage",
    "RagError",
    "RouteGuard",
    "Settings",
    "ShortAnswer",
    "StoreError",
    "StreamEvent",
    "SupportJudge",
    "UploadError",
    "VerificationReport",
    "answer_messages",
    "article_files",
    "check_exposure",
    "create_api",
    "decode_bytes",
    "escape",
    "fold",
    "is_loopback",
    "is_notice",
    "load_api_keys",
    "load_corpus",
    "login_checker",
    "message_text",
    "plain_history",
    "relabel_refs",
    "status_markdown",
    "stream_messages",
    "unescape",
    "unique_labels",
]
