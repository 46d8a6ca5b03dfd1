"""Grounded question answering over news articles, cited to article and paragraph.

``from rag import Assistant`` is the public entry point; see :class:`rag.assistant.Assistant`.
Front ends (``app.py``) and the evaluation (``evals/``) import only the names listed in
``__all__``: the assistant and its result types, settings and errors, the chat rendering
(:mod:`rag.render`), and the few corpus helpers the evaluation needs.
"""

from index import offline as _offline  # noqa: F401  (offline env first)
from index.config import BUNDLED_CORPUS, Settings
from index.embed import Embedder
from index.errors import (
    CorpusNotFoundError,
    EmbedderError,
    EmptyCorpusError,
    IndexNotFoundError,
    InvalidQuestionError,
    RagError,
    StoreError,
)
from index.parse import article_files, decode_bytes, fold, load_corpus
from rag.answer import Citation
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
from rag.assistant import Answer, Assistant, StreamEvent, relabel_refs
from rag.feedback import FeedbackError, FeedbackLog, IssuedAnswers
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
from rag.retrieve import ParagraphRetriever, Passage
from rag.support import SupportJudge

__all__ = [
    "BUNDLED_CORPUS",
    "ERROR_MARK",
    "Answer",
    "Assistant",
    "Citation",
    "CorpusNotFoundError",
    "Embedder",
    "EmbedderError",
    "EmptyCorpusError",
    "ExposedWithoutKeysError",
    "FeedbackError",
    "FeedbackLog",
    "IndexNotFoundError",
    "InvalidQuestionError",
    "IssuedAnswers",
    "KeyLimiter",
    "ParagraphRetriever",
    "Passage",
    "RagError",
    "RouteGuard",
    "Settings",
    "StoreError",
    "StreamEvent",
    "SupportJudge",
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
]
