"""One cache of sentence vectors, shared by the retriever, the answerer and the support judge.

All three embed the same sentences of the same retrieved paragraphs (as passages); one bounded
LRU cache keyed by the text means each sentence is embedded once per process, whoever asks
first. :class:`rag.Assistant` creates one and passes it to each of them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from index.embed import Embedder
from index.store.sentence_vectors import SentenceVectorStore

DEFAULT_SIZE = 20000


class SentenceVectors:
    """Passage vectors of texts, computed once and kept in a bounded LRU cache (thread-safe).

    ::

        vectors = SentenceVectors(embedder)
        matrix = vectors.encode(["Un plan en 28 points.", "Trump a reçu Zelensky."])

    Texts not in the cache are looked up in ``stored`` (the vectors computed at index time, see
    :mod:`index.store.sentence_vectors`) before anything is embedded, so a question over an
    indexed corpus embeds only itself.

    Args:
        embedder: The embedder whose ``encode_passages`` computes missing vectors.
        size: Most texts kept (least recently used dropped first).
        stored: The index-time sentence vectors of the same embedder, read first.
    """

    def __init__(
        self,
        embedder: Embedder,
        size: int = DEFAULT_SIZE,
        *,
        stored: SentenceVectorStore | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self.embedder = embedder
        self.size = size
        self.stored = stored
        self.embedded = 0  # texts embedded by this cache (neither cached nor stored)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text (in order), embedding only the texts not cached yet."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in dict.fromkeys(texts):
                vector = self._cache.get(text)
                if vector is not None:
                    self._cache.move_to_end(text)
                    found[text] = vector
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        fresh: dict[str, np.ndarray] = {}
        if missing and self.stored is not None:
            fresh.update(self.stored.get(missing))
            missing = [t for t in missing if t not in fresh]
        if missing:
            fresh.update(zip(missing, self.embedder.encode_passages(missing), strict=True))
        if fresh:
            with self._lock:
                self.embedded += len(missing)
                for text, vector in fresh.items():
                    self._cache[text] = vector
                    found[text] = vector
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])


__all__ = ["DEFAULT_SIZE", "SentenceVectors"]
