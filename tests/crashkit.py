"""Helpers for crash and concurrency tests: a fast deterministic embedder and a fork server.

Run as a script, this module is a *zygote*: it imports chromadb and the index package once,
then for each JSON command read on stdin forks a child process that runs it against a real
embedded Chroma store on disk. The parent can SIGKILL the child after a delay and answers with
one JSON line: ``{"pid", "status", "killed", "result"}``. Forking costs milliseconds where a
fresh interpreter costs seconds, so dozens of kill runs fit in a test.

The embedder here is a stand-in: vectors from sha256 of the text. The store's write protocol
does not depend on what the vectors mean, and loading the real model in every killed process
(~20 s of imports each on the CI machine) would make 20+ kill runs too slow; tests that need
meaningful vectors use the real model in the test process.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from index import offline  # noqa: E402,F401  (offline env before chromadb)
from index.embed import Embedder  # noqa: E402
from rag.config import Settings  # noqa: E402

HASH_DIM = 32


class HashModel:
    """Duck-typed SentenceTransformer: unit vectors from sha256, optionally slow."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.prompts: dict[str, str] = {}

    def get_embedding_dimension(self) -> int:
        return HASH_DIM

    def encode(self, texts: list[str], **_: Any) -> np.ndarray:
        if self.delay:
            time.sleep(self.delay)
        rows = []
        for text in texts:
            digest = hashlib.sha256(text.encode("utf-8")).digest()
            rows.append(np.frombuffer(digest, dtype=np.uint8).astype(np.float32) - 127.5)
        vectors = np.stack(rows) if rows else np.zeros((0, HASH_DIM), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-9)


def hash_embedder(delay: float = 0.0) -> Embedder:
    """An :class:`Embedder` over :class:`HashModel` (name ``hash-test-embedder``)."""
    return Embedder(HashModel(delay), name="hash-test-embedder")  # type: ignore[arg-type]


class _DieAt(logging.Handler):
    """SIGKILL this process right after the store logs the given stage (a write boundary)."""

    def __init__(self, stage: str) -> None:
        super().__init__()
        self.stage = stage

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(self.stage):
            os.kill(os.getpid(), signal.SIGKILL)


def _wait_for_stage(log: Path, stage: str, pid: int, timeout: float = 60.0) -> None:
    """Until the child logs ``stage``, exits (a run with nothing to do never logs it) or
    ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and stage in log.read_text(encoding="utf-8"):
            return
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return  # exited (not reaped: _reap still collects its status)
        time.sleep(0.002)


def _settings(cmd: dict[str, Any]) -> Settings:
    return Settings(
        data_dir=Path(cmd["data_dir"]),
        corpus_dir=Path(cmd["corpus"]),
        index_lock_timeout=float(cmd.get("lock_timeout", 300.0)),
        auto_index=False,
    )


def _run_child(cmd: dict[str, Any]) -> dict[str, Any]:
    import index.store.writer as store_module
    from index.store import ArticleStore

    stage_log = cmd.get("stage_log")
    for name in ("index.store", "index.sources"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        if stage_log:
            handler = logging.FileHandler(stage_log)
            handler.setFormatter(logging.Formatter("%(created).6f %(message)s"))
            logger.addHandler(handler)
        if cmd.get("die_at"):
            logger.addHandler(_DieAt(str(cmd["die_at"])))
    store_module.UPSERT_BATCH = int(cmd.get("batch", store_module.UPSERT_BATCH))
    settings = _settings(cmd)
    store = ArticleStore(settings, hash_embedder(float(cmd.get("delay", 0.0))))
    if cmd["op"] == "sync":
        started = time.time()
        report = store.sync(settings.corpus_dir, rebuild=bool(cmd.get("rebuild", False)))
        return {
            "started": started,
            "finished": time.time(),
            "embedded_chunks": report.embedded_chunks,
            "removed_chunks": report.removed_chunks,
            "recovered_rows": report.recovered_rows,
            "lock_wait": report.lock_wait_seconds,
            "generation": report.generation,
            "seconds": report.seconds,
        }
    if cmd["op"] == "sync_sources":  # the one index run: corpus + uploads, pending removals
        from index.sources import sync_sources

        report = sync_sources(store, settings)
        return {"indexed": report.indexed, "completed_removals": report.completed_removals}
    if cmd["op"] == "remove":  # remove an uploaded article
        from index.sources import remove_uploaded

        report = remove_uploaded(store, settings, str(cmd["article_id"]))
        return {"removed_articles": report.removed_articles}
    if cmd["op"] == "hold_lock":  # hold the data dir's lock until a release file appears
        from index.lock import index_lock

        with index_lock(settings):
            release = Path(cmd["release"])
            while not release.exists():
                time.sleep(0.01)
        return {"held": True}
    if cmd["op"] == "assistant":  # what app.py does at start: index if the store is empty
        from rag.assistant import Assistant

        assistant = Assistant(
            settings.model_copy(update={"auto_index": True}), embedder=store.embedder
        )
        return {"generation": assistant.store.generation(), "chunks": assistant.store.count()}
    if cmd["op"] == "inspect":
        audit = store.audit()
        visible = {c.chunk_id for c in audit.visible}
        # A reader: dense search must only return visible rows.
        query = hash_embedder().embed_query("Witkoff Dmitriev Miami plan")
        dense = [c.chunk_id for c, _ in store.dense_search(query, 50)]
        return {
            "generation": audit.generation,
            "visible": [
                [
                    c.chunk_id,
                    c.text,
                    {k: v for k, v in c.metadata.items() if k not in ("added", "retired")},
                ]
                for c in audit.visible
            ],
            "superseded": audit.superseded,
            "pending": audit.pending,
            "garbage": audit.garbage,
            "foreign": audit.foreign,
            "duplicates": audit.duplicates,
            "dense_outside_view": sorted(set(dense) - visible),
            "dense_hits": len(dense),
        }
    raise ValueError(f"unknown op {cmd['op']!r}")


def serve() -> None:
    """Zygote loop: one JSON command per stdin line, one JSON answer per stdout line."""
    print(json.dumps({"ready": os.getpid()}), flush=True)
    outs: dict[int, Path] = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd["op"] == "reap":  # wait for a child started with "background"
            pid = int(cmd["pid"])
            print(json.dumps(_reap(pid, outs.pop(pid))), flush=True)
            continue
        out = Path(cmd["out"])
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                result: dict[str, Any] = {"ok": _run_child(cmd)}
            except BaseException as exc:  # report every failure to the test
                result = {"error": f"{type(exc).__name__}: {exc}"}
                code = 1
            out.write_text(json.dumps(result), encoding="utf-8")
            os._exit(code)
        if cmd.get("background"):
            outs[pid] = out
            print(json.dumps({"pid": pid}), flush=True)
            continue
        kill_after = cmd.get("kill_after")
        if kill_after is not None:
            if cmd.get("kill_from"):  # count the delay from a logged stage, not from the fork
                _wait_for_stage(Path(cmd["stage_log"]), str(cmd["kill_from"]), pid)
            time.sleep(float(kill_after))
            os.kill(pid, signal.SIGKILL)  # a no-op if the child already exited
        print(json.dumps(_reap(pid, out)), flush=True)


def _reap(pid: int, out: Path) -> dict[str, Any]:
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return {"pid": pid, "status": code, "killed": code == -signal.SIGKILL, "result": result}


if __name__ == "__main__":
    import chromadb  # noqa: F401  (imported once, before forking)

    import index.store  # noqa: F401
    import rag.assistant  # noqa: F401
    from index.chunk import encoding

    encoding()  # load the tokenizer once for all children
    serve()
