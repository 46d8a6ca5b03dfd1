"""LangChain's standard retriever test suite (PyPI ``langchain-tests``), run unmodified."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from index.config import BUNDLED_CORPUS
from index.embed import Embedder
from rag import Assistant, ParagraphRetriever
from rag.config import Settings
from rag.retrieve import HybridRetriever

pytestmark = pytest.mark.integration


@lru_cache(maxsize=1)
def _engine() -> HybridRetriever:
    # Class properties cannot take fixtures; build one real index for the suite.
    data_dir = Path(tempfile.mkdtemp(prefix="rag-lc-suite-"))
    settings = Settings(data_dir=data_dir, corpus_dir=BUNDLED_CORPUS)
    return Assistant(settings, embedder=Embedder.from_settings(settings)).retriever


class TestParagraphRetrieverStandard(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[ParagraphRetriever]:
        return ParagraphRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"engine": _engine()}

    @property
    def retriever_query_example(self) -> str:
        return "Qui a négocié le plan de paix avec Kirill Dmitriev ?"
