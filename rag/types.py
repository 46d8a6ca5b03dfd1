"""The public result types: retrieved passages, citations, answers, stream events, reports.

One home for what :class:`rag.Assistant` returns, so every module (retrieval, answering,
verification, the app) speaks the same types::

    from rag import Answer, Citation, Passage, StreamEvent
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.documents import Document

from rag.refs import format_ref, format_refs, neutralise_refs, relabel_refs, unique_labels


def origin_fields(item: Passage | Citation) -> dict[str, Any]:
    """``url``, ``author`` and ``page`` of a passage or citation, only those that are known."""
    found: dict[str, Any] = {}
    if item.url:
        found["url"] = item.url
    if item.author:
        found["author"] = item.author
    if item.page is not None:
        found["page"] = item.page
    return found


@dataclass
class Passage:
    """A retrieved paragraph: the unit of citation.

    ``score`` is the fused (reciprocal rank) score; ``dense_score`` is the best cosine similarity
    of the paragraph's chunks to the query and ``lexical_score`` its BM25 score, when found by
    that side.
    """

    article_id: str
    paragraph: int
    text: str
    score: float
    title: str = ""
    date: str | None = None
    source: str = ""
    dense_score: float | None = None
    lexical_score: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)
    # Where the article comes from, when its file says so: an http(s) URL, the author, and the
    # PDF page this paragraph starts on.
    url: str | None = None
    author: str | None = None
    page: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        """``(article_id, paragraph)``."""
        return (self.article_id, self.paragraph)

    @property
    def ref(self) -> str:
        """Readable reference ``article_id ¶n``."""
        return format_ref(self.article_id, self.paragraph)

    def to_document(self) -> Document:
        """As a LangChain document (metadata carries the citation)."""
        return Document(
            page_content=self.text,
            id=f"{self.article_id}:{self.paragraph}",
            metadata={
                "article_id": self.article_id,
                "paragraph": self.paragraph,
                "title": self.title,
                "date": self.date or "",
                "source": self.source,
                "score": self.score,
                **origin_fields(self),
            },
        )


@dataclass
class Citation:
    """Where a statement comes from: an article paragraph and the sentence quoted from it."""

    article_id: str
    paragraph: int
    title: str
    quote: str
    date: str | None = None
    url: str | None = None
    author: str | None = None
    page: int | None = None

    @property
    def ref(self) -> str:
        """``article_id ¶n``."""
        return format_ref(self.article_id, self.paragraph)

    @classmethod
    def of(cls, passage: Passage, quote: str) -> Citation:
        """The citation of a quote taken from ``passage`` (carries its date, URL, author, page)."""
        return cls(
            article_id=passage.article_id,
            paragraph=passage.paragraph,
            title=passage.title,
            quote=quote,
            date=passage.date,
            url=passage.url,
            author=passage.author,
            page=passage.page,
        )

    def to_dict(self) -> dict[str, Any]:
        """The public citation dict; ``date``, ``url``, ``author`` and ``page`` when known."""
        found = {
            "article_id": self.article_id,
            "paragraph": self.paragraph,
            "title": self.title,
            "quote": self.quote,
        }
        if self.date:
            found["date"] = self.date
        return found | origin_fields(self)


@dataclass
class AnswerSentence:
    """One sentence of the answer with the paragraphs that state it."""

    text: str
    citations: list[Citation]
    support: float
    corroborates: bool = False
    # Set on a sentence of another article that tells the same thing with other figures.
    differs_from: Citation | None = None

    def render(self) -> str:
        """The sentence (reference-like text neutralised) followed by its citation markers."""
        refs = format_refs([(c.article_id, c.paragraph) for c in self.citations])
        # The quote is source text: a reference-like string in it must not pass for ours.
        return f"{neutralise_refs(self.text)} {refs}"


@dataclass
class ShortAnswer:
    """The direct answer to a factoid question: a span of one cited sentence.

    Attributes:
        text: The person, date, number, place or organisation, verbatim from ``citation.quote``.
        kind: ``"person"``, ``"date"``, ``"number"``, ``"place"`` or ``"organisation"``.
        citation: The cited sentence it is taken from.
    """

    text: str
    kind: str
    citation: Citation

    def to_dict(self) -> dict[str, Any]:
        """``{"text", "kind", "citation": {...}}``."""
        return {"text": self.text, "kind": self.kind, "citation": self.citation.to_dict()}


@dataclass
class VerificationReport:
    """What verification did to one answer (``Answer.verification``).

    Attributes:
        generator: The generator's name.
        policy: ``unsupported_policy`` in force.
        dropped_ids: Citation markers that named no given paragraph (hallucinated, positional or
            malformed), verbatim.
        unsupported_citations: ``{"sentence", "ref"}``: a given paragraph cited by a sentence it
            does not support (the citation was removed).
        reassigned: ``{"sentence", "ref"}``: sentences whose own citations failed, cited instead
            to the given paragraph that best supports them.
        removed: Sentences removed as unsupported.
        marked: Sentences kept but marked as unverified.
        fallback: True when the generator failed and the extractive answer was used.
        notice: Human-readable notice for the reader (fallback, partial answer), or None.
        error: The failure behind the notice (error class and message), or None.
    """

    generator: str = "extractive"
    policy: str = "remove"
    dropped_ids: list[str] = field(default_factory=list)
    unsupported_citations: list[dict[str, str]] = field(default_factory=list)
    reassigned: list[dict[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    marked: list[str] = field(default_factory=list)
    fallback: bool = False
    notice: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``Answer.to_dict()["verification"]``)."""
        return {
            "generator": self.generator,
            "policy": self.policy,
            "dropped_ids": list(self.dropped_ids),
            "unsupported_citations": [dict(d) for d in self.unsupported_citations],
            "reassigned": [dict(d) for d in self.reassigned],
            "removed": list(self.removed),
            "marked": list(self.marked),
            "fallback": self.fallback,
            "notice": self.notice,
            "error": self.error,
        }


@dataclass
class Answer:
    """An answer whose every sentence cites the paragraph it was taken from.

    ``to_dict()`` gives the public shape: ``{"answer", "refused", "citations": [{"article_id",
    "paragraph", "title", "quote"}]}`` plus ``language``, ``query`` (the standalone question
    used for retrieval), ``verification`` (what citation verification dropped, reassigned,
    removed or marked, and the fallback notice: :class:`rag.verify.VerificationReport`) and
    ``short_answer`` (for a factoid question, the person/date/number/place/organisation that
    answers it, a span of a cited sentence, with that citation; else None).
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
    verification: VerificationReport = field(default_factory=VerificationReport)
    short_answer: ShortAnswer | None = None

    @property
    def notice(self) -> str | None:
        """A notice for the reader (LLM failed: extractive fallback or partial answer)."""
        return self.verification.notice

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
        paragraph, from the retrieved passage; the quote when that passage is missing),
        ``quote``, and ``url``, ``author``, ``page`` (None when unknown).
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
                    "url": citation.url or (passage.url if passage else None),
                    "author": citation.author or (passage.author if passage else None),
                    "page": passage.page if citation.page is None and passage else citation.page,
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
            "verification": self.verification.to_dict(),
            "differences": [
                {"claim": a.to_dict(), "other": b.to_dict()} for a, b in self.differences()
            ],
            "short_answer": self.short_answer.to_dict() if self.short_answer else None,
        }


@dataclass(frozen=True)
class StreamEvent:
    """One step of :meth:`Assistant.stream`.

    Attributes:
        kind: ``"status"`` (retrieval is running; ``text`` is the standalone query),
            ``"delta"`` (``text`` is the next piece of the answer: a sentence already
            verified), ``"notice"`` (``text`` tells the reader the LLM failed and what is
            shown instead) or ``"answer"`` (done; ``answer`` is set).
        text: The status text or the answer piece.
        answer: The complete answer, on the final event only.
    """

    kind: Literal["status", "delta", "notice", "answer"]
    text: str = ""
    answer: Answer | None = None


__all__ = [
    "Answer",
    "AnswerSentence",
    "Citation",
    "Passage",
    "ShortAnswer",
    "StreamEvent",
    "VerificationReport",
]
