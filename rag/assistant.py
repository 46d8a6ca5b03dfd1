"""The public entry point: :class:`Assistant` answers questions with cited paragraphs."""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_core.runnables import Runnable, RunnableLambda

from index.config import Settings
from index.embed import Embedder
from index.errors import IndexNotFoundError, InvalidQuestionError
from index.store import ArticleStore, IndexReport, IndexStatus
from rag.answer import REFUSAL, AnswerSentence, Citation, ExtractiveAnswerer
from rag.history import standalone_question, validate_history
from rag.retrieve import HybridRetriever, ParagraphRetriever, Passage
from rag.text import detect_language
from rag.uploads import Upload, UploadResult, save_uploads


@dataclass
class Answer:
    """An answer whose every sentence cites the paragraph it was taken from.

    ``to_dict()`` gives the public shape: ``{"answer", "refused", "citations": [{"article_id",
    "paragraph", "title", "quote"}]}`` plus ``language`` and ``query`` (the standalone question
    used for retrieval).
    """

    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    language: str = "fr"
    query: str = ""
    sentences: list[AnswerSentence] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    support: float = 0.0
    seconds: float = 0.0
    related: list[Passage] = field(default_factory=list)

    def labels(self) -> dict[str, str]:
        """A short, readable label per cited article (its headline, shortened), by article id.

        Labels are distinct within the answer; an article without a title keeps its id.
        """
        titles = {c.article_id: c.title for c in self.citations}
        titles.update({p.article_id: p.title for p in self.related if p.article_id not in titles})
        return unique_labels(titles)

    def readable(self) -> str:
        """The answer text with each ``[article_id ¶n]`` written ``[short headline ¶n]``."""
        return relabel_refs(self.answer, self.labels())

    def differences(self) -> list[tuple[Citation, Citation]]:
        """Pairs ``(claim, other account)`` where two articles give different figures."""
        return [
            (s.differs_from, s.citations[0])
            for s in self.sentences
            if s.differs_from is not None and s.citations
        ]

    def also_reported_by(self) -> dict[tuple[str, int], list[Citation]]:
        """For each cited paragraph, the other articles' paragraphs stating the same fact."""
        groups: list[list[Citation]] = []
        for sentence in self.sentences:
            if sentence.corroborates and groups:
                groups[-1].extend(sentence.citations)
            elif sentence.differs_from is None:
                groups.append(list(sentence.citations))
        found: dict[tuple[str, int], list[Citation]] = {}
        for group in groups:
            for citation in group:
                others = [c for c in group if c.article_id != citation.article_id]
                if others:
                    found.setdefault((citation.article_id, citation.paragraph), []).extend(others)
        return found

    def sources(self) -> list[dict[str, Any]]:
        """The cited paragraphs in full, in citation order.

        Each has ``article_id``, ``paragraph``, ``title``, ``date``, ``text`` (the whole
        paragraph, from the retrieved passage; the quote when that passage is missing) and
        ``quote``.
        """
        passages = {p.key: p for p in self.passages}
        found: list[dict[str, Any]] = []
        for citation in self.citations:
            passage = passages.get((citation.article_id, citation.paragraph))
            found.append(
                {
                    "article_id": citation.article_id,
                    "paragraph": citation.paragraph,
                    "title": citation.title or (passage.title if passage else ""),
                    "date": citation.date or (passage.date if passage else None),
                    "text": passage.text if passage else citation.quote,
                    "quote": citation.quote,
                }
            )
        return found

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the public contract)."""
        return {
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "language": self.language,
            "query": self.query,
            "differences": [
                {"claim": a.to_dict(), "other": b.to_dict()} for a, b in self.differences()
            ],
        }


@dataclass(frozen=True)
class StreamEvent:
    """One step of :meth:`Assistant.stream`.

    Attributes:
        kind: ``"status"`` (retrieval is running; ``text`` is the standalone query),
            ``"delta"`` (``text`` is the next piece of the answer) or ``"answer"`` (done;
            ``answer`` is set).
        text: The status text or the answer piece.
        answer: The complete answer, on the final event only.
    """

    kind: Literal["status", "delta", "answer"]
    text: str = ""
    answer: Answer | None = None


_REF = re.compile(r"([\w.\-]+) ¶(\d+)")
LABEL_WORDS = 5
LABEL_CHARS = 40


def short_label(title: str) -> str:
    """The first words of a headline, cut at ``LABEL_WORDS`` words or ``LABEL_CHARS``."""
    words = title.split()
    label = ""
    for word in words[:LABEL_WORDS]:
        if label and len(label) + 1 + len(word) > LABEL_CHARS:
            break
        label = f"{label} {word}" if label else word
    label = label.rstrip(" :,;.-–—")
    return label + ("…" if label and len(label.split()) < len(words) else "")


def unique_labels(titles: dict[str, str]) -> dict[str, str]:
    """:func:`short_label` of each article's title, made distinct; the id when untitled."""
    labels: dict[str, str] = {}
    for article_id, title in titles.items():
        label = short_label(title) or article_id
        if label in labels.values():
            label = f"{label} ({article_id[:8]})"
        labels[article_id] = label
    return labels


def relabel_refs(text: str, labels: dict[str, str]) -> str:
    """``text`` with each ``article_id ¶n`` reference written ``label ¶n`` (unknown ids kept)."""

    def relabel(match: re.Match[str]) -> str:
        return labels.get(match.group(1), match.group(1)) + " ¶" + match.group(2)

    return _REF.sub(relabel, text)


_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^<>]{1,200}>", re.IGNORECASE | re.DOTALL)


def clean_question(question: Any, max_chars: int) -> str:
    """Validate and normalise a question.

    Raises:
        InvalidQuestionError: not a string, empty, or longer than ``max_chars``.
    """
    if isinstance(question, bytes):
        question = question.decode("utf-8", errors="replace")
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text, not {type(question).__name__}")
    text = "".join(" " if unicodedata.category(c) in {"Cc", "Cs"} else c for c in question).replace(
        "\ufffd", " "
    )
    # Markup is never part of a question about the articles; it would only dilute retrieval.
    text = " ".join(_MARKUP.sub(" ", text).split())
    if not text:
        raise InvalidQuestionError("the question is empty: type a question about the articles")
    if len(text) > max_chars:
        raise InvalidQuestionError(
            f"the question is too long ({len(text)} characters; the limit is {max_chars})"
        )
    return text


class Assistant:
    """Grounded question answering over a folder of news articles.

    Every answer sentence is quoted from a retrieved paragraph and cited as ``article ¶n``; when
    no paragraph supports an answer the assistant refuses. Works offline, no LLM needed::

        from rag import Assistant
        assistant = Assistant()                     # bundled corpus, index built on first use
        answer = assistant.ask("Qui a rencontré Dmitriev à Miami ?")
        answer.to_dict()["citations"][0]["paragraph"]
        assistant.retrieve("plan en 28 points", k=3)[0].text

    Args:
        settings: All knobs; defaults read ``RAG_*`` environment variables.
        embedder: A loaded embedder to share between assistants (loaded from settings if None).
    """

    def __init__(
        self, settings: Settings | None = None, *, embedder: Embedder | None = None
    ) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or Embedder.from_settings(self.settings)
        self.store = ArticleStore(self.settings, self.embedder)
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings)
        self.answerer = ExtractiveAnswerer(self.embedder, self.settings)
        self._index_lock = threading.Lock()
        if self.store.count() == 0 and self.settings.auto_index:
            self.index()
        else:
            self.store.check_embedder()

    @classmethod
    def from_corpus(cls, folder: Path | str, **overrides: Any) -> Assistant:
        """An assistant over ``folder`` (indexed now if needed); other settings as keywords."""
        return cls(Settings(corpus_dir=Path(folder), **overrides))

    def index(
        self,
        folder: Path | str | None = None,
        *,
        rebuild: bool = False,
        progress: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> IndexReport:
        """Sync the store with ``folder``.

        The default is the settings' corpus folder plus the folder of uploaded articles.
        ``on_progress`` is called with (chunks embedded, chunks to embed).
        """
        folders: list[Path | str] = [folder or self.settings.corpus_dir]
        if folder is None and self.settings.upload_dir.is_dir():
            folders.append(self.settings.upload_dir)
        report = self.store.sync(
            folders, rebuild=rebuild, progress=progress, on_progress=on_progress
        )
        self.retriever.lexical()  # warm the BM25 side for the next question
        return report

    def add_articles(
        self,
        files: Sequence[Upload],
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> tuple[UploadResult, IndexReport | None]:
        """Save new article files (checked: type, size, name, content) and index them now.

        Files go to ``settings.upload_dir`` and are indexed incrementally with the corpus
        folder; they can be asked about as soon as this returns::

            result, report = assistant.add_articles([Path("new-article.txt")])
            result.rejected   # [(file name, reason)] for refused files

        Returns:
            What was saved or refused, and the index report (None when nothing was saved).

        Raises:
            UploadError: too many files at once.
        """
        with self._index_lock:
            result = save_uploads(files, self.settings)
            if not result.saved:
                return result, None
            return result, self.index(on_progress=on_progress)

    def article_labels(self) -> dict[str, str]:
        """A short readable label (shortened headline) for every indexed article, by id."""
        return unique_labels({r.article_id: r.title for r in self.retriever.lexical().records})

    def status(self) -> IndexStatus:
        """What the index holds."""
        return self.store.status()

    def retrieve(self, question: str, k: int = 5) -> list[Passage]:
        """The ``k`` most relevant citable paragraphs for ``question``."""
        query = clean_question(question, self.settings.max_question_chars)
        return self.retriever.retrieve(query, k)

    def ask(self, question: str, history: list[dict[str, Any]] | None = None) -> Answer:
        """Answer ``question`` from the corpus, or refuse.

        Args:
            question: The reader's question, in French or English.
            history: Earlier messages ``[{"role": "user"|"assistant", "content": str}]``.

        Raises:
            InvalidQuestionError: the question is empty or too long.
            IndexNotFoundError: nothing is indexed.
        """
        answer: Answer | None = None
        for event in self.stream(question, history):
            if event.answer is not None:
                answer = event.answer
        if answer is None:  # pragma: no cover - stream() always ends with an answer
            raise RuntimeError("the answer stream ended without an answer")
        return answer

    def stream(
        self, question: str, history: list[dict[str, Any]] | None = None
    ) -> Iterator[StreamEvent]:
        """Answer ``question`` as a stream of events, for chats that show progress.

        Yields, in order: one ``status`` event while retrieval runs (``text`` is the standalone
        query), ``delta`` events whose ``text`` pieces concatenate to the answer text, and a
        final ``answer`` event carrying the complete :class:`Answer` (the same as :meth:`ask`)::

            for event in assistant.stream("Qui a rencontré Dmitriev ?"):
                if event.kind == "delta":
                    print(event.text, end="")

        Validation errors are raised before the first event.
        """
        started = time.perf_counter()
        text = clean_question(question, self.settings.max_question_chars)
        language = detect_language(text)
        query = standalone_question(text, validate_history(history))
        return self._stream(query, language, started)

    def _stream(self, query: str, language: str, started: float) -> Iterator[StreamEvent]:
        yield StreamEvent(kind="status", text=query)
        query_vector = self.embedder.encode_queries([query])[0]
        passages = self.retriever.retrieve(query, self.settings.k_answer, query_vector=query_vector)
        composition = self.answerer.compose(query, query_vector, passages, self.retriever.lexical())
        if composition.refused:
            support = composition.paragraph_support()
            related = [
                p for p in passages if support.get(p.key, 0.0) >= self.settings.related_min_support
            ][:3]
            yield StreamEvent(kind="delta", text=REFUSAL[language])
            yield StreamEvent(
                kind="answer",
                answer=Answer(
                    answer=REFUSAL[language],
                    refused=True,
                    language=language,
                    query=query,
                    passages=passages,
                    related=related,
                    support=composition.best_support,
                    seconds=time.perf_counter() - started,
                ),
            )
            return
        citations: list[Citation] = []
        seen: set[tuple[str, int]] = set()
        lines: list[str] = []
        for sentence in composition.sentences:
            line = sentence.render()
            yield StreamEvent(kind="delta", text=("\n" if lines else "") + line)
            lines.append(line)
            for citation in sentence.citations:
                if (citation.article_id, citation.paragraph) not in seen:
                    seen.add((citation.article_id, citation.paragraph))
                    citations.append(citation)
        yield StreamEvent(
            kind="answer",
            answer=Answer(
                answer="\n".join(lines),
                refused=False,
                citations=citations,
                language=language,
                query=query,
                sentences=composition.sentences,
                passages=passages,
                support=composition.best_support,
                seconds=time.perf_counter() - started,
            ),
        )

    def as_retriever(self, k: int = 4) -> ParagraphRetriever:
        """The hybrid retriever as a LangChain ``BaseRetriever``."""
        return ParagraphRetriever(engine=self.retriever, k=k)

    def as_runnable(self) -> Runnable[Any, dict[str, Any]]:
        """The whole chain as a LangChain Runnable.

        Input: a question string or ``{"question": str, "history": [...]}``; output:
        :meth:`Answer.to_dict`.
        """

        def run(payload: Any) -> dict[str, Any]:
            if isinstance(payload, dict):
                return self.ask(payload.get("question", ""), payload.get("history")).to_dict()
            return self.ask(payload).to_dict()

        return RunnableLambda(run, name="grounded_answer")


__all__ = ["Answer", "Assistant", "IndexNotFoundError", "StreamEvent"]
