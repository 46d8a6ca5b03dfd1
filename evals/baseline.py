"""The plain LangChain pipeline a tutorial reader would write, scored on the same gold set.

Files → ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`` → the same
embedder → ``langchain_chroma.Chroma`` (temporary folder) → top-k chunks. Chunks are mapped
back to the paragraphs they overlap (by character offsets in the file), so the baseline is
scored with the same paragraph-level recall@k and MRR as our retriever.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag import Embedder, article_files, decode_bytes

RECALL_AT = (1, 3, 5, 10)
TOP_K = 5
_BLOCK = re.compile(r"\n[ \t]*\n")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-empty blank-line-separated block: paragraph n = item n-1.

    Same numbering as :func:`index.parse.split_blocks` (the project's paragraph contract).
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in [*_BLOCK.finditer(text), None]:
        end = match.start() if match else len(text)
        if text[start:end].strip():
            spans.append((start, end))
        start = match.end() if match else len(text)
    return spans


@dataclass
class BaselineRun:
    """Paragraph-level retrieval metrics of the LangChain pipeline."""

    metrics: dict[str, float] = field(default_factory=dict)
    ranked: dict[str, list[str]] = field(default_factory=dict)


class LangChainBaseline:
    """Index a corpus folder the tutorial way and retrieve paragraphs through chunks.

    ::

        baseline = LangChainBaseline(embedder, Path("data/corpus"))
        baseline.paragraphs("Combien de points compte le plan ?", k=5)
        baseline.close()
    """

    def __init__(self, embedder: Embedder, corpus_dir: Path) -> None:
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        files = article_files(corpus_dir)
        if not files:
            raise ValueError(f"no .txt/.md article in {corpus_dir}")
        self._tmp = tempfile.TemporaryDirectory(prefix="lc-baseline-")
        started = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=1000, chunk_overlap=200, add_start_index=True
        )
        self.spans: dict[str, list[tuple[int, int]]] = {}
        documents = []
        for path in files:
            # Same decoding and newline normalisation as the project's parser, so offsets
            # line up with its paragraph numbers.
            text, _ = decode_bytes(path.read_bytes())
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            self.spans[path.stem] = paragraph_spans(text)
            documents.append(Document(page_content=text, metadata={"source": path.stem}))
        chunks = splitter.split_documents(documents)
        self.store = Chroma(
            collection_name=f"baseline-{uuid.uuid4().hex[:8]}",
            embedding_function=embedder,
            persist_directory=self._tmp.name,
        )
        self.store.add_documents(chunks)
        self.chunks = len(chunks)
        self.index_seconds = time.perf_counter() - started

    def chunk_paragraphs(self, metadata: dict[str, Any], length: int) -> list[str]:
        """Paragraph ids (``article:n``) a chunk overlaps, in reading order."""
        source, start = metadata["source"], int(metadata["start_index"])
        end = start + length
        return [
            f"{source}:{n}"
            for n, (a, b) in enumerate(self.spans.get(source, []), start=1)
            if a < end and b > start
        ]

    def search(self, question: str, k: int) -> list[list[str]]:
        """The top-``k`` chunks, each as the paragraph ids it covers."""
        found = self.store.similarity_search(question, k=k)
        return [self.chunk_paragraphs(d.metadata, len(d.page_content)) for d in found]

    def paragraphs(self, question: str, k: int = 10) -> list[str]:
        """Paragraph ids of the top-``k`` chunks, flattened in rank order, without repeats."""
        return list(dict.fromkeys(p for chunk in self.search(question, k) for p in chunk))

    def close(self) -> None:
        """Drop the temporary Chroma folder."""
        self._tmp.cleanup()


def evaluate_baseline(
    embedder: Embedder, corpus_dir: Path, items: Sequence[dict[str, Any]]
) -> BaselineRun:
    """Paragraph-level recall@k/MRR of the baseline on the items with gold paragraphs.

    ``recall@k`` ranks paragraphs by their chunk's rank (a chunk's paragraphs in reading
    order); ``chunk_recall@5`` counts a hit when any of the top-5 chunks overlaps a gold
    paragraph (what the tutorial pipeline hands its LLM, ~5,000 characters).
    """
    baseline = LangChainBaseline(embedder, corpus_dir)
    try:
        run = BaselineRun()
        hits = dict.fromkeys(RECALL_AT, 0)
        chunk_hits = 0
        reciprocal: list[float] = []
        seconds: list[float] = []
        context_chars: list[int] = []
        scored = [i for i in items if i.get("gold")]
        for item in scored:
            gold = set(item["gold"])
            started = time.perf_counter()
            found = baseline.store.similarity_search(item["question"], k=max(RECALL_AT))
            seconds.append(time.perf_counter() - started)
            chunks = [baseline.chunk_paragraphs(d.metadata, len(d.page_content)) for d in found]
            context_chars.append(sum(len(d.page_content) for d in found[:TOP_K]))
            ranked = list(dict.fromkeys(p for chunk in chunks for p in chunk))
            run.ranked[item["id"]] = ranked
            first = next((n for n, r in enumerate(ranked, 1) if r in gold), None)
            reciprocal.append(1 / first if first else 0.0)
            for k in RECALL_AT:
                hits[k] += bool(first and first <= k)
            chunk_hits += any(gold & set(c) for c in chunks[:TOP_K])
        n = max(len(scored), 1)
        run.metrics = {
            **{f"recall@{k}": hits[k] / n for k in RECALL_AT},
            "mrr": statistics.fmean(reciprocal) if reciprocal else 0.0,
            "chunk_recall@5": chunk_hits / n,
            "context_chars@5": statistics.fmean(context_chars) if context_chars else 0.0,
            "chunks": float(baseline.chunks),
            "index_s": baseline.index_seconds,
            "latency_p50_ms": 1000 * statistics.median(seconds) if seconds else 0.0,
        }
        return run
    finally:
        baseline.close()
