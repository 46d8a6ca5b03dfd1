"""BM25 over citable paragraphs (bm25s + Snowball stemming), with term statistics."""

from __future__ import annotations

import hashlib
import logging
import math
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.atomic import atomic_file
from rag.text import Analyzer

logger = logging.getLogger(__name__)
# Bump when the pickled layout of LexicalIndex changes: old files are then ignored.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class ParagraphRecord:
    """A citable paragraph as the retriever and answerer see it."""

    article_id: str
    paragraph: int
    text: str
    title: str
    date: str | None
    source: str

    @property
    def key(self) -> tuple[str, int]:
        """``(article_id, paragraph)``."""
        return (self.article_id, self.paragraph)


class LexicalIndex:
    """A BM25 index of paragraphs plus the IDF of every term.

    Args:
        records: The paragraphs to index.
        analyzer: Tokeniser shared with the queries.
    """

    def __init__(self, records: Sequence[ParagraphRecord], analyzer: Analyzer) -> None:
        import bm25s

        self.records = list(records)
        self.analyzer = analyzer
        docs = [analyzer.terms(f"{r.title} {r.text}") for r in self.records]
        self.doc_terms = [set(terms) for terms in docs]
        n = max(len(docs), 1)
        df = Counter(t for terms in self.doc_terms for t in terms)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._bm25 = bm25s.BM25()
        if self.records:
            self._bm25.index([terms or ["∅"] for terms in docs], show_progress=False)
        self.by_key = {r.key: r for r in self.records}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["analyzer"] = self.analyzer.language  # the stemmer object does not pickle
        del state["by_key"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["analyzer"] = Analyzer(state["analyzer"])
        self.__dict__.update(state)
        self.by_key = {r.key: r for r in self.records}

    def term_weight(self, term: str) -> float:
        """IDF of a term; terms the corpus never uses get the highest weight."""
        return self.idf.get(term, self.max_idf)

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
    """BM25 indexes on disk, one file per collection revision.

    Processes that share a store (or a Chroma server) and see the same revision load the
    same index instead of rebuilding it; a new revision (any sync that changed something)
    gets a new file and the old ones of that collection are removed. The files are pickles
    written by this code into our own data folder: do not point ``folder`` at files from
    elsewhere::

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
        """The file for one revision of one collection."""
        safe = "".join(c for c in revision if c.isalnum())[:64]
        return self.folder / f"{self._prefix(location, collection)}{safe}.pkl"

    def load(self, location: str, collection: str, revision: str) -> LexicalIndex | None:
        """The stored index of that revision, or None (missing or unreadable file)."""
        path = self.path(location, collection, revision)
        try:
            with path.open("rb") as handle:
                index = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as exc:  # truncated or stale file: rebuild rather than fail
            logger.warning("ignoring unreadable BM25 cache %s: %s", path, exc)
            return None
        return index if isinstance(index, LexicalIndex) else None

    def save(self, location: str, collection: str, revision: str, index: LexicalIndex) -> None:
        """Store ``index`` atomically and drop older revisions of the collection.

        Failing to write (read-only or full disk) only costs a rebuild next time.
        """
        path = self.path(location, collection, revision)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_file(path) as handle:
                pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
            for old in self.folder.glob(f"{self._prefix(location, collection)}*.pkl"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("cannot write the BM25 cache %s: %s", path, exc)
