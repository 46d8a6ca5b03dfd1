"""Atomic writes: a reader (or a process started after a crash) sees the old content or the new,
never a half-written file or folder.

A file is written to a temporary sibling, flushed to disk, then renamed over the target
(:func:`write_atomic`, :func:`atomic_file`). A folder is built in a temporary sibling and renamed
into place once complete (:func:`atomic_directory`); if another process installed a complete one
first, that one is kept.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


def _fsync_directory(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(path: Path | str) -> Iterator[IO[bytes]]:
    """Open a binary file whose content replaces ``path`` in one step when the block succeeds.

    The data goes to a hidden temporary file in the same folder (created with the permissions a
    plain ``open`` would give); on success it is flushed, ``fsync``-ed and renamed over ``path``.
    On any error (or interrupt) ``path`` is left as it was and the temporary file is removed::

        with atomic_file(cache / "index.pkl") as out:
            pickle.dump(index, out)

    Args:
        path: The file to write; its folder must exist.

    Raises:
        OSError: the temporary file cannot be created, written or renamed.
    """
    target = Path(path)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
    try:
        with temp.open("xb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(target.parent)


def write_atomic(path: Path | str, data: bytes | str, *, encoding: str = "utf-8") -> None:
    """Replace the content of ``path`` by ``data`` in one step (see :func:`atomic_file`).

    Args:
        path: The file to write; its folder must exist.
        data: The new content; ``str`` is encoded with ``encoding`` (no newline translation).
        encoding: The encoding of ``str`` data.

    Raises:
        OSError: the file cannot be written; ``path`` is then unchanged.
    """
    raw = data.encode(encoding) if isinstance(data, str) else data
    with atomic_file(path) as out:
        out.write(raw)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def sweep_stale_builds(dest: Path) -> None:
    """Remove the temporary folders left next to ``dest`` by builders that died."""
    for pattern in (f".{dest.name}.tmp-*", f".{dest.name}.old-*"):
        for stale in dest.parent.glob(pattern):
            suffix = stale.name.rsplit("-", 1)[-1]
            if suffix.isdigit() and int(suffix) != os.getpid() and not _pid_alive(int(suffix)):
                shutil.rmtree(stale, ignore_errors=True)


def replace_directory(tmp: Path, dest: Path, *, is_complete: Callable[[Path], bool]) -> None:
    """Move the finished folder ``tmp`` to ``dest`` in one rename; whoever finished first wins.

    If ``dest`` already holds a complete folder (``is_complete(dest)``) it is kept and ``tmp``
    discarded. An incomplete leftover at ``dest`` (no builder ever writes into ``dest``
    directly) is set aside and replaced.

    Raises:
        OSError: the rename failed for another reason than an existing ``dest``.
    """
    try:
        os.replace(tmp, dest)
        return
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
            raise
    if is_complete(dest):  # another process won the race
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = dest.parent / f".{dest.name}.old-{secrets.token_hex(4)}-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.replace(dest, old)
    try:
        os.replace(tmp, dest)
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not is_complete(dest):
            raise
        shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if old.exists() or old.is_symlink():
            _remove(old)


@contextlib.contextmanager
def atomic_directory(dest: Path, *, is_complete: Callable[[Path], bool]) -> Iterator[Path]:
    """Build a folder in a temporary sibling and move it to ``dest`` when the block succeeds.

    Concurrent builders never see a half-written ``dest``; the first to finish wins (see
    :func:`replace_directory`). On error the temporary folder is removed and ``dest`` is left
    as it was. Leftovers of builders that died are swept first::

        def complete(folder: Path) -> bool:
            return (folder / ".complete").is_file()

        with atomic_directory(models / "e5", is_complete=complete) as tmp:
            write_model(tmp)
            (tmp / ".complete").write_text("{}")

    Args:
        dest: The folder to install; its parent is created if needed.
        is_complete: Whether a folder at ``dest`` is a finished build (to keep it).

    Yields:
        The empty temporary folder to fill.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_builds(dest)
    tmp = dest.parent / f".{dest.name}.tmp-{secrets.token_hex(4)}-{os.getpid()}"
    tmp.mkdir()
    try:
        yield tmp
        replace_directory(tmp, dest, is_complete=is_complete)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
