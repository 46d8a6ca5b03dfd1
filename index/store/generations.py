"""The generation scheme that makes a sync crash-safe.

Every row carries the generation that ``added`` it and the one that ``retired`` it (0 = live);
the collection metadata's ``committed`` generation is written last, in one call, and every read
filters on it (:func:`visible_filter`). A row's id includes a digest of its content
(:func:`row_id`), so a changed chunk is a new row next to the old one and readers switch from one
to the other at the commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from index.chunk import Chunk
from index.store.client import ChromaCollections, _map_store_errors

# Version of the row/collection metadata written by this package (generation fields).
LAYOUT = 2
Metadata = dict[str, Any]
RowKind = Literal["visible", "superseded", "garbage", "pending", "foreign"]


def row_id(chunk: Chunk) -> str:
    """Store id of a chunk version: ``{article_id}:{paragraph}:{part}#{digest}``.

    The digest covers the text and every metadata field, so a changed chunk is written as a new
    row next to the old one; readers switch from one to the other at the commit.
    """
    digest = hashlib.sha256(
        json.dumps(chunk.metadata(), sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    return f"{chunk.chunk_id}#{digest[:20]}"


def logical_id(metadata: Metadata) -> str:
    """The chunk id a row stands for (``{article_id}:{paragraph}:{part}``), without its digest."""
    return f"{metadata.get('article_id')}:{metadata.get('paragraph')}:{metadata.get('part')}"


def visible_filter(generation: int, extra: Metadata | None = None) -> Metadata:
    """Chroma ``where`` selecting the rows of committed generation ``generation``.

    A row is visible when it was added at or before that generation and is not retired at or
    before it (``retired == 0`` means live).
    """
    clauses: list[Metadata] = [
        {"added": {"$lte": generation}},
        {"$or": [{"retired": 0}, {"retired": {"$gt": generation}}]},
    ]
    if extra:
        clauses.append(extra)
    return {"$and": clauses}


def classify(metadata: Metadata, generation: int) -> RowKind:
    """``visible``, ``superseded`` (retired at the last commit), ``garbage`` (retired earlier),
    ``pending`` (added after the last commit) or ``foreign``."""
    added = metadata.get("added")
    retired = metadata.get("retired")
    if not isinstance(added, int) or not isinstance(retired, int):
        return "foreign"
    if added > generation:
        return "pending"
    if retired == 0 or retired > generation:
        return "visible"
    return "superseded" if retired == generation else "garbage"


def committed_generation(state: Metadata) -> int:
    """The committed generation recorded in a collection's metadata (0 = none yet)."""
    return int(state.get("committed", 0) or 0)


@dataclass(frozen=True)
class Snapshot:
    """What readers see, read once (one collection-metadata read, one HTTP call to a server).

    A question reads it once and passes it down (retrieval, BM25 revision, dense search), so
    nothing on the question path reads the store's state twice.

    Attributes:
        generation: The committed generation (0 = nothing committed yet).
        revision: Changes whenever a sync commits (cache key of the BM25 index).
        chunks: Visible chunks as recorded by the last commit (None: written by a version that
            did not record it).
        content_chunks: Visible citable chunks, likewise.
    """

    generation: int
    revision: str | None
    chunks: int | None = None
    content_chunks: int | None = None

    @classmethod
    def from_state(cls, state: Metadata) -> Snapshot:
        """The snapshot recorded in a collection's metadata."""
        revision = state.get("revision")

        def optional_int(key: str) -> int | None:
            value = state.get(key)
            return int(value) if isinstance(value, int | float) else None

        return cls(
            generation=committed_generation(state),
            revision=str(revision) if revision else None,
            chunks=optional_int("chunks"),
            content_chunks=optional_int("content_chunks"),
        )


class GenerationState(ChromaCollections):
    """Reads the committed-generation state of the live collection."""

    @_map_store_errors
    def state(self) -> Metadata:
        """Collection-level state: embedder, dimension, committed generation, revision.

        Read fresh from the store (not the cached collection object), so a commit made by
        another process or client is seen at once.
        """
        fresh = self._collection_named(self.settings.collection)
        if fresh is None:  # dropped underneath us: a rebuild is being swapped in
            return {}
        if fresh.id != self.collection.id:  # swapped by a rebuild: follow it
            self._reopen()
        return dict(fresh.metadata or {})

    def snapshot(self) -> Snapshot:
        """Generation, revision and counts in one read of the collection's metadata."""
        return Snapshot.from_state(self.state())

    def generation(self) -> int:
        """The committed generation readers see (0 = nothing committed yet)."""
        return committed_generation(self.state())

    def revision(self) -> str | None:
        """Changes whenever a sync commits (for cache invalidation)."""
        value = self.state().get("revision")
        return str(value) if value else None
