"""Synthetic corpora for the benchmarks: bundled French sentences recombined into articles.

What is synthetic, exactly: the *text* of every article beyond the bundled 66 paragraphs is
made of real sentences of the bundled articles, drawn at random (2-4 per paragraph, a random
sentence as the title, 20 paragraphs per article). For the large sizes the passage *vectors*
are synthetic too: the normalised sum of the real e5 vectors of the paragraph's sentences
(each sentence embedded once with the real model), so no paragraph is run through the model.
Query vectors are always real.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index.config import BUNDLED_CORPUS
from index.fast_embed import FastEncoder
from index.parse import load_corpus

_SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀ-Ý«\"'])")
PARAGRAPHS_PER_ARTICLE = 20


def sentence_pool() -> list[str]:
    """Distinct sentences (40-400 characters) of the bundled articles' citable paragraphs."""
    seen: dict[str, None] = {}
    for article in load_corpus(BUNDLED_CORPUS).articles:
        for paragraph in article.paragraphs:
            for sentence in _SENTENCE.split(paragraph.text):
                sentence = " ".join(sentence.split())
                if 40 <= len(sentence) <= 400:
                    seen.setdefault(sentence)
    return list(seen)


def write_corpus(folder: Path, paragraphs: int, *, seed: int = 7) -> int:
    """Write articles totalling ``paragraphs`` body paragraphs; return the number of files."""
    rng = random.Random(seed)
    pool = sentence_pool()
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    left = paragraphs
    while left > 0:
        count = min(PARAGRAPHS_PER_ARTICLE, left)
        title = rng.choice(pool).rstrip(".")
        body = [" ".join(rng.sample(pool, rng.randint(2, 4))) for _ in range(count)]
        text = "\n\n".join([title, "20 novembre 2025", *body]) + "\n"
        (folder / f"syn_{files:06d}.txt").write_text(text, encoding="utf-8")
        files += 1
        left -= count
    return files


class SentenceVectors:
    """Real e5 passage vectors of the sentence pool; paragraph vectors composed from them."""

    def __init__(self, pool: Sequence[str], vectors: np.ndarray) -> None:
        self.index = {s: i for i, s in enumerate(pool)}
        self.vectors = vectors
        self.dimension = int(vectors.shape[1])

    def compose(self, text: str) -> np.ndarray:
        """Normalised sum of the vectors of the pool sentences found in ``text``."""
        rows: list[int] = []
        for line in text.splitlines():
            for piece in _SENTENCE.split(line):
                sentence = " ".join(piece.split())
                for candidate in (sentence, sentence + "."):  # titles lost their full stop
                    if candidate in self.index:
                        rows.append(self.index[candidate])
                        break
        if rows:
            vector = self.vectors[rows].sum(axis=0)
        else:  # a fragment cut mid-sentence (LangChain splitter): a stable pseudo-random one
            seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
            vector = np.random.default_rng(seed).standard_normal(self.dimension)
        return np.asarray(vector / np.linalg.norm(vector), dtype=np.float32)


class SyntheticEncoder(FastEncoder):
    """Passage vectors composed from sentence vectors (ours); queries are not supported."""

    def __init__(self, vectors: SentenceVectors) -> None:
        self._vectors = vectors
        self.dimension = vectors.dimension

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if query:
            raise RuntimeError("synthetic vectors are for passages only")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._vectors.compose(text)
        return out


class SyntheticEmbeddings(Embeddings):
    """The same composed vectors for the LangChain pipeline; queries use a real model."""

    def __init__(self, vectors: SentenceVectors, query_model: Any) -> None:
        self._vectors = vectors
        self._query_model = query_model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vectors.compose(t).tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return list(self._query_model.embed_query(text))
