"""A side store of values computed from a text, keyed by the text's hash, in one SQLite file.

What the question path would otherwise compute for every sentence it reads (its passage
vector, :mod:`index.store.sentence_vectors`; its spaCy annotation,
:mod:`rag.reader.annotation_store`) is computed once at index time and kept here. A value is
a function of its text (and of whatever names the file), so the store holds no revision:
content-addressed, an edited paragraph only adds the values of its new sentences. WAL mode:
readers never wait on the indexer. An unreadable file reads as empty (the caller computes the
value itself) with one warning, so a damaged side store never breaks a question.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

# Most texts per SELECT ... IN (...) (SQLite's variable limit is 32766 on current builds).
LOOKUP_BATCH = 900


def text_key(text: str) -> bytes:
    """The store key of a text: the first 16 bytes of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class TextKeyedStore:
    """Bytes by text hash in one SQLite file, plus named meta values (thread-safe).

    ::

        store = TextKeyedStore(Path(".rag/side/values.sqlite"))
        store.put_blobs([("Un plan en 28 points.", b"...")])
        store.get_blobs(["Un plan en 28 points.", "unknown"])  # {"Un plan en 28 points.": b"..."}

    Subclasses name their table and value column (kept as they are on disk) and convert
    values to and from bytes.

    Args:
        path: The SQLite file (created with its folder on first write).
    """

    TABLE = "blobs"
    COLUMN = "value"
    # What a warning about an unreadable file calls the values.
    WHAT = "values"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

    def _connection(self, *, create: bool) -> sqlite3.Connection | None:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        if not create and not self.path.exists():
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30.0)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        # A rowid table: WITHOUT ROWID puts large rows on overflow pages (~2x the disk).
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {self.TABLE} "
            f"(key BLOB PRIMARY KEY, {self.COLUMN} BLOB NOT NULL)"
        )
        connection.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        self._local.connection = connection
        return connection

    def __len__(self) -> int:
        connection = self._connection(create=False)
        if connection is None:
            return 0
        return int(connection.execute(f"SELECT COUNT(*) FROM {self.TABLE}").fetchone()[0])

    def get_blobs(self, texts: Iterable[str]) -> dict[str, bytes]:
        """The stored bytes of those texts that have some."""
        wanted = {text_key(t): t for t in dict.fromkeys(texts)}
        if not wanted:
            return {}
        try:
            connection = self._connection(create=False)
            if connection is None:
                return {}
            found: dict[str, bytes] = {}
            keys = list(wanted)
            for start in range(0, len(keys), LOOKUP_BATCH):
                batch = keys[start : start + LOOKUP_BATCH]
                marks = ",".join("?" * len(batch))
                for key, blob in connection.execute(
                    f"SELECT key, {self.COLUMN} FROM {self.TABLE} WHERE key IN ({marks})", batch
                ):
                    found[wanted[bytes(key)]] = bytes(blob)
            return found
        except sqlite3.Error as exc:  # unreadable side store: computed at question time instead
            logger.warning("cannot read %s from %s: %s", self.WHAT, self.path, exc)
            return {}

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The texts (deduplicated, in order) that have no stored value."""
        unique = list(dict.fromkeys(texts))
        found = self.get_blobs(unique)
        return [t for t in unique if t not in found]

    def put_blobs(self, items: Sequence[tuple[str, bytes]]) -> None:
        """Store ``(text, bytes)`` pairs (one transaction)."""
        if not items:
            return
        connection = self._connection(create=True)
        assert connection is not None
        with connection:
            connection.executemany(
                f"INSERT OR REPLACE INTO {self.TABLE} (key, {self.COLUMN}) VALUES (?, ?)",
                [(text_key(text), blob) for text, blob in items],
            )

    def meta(self, name: str) -> str | None:
        """The meta value ``name``, or None (never recorded, or the file is unreadable)."""
        try:
            connection = self._connection(create=False)
            if connection is None:
                return None
            row = connection.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str | None) -> None:
        """Record (or, with None, forget) the meta value ``name``."""
        connection = self._connection(create=True)
        assert connection is not None
        with connection:
            if value is None:
                connection.execute("DELETE FROM meta WHERE name = ?", (name,))
            else:
                connection.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value)
                )

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


__all__ = ["LOOKUP_BATCH", "TextKeyedStore", "text_key"]
