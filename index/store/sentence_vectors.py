"""Sentence vectors computed at index time, so a question embeds only itself.

Retrieval reranks paragraphs by their best sentence, the extractive answerer scores every
sentence of the retrieved paragraphs, the reader also reads each sentence with the one before
it, and the support judge compares a cited sentence with its paragraph and the paragraph's
sentences: all of them need passage vectors of sentences.
:meth:`StoreWriter.sync <index.store.writer.StoreWriter.sync>` computes them for every citable
paragraph it embeds (the paragraph's sentences, :func:`texts_of`) and
keeps them here; ``rag.vectors.SentenceVectors`` reads this store before embedding anything.

Chroma metadata cannot hold vectors, and a second Chroma collection would build an HNSW graph
nobody searches; so this is a side store keyed by the SHA-256 of the text: one SQLite file per
embedder (``data_dir/sentence-vectors/<embedder>-<dimension>.sqlite``, WAL mode: readers never
wait on the indexer). Content-addressed, it holds no revision: a vector is right for its text
under its embedder forever, and an edited paragraph only adds the vectors of its new
sentences.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from index.sentences import citable_sentences, in_context, split_sentences
from index.store.keyed import TextKeyedStore, text_key

# A paragraph that exercises the sentence rules (markers, quotes, short fragments, numbers):
# what texts_of gives for it fingerprints the rule a store's vectors were computed under.
_RULE_PROBE = (
    "— Le plan, selon « Le Monde », comprend 28 points. Oui. Kiev a répondu le 23 novembre : "
    "« Nous ne céderons pas. » M. Witkoff (envoyé spécial) a rencontré M. Dmitriev à Miami ; "
    "les Européens, eux, ont proposé 24 points ? Rien n'est signé..."
)
_RULE_VERSION = "1"


@functools.cache
def texts_rule() -> str:
    """A fingerprint of :func:`texts_of`: it changes when the texts a paragraph stores do."""
    probe = "\n".join(texts_of(_RULE_PROBE))
    return _RULE_VERSION + ":" + hashlib.sha256(probe.encode("utf-8")).hexdigest()[:16]


def texts_of(paragraph: str) -> list[str]:
    """What question time embeds for one citable paragraph: its sentences (the paragraph
    itself when it has none), its citable sentences as quoted (cleaned of leading markers,
    :func:`index.sentences.citable_sentences`) and each of those read with the one before it
    (:func:`index.sentences.in_context`, the reader's sentence-in-context feature).

    The whole paragraph is embedded at question time only by the support judge of LLM
    answers (extractive answers are quotes and skip it); storing it too would add the model
    work of a paragraph for a rare case.
    """
    citable = [text for _, text in citable_sentences(paragraph)]
    texts = [*split_sentences(paragraph), *citable, *in_context(citable)]
    return list(dict.fromkeys(texts)) or [paragraph]


class SentenceVectorStore(TextKeyedStore):
    """Unit passage vectors of texts, by text hash, in one SQLite file (thread-safe).

    ::

        store = SentenceVectorStore(Path(".rag/sentence-vectors/e5-384.sqlite"), 384)
        store.put(["Un plan en 28 points."], vectors)
        store.get(["Un plan en 28 points.", "unknown"])  # {"Un plan en 28 points.": array}

    Args:
        path: The SQLite file (created with its folder on first write).
        dimension: Length of the vectors.
    """

    TABLE = "vectors"
    COLUMN = "vector"
    WHAT = "sentence vectors"

    def __init__(self, path: Path, dimension: int) -> None:
        if dimension < 1:
            raise ValueError("dimension must be >= 1")
        super().__init__(path)
        self.dimension = int(dimension)

    @classmethod
    def for_embedder(cls, data_dir: Path, name: str, dimension: int) -> SentenceVectorStore:
        """The store of one embedder under ``data_dir``."""
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:120]
        return cls(Path(data_dir) / "sentence-vectors" / f"{safe}-{dimension}.sqlite", dimension)

    def get(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those texts that have one."""
        found: dict[str, np.ndarray] = {}
        for text, blob in self.get_blobs(texts).items():
            vector = np.frombuffer(blob, dtype=np.float32)
            if vector.shape[0] == self.dimension:
                found[text] = vector
        return found

    def rule(self) -> str | None:
        """The :func:`texts_rule` under which every citable paragraph's texts were stored,
        or None (never recorded: a store older than the record, or a sync not finished)."""
        return self.meta("rule")

    def set_rule(self, rule: str | None) -> None:
        """Record (or, with None, forget) the rule every citable paragraph is stored under."""
        self.set_meta("rule", rule)

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store one vector per text (rows of ``vectors``)."""
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        if not texts:
            return
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.dimension:
            raise ValueError(f"vectors must have {self.dimension} columns, not {matrix.shape}")
        self.put_blobs([(t, row.tobytes()) for t, row in zip(texts, matrix, strict=True)])


__all__ = ["SentenceVectorStore", "text_key", "texts_of", "texts_rule"]
