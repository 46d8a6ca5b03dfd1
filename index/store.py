"""The Chroma store of paragraph chunks, kept in sync with a corpus folder."""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import index.offline  # noqa: F401  (offline env before chromadb is imported)
from index.chunk import Chunk, chunk_article
from index.config import Settings
from index.embed import Embedder
from index.errors import EmbedderError, StoreError
from index.parse import FileIssue, load_corpus

logger = logging.getLogger(__name__)

UPSERT_BATCH = 128
# Reads of the whole collection go in pages: one embedded-Chroma get() over more than ~32k
# records fails with SQLite's "too many SQL variables".
GET_PAGE = 5000
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

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return dict(self.__dict__)


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
                f"cannot open the Chroma store at {settings.chroma_dir}: {exc}"
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


_F = TypeVar("_F", bound=Callable[..., Any])


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


def _batches(items: list[Chunk], size: int) -> Iterator[list[Chunk]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ArticleStore:
    """Paragraph chunks in one Chroma collection, through ``langchain_chroma.Chroma``.

    Ids are ``{article_id}:{paragraph}:{part}``; metadata carries the article id, paragraph
    number, title, date, source path, flag and hashes. :meth:`sync` makes the collection mirror
    a folder, re-embedding only chunks whose text (or title) changed::

        store = ArticleStore(Settings(), embedder)
        report = store.sync(Path("data/corpus"))
        report.embedded_paragraphs  # 0 on the second run
    """

    @_map_store_errors
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client = self._make_client(settings)
        self.vectorstore = self._open_vectorstore()

    @staticmethod
    def _make_client(settings: Settings) -> Any:
        return make_chroma_client(settings)

    def _open_vectorstore(self) -> Any:
        from langchain_chroma import Chroma

        return Chroma(
            collection_name=self.settings.collection,
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

    def get_all(self, *, where: Metadata | None = None, include: list[str]) -> dict[str, list[Any]]:
        """``collection.get`` over every matching record, read in pages of ``GET_PAGE``."""
        out: dict[str, list[Any]] = {"ids": [], **{key: [] for key in include}}
        offset = 0
        while True:
            got = self.collection.get(where=where, include=include, limit=GET_PAGE, offset=offset)
            out["ids"].extend(got["ids"])
            for key in include:
                out[key].extend(got[key] or [])
            if len(got["ids"]) < GET_PAGE:
                return out
            offset += GET_PAGE

    @_map_store_errors
    def count(self) -> int:
        """Number of chunks stored."""
        return int(self.collection.count())

    @_map_store_errors
    def state(self) -> Metadata:
        """Collection-level state: embedder, dimension, revision, last indexed.

        Read afresh from Chroma (one small request), so a sync by another process sharing the
        store or server is seen; if that process rebuilt the collection, it is reopened.
        """
        from chromadb.errors import NotFoundError

        try:
            fresh = self._client.get_collection(self.settings.collection)
        except NotFoundError:  # dropped by another process: start from an empty one
            self.vectorstore = self._open_vectorstore()
            return dict(self.collection.metadata or {})
        if fresh.id != self.collection.id:
            self.vectorstore = self._open_vectorstore()
        return dict(fresh.metadata or {})

    def revision(self) -> str | None:
        """Changes whenever a sync modifies the collection (for cache invalidation)."""
        value = self.state().get("revision")
        return str(value) if value else None

    @_map_store_errors
    def check_embedder(self) -> None:
        """Refuse to mix vectors of two models in one collection.

        Raises:
            EmbedderError: the collection was built with another embedder or dimension.
        """
        state = self.state()
        if not state.get("embedder") or self.count() == 0:
            return
        if (
            state["embedder"] != self.embedder.name
            or int(state.get("dimension", 0)) != self.embedder.dimension
        ):
            raise EmbedderError(
                f"the index at {self.location} was built with embedder "
                f"'{state['embedder']}' (dim {state.get('dimension')}), not '{self.embedder.name}' "
                f"(dim {self.embedder.dimension}); run `python -m rag index --rebuild`."
            )

    @_map_store_errors
    def chunks(self, *, content_only: bool = True) -> list[StoredChunk]:
        """Every stored chunk (only citable ones by default), ordered by id."""
        where = {"is_content": True} if content_only else None
        got = self.get_all(where=where, include=["documents", "metadatas"])
        rows = [
            StoredChunk(chunk_id=i, text=d or "", metadata=dict(m or {}))
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(
            rows, key=lambda c: (c.article_id, c.paragraph, int(c.metadata.get("part", 0)))
        )

    @_map_store_errors
    def paragraph_text(self, article_id: str, paragraph: int) -> str | None:
        """Full text of one paragraph (its chunks joined), or None if unknown."""
        got = self.collection.get(
            where={"$and": [{"article_id": article_id}, {"paragraph": paragraph}]},
            include=["documents", "metadatas"],
        )
        if not got["ids"]:
            return None
        parts = sorted(
            zip(got["metadatas"], got["documents"], strict=True), key=lambda r: int(r[0]["part"])
        )
        return " ".join(doc or "" for _, doc in parts)

    @_map_store_errors
    def dense_search(self, vector: list[float], k: int) -> list[tuple[StoredChunk, float]]:
        """The ``k`` citable chunks nearest to a query vector, with cosine similarity."""
        # Despite its name this returns cosine *distances* for our collection.
        results = self.vectorstore.similarity_search_by_vector_with_relevance_scores(
            vector, k=min(k, max(self.count(), 1)), filter={"is_content": True}
        )
        return [
            (
                StoredChunk(
                    chunk_id=str(doc.id), text=doc.page_content, metadata=dict(doc.metadata)
                ),
                1.0 - distance,
            )
            for doc, distance in results
        ]

    @_map_store_errors
    def status(self) -> IndexStatus:
        """Counts and provenance of the index."""
        metas = self.get_all(include=["metadatas"])["metadatas"]
        paragraphs = {(m["article_id"], m["paragraph"]) for m in metas}
        content = {(m["article_id"], m["paragraph"]) for m in metas if m.get("is_content")}
        state = self.state()
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
        )

    # -- writing ---------------------------------------------------------------------------

    @_map_store_errors
    def reset(self) -> None:
        """Drop the collection and start empty."""
        self.vectorstore.delete_collection()
        self.vectorstore = self._open_vectorstore()

    def _mark_revision(self) -> None:
        self.collection.modify(
            metadata={
                "embedder": self.embedder.name,
                "dimension": self.embedder.dimension,
                "revision": uuid.uuid4().hex,
                "last_indexed": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )

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

        New and changed chunks are embedded and upserted, unchanged ones are left alone, chunks
        of deleted files or vanished paragraphs are removed. A file that exists but cannot be
        read keeps its previously indexed chunks. A missing or empty folder changes nothing.

        Args:
            folder: The corpus folder (or several folders, indexed together).
            rebuild: Drop everything first and re-embed all chunks.
            progress: Show a progress bar on stderr while embedding.
            on_progress: Called with (chunks embedded so far, chunks to embed).

        Raises:
            CorpusNotFoundError: the folder does not exist.
            EmptyCorpusError: the folder holds no readable article.
            EmbedderError: the index was built with another embedder (use ``rebuild``).
        """
        started = time.perf_counter()
        load = load_corpus(folder)
        if rebuild:
            self.reset()
        else:
            self.check_embedder()
        wanted = [
            c
            for article in load.articles
            for c in chunk_article(article, self.settings.max_chunk_tokens)
        ]
        existing = self.get_all(include=["metadatas"])
        existing_meta: dict[str, Metadata] = {
            i: dict(m or {}) for i, m in zip(existing["ids"], existing["metadatas"], strict=True)
        }
        wanted_ids = {c.chunk_id for c in wanted}
        to_embed = [
            c for c in wanted if existing_meta.get(c.chunk_id, {}).get("embed_hash") != c.embed_hash
        ]
        to_retag = [
            c
            for c in wanted
            if c.chunk_id in existing_meta
            and existing_meta[c.chunk_id].get("embed_hash") == c.embed_hash
            and existing_meta[c.chunk_id] != c.metadata()
        ]
        stale = [
            i
            for i, m in existing_meta.items()
            if i not in wanted_ids and m.get("article_id") not in load.unreadable_ids
        ]
        report = IndexReport(
            folder=load.folder,
            articles=len(load.articles),
            paragraphs=sum(len(a.paragraphs) for a in load.articles),
            chunks=len(wanted),
            issues=list(load.issues),
        )
        self._embed_and_upsert(to_embed, progress, on_progress)
        report.embedded_chunks = len(to_embed)
        report.embedded_paragraphs = len({(c.article_id, c.paragraph) for c in to_embed})
        if to_retag:
            self.collection.update(
                ids=[c.chunk_id for c in to_retag], metadatas=[c.metadata() for c in to_retag]
            )
            report.metadata_updated = len(to_retag)
        if stale:
            self.collection.delete(ids=stale)
            report.removed_chunks = len(stale)
            current = {c.article_id for c in wanted} | load.unreadable_ids
            report.removed_articles = sorted(
                {str(existing_meta[i]["article_id"]) for i in stale} - current
            )
        if report.changed or not self.state().get("revision"):
            self._mark_revision()
        report.seconds = time.perf_counter() - started
        return report

    def _embed_and_upsert(
        self,
        chunks: list[Chunk],
        progress: bool,
        on_progress: Callable[[int, int], None] | None,
    ) -> None:
        if not chunks:
            return
        from tqdm.auto import tqdm

        done = 0
        with tqdm(total=len(chunks), unit="chunk", desc="Embedding", disable=not progress) as bar:
            for batch in _batches(chunks, UPSERT_BATCH):
                vectors = self.embedder.encode_passages([c.embed_text for c in batch])
                self.collection.upsert(
                    ids=[c.chunk_id for c in batch],
                    embeddings=vectors,
                    documents=[c.text for c in batch],
                    metadatas=[c.metadata() for c in batch],
                )
                done += len(batch)
                bar.update(len(batch))
                if on_progress:
                    on_progress(done, len(chunks))
