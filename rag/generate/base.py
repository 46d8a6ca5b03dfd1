"""The generator protocol and the LangChain chat-model generator behind every LLM backend."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rag.config import Settings
from rag.errors import (
    LLMError,
    LLMOutputError,
    LLMRateLimitError,
    LLMTimeoutError,
    LLMUnavailableError,
)
from rag.generate.prompts import answer_messages, rewrite_messages
from rag.history import previous_user_question
from rag.types import AnswerSentence, Passage, ShortAnswer
from rag.verify import has_words, stream_units

BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
MAX_REWRITE_CHARS = 500

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


@dataclass(frozen=True)
class GenerationRequest:
    """What a generator answers from.

    Attributes:
        question: The reader's question (cleaned).
        query: The standalone question used for retrieval.
        language: ``"fr"`` or ``"en"``: the answer's language.
        passages: The retrieved paragraphs: the only ones the answer may cite.
        query_vector: The query's embedding (for generators that score sentences), or None.
        lexical: The BM25 index of the corpus (term weights, analyzer), or None.
        article_notes: Per retrieved article, the text of its non-citable blocks (title,
            footer, ``source:`` line): never cited, only looked up for the question's names.
        terms_query: The query in the corpus's language when it is written in another one
            (an offline translation, :mod:`rag.translate`, plus the query's names), whose
            terms the term coverage reads; None to read ``query`` itself. Never shown.
        asked: For a follow-up whose ``query`` was completed with the earlier questions it
            leans on, the question in its own words (what it asks for — a person, a place —
            is read from it, not from the earlier questions); None when ``query`` is it.
    """

    question: str
    query: str
    language: str
    passages: Sequence[Passage]
    query_vector: Any = None
    lexical: Any = None
    article_notes: Mapping[str, str] = field(default_factory=dict)
    terms_query: str | None = None
    asked: str | None = None


# What a generator yields: raw text with citation markers (parsed by the verifier) or a
# sentence already carrying its citations (checked as it is).
AnswerUnit = str | AnswerSentence


@dataclass
class Draft:
    """A generator's answer before verification.

    Attributes:
        units: The answer units, in order; consumed once, lazily (a stream). Each is verified
            by the assistant before the reader sees it.
        support: The answer's confidence in the answerer's own scale (the extractive best
            sentence support), or None to use the best verified sentence's support.
        paragraph_support: How well each given paragraph ``(article_id, paragraph)`` answers
            the question, if the generator scored them; on a refusal, paragraphs above
            ``related_min_support`` are offered as related reading.
        short_answer: The short answer (a span of one drafted sentence, with its citation),
            or None; kept only if that sentence survives verification.
    """

    units: Iterable[AnswerUnit]
    support: float | None = None
    paragraph_support: dict[tuple[str, int], float] = field(default_factory=dict)
    short_answer: ShortAnswer | None = None


class Generator:
    """An answer strategy: given the question and the retrieved paragraphs, draft an answer.

    The interface is small on purpose (the assistant does everything else the same way for
    every strategy: verification, streaming, notices, refusal):

    - :meth:`draft` returns a :class:`Draft` whose ``units`` are sentences with citations,
      either raw text with ``[article ¶n]`` markers or :class:`rag.types.AnswerSentence`
      objects. The default implementation splits :meth:`stream`'s text into sentence units.
    - :meth:`rewrite` may make a follow-up question standalone (None: the rule-based one).
    - :meth:`describe` and :meth:`close` for reports and resources.

    A generator that fails raises :class:`rag.errors.LLMError` (any other exception from an
    LLM generator is classified into one); the assistant then answers with the extractive
    generator and a notice.
    """

    name = "generator"
    uses_llm = False  # informational (reports); the assistant never branches on it

    def draft(self, request: GenerationRequest) -> Draft:
        """The answer units for ``request`` (default: :meth:`stream`'s text, split)."""
        return Draft(units=stream_units(self.stream(request)))

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Raw answer text, chunk by chunk.

        Raises:
            LLMError: the backend failed (typed: unavailable, timeout, rate limit, output).
        """
        raise NotImplementedError(f"{type(self).__name__} does not stream text")

    def rewrite(self, question: str, history: Sequence[Mapping[str, Any]]) -> str | None:
        """The follow-up ``question`` made standalone, or None to keep the rule-based rewrite."""
        return None

    def describe(self) -> str:
        """Short description for reports (``name`` and model)."""
        return self.name

    def close(self) -> None:
        """Release resources (a local server process, connections)."""


def classify(exc: BaseException) -> LLMError:
    """Map any backend exception to a typed :class:`LLMError` with a clear message."""
    if isinstance(exc, LLMError):
        return exc
    from langchain_core import exceptions as lc

    names = {cls.__name__ for cls in type(exc).__mro__}
    detail = f"{type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(exc, lc.ModelRateLimitError) or "RateLimitError" in names:
        return LLMRateLimitError(
            f"the LLM endpoint is rate-limiting requests (HTTP 429) ({detail})"
        )
    if (
        isinstance(exc, lc.ModelTimeoutError | TimeoutError)
        or "APITimeoutError" in names
        or "TimeoutException" in names
    ):
        return LLMTimeoutError(f"the LLM did not answer in time ({detail})")
    if (
        isinstance(exc, lc.ModelConnectionError | ConnectionError)
        or "APIConnectionError" in names
        or "ConnectError" in names
    ):
        return LLMUnavailableError(f"the LLM endpoint cannot be reached ({detail})")
    if isinstance(exc, lc.ModelAuthenticationError | lc.ModelPermissionDeniedError):
        return LLMUnavailableError(f"the LLM endpoint refused the API key ({detail})")
    if isinstance(exc, lc.ModelNotFoundError):
        return LLMUnavailableError(f"the LLM endpoint does not know this model ({detail})")
    if isinstance(exc, lc.ModelAPIError) or "InternalServerError" in names:
        return LLMUnavailableError(f"the LLM endpoint failed with a server error ({detail})")
    if isinstance(exc, StopIteration):
        return LLMOutputError(f"the LLM returned nothing ({detail})")
    return LLMError(f"the LLM call failed ({detail})")


def _retryable(error: LLMError) -> bool:
    # A timeout is not retried: the reader has already waited the whole timeout once.
    return (
        isinstance(error, LLMRateLimitError | LLMUnavailableError)
        and "API key" not in str(error)
        and "does not know" not in str(error)
    )


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(
            b if isinstance(b, str) else str(b.get("text", "")) if isinstance(b, dict) else ""
            for b in content
        )
    return ""


class ChatGenerator(Generator):
    """Answers with any LangChain chat model; bounded retries, timeouts and a total deadline.

    Transient failures before the first token (unreachable, HTTP 429 or 5xx) are retried up to
    ``settings.llm_max_retries`` times with exponential backoff (0.5 s, 1 s, 2 s…, capped at
    8 s; a server's ``Retry-After`` is honoured within that cap). Timeouts are not retried. The
    whole answer must arrive within ``settings.llm_deadline`` seconds::

        from langchain_core.language_models.fake_chat_models import FakeListChatModel
        generator = ChatGenerator(FakeListChatModel(responses=["…"]), Settings())

    Args:
        model: The chat model (``ChatOpenAI``, a fake model in tests, …).
        settings: Retry, deadline and answer-length knobs.
        name: Generator name for reports.
        sleep: Backoff sleep function (tests pass a recorder).
    """

    uses_llm = True

    def __init__(
        self,
        model: BaseChatModel,
        settings: Settings,
        *,
        name: str = "chat",
        sleep: Any = time.sleep,
    ) -> None:
        from langchain_core.language_models import BaseChatModel

        if not isinstance(model, BaseChatModel):
            raise ValueError(f"model must be a LangChain BaseChatModel, not {type(model).__name__}")
        self.model = model
        self.settings = settings
        self.name = name
        self._sleep = sleep

    def describe(self) -> str:
        """``name (model)``."""
        model = getattr(self.model, "model_name", None) or getattr(self.model, "model", None)
        return f"{self.name} ({model})" if isinstance(model, str) else self.name

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Stream the answer text; see the class docstring for retries and deadlines."""
        messages = answer_messages(
            request.query,
            request.passages,
            request.language,
            max_sentences=self.settings.max_answer_sentences,
        )
        started = time.monotonic()
        deadline = started + self.settings.llm_deadline
        attempt = 0
        while True:
            produced = False
            try:
                for chunk in self.model.stream(messages):
                    text = _text(chunk.content)
                    if text:
                        produced = True
                        yield text
                    if time.monotonic() > deadline:
                        raise LLMTimeoutError(
                            f"the LLM answer took longer than llm_deadline="
                            f"{self.settings.llm_deadline:g} s"
                        )
                return
            except GeneratorExit:
                raise
            except Exception as exc:  # any backend failure becomes a typed LLMError
                error = classify(exc)
                if produced or not _retryable(error) or attempt >= self.settings.llm_max_retries:
                    raise error from exc
                wait = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
                hinted = _retry_after(exc)
                if hinted is not None and 0 <= hinted <= BACKOFF_CAP:
                    wait = max(wait, hinted)
                if time.monotonic() + wait > deadline:
                    raise error from exc
                attempt += 1
                self._sleep(wait)

    def rewrite(self, question: str, history: Sequence[Mapping[str, Any]]) -> str | None:
        """Ask the model for a standalone question; None on any failure or odd output."""
        if not self.settings.llm_rewrite or previous_user_question(history) is None:
            return None
        try:
            message = self.model.invoke(rewrite_messages(question, history))
        except Exception:  # the rule-based rewrite takes over
            return None
        text = _text(message.content).strip()
        line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        line = line.removeprefix("Last question:").strip().strip('"«»“”').strip()
        if not has_words(line) or len(line) > max(MAX_REWRITE_CHARS, 3 * len(question)):
            return None
        return line


__all__ = [
    "AnswerUnit",
    "ChatGenerator",
    "Draft",
    "GenerationRequest",
    "Generator",
    "LLMOutputError",
    "classify",
]
