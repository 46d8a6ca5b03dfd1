"""Bulk passage embedding in bfloat16, for CPUs that compute it natively (AMX, AVX512-BF16).

On such a CPU, torch runs the builtin multilingual-e5-small under ``torch.autocast(bfloat16)``
~2.7x faster than in float32 (1,100 paragraphs: 12.7 s against 33.9 s on 2 cores), with
vectors that stay the reference's: the float32 weights are kept and only the matrix products
run in bfloat16, pooling and normalisation in float32. Every worker checks this before it
serves: it embeds a fixed probe set both ways and refuses to start when one vector's cosine
to its float32 twin falls under ``min_cosine`` (0.9999 by default, the bar every fp32
backend meets); the measurement is kept in the model folder's ``bf16-check.json`` for the
next worker of the same torch, CPU, model files and code. Without native bfloat16 the products
are emulated, slower than ONNX Runtime, so the worker refuses to start too. The forward pass is
:class:`index.torch_bert.BertEncoder` (plain torch: the worker never imports transformers,
which took ~2 s of its start).

The model runs in a child process (``python -m index.bf16_embed MODEL_DIR``): torch and its
~1.2 GB never enter the caller, a long-running app, and :meth:`Bf16Encoder.close` hands all of
it back to the system when an index sync ends. The :class:`index.fast_embed.AutoEncoder`
(the default ``auto`` backend) uses it for bulk passage work when :func:`native_bf16` says the
CPU can, and ONNX Runtime otherwise::

    encoder = Bf16Encoder(build_e5_model(models_dir / "multilingual-e5-small"))
    vectors = encoder.encode(["Un plan en 28 points."], query=False)
    encoder.close()

Protocol on the child's stdin/stdout: the parent sends frames of a 4-byte big-endian length
and a UTF-8 JSON list of (already prefixed) texts; the child answers each with a kind byte
and a 4-byte length: ``V`` float32 rows, ``E`` an error message; its first frame, ``H``, is
its check (JSON: ``ok``, ``reason``, ``min_cosine``, ``dimension``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from index import offline  # noqa: F401  (offline environment before torch in the child)
from index.atomic import write_atomic
from index.e5_convert import PASSAGE_PROMPT, QUERY_PROMPT
from index.fast_embed import MAX_TOKENS, FastEncoder, child_env

logger = logging.getLogger(__name__)

BF16_MIN_COSINE = 0.9999
START_TIMEOUT = 180.0  # seconds for the child to import torch, load the model and check it
# Batch widths are rounded up to a multiple of this many tokens: fewer distinct shapes keep
# oneDNN's per-shape caches small (1,100 paragraphs: 1.2 GB peak instead of 1.5 GB, and 10 %
# faster); the padding is masked, so the vectors do not change.
_WIDTH_STEP = 32
_HEADER = struct.Struct(">cI")
_LENGTH = struct.Struct(">I")
# The CPU flags of native bfloat16 matrix products (Linux's /proc/cpuinfo names).
_BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})
# The check's probe: French and English, one word to a few hundred tokens.
_PROBE = (
    "Paix",
    "Who is leading the negotiations for the United States?",
    "Combien de points comporte le plan de paix ?",
    "Le plan, qui comprend 28 points répartis en quatre catégories, vise à aborder des "
    "questions essentielles.",
    "The strike of the regional train conductors will go on at least until Monday, the unions "
    "said after a five-hour meeting with the management ended without an agreement.",
    " ".join(
        [
            "Selon la direction régionale, 212 trains ont été supprimés sur les 540 programmés "
            "chaque jour en semaine, et 28 autocars de substitution ont été affrétés."
        ]
        * 5
    ),
)


class Bf16Unavailable(RuntimeError):
    """The bfloat16 worker cannot serve here (no native bfloat16, a failed check, no torch)."""


class Bf16WorkerError(RuntimeError):
    """The bfloat16 worker failed or exited while embedding."""


def _cpu_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> tuple[str, frozenset[str]]:
    """The CPU's model name and its native bfloat16 flags, read from ``cpuinfo``; empty where
    that file cannot be read."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "", frozenset()
    lines = text.splitlines()
    model = next((line for line in lines if line.startswith("model name")), "")
    flags = next((line for line in lines if line.startswith("flags")), "")
    return model, _BF16_FLAGS & frozenset(flags.partition(":")[2].split())


def native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU computes bfloat16 matrix products natively (AMX or AVX512-BF16), read
    from ``/proc/cpuinfo`` without importing torch; False where that file does not exist."""
    return bool(_cpu_bf16(cpuinfo)[1])


class Bf16Encoder(FastEncoder):
    """The builtin e5 under bfloat16 autocast, in a child process; checked before it serves.

    Args:
        model_dir: The converted sentence-transformers folder
            (:func:`index.e5_convert.build_e5_model`).
        threads: torch threads in the child (0 = CPU count).
        batch_size: Texts per forward pass (sorted by length, so padding stays small).
        min_cosine: The check's bar: each probe vector against its float32 twin.
        allow_emulated: Start even without native bfloat16 (for tests; slow).
        start_timeout: Seconds to wait for the child's check.

    Raises:
        Bf16Unavailable: the child refused to serve (its reason is the message), or did not
            start in time.
        ValueError: a bad argument.
    """

    name_suffix = ""

    def __init__(
        self,
        model_dir: Path,
        *,
        threads: int = 0,
        batch_size: int = 16,
        min_cosine: float = BF16_MIN_COSINE,
        allow_emulated: bool = False,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        if batch_size < 1 or threads < 0:
            raise ValueError("batch_size must be >= 1 and threads >= 0")
        if not 0.0 < min_cosine <= 2.0:
            raise ValueError("min_cosine must be in (0, 2]")
        command = [
            sys.executable,
            "-m",
            "index.bf16_embed",
            str(model_dir),
            "--threads",
            str(threads),
            "--batch-size",
            str(batch_size),
            "--min-cosine",
            repr(min_cosine),
        ]
        if allow_emulated:
            command.append("--allow-emulated")
        # The child's stderr, read back when it fails; open as long as the child runs.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._lock = threading.Lock()
        self._closed = False
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=child_env(),
        )
        hello = self._hello(start_timeout)
        if not hello.get("ok"):
            self.close()
            raise Bf16Unavailable(str(hello.get("reason") or "the bf16 worker refused to start"))
        self.dimension = int(hello.get("dimension") or 384)
        self.checked_cosine = float(hello["min_cosine"])
        self.check_cached = bool(hello.get("cached"))

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def _hello(self, timeout: float) -> dict[str, Any]:
        result: dict[str, Any] = {}

        def read() -> None:
            with contextlib.suppress(Exception):
                result.update(self._read_frame(expect=b"H"))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            self.close()
            raise Bf16Unavailable(f"the bf16 worker did not start within {timeout:.0f} s")
        if not result:
            tail = self._stderr_tail()
            self.close()
            raise Bf16Unavailable(f"the bf16 worker exited before its check: {tail}")
        return result

    def _read_frame(self, *, expect: bytes) -> Any:
        process = self._process
        if process is None or process.stdout is None:
            raise Bf16WorkerError("the bf16 worker is closed")
        header = _read_exactly(process.stdout, _HEADER.size)
        kind, length = _HEADER.unpack(header)
        payload = _read_exactly(process.stdout, length)
        if kind == b"E":
            raise Bf16WorkerError(f"the bf16 worker failed: {payload.decode('utf-8', 'replace')}")
        if kind != expect:
            raise Bf16WorkerError(f"the bf16 worker answered {kind!r}, expected {expect!r}")
        if kind == b"V":
            return payload
        return json.loads(payload.decode("utf-8"))

    def _stderr_tail(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            return " | ".join(lines[-3:]) or "no message"
        return "no message"

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """Unit vectors of ``texts`` with the e5 ``query: `` / ``passage: `` prefix.

        Raises:
            Bf16WorkerError: the child failed or exited (its last error lines in the message).
        """
        prefix = QUERY_PROMPT if query else PASSAGE_PROMPT
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        request = json.dumps([prefix + t for t in texts], ensure_ascii=False).encode("utf-8")
        with self._lock:
            process = self._process
            if process is None or process.stdin is None:
                raise Bf16WorkerError("the bf16 worker is closed")
            try:
                process.stdin.write(_LENGTH.pack(len(request)) + request)
                process.stdin.flush()
                payload = self._read_frame(expect=b"V")
            except (OSError, EOFError) as exc:
                code = process.poll()
                raise Bf16WorkerError(
                    f"the bf16 worker exited (code {code}): {self._stderr_tail()}"
                ) from exc
        vectors = np.frombuffer(payload, dtype="<f4").reshape(len(texts), self.dimension)
        return vectors.astype(np.float32, copy=True)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` ended the child (a child that died is not closed yet)."""
        return self._closed

    def close(self) -> None:
        """End the child (it exits when its input closes; killed after 10 s)."""
        with self._lock:
            self._closed = True
            process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        self._stderr.close()

    release = close

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError("stream closed")
        data += chunk
    return data


# ---------------------------------------------------------------- the child process


class _Model:
    """The e5 encoder with mean pooling, in float32 or under bfloat16 autocast."""

    def __init__(self, model_dir: Path, batch_size: int) -> None:
        import torch
        from tokenizers import Tokenizer

        from index.torch_bert import BertEncoder

        self.torch = torch
        self.model = BertEncoder.from_folder(model_dir)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        pad = self.tokenizer.token_to_id("<pad>")
        self.pad = 1 if pad is None else int(pad)
        self.batch_size = batch_size
        self.dimension = self.model.hidden_size

    def encode(self, texts: Sequence[str], *, bf16: bool) -> np.ndarray:
        torch = self.torch
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        autocast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        with torch.inference_mode(), autocast:
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                width = max(len(encodings[i].ids) for i in batch)
                width = min(MAX_TOKENS, -(-width // _WIDTH_STEP) * _WIDTH_STEP)
                ids = torch.full((len(batch), width), self.pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, i in enumerate(batch):
                    tokens = encodings[i].ids
                    ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
                    mask[row, : len(tokens)] = 1
                hidden = self.model(ids, mask).float()
                weights = mask.unsqueeze(-1).float()
                pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[batch] = pooled.numpy()
        return out


CHECK_FILE = "bf16-check.json"


def _check_key(model_dir: Path, torch_version: str) -> str:
    """What the check's result depends on: torch, the CPU, the model's files (by size and
    modification time), the code of the forward pass and the probe."""
    model, flags = _cpu_bf16()
    cpu = model + "|" + " ".join(sorted(flags))
    files = []
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        with contextlib.suppress(OSError):
            stat = (model_dir / name).stat()
            files.append([name, stat.st_size, stat.st_mtime_ns])
    code = hashlib.sha256()
    for module in (__file__, str(Path(__file__).with_name("torch_bert.py"))):
        code.update(Path(module).read_bytes())
    parts = [torch_version, cpu, files, code.hexdigest(), list(_PROBE), _WIDTH_STEP]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def _measured_cosine(model: _Model, cache: Path | None) -> tuple[float, bool]:
    """The probe's worst bf16-to-float32 cosine, and whether it was read from ``cache``.

    The measurement (~0.6 s) is deterministic for one torch, CPU, model and code: it is kept in
    ``cache`` (the model folder's :data:`CHECK_FILE`) under :func:`_check_key` and read back by
    the next worker; anything else in the file (another key, damage) means measuring again.
    """
    if cache is None:
        return _probe_cosine(model), False
    key = _check_key(cache.parent, str(model.torch.__version__))
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored["key"] == key:
            return float(stored["min_cosine"]), True
    worst = _probe_cosine(model)
    with contextlib.suppress(OSError):  # a read-only folder measures every time
        write_atomic(cache, json.dumps({"key": key, "min_cosine": worst}))
    return worst, False


def _probe_cosine(model: _Model) -> float:
    """The worst cosine of the probe's bf16 vectors to their float32 twins (~0.6 s)."""
    texts = [PASSAGE_PROMPT + t for t in _PROBE] + [QUERY_PROMPT + t for t in _PROBE]
    reference = model.encode(texts, bf16=False)
    return float((reference * model.encode(texts, bf16=True)).sum(axis=1).min())


def _check(
    model: _Model, min_cosine: float, allow_emulated: bool, cache: Path | None = None
) -> dict[str, Any]:
    torch = model.torch
    cpu = getattr(torch, "cpu", None)
    native = any(
        bool(getattr(cpu, name, lambda: False)())
        for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    )
    if not native and not allow_emulated:
        return {"ok": False, "reason": "this CPU has no native bfloat16 (AMX or AVX512-BF16)"}
    worst, cached = _measured_cosine(model, cache)
    if worst < min_cosine:
        return {
            "ok": False,
            "reason": f"bf16 vectors differ from float32 ones (cosine {worst:.6f} < {min_cosine})",
            "min_cosine": worst,
        }
    return {
        "ok": True,
        "min_cosine": worst,
        "dimension": model.dimension,
        "native": native,
        "cached": cached,
    }


def _send(out: IO[bytes], kind: bytes, payload: bytes) -> None:
    out.write(_HEADER.pack(kind, len(payload)) + payload)
    out.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """The child: check bfloat16, then embed each request until stdin closes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--min-cosine", type=float, default=BF16_MIN_COSINE)
    parser.add_argument("--allow-emulated", action="store_true")
    args = parser.parse_args(argv)
    # The frames own stdout: anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    try:
        import torch

        torch.set_num_threads(args.threads or os.cpu_count() or 1)
        started = time.perf_counter()
        model = _Model(args.model_dir, args.batch_size)
        hello = _check(model, args.min_cosine, args.allow_emulated, args.model_dir / CHECK_FILE)
        hello["load_s"] = round(time.perf_counter() - started, 3)
    except Exception as exc:  # the parent reads the reason and falls back
        hello = {"ok": False, "reason": f"{type(exc).__name__}: {exc}"}
    _send(out, b"H", json.dumps(hello).encode("utf-8"))
    if not hello["ok"]:
        return 1
    while True:
        try:
            (length,) = _LENGTH.unpack(_read_exactly(requests, _LENGTH.size))
            texts = json.loads(_read_exactly(requests, length).decode("utf-8"))
        except EOFError:
            return 0
        try:
            vectors = model.encode(texts, bf16=True)
        except Exception as exc:  # one bad request: say why, keep serving
            _send(out, b"E", f"{type(exc).__name__}: {exc}".encode())
            continue
        _send(out, b"V", np.ascontiguousarray(vectors, dtype="<f4").tobytes())


if __name__ == "__main__":
    code = main()
    # Every frame is flushed when sent; skipping the interpreter's teardown (torch freeing its
    # caches and thread pools, ~1 s) lets the parent's sync, which waits for the exit, end.
    sys.stderr.flush()
    os._exit(code)
