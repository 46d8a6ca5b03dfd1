"""The hybrid retriever as a LangChain ``BaseRetriever`` (:meth:`Assistant.as_retriever`).

Its own module: LangChain's retriever and callback machinery take a few tenths of a second
to import, which a process that only answers questions (``python -m rag ask``) never pays.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from rag.retrieve import HybridRetriever


class ParagraphRetriever(BaseRetriever):
    """LangChain retriever over the hybrid index: one :class:`Document` per paragraph.

    ::

        retriever = assistant.as_retriever(k=4)
        docs = retriever.invoke("Qui est Kirill Dmitriev ?")
        docs[0].metadata["article_id"], docs[0].metadata["paragraph"]
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: HybridRetriever
    k: int = Field(4, ge=1)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        return [p.to_document() for p in self.engine.retrieve(query, k)]
