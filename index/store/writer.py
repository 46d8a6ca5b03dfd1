"""The write path: :meth:`StoreWriter.sync` brings the collection to a corpus as one new
committed generation (see :mod:`index.store.generations`), or rebuilds it in a staging
collection swapped in at the end.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.chunk import Chunk, chunk_article
from index.errors import EmbedderError, IndexCorruptError
from index.lock import index_lock
from index.manifest import Manifest, roots_of, scan, settings_key
from index.parse import CorpusLoad, FileIssue, FileOutcome, load_corpus
from index.store.client import _map_store_errors
from index.store.generations import (
    LAYOUT,
    Metadata,
    classify,
    committed_generation,
    row_id,
)
from index.store.reader import StoreReader, paragraph_texts
from index.store.sentence_vectors import SentenceVectorStore, texts_of, texts_rule

logger = logging.getLogger(__name__)

UPSERT_BATCH = 128  # chunks embedded per call
# Rows written per Chroma upsert: one call per 128 rows costs ~2x the time of one per 1024.
WRITE_BATCH = 1024
SENTENCE_BATCH = 256
DELETE_BATCH = 1000


@dataclass
class IndexReport:
    """What one :meth:`StoreWriter.sync` did."""

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
    embedded_sentences: int = 0
    sentence_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether the store was modified."""
        return bool(self.embedded_chunks or self.metadata_updated or self.removed_chunks)


def _report_to(report: IndexReport) -> dict[str, Any]:
    """What a manifest keeps of a sync's report (to repeat it when nothing changed)."""
    return {
        "folder": str(report.folder),
        "articles": report.articles,
        "paragraphs": report.paragraphs,
        "chunks": report.chunks,
        "issues": [[str(i.path), i.message, i.level] for i in report.issues],
        "duplicates": dict(report.duplicates),
    }


def _report_from(recorded: dict[str, Any], generation: int) -> IndexReport:
    """The report of a sync that found nothing to do, from the manifest of the last one."""
    return IndexReport(
        folder=Path(str(recorded.get("folder", ""))),
        articles=int(recorded.get("articles", 0)),
        paragraphs=int(recorded.get("paragraphs", 0)),
        chunks=int(recorded.get("chunks", 0)),
        issues=[FileIssue(Path(p), m, level) for p, m, level in recorded.get("issues", [])],
        duplicates=dict(recorded.get("duplicates", {})),
        generation=generation,
    )


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StoreWriter(StoreReader):
    """Writes under the data dir's index lock (:mod:`index.lock`); readers never wait on it.

    Extends the reader: a sync reads what the collection holds to decide what to write.
    """

    def _staging_name(self) -> str:
        return f"{self.settings.collection}.rebuild"

    @_map_store_errors
    def reset(self) -> None:
        """Drop the collection and start empty (not crash-safe: prefer ``sync(rebuild=True)``)."""
        with index_lock(self.settings):
            self._client.delete_collection(self.settings.collection)
            self._reopen()

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
        manifest = Manifest.for_store(self.settings, self.location)
        key = settings_key(self.settings, self.embedder, LAYOUT)
        files = scan(roots_of(folder))
        known: dict[str, FileOutcome] = {}
        seen_revision: str | None = None
        recorded_ids: set[str] = set()
        # Only with a recorded sync to compare with: on a fresh data dir, reading the (empty)
        # collection before the lock would leave this process's embedded Chroma client with
        # segment readers that miss what a concurrent indexer writes meanwhile.
        if not rebuild and files is not None and manifest.recorded():
            self.check()  # another embedder or a foreign index is refused on every path
            snapshot = self.snapshot()
            recorded = manifest.unchanged(files, snapshot.revision, key)
            if recorded is not None:  # no file read, parsed or compared with Chroma's rows
                report = _report_from(recorded, snapshot.generation)
                try:
                    self._complete_sentence_vectors(report)
                finally:
                    self.embedder.release()
                report.seconds = time.perf_counter() - started
                logger.debug("sync: unchanged (manifest)")
                return report
            # Some files changed: only those are read, the others keep their rows.
            known = manifest.known(files, snapshot.revision, key)
            seen_revision = snapshot.revision
            recorded_ids = manifest.indexed_ids()
        load = load_corpus(folder, self.settings, known=known)
        wanted, rejected = self._wanted_chunks(load)
        try:
            with index_lock(self.settings) as waited:
                logger.debug("sync: lock acquired after %.3fs", waited)
                self._finish_interrupted_rebuild()
                if load.kept and self.snapshot().revision != seen_revision:
                    # Another indexer committed since the manifest was compared: the kept
                    # articles' rows may be gone, so every file is read.
                    logger.info("sync: the store moved on meanwhile; reading every file")
                    load = load_corpus(folder, self.settings)
                    wanted, rejected = self._wanted_chunks(load)
                # A first or rebuilding sync embeds the sentences of every paragraph it stores.
                fresh = rebuild
                if rebuild:
                    report = self._rebuild(load, wanted, progress, on_progress)
                else:
                    self.check()
                    fresh = not self.generation()
                    report = self._apply(
                        self.collection, load, wanted, progress, on_progress, recorded=recorded_ids
                    )
                if fresh and self.settings.sentence_vectors:
                    self.sentence_vectors.set_rule(texts_rule())
                elif not self.settings.sentence_vectors and report.embedded_chunks:
                    self.sentence_vectors.set_rule(None)  # paragraphs stored without sentences
                else:
                    self._complete_sentence_vectors(report)
                report.issues.extend(rejected)
                report.lock_wait_seconds = waited
                # Under the lock, so the revision recorded is the one this sync committed.
                if files is not None:
                    revision = self.snapshot().revision
                    manifest.save(files, revision, key, _report_to(report), outcomes=load.outcomes)
                else:
                    manifest.forget()
                logger.debug("sync: releasing the lock")
        finally:
            self.embedder.release()  # e.g. the auto backend's ONNX session, loaded for this sync
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
        recorded: set[str] | None = None,
    ) -> IndexReport:
        """Bring ``collection`` to the rows of ``wanted`` as one new committed generation.

        When ``load`` kept articles without reading them (:attr:`CorpusLoad.kept`), their
        visible rows are not read either: only the rows of the other articles (those read now,
        unreadable ones, and ``recorded``, the ones the previous sync indexed) and every row no
        reader sees or that is retired, so a changed file costs its own rows, not the corpus's.
        """
        # Fresh, not the handle's cached copy: another process may have committed meanwhile.
        fresh = self._collection_named(collection.name)
        state = dict((fresh.metadata if fresh is not None else collection.metadata) or {})
        committed = committed_generation(state)
        target = committed + 1
        where: Metadata | None = None
        if load.kept:
            touched = sorted(
                ({a.article_id for a in load.articles} | load.unreadable_ids | (recorded or set()))
                - set(load.kept)
            )
            where = {
                "$or": [
                    {"article_id": {"$in": touched or [""]}},
                    {"added": {"$gt": committed}},
                    {"retired": {"$gt": 0}},
                ]
            }
        existing = self.get_all(where=where, include=["metadatas"], collection=collection)
        rows = {
            i: dict(m or {}) for i, m in zip(existing["ids"], existing["metadatas"], strict=True)
        }
        foreign = [i for i, m in rows.items() if classify(m, committed) == "foreign"]
        if foreign:
            raise IndexCorruptError(
                f"the collection '{collection.name}' holds {len(foreign)} rows without "
                f"generation fields (e.g. {foreign[0]!r}): written by another tool; run "
                "`python -m rag index --rebuild`."
            )
        kinds = {i: classify(m, committed) for i, m in rows.items()}
        by_row = {row_id(c): c for c in wanted}
        # Rows that stay as they are: unreadable files' and unchanged files' (not read).
        keep_articles = load.unreadable_ids | set(load.kept)
        kept_ids = {
            i
            for i, m in rows.items()
            if kinds[i] == "visible" and m.get("article_id") in keep_articles
        }
        report = IndexReport(
            folder=load.folder,
            articles=len(load.articles) + len(load.kept),
            paragraphs=load.paragraph_count,
            chunks=len(wanted) + sum(o.chunks for o in load.kept.values()),
            issues=list(load.issues),
            duplicates=dict(load.duplicates),
            indexed=load.article_ids,
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
        # 3b. Sentence vectors of the new paragraphs, before the commit makes them visible.
        clock = time.perf_counter()
        report.embedded_sentences = self._write_sentence_vectors(new, wanted)
        report.sentence_seconds = time.perf_counter() - clock
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
        current = {c.article_id for c in wanted} | keep_articles
        report.removed_articles = sorted({str(rows[i].get("article_id")) for i in retire} - current)
        changed = bool(new or revive or resumed or retire)
        # Kept articles count by their recorded outcome (their visible rows were not read).
        kept_only = {
            i for i in kept_ids - set(by_row) if rows[i].get("article_id") not in load.kept
        }
        visible_chunks = len(by_row) + len(kept_only) + sum(o.chunks for o in load.kept.values())
        content_chunks = (
            sum(1 for c in by_row.values() if c.is_content)
            + sum(1 for i in kept_only if rows[i].get("is_content"))
            + sum(o.content_chunks for o in load.kept.values())
        )
        counts_stale = (
            state.get("chunks") != visible_chunks or state.get("content_chunks") != content_chunks
        )
        # 5. Commit: one metadata write switches every reader to the new generation.
        if changed or not committed or counts_stale:
            collection.modify(
                metadata={
                    **state,
                    "layout": LAYOUT,
                    "chunks": visible_chunks,
                    "content_chunks": content_chunks,
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

    @property
    def sentence_vectors(self) -> SentenceVectorStore:
        """The side store of sentence vectors of this store's embedder (see
        :mod:`index.store.sentence_vectors`)."""
        store = getattr(self, "_sentence_vectors", None)
        if store is None or store.dimension != int(self.embedder.dimension):
            store = SentenceVectorStore.for_embedder(
                self.settings.data_dir, self.embedder.name, int(self.embedder.dimension)
            )
            self._sentence_vectors = store
        return store

    def _write_sentence_vectors(self, new: list[Chunk], wanted: list[Chunk]) -> int:
        """Embed the sentences (and text) of the citable paragraphs ``new`` touches that the
        side store lacks; returns how many texts were embedded."""
        if not self.settings.sentence_vectors or not new:
            return 0
        touched = {(c.article_id, c.paragraph) for c in new if c.is_content}
        parts: dict[tuple[str, int], list[Chunk]] = {}
        for chunk in wanted:
            key = (chunk.article_id, chunk.paragraph)
            if key in touched:
                parts.setdefault(key, []).append(chunk)
        texts: list[str] = []
        for chunks in parts.values():
            chunks.sort(key=lambda c: c.part)
            texts.extend(texts_of(" ".join(c.text for c in chunks)))
        return self._embed_missing(texts)

    def _embed_missing(self, texts: list[str]) -> int:
        """Embed and store the texts the side store lacks; returns how many."""
        store = self.sentence_vectors
        todo = sorted(store.missing(texts), key=len)  # similar lengths batch with little padding
        if todo:
            self.embedder.expect_passages(len(todo))
        for batch in _batches(todo, SENTENCE_BATCH):
            store.put(batch, self.embedder.encode_passages(batch))
        logger.debug("sync: embedded %d sentence texts", len(todo))
        return len(todo)

    def _complete_sentence_vectors(self, report: IndexReport) -> None:
        """Store the texts of every citable paragraph when the side store was filled under
        another :func:`~index.store.sentence_vectors.texts_rule` (an index built by an older
        version) or never recorded one: once, so that afterwards a question embeds only
        itself. One read of the store's row when the rule is current."""
        store = self.sentence_vectors
        rule = texts_rule()
        if not self.settings.sentence_vectors or store.rule() == rule:
            return
        clock = time.perf_counter()
        paragraphs = paragraph_texts(self.chunks(content_only=True)).values()
        texts = [t for paragraph in paragraphs for t in texts_of(paragraph)]
        embedded = self._embed_missing(texts)
        store.set_rule(rule)
        if embedded:
            logger.info("sync: stored %d sentence texts missing from an older index", embedded)
        report.embedded_sentences += embedded
        report.sentence_seconds += time.perf_counter() - clock

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

            # Similar lengths in one batch: little padding for the model.
            embedded.sort(key=lambda c: len(c.embed_text))
            self.embedder.expect_passages(len(embedded))  # auto: ONNX for a large ingest

            done = 0
            with tqdm(
                total=len(embedded), unit="chunk", desc="Embedding", disable=not progress
            ) as bar:
                pending: list[Chunk] = []
                pending_vectors: list[Any] = []
                for batch in _batches(embedded, UPSERT_BATCH):
                    vectors = self.embedder.encode_passages([c.embed_text for c in batch])
                    pending.extend(batch)
                    pending_vectors.extend(vectors)
                    if len(pending) >= WRITE_BATCH or done + len(batch) >= len(embedded):
                        self._add(collection, pending, np.asarray(pending_vectors), generation)
                        pending, pending_vectors = [], []
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
        staging = self._open_collection(staging_name)
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
        self._reopen()

    def _finish_interrupted_rebuild(self) -> None:
        """A rebuild killed after committing its staging collection is completed; an earlier
        one is discarded (the live collection was never touched)."""
        staging = self._collection_named(self._staging_name())
        if staging is None:
            return
        live = self._collection_named(self.settings.collection)
        staged = committed_generation(dict(staging.metadata or {}))
        live_committed = committed_generation(dict((live.metadata if live else None) or {}))
        if staged and (live is None or (not live_committed and live.count() == 0)):
            logger.warning("finishing an interrupted rebuild of '%s'", self.settings.collection)
            self._swap_in(staging)
        else:
            self._client.delete_collection(self._staging_name())
