"""BM25 over citable paragraphs (bm25s + Snowball stemming), with term statistics."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.text import Analyzer


@dataclass(frozen=True)
class ParagraphRecord:
    """A citable paragraph as the retriever and answerer see it."""

    article_id: str
    paragraph: int
    text: str
    title: str
    date: str | None
    source: str

    @property
    def key(self) -> tuple[str, int]:
        """``(article_id, paragraph)``."""
        return (self.article_id, self.paragraph)


class LexicalIndex:
    """A BM25 index of paragraphs plus the IDF of every term.

    Args:
        records: The paragraphs to index.
        analyzer: Tokeniser shared with the queries.
    """

    def __init__(self, records: Sequence[ParagraphRecord], analyzer: Analyzer) -> None:
        import bm25s

        self.records = list(records)
        self.analyzer = analyzer
        docs = [analyzer.terms(f"{r.title} {r.text}") for r in self.records]
        self.doc_terms = [set(terms) for terms in docs]
        n = max(len(docs), 1)
        df = Counter(t for terms in self.doc_terms for t in terms)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._bm25 = bm25s.BM25()
        if self.records:
            self._bm25.index([terms or ["∅"] for terms in docs], show_progress=False)

    def term_weight(self, term: str) -> float:
        """IDF of a term; terms the corpus never uses get the highest weight."""
        return self.idf.get(term, self.max_idf)

    def search(self, query: str, k: int) -> list[tuple[ParagraphRecord, float]]:
        """Top ``k`` paragraphs by BM25 (only those sharing a term with the query)."""
        terms = [t for t in self.analyzer.terms(query) if t in self.idf]
        if not terms or not self.records:
            return []
        docs, scores = self._bm25.retrieve(
            [terms], k=min(k, len(self.records)), show_progress=False
        )
        return [
            (self.records[int(i)], float(s))
            for i, s in zip(np.ravel(docs), np.ravel(scores), strict=True)
            if s > 0
        ]
