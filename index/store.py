"""The Chroma store of paragraph chunks, kept in sync with a corpus folder."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import index.offline  # noqa: F401  (offline env before chromadb is imported)
from index.chunk import Chunk, chunk_article
from index.config import Settings
from index.embed import Embedder
from index.errors import EmbedderError, IndexCorruptError, StoreError
from index.lock import index_lock
from index.parse import CorpusLoad, FileIssue, load_corpus

logger = logging.getLogger(__name__)

UPSERT_BATCH = 128
# Reads of the whole collection go in pages: one embedded-Chroma get() over more than ~32k
# records fails with SQLite's "too many SQL variables".
GET_PAGE = 5000
DELETE_BATCH = 1000
# Version of the row/collection metadata written by this module (generation fields).
LAYOUT = 2
Metadata = dict[str, Any]


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the store."""

    chunk_id: str
    text: str
    metadata: Metadata

    @property
    def article_id(self) -> str:
        """The article the chunk belongs to."""
        return str(self.metadata["article_id"])

    @property
    def paragraph(self) -> int:
        """The paragraph number the chunk belongs to."""
        return int(self.metadata["paragraph"])


@dataclass
class IndexReport:
    """What one :meth:`ArticleStore.sync` did."""

    folder: Path
    articles: int = 0
    paragraphs: int = 0
    chunks: int = 0
    embedded_chunks: int = 0
    embedded_paragraphs: int = 0
    metadata_updated: int = 0
    removed_chunks: int = 0
    removed_articles: list[str] = field(default_factory=list)
    issues: list[FileIssue] = field(default_factory=list)
    duplicates: dict[str, str] = field(default_factory=dict)
    # Article ids the committed generation holds from the folders read (not kept old rows).
    indexed: list[str] = field(default_factory=list)
    # Uploaded articles whose interrupted removal this run completed (index.sources).
    completed_removals: list[str] = field(default_factory=list)
    generation: int = 0
    lock_wait_seconds: float = 0.0
    recovered_rows: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether the store was modified."""
        return bool(self.embedded_chunks or self.metadata_updated or self.removed_chunks)


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
    the generation fields this module writes.
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


_F = TypeVar("_F", bound=Callable[..., Any])


def damage_guard(method: _F) -> _F:
    """Turn Chroma's internal errors on a damaged store (e.g. unreadable HNSW files) into an
    :class:`IndexCorruptError` that says how to fix it."""

    @functools.wraps(method)
    def wrapper(self: ArticleStore, *args: Any, **kwargs: Any) -> Any:
        from chromadb.errors import InternalError

        try:
            return method(self, *args, **kwargs)
        except InternalError as exc:
            raise IndexCorruptError(
                f"the index at {self.location} (collection "
                f"'{self.settings.collection}') is damaged: {exc}; run "
                "`python -m rag index --rebuild` to rebuild it."
            ) from exc

    return cast(_F, wrapper)


def make_chroma_client(settings: Settings) -> Any:
    """The one place a Chroma client is made: embedded (default) or a server.

    ``RAG_CHROMA_URL`` (or ``RAG_CHROMA_HOST``/``RAG_CHROMA_PORT``) selects
    ``chromadb.HttpClient`` with ``RAG_CHROMA_HEADERS``; otherwise a ``PersistentClient`` in
    ``settings.chroma_dir``. Everything above this function is the same for both.

    Raises:
        StoreError: the folder cannot be opened or the server cannot be reached (the message
            names the URL).
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    server = settings.chroma_server
    if server is None:
        try:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            path = str(settings.chroma_dir)
            return chromadb.PersistentClient(path=path, settings=chroma_settings)
        except Exception as exc:
            raise StoreError(
                f"cannot open the Chroma store at {settings.chroma_dir}: {exc}. If the folder "
                "is damaged, `python -m rag index --rebuild` moves it aside and rebuilds it."
            ) from exc
    host, port, ssl = server
    try:
        client = chromadb.HttpClient(
            host=host,
            port=port,
            ssl=ssl,
            headers=dict(settings.chroma_headers) or None,
            settings=chroma_settings,
        )
    except Exception as exc:  # ValueError("Could not connect..."), auth errors, bad host...
        raise StoreError(_unreachable(settings, exc)) from exc
    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is not None:  # chromadb's own client waits forever on a hung server
        import httpx

        session.timeout = httpx.Timeout(settings.chroma_timeout, connect=5.0)
    return client


def _unreachable(settings: Settings, exc: BaseException) -> str:
    return (
        f"cannot reach the Chroma server at {settings.chroma_location}: {exc}. Is it running "
        "(`chroma run --path DIR --host HOST --port PORT`) and are RAG_CHROMA_URL / "
        "RAG_CHROMA_HEADERS right?"
    )


def _is_connection_error(exc: BaseException) -> bool:
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx ships with chromadb
        return False
    return isinstance(exc, httpx.TransportError)


def _map_store_errors(method: _F) -> _F:
    """Turn a lost connection to the Chroma server into a :class:`StoreError` naming its URL.

    Nothing is cached about the failure: the next call tries again, so a session recovers as
    soon as the server is back.
    """

    @functools.wraps(method)
    def wrapper(self: ArticleStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise StoreError(_unreachable(self.settings, exc)) from exc
            raise

    return cast(_F, wrapper)


@contextlib.contextmanager
def _opening(settings: Settings) -> Iterator[None]:
    """Serialise opening an embedded store across processes.

    Chroma's first open of a folder creates its SQLite schema and our collection; two processes
    doing it at once collide ("table collections already exists"). The lock is held only while
    opening (well under a second), never while indexing, so readers never wait on an indexer.
    """
    if settings.chroma_server is not None:
        yield
        return
    folder = settings.chroma_dir
    folder.parent.mkdir(parents=True, exist_ok=True)
    with (folder.parent / f".{folder.name}.open.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def quarantine_store(settings: Settings) -> Path | None:
    """Move an unopenable local Chroma folder aside (``<name>.damaged-<time>``); returns where.

    Nothing is deleted: the folder can be inspected or restored by hand.
    """
    folder = settings.chroma_dir
    if not folder.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = folder.with_name(f"{folder.name}.damaged-{stamp}")
    folder.rename(target)
    # chromadb caches one System per path, even a failed one: forget it so the path reopens.
    from chromadb.api.shared_system_client import SharedSystemClient

    for cache in ("_identifier_to_system", "_identifier_to_refcount"):
        getattr(SharedSystemClient, cache, {}).pop(str(folder), None)
    logger.warning("moved the damaged store %s to %s", folder, target)
    return target


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def row_id(chunk: Chunk) -> str:
    """Store id of a chunk version: ``{article_id}:{paragraph}:{part}#{digest}``.

    The digest covers the text and every metadata field, so a changed chunk is written as a new
    row next to the old one; readers switch from one to the other at the commit.
    """
    digest = hashlib.sha256(
        json.dumps(chunk.metadata(), sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    return f"{chunk.chunk_id}#{digest[:20]}"


def _logical_id(metadata: Metadata) -> str:
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


class ArticleStore:
    """Paragraph chunks in one Chroma collection, through ``langchain_chroma.Chroma``.

    Metadata carries the article id, paragraph number, title, date, source path, flag and hashes.
    :meth:`sync` makes the collection mirror a folder, re-embedding only chunks whose text (or
    title) changed::

        store = ArticleStore(Settings(), embedder)
        report = store.sync(Path("data/corpus"))
        report.embedded_paragraphs  # 0 on the second run

    Crash safety: every row carries the generation that ``added`` it and the one that
    ``retired`` it (0 = live); the collection metadata's ``committed`` generation is written last,
    in one call, and every read filters on it. A sync killed at any point leaves the previous
    generation intact for readers; the next sync (under the data dir's lock, see
    :mod:`index.lock`) reuses the rows it had already written and finishes the job.
    """

    @_map_store_errors
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        with _opening(settings):
            self._client = self._make_client(settings)
            self.vectorstore = self._open_vectorstore()

    @staticmethod
    def _make_client(settings: Settings) -> Any:
        return make_chroma_client(settings)

    def _open_vectorstore(self, name: str | None = None) -> Any:
        from langchain_chroma import Chroma

        return Chroma(
            collection_name=name or self.settings.collection,
            embedding_function=self.embedder,
            client=self._client,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )

    @property
    def collection(self) -> Any:
        """The underlying ``chromadb`` collection."""
        return self.vectorstore._collection

    # -- reading ---------------------------------------------------------------------------

    @property
    def location(self) -> str:
        """The server URL or the embedded folder, for messages and cache keys."""
        return self.settings.chroma_location

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
    def state(self) -> Metadata:
        """Collection-level state: embedder, dimension, committed generation, revision.

        Read fresh from the store (not the cached collection object), so a commit made by
        another process or client is seen at once.
        """
        fresh = self._collection_named(self.settings.collection)
        if fresh is None:  # dropped underneath us: a rebuild is being swapped in
            return {}
        if fresh.id != self.collection.id:  # swapped by a rebuild: follow it
            self.vectorstore = self._open_vectorstore()
        return dict(fresh.metadata or {})

    def generation(self) -> int:
        """The committed generation readers see (0 = nothing committed yet)."""
        return int(self.state().get("committed", 0) or 0)

    @_map_store_errors
    @damage_guard
    def count(self) -> int:
        """Number of chunks readers see."""
        generation = self.generation()
        if not generation:
            return 0
        return len(self.get_all(where=visible_filter(generation), include=[])["ids"])

    def revision(self) -> str | None:
        """Changes whenever a sync commits (for cache invalidation)."""
        value = self.state().get("revision")
        return str(value) if value else None

    @_map_store_errors
    @damage_guard
    def check(self) -> None:
        """Refuse a collection this index cannot use as is; each message gives the fix.

        Raises:
            EmbedderError: built with another embedder, or holds vectors of another dimension.
            IndexCorruptError: rows without the layout this module writes (another tool, an
                older version) or unreadable state.
        """
        state = self.state()
        physical = int(self.collection.count())
        if physical == 0:
            return
        fix = "run `python -m rag index --rebuild` to rebuild it"
        where = f"the index at {self.location} (collection '{self.settings.collection}')"
        if state.get("layout") != LAYOUT:
            raise IndexCorruptError(
                f"{where} holds {physical} rows not written by this indexer (no layout "
                f"{LAYOUT} marker: another tool, an older version or a foreign copy); {fix}."
            )
        if state.get("embedder") != self.embedder.name or int(
            state.get("dimension", 0) or 0
        ) != int(self.embedder.dimension):
            raise EmbedderError(
                f"{where} was built with embedder '{state.get('embedder')}' "
                f"(dim {state.get('dimension')}), not '{self.embedder.name}' "
                f"(dim {self.embedder.dimension}); {fix}."
            )
        sample = self.collection.get(limit=1, include=["embeddings"])["embeddings"]
        if sample is not None and len(sample) and len(sample[0]) != self.embedder.dimension:
            raise EmbedderError(
                f"{where} holds vectors of dimension {len(sample[0])} although its metadata "
                f"says {state.get('dimension')}; it was mixed with another model's index; {fix}."
            )

    def check_embedder(self) -> None:
        """Alias of :meth:`check` (kept for callers of the first version)."""
        self.check()

    @_map_store_errors
    @damage_guard
    def chunks(self, *, content_only: bool = True) -> list[StoredChunk]:
        """Every visible chunk (only citable ones by default), ordered by article and paragraph."""
        generation = self.generation()
        if not generation:
            return []
        where = visible_filter(generation, {"is_content": True} if content_only else None)
        got = self.get_all(where=where, include=["documents", "metadatas"])
        rows = [
            StoredChunk(chunk_id=_logical_id(m or {}), text=d or "", metadata=dict(m or {}))
            for d, m in zip(got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(
            rows, key=lambda c: (c.article_id, c.paragraph, int(c.metadata.get("part", 0)))
        )

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
    def dense_search(self, vector: list[float], k: int) -> list[tuple[StoredChunk, float]]:
        """The ``k`` citable chunks nearest to a query vector, with cosine similarity."""
        generation = self.generation()
        physical = int(self.collection.count())
        if not generation or not physical:
            return []
        # Despite its name this returns cosine *distances* for our collection.
        results = self.vectorstore.similarity_search_by_vector_with_relevance_scores(
            vector,
            k=min(k, physical),
            filter=visible_filter(generation, {"is_content": True}),
        )
        return [
            (
                StoredChunk(
                    chunk_id=_logical_id(dict(doc.metadata)),
                    text=doc.page_content,
                    metadata=dict(doc.metadata),
                ),
                1.0 - distance,
            )
            for doc, distance in results
        ]

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
            generation=int(state.get("committed", 0) or 0),
        )

    @_map_store_errors
    @damage_guard
    def audit(self) -> StoreAudit:
        """Classify every physical row (for consistency checks and tests)."""
        generation = self.generation()
        got = self.get_all(include=["documents", "metadatas"])
        visible: list[StoredChunk] = []
        superseded = pending = garbage = foreign = 0
        for doc, meta in zip(got["documents"], got["metadatas"], strict=True):
            m = dict(meta or {})
            kind = _classify(m, generation)
            if kind == "visible":
                visible.append(StoredChunk(chunk_id=_logical_id(m), text=doc or "", metadata=m))
            elif kind == "superseded":
                superseded += 1
            elif kind == "pending":
                pending += 1
            elif kind == "garbage":
                garbage += 1
            else:
                foreign += 1
        visible.sort(key=lambda c: (c.article_id, c.paragraph, int(c.metadata.get("part", 0))))
        return StoreAudit(generation, visible, superseded, pending, garbage, foreign)

    # -- writing ---------------------------------------------------------------------------

    def _staging_name(self) -> str:
        return f"{self.settings.collection}.rebuild"

    def _collection_named(self, name: str) -> Any | None:
        from chromadb.errors import NotFoundError

        try:
            return self._client.get_collection(name)
        except NotFoundError:
            return None

    @_map_store_errors
    def reset(self) -> None:
        """Drop the collection and start empty (not crash-safe: prefer ``sync(rebuild=True)``)."""
        with index_lock(self.settings):
            self.vectorstore.delete_collection()
            self.vectorstore = self._open_vectorstore()

    @_map_store_errors
    def sync(
        self,
        folder: Path | str | Sequence[Path | str],
        *,
        rebuild: bool = False,
        progress: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> IndexReport:
        """Make the collection mirror the articles of ``folder``.

        New and changed chunks are embedded and added, unchanged ones are left alone, chunks of
        deleted files or vanished paragraphs are retired. A file that exists but cannot be read
        keeps its previously indexed chunks. A missing or empty folder changes nothing. The new
        state becomes visible to readers in one step, at the end; a sync that is killed changes
        nothing they see, and the next one resumes from the rows it had written.

        Args:
            folder: The corpus folder (or several folders, indexed together).
            rebuild: Build a fresh collection (new embedder, foreign or damaged index) and swap
                it in at the end; readers keep the old one until then.
            progress: Show a progress bar on stderr while embedding.
            on_progress: Called with (chunks embedded so far, chunks to embed).

        Raises:
            CorpusNotFoundError: the folder does not exist.
            EmptyCorpusError: the folder holds no readable article.
            EmbedderError: the index was built with another embedder (use ``rebuild``).
            IndexCorruptError: the collection holds rows this indexer did not write.
            IndexLockedError: another indexer kept the data dir's lock too long.
        """
        started = time.perf_counter()
        load = load_corpus(folder, self.settings)
        wanted, rejected = self._wanted_chunks(load)
        with index_lock(self.settings) as waited:
            logger.debug("sync: lock acquired after %.3fs", waited)
            self._finish_interrupted_rebuild()
            if rebuild:
                report = self._rebuild(load, wanted, progress, on_progress)
            else:
                self.check()
                report = self._apply(self.collection, load, wanted, progress, on_progress)
        report.issues.extend(rejected)
        report.lock_wait_seconds = waited
        report.seconds = time.perf_counter() - started
        logger.debug("sync: done")
        return report

    def _wanted_chunks(self, load: CorpusLoad) -> tuple[list[Chunk], list[FileIssue]]:
        wanted: list[Chunk] = []
        rejected: list[FileIssue] = []
        for article in list(load.articles):
            chunks = load.chunks.get(article.article_id) or chunk_article(
                article, self.settings.max_chunk_tokens
            )
            if len(chunks) > self.settings.max_chunks_per_file:
                rejected.append(
                    FileIssue(
                        article.source,
                        f"skipped: too many chunks ({len(chunks)} > "
                        f"{self.settings.max_chunks_per_file}, RAG_MAX_CHUNKS_PER_FILE)",
                    )
                )
                load.articles.remove(article)
                load.unreadable_ids.add(article.article_id)
                continue
            wanted.extend(chunks)
        return wanted, rejected

    def _apply(
        self,
        collection: Any,
        load: CorpusLoad,
        wanted: list[Chunk],
        progress: bool,
        on_progress: Callable[[int, int], None] | None,
        vector_source: Any | None = None,
    ) -> IndexReport:
        """Bring ``collection`` to the rows of ``wanted`` as one new committed generation."""
        # Fresh, not the handle's cached copy: another process may have committed meanwhile.
        fresh = self._collection_named(collection.name)
        state = dict((fresh.metadata if fresh is not None else collection.metadata) or {})
        committed = int(state.get("committed", 0) or 0)
        target = committed + 1
        existing = self.get_all(include=["metadatas"], collection=collection)
        rows = {
            i: dict(m or {}) for i, m in zip(existing["ids"], existing["metadatas"], strict=True)
        }
        foreign = [i for i, m in rows.items() if _classify(m, committed) == "foreign"]
        if foreign:
            raise IndexCorruptError(
                f"the collection '{collection.name}' holds {len(foreign)} rows without "
                f"generation fields (e.g. {foreign[0]!r}): written by another tool; run "
                "`python -m rag index --rebuild`."
            )
        kinds = {i: _classify(m, committed) for i, m in rows.items()}
        by_row = {row_id(c): c for c in wanted}
        kept_ids = {
            i
            for i, m in rows.items()
            if kinds[i] == "visible" and m.get("article_id") in load.unreadable_ids
        }
        report = IndexReport(
            folder=load.folder,
            articles=len(load.articles),
            paragraphs=sum(len(a.paragraphs) for a in load.articles),
            chunks=len(wanted),
            issues=list(load.issues),
            duplicates=dict(load.duplicates),
            indexed=sorted(a.article_id for a in load.articles),
        )
        # 1. Clean what no reader can see: retired before the last commit, or left by a crash.
        drop = [
            i for i, kind in kinds.items() if kind in ("garbage", "pending") and i not in by_row
        ]
        report.recovered_rows = sum(1 for i in drop if kinds[i] == "pending")
        dropped = set(drop)
        for batch in _batches(drop, DELETE_BATCH):
            collection.delete(ids=batch)
        logger.debug("sync: cleaned %d rows", len(drop))
        # 2. Undo retirements a crashed sync had started on rows that are still wanted.
        unretire = [
            i
            for i, kind in kinds.items()
            if kind == "visible" and rows[i].get("retired", 0) and (i in by_row or i in kept_ids)
        ]
        if unretire:
            collection.update(ids=unretire, metadatas=[{"retired": 0}] * len(unretire))
        # 3. Write the new generation's rows, invisible until the commit.
        present = {i for i, kind in kinds.items() if kind in ("visible", "pending")}
        revive = [
            i for i, kind in kinds.items() if kind in ("superseded", "garbage") and i in by_row
        ]
        if revive:
            collection.update(ids=revive, metadatas=[{"added": target, "retired": 0}] * len(revive))
        revived = set(revive)
        resumed = [i for i, kind in kinds.items() if kind == "pending" and i in by_row]
        new = [c for r, c in by_row.items() if r not in present and r not in revived]
        sources = {i: m for i, m in rows.items() if i not in dropped}
        copied, embedded = self._write_rows(
            collection, new, target, sources, vector_source, progress, on_progress
        )
        report.embedded_chunks = len(embedded)
        report.embedded_paragraphs = len({(c.article_id, c.paragraph) for c in embedded})
        report.metadata_updated = len(copied) + len(revive)
        # 4. Retire what the new generation no longer holds (still visible until the commit).
        retire = [
            i
            for i, kind in kinds.items()
            if kind == "visible" and i not in by_row and i not in kept_ids
        ]
        if retire:
            for batch in _batches(retire, DELETE_BATCH):
                collection.update(ids=batch, metadatas=[{"retired": target}] * len(batch))
            logger.debug("sync: retired %d rows", len(retire))
        report.removed_chunks = len(retire)
        current = {c.article_id for c in wanted} | load.unreadable_ids
        report.removed_articles = sorted({str(rows[i].get("article_id")) for i in retire} - current)
        changed = bool(new or revive or resumed or retire)
        # 5. Commit: one metadata write switches every reader to the new generation.
        if changed or not committed:
            collection.modify(
                metadata={
                    **state,
                    "layout": LAYOUT,
                    "embedder": self.embedder.name,
                    "dimension": int(self.embedder.dimension),
                    "committed": target,
                    "revision": uuid.uuid4().hex,
                    "last_indexed": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
            committed = target
            logger.debug("sync: committed generation %d", target)
        report.generation = committed
        # 6. Drop rows retired before the previous generation (kept one generation for readers
        # that started before the commit).
        old = [
            i
            for i, m in rows.items()
            if 0 < int(m.get("retired", 0) or 0) < committed
            and i not in dropped
            and i not in revived
        ]
        for batch in _batches(old, DELETE_BATCH):
            collection.delete(ids=batch)
        return report

    def _write_rows(
        self,
        collection: Any,
        chunks: list[Chunk],
        generation: int,
        rows: dict[str, Metadata],
        vector_source: Any | None,
        progress: bool,
        on_progress: Callable[[int, int], None] | None,
    ) -> tuple[list[Chunk], list[Chunk]]:
        """Add rows for ``chunks``, reusing stored vectors of identical embed text."""
        if not chunks:
            return [], []
        by_hash: dict[str, str] = {}
        for i, m in rows.items():
            by_hash.setdefault(str(m.get("embed_hash")), i)
        source_ids: dict[str, str] = {}
        if vector_source is not None:
            got = self.get_all(include=["metadatas"], collection=vector_source)
            for i, m in zip(got["ids"], got["metadatas"], strict=True):
                source_ids.setdefault(str((m or {}).get("embed_hash")), i)
        copied = [c for c in chunks if c.embed_hash in by_hash or c.embed_hash in source_ids]
        copied_ids = {row_id(c) for c in copied}
        embedded = [c for c in chunks if row_id(c) not in copied_ids]
        for batch in _batches(copied, UPSERT_BATCH):
            stored = self._stored_vectors(collection, vector_source, by_hash, source_ids, batch)
            self._add(collection, batch, stored, generation)
        if embedded:
            from tqdm.auto import tqdm

            done = 0
            with tqdm(
                total=len(embedded), unit="chunk", desc="Embedding", disable=not progress
            ) as bar:
                for batch in _batches(embedded, UPSERT_BATCH):
                    vectors = self.embedder.encode_passages([c.embed_text for c in batch])
                    self._add(collection, batch, vectors, generation)
                    done += len(batch)
                    bar.update(len(batch))
                    logger.debug("sync: embedded %d/%d", done, len(embedded))
                    if on_progress:
                        on_progress(done, len(embedded))
        return copied, embedded

    @staticmethod
    def _stored_vectors(
        collection: Any,
        vector_source: Any | None,
        by_hash: dict[str, str],
        source_ids: dict[str, str],
        batch: list[Chunk],
    ) -> list[Any]:
        vectors: dict[str, Any] = {}
        for where, lookup in ((collection, by_hash), (vector_source, source_ids)):
            ids = sorted({lookup[c.embed_hash] for c in batch if c.embed_hash in lookup})
            ids = [i for i in ids if i not in vectors]
            if where is None or not ids:
                continue
            got = where.get(ids=ids, include=["embeddings"])
            vectors.update(zip(got["ids"], got["embeddings"], strict=True))
        out = []
        for c in batch:
            key = by_hash.get(c.embed_hash)
            if key is None or key not in vectors:
                key = source_ids[c.embed_hash]
            out.append(vectors[key])
        return out

    @staticmethod
    def _add(collection: Any, batch: list[Chunk], vectors: Any, generation: int) -> None:
        collection.upsert(
            ids=[row_id(c) for c in batch],
            embeddings=vectors,
            documents=[c.text for c in batch],
            metadatas=[{**c.metadata(), "added": generation, "retired": 0} for c in batch],
        )

    def _rebuild(
        self,
        load: CorpusLoad,
        wanted: list[Chunk],
        progress: bool,
        on_progress: Callable[[int, int], None] | None,
    ) -> IndexReport:
        """Build a staging collection, commit it, then swap it in for the live one."""
        staging_name = self._staging_name()
        if self._collection_named(staging_name) is not None:
            self._client.delete_collection(staging_name)
        staging = self._open_vectorstore(staging_name)._collection
        from chromadb.errors import InternalError

        live = self._collection_named(self.settings.collection)
        source = None
        try:
            previous = {
                str(m.get("article_id"))
                for m in (
                    self.get_all(include=["metadatas"], collection=live)["metadatas"]
                    if live
                    else []
                )
            }
        except InternalError:  # damaged: rebuilt from the files alone
            live, previous = None, set()
        if live is not None:
            state = dict(live.metadata or {})
            same_model = (
                state.get("layout") == LAYOUT
                and state.get("embedder") == self.embedder.name
                and int(state.get("dimension", 0) or 0) == int(self.embedder.dimension)
            )
            try:  # reuse its vectors only if they are sound
                self.check()
                source = live if same_model else None
            except (EmbedderError, IndexCorruptError):
                source = None
        report = self._apply(staging, load, wanted, progress, on_progress, vector_source=source)
        report.removed_articles = sorted(previous - {a.article_id for a in load.articles})
        self._swap_in(staging)
        return report

    def _swap_in(self, staging: Any) -> None:
        """Replace the live collection by a committed staging one."""
        for attempt in range(3):
            if self._collection_named(self.settings.collection) is not None:
                self._client.delete_collection(self.settings.collection)
            logger.debug("sync: live collection dropped")
            try:
                staging.modify(name=self.settings.collection)
                break
            except Exception:  # a reader re-created the name in between: drop it again
                if attempt == 2:
                    raise
        logger.debug("sync: staging swapped in")
        self.vectorstore = self._open_vectorstore()

    def _finish_interrupted_rebuild(self) -> None:
        """A rebuild killed after committing its staging collection is completed; an earlier
        one is discarded (the live collection was never touched)."""
        staging = self._collection_named(self._staging_name())
        if staging is None:
            return
        live = self._collection_named(self.settings.collection)
        staged = int((staging.metadata or {}).get("committed", 0) or 0)
        live_committed = int(((live.metadata if live else None) or {}).get("committed", 0) or 0)
        if staged and (live is None or (not live_committed and live.count() == 0)):
            logger.warning("finishing an interrupted rebuild of '%s'", self.settings.collection)
            self._swap_in(staging)
        else:
            self._client.delete_collection(self._staging_name())


def _classify(metadata: Metadata, generation: int) -> str:
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
