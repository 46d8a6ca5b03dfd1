"""Training data for the reader: retrieve once per gold question, cache on disk.

For each gold item the standalone query is retrieved exactly as :class:`rag.Assistant` does
(same settings, ``k_answer`` paragraphs), and the query vector, the passages and the vectors of
every candidate sentence are stored under a cache folder, so feature and model experiments
re-run in seconds without the embedder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ArticleReadError
from index.parse import read_article
from rag.config import Settings
from rag.history import standalone_question
from rag.reader.annotate import texts_to_embed
from rag.types import Passage

CACHE_FORMAT = 1
EXTRACTIVE_KEY = "extractive_margin"


def _digest(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:16]


def corpus_digest(corpus_dir: Path) -> str:
    """A digest of a corpus folder's file names and contents."""
    h = hashlib.sha1()
    for path in sorted(Path(corpus_dir).glob("*")):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def corpus_notes(corpus_dir: Path) -> dict[str, str]:
    """Per article of a corpus folder, the text of its non-citable blocks (title, footer,
    ``source:`` line…), as the index keeps them (:attr:`rag.lexical.LexicalIndex.notes`).
    Unreadable files are skipped (the index skips them too)."""
    notes: dict[str, str] = {}
    for path in sorted(Path(corpus_dir).glob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            article = read_article(path)
        except ArticleReadError:
            continue
        flagged = [p.text for p in article.paragraphs if p.flag]
        if flagged:
            notes[article.article_id] = "\n".join(flagged)
    return notes


def load_gold(path: Path) -> list[dict[str, Any]]:
    """The gold items of a JSON-lines file (blank lines skipped)."""
    return [
        json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line
    ]


def collect(
    items: list[dict[str, Any]], corpus_dir: Path, cache_dir: Path, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Per item: ``query``, ``query_vector``, ``passages``, candidate ``vectors`` by text and
    ``article_notes`` (the retrieved articles' non-citable blocks, see :func:`corpus_notes`).

    Retrieval results and vectors are cached under ``cache_dir`` keyed by the corpus digest,
    the settings that shape retrieval and the query.
    """
    base = settings or Settings()
    key = _digest(
        CACHE_FORMAT.__str__(),
        corpus_digest(corpus_dir),
        base.embedder,
        str(base.k_answer),
        str(base.rerank_depth),
        str(base.max_chunk_tokens),
    )
    folder = Path(cache_dir) / key
    folder.mkdir(parents=True, exist_ok=True)
    index_file = folder / "retrieval.json"
    vectors_file = folder / "vectors.npz"
    cached: dict[str, Any] = (
        json.loads(index_file.read_text(encoding="utf-8")) if index_file.exists() else {}
    )
    vectors: dict[str, np.ndarray] = {}
    if vectors_file.exists():
        with np.load(vectors_file) as data:
            texts = json.loads((folder / "vector_texts.json").read_text(encoding="utf-8"))
            vectors = {t: data["v"][i] for i, t in enumerate(texts)}
    assistant = None
    notes = corpus_notes(corpus_dir)
    out: list[dict[str, Any]] = []
    for item in items:
        query = standalone_question(item["question"], item.get("history"))
        entry = cached.get(query)
        if entry is None:
            if assistant is None:
                from rag import Assistant

                assistant = Assistant(
                    base.model_copy(
                        update={"corpus_dir": Path(corpus_dir), "data_dir": folder / "data"}
                    )
                )
            qv = assistant.embedder.encode_queries([query])[0]
            passages = assistant.retriever.retrieve(query, base.k_answer, query_vector=qv)
            entry = {
                "query_vector": [float(x) for x in qv],
                "passages": [asdict(p) for p in passages],
            }
            cached[query] = entry
        passages = [Passage(**p) for p in entry["passages"]]
        if EXTRACTIVE_KEY not in entry:
            if assistant is None:
                from rag import Assistant

                assistant = Assistant(
                    base.model_copy(
                        update={"corpus_dir": Path(corpus_dir), "data_dir": folder / "data"}
                    )
                )
            from rag.generate.reader import extractive_margin

            lexical = assistant.retriever.lexical()
            qv = np.asarray(entry["query_vector"], dtype=np.float32)
            pool = assistant.answerer.score(query, qv, passages, lexical)
            entry[EXTRACTIVE_KEY] = extractive_margin(assistant.answerer, query, pool, lexical)
        missing = [text for text in texts_to_embed(passages) if text not in vectors]
        if missing:
            if assistant is None:
                from rag import Assistant

                assistant = Assistant(
                    base.model_copy(
                        update={"corpus_dir": Path(corpus_dir), "data_dir": folder / "data"}
                    )
                )
            for text, vector in zip(
                dict.fromkeys(missing),
                assistant.embedder.encode_passages(list(dict.fromkeys(missing))),
                strict=True,
            ):
                vectors[text] = vector
        out.append(
            {
                **item,
                "query": query,
                "query_vector": np.asarray(entry["query_vector"], dtype=np.float32),
                "passages": passages,
                EXTRACTIVE_KEY: float(entry[EXTRACTIVE_KEY]),
                "article_notes": {
                    a: notes[a] for a in dict.fromkeys(p.article_id for p in passages) if a in notes
                },
            }
        )
    index_file.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    texts = list(vectors)
    (folder / "vector_texts.json").write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
    np.savez(vectors_file, v=np.stack([vectors[t] for t in texts]) if texts else np.zeros((0, 1)))
    for record in out:
        record["vectors"] = vectors
    return out
