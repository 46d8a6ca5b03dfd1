"""The LLM-free answerer: quote the sentences that best answer the question, cite each one.

Every answer sentence is an exact sentence of a retrieved, citable paragraph (with at most a
leading metadata marker trimmed), so each statement is supported by the paragraph it cites.
When the best sentence is not close enough to the question, the answer is a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from index.embed import Embedder
from index.sentences import citable_sentences
from rag.config import Settings
from rag.lexical import LexicalIndex
from rag.text import detect_language
from rag.types import AnswerSentence, Citation, Passage
from rag.vectors import SentenceVectors

_NUMBER = re.compile(r"\d+")
MAX_CORROBORATING = 2
CORROBORATION_OVERLAP = 0.4

REFUSAL = {
    "fr": "Je ne trouve pas la réponse à cette question dans les articles indexés.",
    "en": "I could not find the answer to this question in the indexed articles.",
}
# The reply to a message that is only a greeting or thanks (rag.question.pleasantry): it
# says what the assistant does instead of refusing a question nobody asked.
PLEASANTRY_REPLY = {
    ("greeting", "fr"): "Bonjour ! Posez-moi une question sur les articles indexés : je réponds "
    "en citant l'article et le paragraphe.",
    ("greeting", "en"): "Hello! Ask me a question about the indexed articles: I answer by citing "
    "the article and the paragraph.",
    ("thanks", "fr"): "Avec plaisir ! Une autre question sur les articles ?",
    ("thanks", "en"): "You're welcome! Any other question about the articles?",
}


@dataclass
class Candidate:
    """A sentence of a retrieved paragraph, scored against the question."""

    passage: Passage
    text: str
    rank: int
    vector: np.ndarray | None = None
    dense: float = 0.0
    coverage: float = 0.0
    paragraph_coverage: float = 0.0
    support: float = 0.0
    terms: AbstractSet[str] = field(default_factory=frozenset)

    @property
    def key(self) -> tuple[str, int]:
        """The paragraph it belongs to."""
        return self.passage.key


@dataclass
class Composition:
    """What the answerer decided."""

    sentences: list[AnswerSentence] = field(default_factory=list)
    best_support: float = 0.0
    candidates: list[Candidate] = field(default_factory=list)

    def paragraph_support(self) -> dict[tuple[str, int], float]:
        """The best sentence support of each retrieved paragraph."""
        best: dict[tuple[str, int], float] = {}
        for candidate in self.candidates:
            best[candidate.key] = max(best.get(candidate.key, 0.0), candidate.support)
        return best

    @property
    def refused(self) -> bool:
        """No sentence cleared the bar."""
        return not self.sentences


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


class ExtractiveAnswerer:
    """Select, score and cite source sentences; refuse when none supports the question.

    The support of a sentence mixes its embedding similarity to the question with how much of
    the question's distinctive vocabulary (IDF-weighted, stemmed) it and its paragraph contain.
    """

    def __init__(
        self,
        embedder: Embedder,
        settings: Settings,
        *,
        vectors: SentenceVectors | None = None,
    ) -> None:
        self.embedder = embedder
        self.settings = settings
        self.vectors = vectors if vectors is not None else SentenceVectors(embedder)

    def candidates(self, passages: Sequence[Passage]) -> list[Candidate]:
        """Every citable sentence of the passages."""
        found: list[Candidate] = []
        for rank, passage in enumerate(passages):
            for _, text in citable_sentences(passage.text):
                found.append(Candidate(passage=passage, text=text, rank=rank))
        return found

    @staticmethod
    def coverage(
        query_terms: Sequence[str], terms: AbstractSet[str], lexical: LexicalIndex
    ) -> float:
        """IDF-weighted share of the query's terms found in ``terms``."""
        unique = set(query_terms)
        total = sum(lexical.term_weight(t) for t in unique)
        if not total:
            return 0.0
        return sum(lexical.term_weight(t) for t in unique if t in terms) / total

    def bar(self, query: str, lexical: LexicalIndex, *, translated: bool = False) -> float:
        """The first answer sentence's support bar for ``query``: ``min_support`` in the
        corpus's language, otherwise ``min_support_translated`` when the term coverage was read
        from a translation of the question, ``min_support_cross_lingual`` when it was not."""
        if detect_language(query) == lexical.analyzer.language:
            return self.settings.min_support
        if translated:
            return self.settings.min_support_translated
        return self.settings.min_support_cross_lingual

    def score(
        self,
        query: str,
        query_vector: np.ndarray,
        passages: Sequence[Passage],
        lexical: LexicalIndex,
        *,
        terms_query: str | None = None,
    ) -> list[Candidate]:
        """Score every candidate sentence; best first.

        ``terms_query``: a second reading of the query's terms (the question translated into
        the corpus's language, :mod:`rag.translate`); the coverage is the better of the two
        readings, so a poor translation never lowers it.
        """
        found = self.candidates(passages)
        if not found:
            return []
        vectors = self.vectors.encode([c.text for c in found])
        readings = [lexical.analyzer.terms(query)]
        if terms_query:
            readings.append(lexical.analyzer.terms(terms_query))
        paragraph_terms: dict[tuple[str, int], AbstractSet[str]] = {}
        for candidate, vector in zip(found, vectors, strict=True):
            candidate.vector = vector
            candidate.dense = float(vector @ query_vector)
            if candidate.key not in paragraph_terms:
                paragraph_terms[candidate.key] = lexical.analyzer.term_set(candidate.passage.text)
            candidate.terms = lexical.analyzer.term_set(candidate.text)
            candidate.coverage = max(self.coverage(r, candidate.terms, lexical) for r in readings)
            candidate.paragraph_coverage = max(
                self.coverage(r, paragraph_terms[candidate.key], lexical) for r in readings
            )
            candidate.support = self.support(candidate)
        return sorted(found, key=lambda c: -c.support)

    def support(self, candidate: Candidate) -> float:
        """How well a sentence answers the question: cosine plus weighted term coverage."""
        coverage = max(candidate.coverage, 0.5 * candidate.paragraph_coverage)
        return candidate.dense + self.settings.coverage_weight * coverage

    def corroborating(
        self, chosen: Candidate, pool: Sequence[Candidate], lexical: LexicalIndex
    ) -> list[Candidate]:
        """Sentences of other articles that state the same thing as ``chosen``.

        Same thing = near-identical embedding, the same numbers, and most of the distinctive
        vocabulary of the shorter sentence shared (embeddings alone match any two sentences
        about the same people).
        """
        return self._parallel(chosen, pool, lexical, same_numbers=True)

    def differing(
        self, chosen: Candidate, pool: Sequence[Candidate], lexical: LexicalIndex
    ) -> list[Candidate]:
        """Sentences of other articles that tell the same thing as ``chosen`` with other figures.

        Same test as :meth:`corroborating` except that both sentences hold numbers (dates,
        counts) and they are not the same ones: the articles disagree on a detail.
        """
        return self._parallel(chosen, pool, lexical, same_numbers=False)

    def _parallel(
        self,
        chosen: Candidate,
        pool: Sequence[Candidate],
        lexical: LexicalIndex,
        *,
        same_numbers: bool,
    ) -> list[Candidate]:
        if chosen.vector is None:
            return []
        numbers = set(_NUMBER.findall(chosen.text))
        if not same_numbers and not numbers:
            return []
        found: list[Candidate] = []
        seen = {chosen.passage.article_id}
        for other in pool:
            if len(found) >= MAX_CORROBORATING:
                break
            if other.passage.article_id in seen or other.vector is None:
                continue
            if float(other.vector @ chosen.vector) < self.settings.corroboration:
                continue
            other_numbers = set(_NUMBER.findall(other.text))
            if same_numbers and numbers - other_numbers:
                continue
            if not same_numbers and (not other_numbers or other_numbers == numbers):
                continue
            shorter, longer = sorted((chosen.terms, other.terms), key=len)
            if self.coverage(list(shorter), longer, lexical) < CORROBORATION_OVERLAP:
                continue
            seen.add(other.passage.article_id)
            found.append(other)
        return found

    def compose(
        self,
        query: str,
        query_vector: np.ndarray,
        passages: Sequence[Passage],
        lexical: LexicalIndex,
        *,
        terms_query: str | None = None,
    ) -> Composition:
        """Pick up to ``max_answer_sentences`` supported sentences, or none (a refusal).

        ``terms_query``: see :meth:`score`.
        """
        ranked = self.score(query, query_vector, passages, lexical, terms_query=terms_query)
        result = Composition(candidates=ranked, best_support=ranked[0].support if ranked else 0.0)
        first_bar = self.bar(query, lexical, translated=bool(terms_query))
        if not ranked or ranked[0].support < first_bar:
            return result
        chosen: list[Candidate] = []
        for candidate in ranked:
            if len(chosen) >= self.settings.max_answer_sentences:
                break
            # A sentence of a paragraph already quoted completes it; another one must be strong.
            same_paragraph = any(c.key == candidate.key for c in chosen)
            if not chosen:
                bar = first_bar
            elif same_paragraph:
                bar = first_bar - self.settings.same_paragraph_margin
            else:
                bar = max(first_bar, self.settings.min_extra_support)
            if candidate.support < bar:
                continue
            if any(
                c.vector is not None
                and candidate.vector is not None
                and float(c.vector @ candidate.vector) >= self.settings.corroboration
                for c in chosen
            ):
                continue  # same statement as one already chosen
            chosen.append(candidate)
        for candidate in chosen:
            # Each article's own sentence is quoted with its own citation, so every citation
            # supports exactly the sentence it follows.
            main = _citation(candidate)
            for member in [candidate, *self.corroborating(candidate, ranked, lexical)]:
                result.sentences.append(
                    AnswerSentence(
                        text=_cap(member.text),
                        citations=[main if member is candidate else _citation(member)],
                        support=member.support,
                        corroborates=member is not candidate,
                    )
                )
            for other in self.differing(candidate, ranked, lexical):
                result.sentences.append(
                    AnswerSentence(
                        text=_cap(other.text),
                        citations=[_citation(other)],
                        support=other.support,
                        differs_from=main,
                    )
                )
        return result


def _citation(candidate: Candidate) -> Citation:
    return Citation.of(candidate.passage, candidate.text)
