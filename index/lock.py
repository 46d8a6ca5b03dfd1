"""One indexer at a time per data dir: a ``filelock`` lock on ``<data_dir>/index.lock``.

The lock is the kernel's ``flock`` (through :class:`filelock.FileLock`), so it is released when
its holder exits, even on SIGKILL: a crashed indexer never leaves a stale lock behind. While it
is held the file names the holder (``{"pid", "host", "since"}`` as JSON) so that a waiter that
gives up can say who holds it. Readers (the chat) never take it: they read the last committed
generation of the store (see :mod:`index.store`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from index.config import IndexSettings
from index.errors import IndexLockedError, StoreError

POLL_SECONDS = 0.1
LOCK_NAME = "index.lock"


def lock_path(settings: IndexSettings) -> Path:
    """The lock file of the settings' data dir."""
    return settings.data_dir / LOCK_NAME


def _holder(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _record_holder(fd: int) -> None:
    """Write who holds the lock into the (just locked) lock file."""
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)


@contextmanager
def index_lock(settings: IndexSettings, *, timeout: float | None = None) -> Iterator[float]:
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
    # One instance per call: another thread of this process waits like another process would.
    lock = FileLock(
        path,
        timeout=wait,
        poll_interval=POLL_SECONDS,
        preserve_lock_file=True,
        on_acquired=_record_holder,
    )
    started = time.monotonic()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        waited = time.monotonic() - started
        holder = _holder(path)
        who = (
            f"pid {holder.get('pid')} on {holder.get('host')}, since {holder.get('since')}"
            if holder
            else "another process"
        )
        raise IndexLockedError(
            f"another indexer ({who}) is writing to {settings.data_dir}; "
            f"gave up after waiting {waited:.1f}s. Retry when it has finished, or "
            f"raise RAG_INDEX_LOCK_TIMEOUT (now {wait:g}s)."
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot create the index lock {path}: {exc.strerror or exc}") from exc
    waited = time.monotonic() - started
    try:
        yield waited
    finally:
        with contextlib.suppress(OSError):  # no holder any more (still locked: no race)
            os.truncate(path, 0)
        lock.release()
