"""One indexer at a time per data dir: an advisory ``fcntl`` lock on ``<data_dir>/index.lock``.

The kernel releases the lock when its holder exits, even on SIGKILL, so a crashed indexer never
leaves a stale lock behind. Readers (the chat) never take it: they read the last committed
generation of the store (see :mod:`index.store`).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.config import Settings
from index.errors import IndexLockedError, StoreError

POLL_SECONDS = 0.1
LOCK_NAME = "index.lock"


def lock_path(settings: Settings) -> Path:
    """The lock file of the settings' data dir."""
    return settings.data_dir / LOCK_NAME


def _holder(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


@contextmanager
def index_lock(settings: Settings, *, timeout: float | None = None) -> Iterator[float]:
    """Hold the data dir's indexing lock; yields the seconds spent waiting for it.

    Args:
        settings: Gives the data dir and the default wait (``index_lock_timeout``).
        timeout: Seconds to wait for another holder; overrides the settings.

    Raises:
        IndexLockedError: another process (or thread) kept the lock for longer than the wait.
        StoreError: the lock file cannot be created.
    """
    wait = settings.index_lock_timeout if timeout is None else timeout
    path = lock_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot create the index lock {path}: {exc.strerror or exc}") from exc
    started = time.monotonic()
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= wait:
                    holder = _holder(path)
                    who = (
                        f"pid {holder.get('pid')} on {holder.get('host')}, "
                        f"since {holder.get('since')}"
                        if holder
                        else "another process"
                    )
                    raise IndexLockedError(
                        f"another indexer ({who}) is writing to {settings.data_dir}; "
                        f"gave up after waiting {waited:.1f}s. Retry when it has finished, or "
                        f"raise RAG_INDEX_LOCK_TIMEOUT (now {wait:g}s)."
                    ) from None
                time.sleep(min(POLL_SECONDS, max(wait - waited, 0.001)))
        waited = time.monotonic() - started
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        try:
            yield waited
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
