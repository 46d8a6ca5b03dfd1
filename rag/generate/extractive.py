"""The default generator: the LLM-free extractive answerer (verbatim quotes, no network)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.embed import Embedder
from rag.answer import Composition, ExtractiveAnswerer
from rag.config import Settings
from rag.generate.base import Generator
from rag.lexical import LexicalIndex
from rag.types import Passage


class ExtractiveGenerator(Generator):
    """Quote the best-supported sentences of the retrieved paragraphs, each cited; or refuse.

    Also the fallback of every LLM generator::

        generator = ExtractiveGenerator(ExtractiveAnswerer(embedder, settings))
        generator.compose(query, query_vector, passages, lexical).sentences

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

    def compose(
        self,
        query: str,
        query_vector: np.ndarray,
        passages: Sequence[Passage],
        lexical: LexicalIndex,
    ) -> Composition:
        """The answerer's composition (sentences with citations, or none: a refusal)."""
        return self.answerer.compose(query, query_vector, passages, lexical)
