"""The default generator: the LLM-free extractive answerer (verbatim quotes, no network)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.embed import Embedder
from rag.answer import Composition, ExtractiveAnswerer
from rag.config import Settings
from rag.generate.base import Draft, GenerationRequest, Generator
from rag.lexical import LexicalIndex
from rag.types import Passage


class ExtractiveGenerator(Generator):
    """Quote the best-supported sentences of the retrieved paragraphs, each cited; or refuse.

    Its draft units are :class:`rag.types.AnswerSentence` objects (verbatim quotes with their
    citations), verified like any generator's. It is also what the assistant answers with when
    an LLM generator fails::

        generator = ExtractiveGenerator(ExtractiveAnswerer(embedder, settings))
        draft = generator.draft(request)   # request.query_vector and request.lexical set

    Args:
        answerer: The extractive answerer to compose with.
    """

    name = "extractive"
    uses_llm = False

    def __init__(self, answerer: ExtractiveAnswerer) -> None:
        if not isinstance(answerer, ExtractiveAnswerer):
            raise ValueError("answerer must be an ExtractiveAnswerer")
        self.answerer = answerer

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> ExtractiveGenerator:
        """A generator with its own answerer."""
        return cls(ExtractiveAnswerer(embedder, settings))

    def draft(self, request: GenerationRequest) -> Draft:
        """The composed quotes, with the best support and each paragraph's support.

        Raises:
            ValueError: the request lacks ``query_vector`` or ``lexical``.
        """
        if request.query_vector is None or not isinstance(request.lexical, LexicalIndex):
            raise ValueError("the extractive generator needs request.query_vector and .lexical")
        composition = self.compose(
            request.query,
            request.query_vector,
            request.passages,
            request.lexical,
            terms_query=request.terms_query,
        )
        return Draft(
            units=list(composition.sentences),
            support=composition.best_support,
            paragraph_support=composition.paragraph_support(),
        )

    def compose(
        self,
        query: str,
        query_vector: np.ndarray,
        passages: Sequence[Passage],
        lexical: LexicalIndex,
        *,
        terms_query: str | None = None,
    ) -> Composition:
        """The answerer's composition (sentences with citations, or none: a refusal).

        ``terms_query``: see :meth:`rag.answer.ExtractiveAnswerer.score`.
        """
        return self.answerer.compose(
            query, query_vector, passages, lexical, terms_query=terms_query
        )
