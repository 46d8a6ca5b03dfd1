"""The Chroma connection: client factory, error mapping, opening lock, quarantine.

:class:`ChromaCollections` is the base of :class:`index.store.ArticleStore`: it owns the client,
the LangChain vector store over the live collection and the look-ups by collection name that
both the read and the write path use.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from filelock import FileLock

import index.offline  # noqa: F401  (offline env before chromadb is imported)
from index.config import IndexSettings
from index.embed import Embedder
from index.errors import IndexCorruptError, StoreError

if TYPE_CHECKING:
    from chromadb.api.collection_configuration import CreateCollectionConfiguration

logger = logging.getLogger(__name__)

# Every collection of ours: cosine distances in its HNSW graph.
COLLECTION_CONFIGURATION: CreateCollectionConfiguration = {"hnsw": {"space": "cosine"}}

_F = TypeVar("_F", bound=Callable[..., Any])
# How every "this index cannot be used as is" message ends.
REBUILD_FIX = "run `python -m rag index --rebuild` to rebuild it"


def make_chroma_client(settings: IndexSettings) -> Any:
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


def _unreachable(settings: IndexSettings, exc: BaseException) -> str:
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
    def wrapper(self: ChromaCollections, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise StoreError(_unreachable(self.settings, exc)) from exc
            raise

    return cast(_F, wrapper)


def damage_guard(method: _F) -> _F:
    """Turn Chroma's internal errors on a damaged store (e.g. unreadable HNSW files) into an
    :class:`IndexCorruptError` that says how to fix it."""

    @functools.wraps(method)
    def wrapper(self: ChromaCollections, *args: Any, **kwargs: Any) -> Any:
        from chromadb.errors import InternalError

        try:
            return method(self, *args, **kwargs)
        except InternalError as exc:
            raise IndexCorruptError(
                f"{self.index_description} is damaged: {exc}; {REBUILD_FIX}."
            ) from exc

    return cast(_F, wrapper)


@contextlib.contextmanager
def opening_lock(settings: IndexSettings) -> Iterator[None]:
    """Serialise opening an embedded store across processes.

    Chroma's first open of a folder creates its SQLite schema and our collection; two processes
    doing it at once collide ("table collections already exists"). The lock
    (``.<chroma dir name>.open.lock`` next to the folder) is held only while opening (well under
    a second), never while indexing, so readers never wait on an indexer. A server needs none.
    """
    if settings.chroma_server is not None:
        yield
        return
    folder = settings.chroma_dir
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(folder.parent / f".{folder.name}.open.lock"):
        yield


def quarantine_store(settings: IndexSettings) -> Path | None:
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


class ChromaCollections:
    """The client and the live collection of one store, opened once.

    Args:
        settings: Gives the embedded folder or the server, and the collection name.
        embedder: Embeds passages and queries for the LangChain vector store.

    Raises:
        StoreError: the store cannot be opened or reached.
    """

    @_map_store_errors
    def __init__(self, settings: IndexSettings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._vectorstore: Any = None
        with opening_lock(settings):
            self._client = self._make_client(settings)
            self._reopen()

    @staticmethod
    def _make_client(settings: IndexSettings) -> Any:
        return make_chroma_client(settings)

    def _open_collection(self, name: str | None = None) -> Any:
        """Get or create a collection the way ``langchain_chroma.Chroma`` does (no embedding
        function of Chroma's own: ours embeds, and Chroma's default would download a model)."""
        return self._client.get_or_create_collection(
            name=name or self.settings.collection,
            embedding_function=None,
            configuration=COLLECTION_CONFIGURATION,
        )

    def _reopen(self) -> None:
        """Open the live collection again (after a rebuild swapped it or a reset dropped it)."""
        self._live = self._open_collection()
        self._vectorstore = None

    @property
    def collection(self) -> Any:
        """The underlying ``chromadb`` collection."""
        return self._live

    @property
    def vectorstore(self) -> Any:
        """The live collection as a LangChain ``langchain_chroma.Chroma`` vector store.

        Built on first use: importing ``langchain_chroma`` (and LangChain's retriever classes
        under it) takes ~0.3 s that a process answering questions through :attr:`collection`
        never needs.
        """
        if self._vectorstore is None:
            from langchain_chroma import Chroma

            self._vectorstore = Chroma(
                collection_name=self._live.name,
                embedding_function=self.embedder,
                client=self._client,
                collection_configuration=COLLECTION_CONFIGURATION,
            )
        return self._vectorstore

    @property
    def location(self) -> str:
        """The server URL or the embedded folder, for messages and cache keys."""
        return self.settings.chroma_location

    @property
    def index_description(self) -> str:
        """The index and its collection, as error messages name them."""
        return f"the index at {self.location} (collection '{self.settings.collection}')"

    def _collection_named(self, name: str) -> Any | None:
        from chromadb.errors import NotFoundError

        try:
            return self._client.get_collection(name)
        except NotFoundError:
            return None
