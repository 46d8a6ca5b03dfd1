"""The Chroma store of paragraph chunks, kept in sync with a corpus folder."""

from index.store.writer import (
    ArticleStore,
    IndexReport,
    IndexStatus,
    StoreAudit,
    StoredChunk,
    make_chroma_client,
    quarantine_store,
)

__all__ = [
    "ArticleStore",
    "IndexReport",
    "IndexStatus",
    "StoreAudit",
    "StoredChunk",
    "make_chroma_client",
    "quarantine_store",
]
