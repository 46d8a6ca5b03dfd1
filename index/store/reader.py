"""The read path: every read sees exactly the committed generation, in pages."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import Any

from index.errors import EmbedderError, IndexCorruptError
from index.store.client import REBUILD_FIX, _map_store_errors, damage_guard
from index.store.generations import (
    LAYOUT,
    GenerationState,
    Metadata,
    classify,
    committed_generation,
    logical_id,
    visible_filter,
)

# Reads of the whole collection go in pages: one embedded-Chroma get() over more than ~32k
# records fails with SQLite's "too many SQL variables".
GET_PAGE = 5000
# Dense search fetches this many times k (plus the margin) unfiltered, then keeps the citable
# visible rows (see StoreReader.dense_search).
DENSE_OVERFETCH = 2
DENSE_MARGIN = 10

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the store."""

    chunk_id: str
    text: str
    metadata: Metadata
    row_id: str = ""  # the store's id of this version of the chunk (``row_id``)

    @property
    def article_id(self) -> str:
        """The article the chunk belongs to."""
        return str(self.metadata["article_id"])

    @property
    def paragraph(self) -> int:
        """The paragraph number the chunk belongs to."""
        return int(self.metadata["paragraph"])


@dataclass(frozen=True)
class IndexStatus:
    """What the store holds."""

    articles: int
    paragraphs: int
    content_paragraphs: int
    chunks: int
    embedder: str
    location: str
    collection: str
    last_indexed: str | None
    revision: str | None
    generation: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class StoreAudit:
    """Every physical row of the collection, classified against the committed generation.

    ``visible`` rows are what readers see; ``superseded`` rows are the previous version of
    changed chunks, kept for readers still on the previous generation; ``pending`` rows were
    written by a sync that has not committed (yet, or ever: it crashed); ``foreign`` rows lack
    the generation fields this package writes.
    """

    generation: int
    visible: list[StoredChunk]
    superseded: int
    pending: int
    garbage: int
    foreign: int

    @property
    def duplicates(self) -> list[str]:
        """Chunk ids that more than one visible row claims."""
        ids = Counter(c.chunk_id for c in self.visible)
        return sorted(i for i, n in ids.items() if n > 1)


def _reading_order(chunk: StoredChunk) -> tuple[str, int, int]:
    return (chunk.article_id, chunk.paragraph, int(chunk.metadata.get("part", 0)))


def paragraph_texts(chunks: Iterable[StoredChunk]) -> dict[tuple[str, int], str]:
    """Each paragraph's text, ``(article id, paragraph)`` → its chunks joined by a space (the
    chunks in reading order, as :meth:`StoreReader.chunks` gives them)."""
    parts: dict[tuple[str, int], list[str]] = {}
    for chunk in chunks:
        parts.setdefault((chunk.article_id, chunk.paragraph), []).append(chunk.text)
    return {key: " ".join(texts) for key, texts in parts.items()}


class StoreReader(GenerationState):
    """Reads of the committed generation: chunks, paragraphs, dense search, status, audit."""

    # A running warm_up(): its thread and what its check raised.
    _warm_up: tuple[threading.Thread, list[BaseException]] | None = None

    def get_all(
        self,
        *,
        where: Metadata | None = None,
        include: list[str],
        collection: Any | None = None,
    ) -> dict[str, list[Any]]:
        """``collection.get`` over every matching record, read in pages of ``GET_PAGE``.

        ``collection`` defaults to the live one (a staging collection during a rebuild).
        """
        source = collection if collection is not None else self.collection
        out: dict[str, list[Any]] = {"ids": [], **{key: [] for key in include}}
        offset = 0
        while True:
            got = source.get(where=where, include=include, limit=GET_PAGE, offset=offset)
            out["ids"].extend(got["ids"])
            for key in include:
                out[key].extend(got[key] or [])
            if len(got["ids"]) < GET_PAGE:
                return out
            offset += GET_PAGE

    @_map_store_errors
    @damage_guard
    def count(self, *, probe: bool = True) -> int:
        """Number of chunks readers see.

        Read from the commit's metadata (one call, whatever the size of the corpus); only a
        collection committed by a version that did not record it is counted id by id.

        Args:
            probe: Also read one row, so that a collection whose data files are damaged fails
                here, as the id scan used to, rather than at the first question. That read is
                Chroma's first touch of the collection (it loads the vector index: ~0.4 s at
                100k paragraphs); :meth:`warm_up` does it in the background instead.
        """
        snapshot = self.snapshot()
        if not snapshot.generation:
            return 0
        if snapshot.chunks is not None:
            if probe and not self.collection.get(limit=1, include=[])["ids"]:
                return 0
            return snapshot.chunks
        return len(self.get_all(where=visible_filter(snapshot.generation), include=[])["ids"])

    def warm_up(self) -> None:
        """Run :meth:`check` in a background thread: Chroma's first read of the collection.

        The first read of a collection loads its vector index (~0.4 s at 100k paragraphs) in
        Chroma's native code, without Python's lock: started when a process opens the store,
        it overlaps the rest of its start (spaCy, BM25, the question's embedding) instead of
        delaying it. What the check raises is raised by the next :meth:`dense_search`, which
        waits for it (the search would wait for the same load anyway).
        """
        failure: list[BaseException] = []

        def run() -> None:
            try:
                # get() loads the vector index without Python's lock; count(), which check()
                # calls first, would hold it for the whole load (~0.45 s at 100k).
                self.collection.get(limit=1, include=[])
                self.check()
            except Exception as exc:  # raised again on the question path
                failure.append(exc)

        thread = threading.Thread(target=run, name="store-warm-up", daemon=True)
        self._warm_up = (thread, failure)
        thread.start()

    def _await_warm_up(self) -> None:
        pending = self._warm_up
        if pending is None:
            return
        thread, failure = pending
        thread.join()
        if failure:
            raise failure[0]
        self._warm_up = None

    @_map_store_errors
    @damage_guard
    def check(self) -> None:
        """Refuse a collection this index cannot use as is; each message gives the fix.

        Raises:
            EmbedderError: built with another embedder, or holds vectors of another dimension.
            IndexCorruptError: rows without the layout this package writes (another tool, an
                older version) or unreadable state.
        """
        state = self.state()
        physical = int(self.collection.count())
        if physical == 0:
            return
        self._check_state(state, physical)
        sample = self.collection.get(limit=1, include=["embeddings"])["embeddings"]
        if sample is not None and len(sample) and len(sample[0]) != self.embedder.dimension:
            raise EmbedderError(
                f"{self.index_description} holds vectors of dimension {len(sample[0])} "
                f"although its metadata says {state.get('dimension')}; it was mixed with another "
                f"model's index; {REBUILD_FIX}."
            )

    @_map_store_errors
    def check_metadata(self) -> None:
        """The part of :meth:`check` read from the collection's metadata alone (layout,
        embedder, dimension), for a collection committed by this indexer: no row is read, so
        Chroma does not load the vector index (see :meth:`warm_up`)."""
        self._check_state(self.state(), None)

    def _check_state(self, state: Metadata, physical: int | None) -> None:
        if state.get("layout") != LAYOUT:
            rows = f"{physical} rows" if physical is not None else "rows"
            raise IndexCorruptError(
                f"{self.index_description} holds {rows} not written by this indexer (no layout "
                f"{LAYOUT} marker: another tool, an older version or a foreign copy); "
                f"{REBUILD_FIX}."
            )
        if state.get("embedder") != self.embedder.name or int(
            state.get("dimension", 0) or 0
        ) != int(self.embedder.dimension):
            raise EmbedderError(
                f"{self.index_description} was built with embedder '{state.get('embedder')}' "
                f"(dim {state.get('dimension')}), not '{self.embedder.name}' "
                f"(dim {self.embedder.dimension}); {REBUILD_FIX}."
            )

    def check_embedder(self) -> None:
        """Alias of :meth:`check` (kept for callers of the first version)."""
        self.check()

    @_map_store_errors
    @damage_guard
    def chunks(
        self, *, content_only: bool = True, generation: int | None = None
    ) -> list[StoredChunk]:
        """Every visible chunk (only citable ones by default), ordered by article and paragraph.

        Args:
            content_only: Only the citable chunks.
            generation: The committed generation to read (read from the store when None).
        """
        if generation is None:
            generation = self.generation()
        if not generation:
            return []
        where = visible_filter(generation, {"is_content": True} if content_only else None)
        got = self.get_all(where=where, include=["documents", "metadatas"])
        rows = [
            StoredChunk(
                chunk_id=logical_id(m or {}), text=d or "", metadata=dict(m or {}), row_id=i
            )
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(rows, key=_reading_order)

    @_map_store_errors
    @damage_guard
    def paragraph_text(self, article_id: str, paragraph: int) -> str | None:
        """Full text of one paragraph (its chunks joined), or None if unknown."""
        generation = self.generation()
        if not generation:
            return None
        got = self.collection.get(
            where=visible_filter(
                generation, {"$and": [{"article_id": article_id}, {"paragraph": paragraph}]}
            ),
            include=["documents", "metadatas"],
        )
        if not got["ids"]:
            return None
        parts = sorted(
            zip(got["metadatas"], got["documents"], strict=True), key=lambda r: int(r[0]["part"])
        )
        return " ".join(doc or "" for _, doc in parts)

    @_map_store_errors
    @damage_guard
    def dense_search(
        self, vector: list[float], k: int, *, generation: int | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """The ``k`` citable chunks nearest to a query vector, with cosine similarity.

        The nearest neighbours are searched without a metadata filter (a ``where`` makes
        Chroma collect every matching id first: work proportional to the collection) and the
        rows readers must not see (flagged blocks, superseded or pending rows) are dropped
        here; ``DENSE_OVERFETCH`` × ``k`` are fetched for that. Only when too few citable
        rows remain is the search repeated with the filter.

        Args:
            vector: The query vector.
            k: How many chunks.
            generation: The committed generation to read (read from the store when None:
                pass the question's :class:`~index.store.generations.Snapshot` to save a call).
        """
        self._await_warm_up()
        if generation is None:
            generation = self.generation()
        if not generation or k < 1:
            return []
        fetch = k * DENSE_OVERFETCH + DENSE_MARGIN
        got = self.collection.query(
            query_embeddings=[list(map(float, vector))],
            n_results=fetch,
            include=["documents", "metadatas", "distances"],
        )
        rows = self._dense_rows(got)
        found = [
            (chunk, similarity)
            for chunk, similarity in rows
            if chunk.metadata.get("is_content")
            and classify(chunk.metadata, generation) == "visible"
        ]
        if len(found) < k and len(rows) >= fetch:  # the neighbourhood is mostly hidden rows
            got = self.collection.query(
                query_embeddings=[list(map(float, vector))],
                n_results=k,
                where=visible_filter(generation, {"is_content": True}),
                include=["documents", "metadatas", "distances"],
            )
            found = self._dense_rows(got)
        return found[:k]

    @_map_store_errors
    @damage_guard
    def nearest_rows(self, vector: list[float], n: int) -> list[tuple[str, float]]:
        """Store ids and cosine similarities of the ``n`` rows nearest to a query vector.

        Any row: hidden, superseded and non-citable ones included. Nothing but the ids and
        distances is read (a row's metadata and text cost ~0.1 ms each to read back), so the
        caller tells visible citable rows by their ids: the retriever does it with the row ids
        kept with the BM25 index of the same revision (:meth:`dense_search` otherwise).
        """
        self._await_warm_up()
        if n < 1:
            return []
        got = self.collection.query(
            query_embeddings=[list(map(float, vector))], n_results=n, include=["distances"]
        )
        ids = (got.get("ids") or [[]])[0] or []
        distances = (got.get("distances") or [[]])[0] or []
        return [(row, 1.0 - distance) for row, distance in zip(ids, distances, strict=True)]

    def dense_search_among(
        self, vector: list[float], k: int, citable: Container[str]
    ) -> list[tuple[str, float]] | None:
        """The ids and cosine similarities of the ``k`` rows nearest to a query vector among
        ``citable`` (the ids of the rows a reader may cite), read by :meth:`nearest_rows`:
        ids and distances only, ``DENSE_OVERFETCH`` × ``k`` fetched as in
        :meth:`dense_search`. None when the neighbourhood is mostly other rows: search with
        :meth:`dense_search` then.
        """
        fetch = k * DENSE_OVERFETCH + DENSE_MARGIN
        hits = self.nearest_rows(vector, fetch)
        found = [(row, similarity) for row, similarity in hits if row in citable]
        if len(found) < k and len(hits) >= fetch:
            return None
        return found[:k]

    @staticmethod
    def _dense_rows(got: dict[str, Any]) -> list[tuple[StoredChunk, float]]:
        # Cosine *distances* for our collection: similarity = 1 - distance.
        documents = (got.get("documents") or [[]])[0] or []
        metadatas = (got.get("metadatas") or [[]])[0] or []
        distances = (got.get("distances") or [[]])[0] or []
        ids = (got.get("ids") or [[]])[0] or [""] * len(distances)
        out = []
        for row, doc, meta, distance in zip(ids, documents, metadatas, distances, strict=True):
            m = dict(meta or {})
            chunk = StoredChunk(chunk_id=logical_id(m), text=doc or "", metadata=m, row_id=row)
            out.append((chunk, 1.0 - distance))
        return out

    @_map_store_errors
    @damage_guard
    def status(self) -> IndexStatus:
        """Counts and provenance of the index (the committed generation)."""
        state = self.state()
        metas = [c.metadata for c in self.chunks(content_only=False)]
        paragraphs = {(m["article_id"], m["paragraph"]) for m in metas}
        content = {(m["article_id"], m["paragraph"]) for m in metas if m.get("is_content")}
        return IndexStatus(
            articles=len({m["article_id"] for m in metas}),
            paragraphs=len(paragraphs),
            content_paragraphs=len(content),
            chunks=len(metas),
            embedder=str(state.get("embedder", self.embedder.name)),
            location=self.location,
            collection=self.settings.collection,
            last_indexed=state.get("last_indexed"),
            revision=state.get("revision"),
            generation=committed_generation(state),
        )

    @_map_store_errors
    @damage_guard
    def audit(self) -> StoreAudit:
        """Classify every physical row (for consistency checks and tests)."""
        generation = self.generation()
        got = self.get_all(include=["documents", "metadatas"])
        visible: list[StoredChunk] = []
        counts: Counter[str] = Counter()
        for row, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            m = dict(meta or {})
            kind = classify(m, generation)
            if kind == "visible":
                visible.append(
                    StoredChunk(chunk_id=logical_id(m), text=doc or "", metadata=m, row_id=row)
                )
            else:
                counts[kind] += 1
        visible.sort(key=_reading_order)
        return StoreAudit(
            generation,
            visible,
            superseded=counts["superseded"],
            pending=counts["pending"],
            garbage=counts["garbage"],
            foreign=counts["foreign"],
        )
