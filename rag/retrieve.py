"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, at paragraph level."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from index.embed import Embedder
from index.errors import IndexNotFoundError
from index.sentences import split_sentences
from index.store import ArticleStore, Snapshot, StoredChunk, paragraph_texts
from rag.config import Settings
from rag.lexical import LexicalCache, LexicalIndex, ParagraphRecord
from rag.reader.annotate import french_name_forms
from rag.text import Analyzer, corpus_language, detect_language
from rag.types import Passage
from rag.vectors import SentenceVectors

logger = logging.getLogger(__name__)


class HybridRetriever:
    """Dense + BM25 retrieval over the citable paragraphs of an :class:`ArticleStore`.

    The BM25 side is built from the store's contents once and rebuilt only when the store's
    revision changes (a sync by any process sharing the store changes it). With
    ``settings.lexical_cache`` it is also kept on disk per revision, so the next process (or
    another one on this machine sharing a Chroma server) loads it instead of rebuilding. The
    fused top ``rerank_depth`` paragraphs then get a third ranking, by their best *sentence*'s
    similarity to the query: a paragraph that states the answer in one sentence among
    unrelated ones is diluted in a whole-chunk embedding.
    """

    MIN_SENTENCE_WORDS = 4

    def __init__(
        self,
        store: ArticleStore,
        embedder: Embedder,
        settings: Settings,
        *,
        vectors: SentenceVectors | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._lexical: LexicalIndex | None = None
        self._revision: str | None = None
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None
        self._cache = (
            LexicalCache(settings.data_dir / "lexical") if settings.lexical_cache else None
        )
        self.vectors = vectors if vectors is not None else SentenceVectors(embedder)

    def lexical(self, snapshot: Snapshot | None = None, *, wait: bool = True) -> LexicalIndex:
        """The BM25 index for the store's current revision (or that of ``snapshot``).

        Loaded from its on-disk file when some process already built it (the score arrays
        memory-mapped), else built from the store. With ``wait=False`` (the question path)
        nothing is ever built in the caller's thread once an index is loaded: a revision not
        on disk yet is built in a background thread while the previous revision keeps
        serving (dense hits on paragraphs it does not know are still returned).

        Raises:
            IndexNotFoundError: the store holds no citable paragraph.
        """
        revision = (snapshot or self.store.snapshot()).revision
        with self._lock:
            current = self._lexical
            if current is not None and revision == self._revision:
                return current
            if current is not None and not wait:
                loaded = self._load_cached(revision)
                if loaded is None:
                    self._build_in_background(revision)
                    return current
                self._lexical, self._revision = loaded, revision
                return loaded
        # Load or build outside the lock: questions keep being served meanwhile.
        built = self._load_or_build(revision)
        with self._lock:
            self._lexical, self._revision = built, revision
            return built

    def served(self) -> LexicalIndex:
        """The BM25 index questions are being answered from (no store read once loaded)."""
        current = self._lexical
        return current if current is not None else self.lexical()

    def _load_cached(self, revision: str | None) -> LexicalIndex | None:
        if self._cache is None or not revision:
            return None
        key = (self.store.location, self.settings.collection)
        if not self._cache.exists(*key, revision):
            return None
        return self._cache.load(*key, revision)

    def _build_in_background(self, revision: str | None) -> None:
        """Start building ``revision``'s index in a thread (one at a time), unless running."""
        if self._building is not None and self._building.is_alive():
            return
        serving = self._revision  # called under self._lock

        def build() -> None:
            try:
                built = self._load_or_build(revision)
            except Exception:  # the next question retries; never break the one being served
                logger.exception("building the BM25 index in the background failed")
                return
            with self._lock:
                # Only if nothing newer was loaded meanwhile (e.g. from another process's file).
                if self._revision == serving:
                    self._lexical, self._revision = built, revision

        self._building = threading.Thread(target=build, name="bm25-build", daemon=True)
        self._building.start()

    def wait_for_background(self, timeout: float | None = None) -> None:
        """Wait for a background BM25 build to finish (tests, benchmarks, shutdown)."""
        thread = self._building
        if thread is not None:
            thread.join(timeout)

    def _load_or_build(self, revision: str | None) -> LexicalIndex:
        key = (self.store.location, self.settings.collection)
        cached = self._load_cached(revision)
        if cached is not None:
            return cached
        built = self._build_lexical()
        if self._cache is not None and revision and revision == self.store.revision():
            self._cache.save(*key, revision, built)
        return built

    def _build_lexical(self) -> LexicalIndex:
        snapshot = self.store.snapshot()  # the revision the rows below are read at
        stored = self.store.chunks(content_only=False, generation=snapshot.generation)
        chunks = [c for c in stored if c.metadata.get("is_content")]
        notes: dict[str, list[str]] = {}
        for chunk in stored:
            if not chunk.metadata.get("is_content"):
                notes.setdefault(chunk.article_id, []).append(chunk.text)
        if not chunks:
            raise IndexNotFoundError(
                f"no indexed article in {self.store.location} "
                f"(collection '{self.settings.collection}'); run `python -m rag index [FOLDER]`."
            )
        meta: dict[tuple[str, int], dict[str, Any]] = {}
        for chunk in chunks:
            meta.setdefault((chunk.article_id, chunk.paragraph), chunk.metadata)
        records = [
            _record(key[0], key[1], text, meta[key])
            for key, text in paragraph_texts(chunks).items()
        ]
        language = corpus_language(r.text for r in records)
        return LexicalIndex(
            records,
            Analyzer(language),
            notes={article: "\n".join(parts) for article, parts in notes.items()},
            rows={c.row_id: (c.article_id, c.paragraph) for c in chunks if c.row_id},
            revision=snapshot.revision,
        )

    def article_notes(
        self, article_ids: Iterable[str], lexical: LexicalIndex | None = None
    ) -> dict[str, str]:
        """The text of the non-citable blocks (title, footer, ``source:`` line…) of these
        articles, for the reader's "does the retrieved text name it" look-ups: kept with the
        BM25 index of the revision being served (``lexical``, else :meth:`served`), so a
        question reads nothing from the store for them."""
        notes = (lexical if lexical is not None else self.served()).notes
        return {a: notes[a] for a in dict.fromkeys(article_ids) if notes.get(a)}

    def retrieve(
        self,
        query: str,
        k: int,
        *,
        query_vector: Sequence[float] | None = None,
        snapshot: Snapshot | None = None,
    ) -> list[Passage]:
        """The ``k`` best paragraphs for ``query``, best first.

        Args:
            query: The search text.
            k: How many paragraphs.
            query_vector: The query's vector when the caller already has it.
            snapshot: The store's state read once for this question (read here when None).
        """
        if k < 1:
            raise ValueError("k must be >= 1")
        snapshot = snapshot or self.store.snapshot()
        lexical = self.lexical(snapshot, wait=False)
        vector = (
            np.asarray(query_vector, dtype=float).tolist()
            if query_vector is not None
            else self.embedder.embed_query(query)
        )
        fused: dict[tuple[str, int], Passage] = {}

        def entry(record: ParagraphRecord) -> Passage:
            if record.key not in fused:
                fused[record.key] = record.passage()
            return fused[record.key]

        rank = 0
        dense, unindexed = self._dense(vector, snapshot, lexical)
        for record, similarity in dense:
            passage = entry(record)
            if passage.dense_score is None:
                rank += 1
                passage.dense_score = similarity
                passage.ranks["dense"] = rank
                passage.score += 1.0 / (self.settings.rrf_k + rank)
        searched = lexical_query(query, lexical)
        found = lexical.search(searched, self.settings.k_lexical)
        if unindexed:
            found = sorted(
                found + lexical.score_unindexed(searched, unindexed), key=lambda hit: -hit[1]
            )[: self.settings.k_lexical]
        for rank, (record, bm25) in enumerate(found, start=1):
            passage = entry(record)
            passage.lexical_score = bm25
            passage.ranks["lexical"] = rank
            passage.score += 1.0 / (self.settings.rrf_k + rank)
        ranked = sorted(fused.values(), key=lambda p: (-p.score, -(p.dense_score or 0.0)))
        if self.settings.rerank_depth > 0:
            ranked = self._rerank_by_sentence(ranked, np.asarray(vector, dtype=np.float32))
        return ranked[:k]

    def _dense(
        self, vector: list[float], snapshot: Snapshot, lexical: LexicalIndex
    ) -> tuple[list[tuple[ParagraphRecord, float]], list[ParagraphRecord]]:
        """The ``k_dense`` citable chunks nearest to the query, as their paragraphs' records,
        and those of these paragraphs that ``lexical`` does not hold.

        When ``lexical`` was built from the snapshot's revision, its row ids tell the visible
        citable rows: only ids and distances are read from the store. Otherwise (a newer
        revision whose BM25 index is still being built), or when the neighbourhood is mostly
        hidden rows, the store's filtered :meth:`~index.store.StoreReader.dense_search`; a
        paragraph stored since ``lexical`` was built then stands as its chunk.
        """
        k = self.settings.k_dense
        if lexical.rows and lexical.revision is not None and lexical.revision == snapshot.revision:
            found = self.store.dense_search_among(vector, k, lexical.rows)
            if found is not None:
                return [
                    (record, similarity)
                    for row, similarity in found
                    if (record := lexical.record_of_row(row)) is not None
                ], []
        by_key = lexical.by_key
        nearest: list[tuple[ParagraphRecord, float]] = []
        unindexed: dict[tuple[str, int], ParagraphRecord] = {}
        for chunk, similarity in self.store.dense_search(vector, k, generation=snapshot.generation):
            record = by_key.get((chunk.article_id, chunk.paragraph))
            if record is None:
                record = unindexed.setdefault(
                    (chunk.article_id, chunk.paragraph), _record_of(chunk)
                )
            nearest.append((record, similarity))
        return nearest, list(unindexed.values())

    def _rerank_by_sentence(self, ranked: list[Passage], vector: np.ndarray) -> list[Passage]:
        """Add a best-sentence similarity ranking to the fused score of the top paragraphs."""
        head = ranked[: self.settings.rerank_depth]
        pieces: list[list[str]] = []
        for passage in head:
            sentences = split_sentences(passage.text)
            sentences = [s for s in sentences if len(s.split()) >= self.MIN_SENTENCE_WORDS]
            pieces.append(sentences or [passage.text])
        vectors = self.vectors.encode([s for group in pieces for s in group])
        best: list[float] = []
        start = 0
        for group in pieces:
            best.append(float((vectors[start : start + len(group)] @ vector).max()))
            start += len(group)
        order = sorted(range(len(head)), key=lambda i: -best[i])
        for rank, i in enumerate(order, start=1):
            head[i].ranks["sentence"] = rank
            head[i].score += 1.0 / (self.settings.rrf_k + rank)
        head.sort(key=lambda p: (-p.score, -(p.dense_score or 0.0)))
        return head + ranked[self.settings.rerank_depth :]


def _record(article_id: str, paragraph: int, text: str, meta: Mapping[str, Any]) -> ParagraphRecord:
    """A paragraph record from its text and a chunk's stored metadata (URL, author and page
    only when the chunk has them)."""
    return ParagraphRecord(
        article_id=article_id,
        paragraph=paragraph,
        text=text,
        title=str(meta.get("title", "")),
        date=str(meta.get("date") or "") or None,
        source=str(meta.get("source", "")),
        url=str(meta.get("url") or "") or None,
        author=str(meta.get("author") or "") or None,
        page=int(meta["page"]) if meta.get("page") else None,
    )


def _record_of(chunk: StoredChunk) -> ParagraphRecord:
    """A paragraph record from one stored chunk (for paragraphs the BM25 index lacks yet)."""
    return _record(chunk.article_id, chunk.paragraph, chunk.text, chunk.metadata)


def lexical_query(query: str, lexical: LexicalIndex) -> str:
    """What BM25 searches for ``query``: the query, and for a question in another language
    than the articles' (English over French), the articles' forms of its place, body and month
    names (:func:`rag.reader.annotate.french_name_forms`: "NATO" → otan), which BM25 cannot
    match otherwise and the dense search matches only loosely."""
    if lexical.analyzer.language != "fr" or detect_language(query) == "fr":
        return query
    forms = french_name_forms(query)
    return f"{query} {' '.join(forms)}" if forms else query
