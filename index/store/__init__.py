"""The Chroma store of paragraph chunks, kept in sync with a corpus folder.

One public class, :class:`ArticleStore`, built from one module per concern:

- :mod:`index.store.client`: the Chroma client (embedded or server), error mapping, the
  opening lock, moving a damaged folder aside;
- :mod:`index.store.generations`: the crash-safety scheme (row ids, generations, visibility);
- :mod:`index.store.reader`: the read path (paged reads, chunks, dense search, status, audit);
- :mod:`index.store.writer`: the write path (sync, rebuild, swap-in).

The batch and page sizes (``reader.GET_PAGE``, ``writer.UPSERT_BATCH``, ``writer.DELETE_BATCH``)
are read from their own modules: patch them there.
"""

from __future__ import annotations

from index.store.client import ChromaCollections, damage_guard, make_chroma_client, quarantine_store
from index.store.generations import LAYOUT, Metadata, Snapshot, row_id, visible_filter
from index.store.reader import (
    IndexStatus,
    StoreAudit,
    StoredChunk,
    StoreReader,
    paragraph_texts,
)
from index.store.writer import IndexReport, StoreWriter

__all__ = [
    "LAYOUT",
    "ArticleStore",
    "ChromaCollections",
    "IndexReport",
    "IndexStatus",
    "Metadata",
    "Snapshot",
    "StoreAudit",
    "StoreReader",
    "StoreWriter",
    "StoredChunk",
    "damage_guard",
    "make_chroma_client",
    "paragraph_texts",
    "quarantine_store",
    "row_id",
    "visible_filter",
]


class ArticleStore(StoreWriter):
    """Paragraph chunks in one Chroma collection (:attr:`collection`; :attr:`vectorstore` is
    the same collection as a LangChain ``langchain_chroma.Chroma``).

    Metadata carries the article id, paragraph number, title, date, source path, flag and hashes.
    :meth:`sync` makes the collection mirror a folder, re-embedding only chunks whose text (or
    title) changed::

        store = ArticleStore(IndexSettings(), embedder)
        report = store.sync(Path("data/corpus"))
        report.embedded_paragraphs  # 0 on the second run

    Crash safety: every row carries the generation that ``added`` it and the one that
    ``retired`` it (0 = live); the collection metadata's ``committed`` generation is written last,
    in one call, and every read filters on it. A sync killed at any point leaves the previous
    generation intact for readers; the next sync (under the data dir's lock, see
    :mod:`index.lock`) reuses the rows it had already written and finishes the job.

    The methods come from the layers it stacks: :class:`ChromaCollections` (connection),
    :class:`~index.store.generations.GenerationState` (``state``, ``generation``,
    ``revision``), :class:`StoreReader` (reads) and :class:`StoreWriter` (``sync``, ``reset``).

    Args:
        settings: Gives the store's location, collection name and indexing limits.
        embedder: Embeds passages when indexing and queries for dense search.

    Raises:
        StoreError: the store cannot be opened or reached.
    """
