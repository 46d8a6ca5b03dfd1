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

DEFAULT_SIZE = 20000


class SentenceVectors:
    """Passage vectors of texts, computed once and kept in a bounded LRU cache (thread-safe).

    ::

        vectors = SentenceVectors(embedder)
        matrix = vectors.encode(["Un plan en 28 points.", "Trump a reçu Zelensky."])

    Args:
        embedder: The embedder whose ``encode_passages`` computes missing vectors.
        size: Most texts kept (least recently used dropped first).
    """

    def __init__(self, embedder: Embedder, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self.embedder = embedder
        self.size = size
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
        if missing:
            computed = self.embedder.encode_passages(missing)
            with self._lock:
                for text, vector in zip(missing, computed, strict=True):
                    self._cache[text] = vector
                    found[text] = vector
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])


__all__ = ["DEFAULT_SIZE", "SentenceVectors"]
