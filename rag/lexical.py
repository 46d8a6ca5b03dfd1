"""BM25 over citable paragraphs (bm25s + Snowball stemming), with term statistics."""

from __future__ import annotations

import hashlib
import logging
import math
import pickle
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import numpy as np

from index.atomic import atomic_file
from rag.text import Analyzer
from rag.types import Passage

logger = logging.getLogger(__name__)
# Bump when the pickled layout of LexicalIndex changes: old files are then ignored.
CACHE_FORMAT = 5
# bm25s' default term-frequency saturation (``k1``; score_unindexed uses it too).
BM25_K1 = 1.5
# A staging folder older than this is a dead writer's leftover.
STALE_STAGING_SECONDS = 600


@dataclass(frozen=True)
class ParagraphRecord:
    """A citable paragraph as the retriever and answerer see it."""

    article_id: str
    paragraph: int
    text: str
    title: str
    date: str | None
    source: str
    url: str | None = None
    author: str | None = None
    page: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        """``(article_id, paragraph)``."""
        return (self.article_id, self.paragraph)

    def passage(self) -> Passage:
        """This paragraph as a passage (no score yet)."""
        return Passage(
            article_id=self.article_id,
            paragraph=self.paragraph,
            text=self.text,
            score=0.0,
            title=self.title,
            date=self.date,
            source=self.source,
            url=self.url,
            author=self.author,
            page=self.page,
        )


class RecordColumns(Sequence[ParagraphRecord]):
    """Paragraph records stored as columns, each record made when it is read.

    What a loaded index keeps: one list per field (no object per paragraph), so loading 100k
    paragraphs costs one unpickling, not 100k record constructions.
    """

    def __init__(self, columns: tuple[list[Any], ...]) -> None:
        self.columns = columns
        if len({len(c) for c in columns}) > 1:
            raise ValueError("record columns of different lengths")

    def __len__(self) -> int:
        return len(self.columns[0])

    @overload
    def __getitem__(self, index: int) -> ParagraphRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[ParagraphRecord]: ...

    def __getitem__(self, index: int | slice) -> ParagraphRecord | list[ParagraphRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return ParagraphRecord(*(column[index] for column in self.columns))

    def __iter__(self) -> Iterator[ParagraphRecord]:
        for row in zip(*self.columns, strict=True):
            yield ParagraphRecord(*row)


class RecordsByKey(Mapping[tuple[str, int], ParagraphRecord]):
    """``(article_id, paragraph)`` -> record, over :class:`RecordColumns`.

    The key -> row table is built at the first look-up, not when the index loads: a question
    normally finds its paragraphs by store row id (:meth:`LexicalIndex.record_of_row`) and
    never asks by key, and at 100,000 paragraphs the table costs ~0.2 s of a cold start.
    """

    def __init__(self, records: RecordColumns) -> None:
        self.records = records
        self._table: dict[tuple[str, int], int] | None = None

    @property
    def _rows(self) -> dict[tuple[str, int], int]:
        if self._table is None:  # two threads may both build it: the same table
            ids, numbers = self.records.columns[0], self.records.columns[1]
            self._table = {key: row for row, key in enumerate(zip(ids, numbers, strict=True))}
        return self._table

    def __getitem__(self, key: tuple[str, int]) -> ParagraphRecord:
        return self.records[self._rows[key]]

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self.records)


class LexicalIndex:
    """A BM25 index of paragraphs plus the IDF of every term.

    It also keeps each article's *notes*: the text of its stored but non-citable blocks (title,
    footer, ``source:`` line), not searched, read by the reader's "does the retrieved text name
    it" check. They are read from the store with the paragraphs, once per revision, so a
    question never reads the store for them.

    It also keeps the store ids of the citable rows (chunks) of the revision it was built from,
    so a dense search of that revision reads only ids and distances from the store
    (:meth:`record_of_row`).

    Args:
        records: The paragraphs to index.
        analyzer: Tokeniser shared with the queries.
        notes: Per article id, its non-citable text.
        rows: Store row id -> ``(article_id, paragraph)`` of every citable row of ``revision``.
        revision: The store revision the records were read from (None: unknown).
    """

    records: Sequence[ParagraphRecord]
    by_key: Mapping[tuple[str, int], ParagraphRecord]
    notes: Mapping[str, str]
    rows: Mapping[str, int]
    revision: str | None

    def __init__(
        self,
        records: Sequence[ParagraphRecord],
        analyzer: Analyzer,
        *,
        notes: Mapping[str, str] | None = None,
        rows: Mapping[str, tuple[str, int]] | None = None,
        revision: str | None = None,
    ) -> None:
        import bm25s

        self.records = list(records)
        self.analyzer = analyzer
        self.notes = dict(notes or {})
        position = {r.key: i for i, r in enumerate(self.records)}
        self.rows = {row: position[key] for row, key in (rows or {}).items() if key in position}
        self.revision = revision
        docs = [analyzer.terms(f"{r.title} {r.text}") for r in self.records]
        n = max(len(docs), 1)
        df = Counter(t for terms in docs for t in set(terms))
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._bm25 = bm25s.BM25(k1=BM25_K1)
        if self.records:
            self._bm25.index([terms or ["∅"] for terms in docs], show_progress=False)
        self.by_key = {r.key: r for r in self.records}

    @classmethod
    def _restored(
        cls,
        records: RecordColumns,
        analyzer: Analyzer,
        idf: dict[str, float],
        max_idf: float,
        bm25: Any,
        notes: dict[str, str],
        rows: dict[str, int],
        revision: str | None,
    ) -> LexicalIndex:
        index = cls.__new__(cls)
        index.records = records
        index.analyzer = analyzer
        index.notes = notes
        index.rows = rows
        index.revision = revision
        index.idf = idf
        index.max_idf = max_idf
        index._bm25 = bm25
        index.by_key = RecordsByKey(records)
        return index

    def save_arrays(self, arrays: Path) -> None:
        """Write the BM25 score arrays to the folder ``arrays`` (memory-mapped by :meth:`load`)."""
        arrays.mkdir(parents=True, exist_ok=True)
        if self.records:
            self._bm25.save(str(arrays), show_progress=False)

    def save_records(self, path: Path) -> None:
        """Write the records and term statistics to ``path`` (atomically), as plain columns.

        An article's title, date, source, URL and author repeat on each of its paragraphs:
        each value is written once (pickle stores a repeated object by reference), so the file
        and its load shrink (at 100,000 paragraphs the titles alone were 12 MB).
        """
        shared: dict[Any, Any] = {}

        def once(values: list[Any]) -> list[Any]:
            return [shared.setdefault(v, v) for v in values]

        columns = (
            once([r.article_id for r in self.records]),
            [r.paragraph for r in self.records],
            [r.text for r in self.records],
            once([r.title for r in self.records]),
            once([r.date for r in self.records]),
            once([r.source for r in self.records]),
            once([r.url for r in self.records]),
            once([r.author for r in self.records]),
            [r.page for r in self.records],
        )
        state = {
            "format": CACHE_FORMAT,
            "language": self.analyzer.language,
            "columns": columns,
            "idf": self.idf,
            "max_idf": self.max_idf,
            "notes": dict(self.notes),
            "rows": dict(self.rows),
            "revision": self.revision,
        }
        with atomic_file(path) as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: Path, arrays: Path) -> LexicalIndex:
        """The index written by :meth:`save`; the BM25 score arrays are memory-mapped.

        Raises:
            ValueError: the files are not an index of this format.
        """
        import bm25s

        with path.open("rb") as handle:
            state = pickle.load(handle)
        if not isinstance(state, dict) or state.get("format") != CACHE_FORMAT:
            raise ValueError(f"{path} is not a BM25 index of format {CACHE_FORMAT}")
        records = RecordColumns(tuple(state["columns"]))
        bm25 = (
            bm25s.BM25.load(str(arrays), mmap=True, show_progress=False)
            if records
            else bm25s.BM25()
        )
        return cls._restored(
            records,
            Analyzer(state["language"]),
            state["idf"],
            state["max_idf"],
            bm25,
            dict(state["notes"]),
            dict(state["rows"]),
            state["revision"],
        )

    def record_of_row(self, row_id: str) -> ParagraphRecord | None:
        """The paragraph of a store row, if the row is citable and visible at :attr:`revision`
        (None for any other row)."""
        position = self.rows.get(row_id)
        return None if position is None else self.records[position]

    def knows(self, word: str) -> bool:
        """Whether the corpus uses every term of ``word`` (one with no term, a stopword, too)."""
        return all(term in self.idf for term in self.analyzer.terms(word))

    def term_weight(self, term: str) -> float:
        """IDF of a term; terms the corpus never uses get the highest weight."""
        return self.idf.get(term, self.max_idf)

    def score_unindexed(
        self, query: str, records: Sequence[ParagraphRecord]
    ) -> list[tuple[ParagraphRecord, float]]:
        """BM25 scores of paragraphs this index does not hold (stored after it was built, while
        the next revision's index is being built), on this index's term statistics, so they
        rank among :meth:`search`'s results: a term it never saw weighs as in no paragraph,
        and each paragraph counts as of average length. Only those sharing a term with the
        query."""
        terms = list(dict.fromkeys(self.analyzer.terms(query)))
        scored: list[tuple[ParagraphRecord, float]] = []
        for record in records:
            counts = Counter(self.analyzer.terms(f"{record.title} {record.text}"))
            score = sum(
                self.term_weight(t) * counts[t] / (counts[t] + BM25_K1)  # bm25s' Lucene form
                for t in terms
                if counts[t]
            )
            if score > 0:
                scored.append((record, score))
        return scored

    def search(self, query: str, k: int) -> list[tuple[ParagraphRecord, float]]:
        """Top ``k`` paragraphs by BM25 (only those sharing a term with the query)."""
        terms = [t for t in self.analyzer.terms(query) if t in self.idf]
        if not terms or not self.records:
            return []
        docs, scores = self._bm25.retrieve(
            [terms], k=min(k, len(self.records)), show_progress=False
        )
        return [
            (self.records[int(i)], float(s))
            for i, s in zip(np.ravel(docs), np.ravel(scores), strict=True)
            if s > 0
        ]


class LexicalCache:
    """BM25 indexes on disk, one per collection revision.

    Processes that share a store (or a Chroma server) and see the same revision load the
    same index instead of rebuilding it; a new revision (any sync that changed something)
    gets new files and the older ones of that collection are removed. Each revision is a
    pickle of the records, term statistics and article notes (``bm25-v4-….pkl``, plain lists
    and dicts) next to a folder of the BM25 score arrays (``….bm25/``), memory-mapped on load, so
    loading costs little more than reading the paragraph texts. The files are written by
    this code into our own data folder: do not point ``folder`` at files from elsewhere::

        cache = LexicalCache(Path(".rag/lexical"))
        index = cache.load("http://db:8000", "articles", revision) or build()
        cache.save("http://db:8000", "articles", revision, index)

    Args:
        folder: Where the files live (created on first save).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @staticmethod
    def _prefix(location: str, collection: str) -> str:
        digest = hashlib.sha1(f"{location}\0{collection}".encode()).hexdigest()[:16]
        return f"bm25-v{CACHE_FORMAT}-{digest}-"

    def path(self, location: str, collection: str, revision: str) -> Path:
        """The records file of one revision of one collection."""
        safe = "".join(c for c in revision if c.isalnum())[:64]
        return self.folder / f"{self._prefix(location, collection)}{safe}.pkl"

    @staticmethod
    def arrays(path: Path) -> Path:
        """The folder of BM25 arrays that goes with a records file."""
        return path.with_suffix(".bm25")

    def exists(self, location: str, collection: str, revision: str) -> bool:
        """Whether that revision is on disk (no read)."""
        return self.path(location, collection, revision).is_file()

    def load(self, location: str, collection: str, revision: str) -> LexicalIndex | None:
        """The stored index of that revision, or None (missing or unreadable files)."""
        path = self.path(location, collection, revision)
        try:
            return LexicalIndex.load(path, self.arrays(path))
        except FileNotFoundError:
            return None
        except Exception as exc:  # truncated or stale file: rebuild rather than fail
            logger.warning("ignoring unreadable BM25 cache %s: %s", path, exc)
            return None

    def save(self, location: str, collection: str, revision: str, index: LexicalIndex) -> None:
        """Store ``index`` (the arrays first, the records file last, each atomically) and drop
        older revisions of the collection.

        Failing to write (read-only or full disk) only costs a rebuild next time.
        """
        path = self.path(location, collection, revision)
        arrays = self.arrays(path)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            staging = arrays.with_name(f"{arrays.name}.{uuid.uuid4().hex}.tmp")
            index.save_arrays(staging)
            if arrays.exists():  # another process saved the same revision: keep its arrays
                shutil.rmtree(staging, ignore_errors=True)
            else:
                try:
                    staging.rename(arrays)
                except OSError:  # lost a race to another process: same content
                    shutil.rmtree(staging, ignore_errors=True)
            index.save_records(path)  # last: its presence means the revision is complete
            self._sweep(self._prefix(location, collection), keep=(path, arrays))
        except OSError as exc:
            logger.warning("cannot write the BM25 cache %s: %s", path, exc)

    def _sweep(self, prefix: str, keep: tuple[Path, ...]) -> None:
        """Drop other revisions of the collection, and staging folders of dead writers."""
        now = time.time()
        for old in self.folder.glob(f"{prefix}*"):
            if old in keep:
                continue
            if old.name.endswith(".tmp") and now - old.stat().st_mtime < STALE_STAGING_SECONDS:
                continue  # maybe another process writing right now
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
