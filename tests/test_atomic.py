"""Tests for index.atomic: a file or folder is replaced whole or not at all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from index import e5_convert
from index.atomic import atomic_directory, atomic_file, replace_directory, write_atomic

ROOT = Path(__file__).resolve().parent.parent


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.unit
def test_write_atomic_replaces_the_content_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_atomic(target, "première version")
    assert target.read_text(encoding="utf-8") == "première version"
    write_atomic(target, b"\x00second")
    assert target.read_bytes() == b"\x00second"
    assert _names(tmp_path) == ["state.json"]


@pytest.mark.unit
def test_str_data_is_encoded_without_newline_translation(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    write_atomic(target, "é\r\nx\n", encoding="latin-1")
    assert target.read_bytes() == "é\r\nx\n".encode("latin-1")


@pytest.mark.unit
def test_a_failure_mid_write_leaves_the_old_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "cache.pkl"
    target.write_bytes(b"old content")

    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted), atomic_file(target) as out:
        out.write(b"half of the new")
        raise Interrupted
    assert target.read_bytes() == b"old content"
    assert _names(tmp_path) == ["cache.pkl"]


@pytest.mark.unit
def test_a_failed_rename_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    (target / "inside").mkdir(parents=True)  # a non-empty folder cannot be replaced by a file
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert _names(tmp_path) == ["taken"]
    assert _names(target) == ["inside"]


@pytest.mark.unit
def test_a_missing_folder_is_an_error_not_a_silent_skip(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "missing" / "x", b"data")


@pytest.mark.unit
def test_permissions_are_those_of_a_plain_write(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(b"x")
    atomic = tmp_path / "atomic"
    write_atomic(atomic, b"x")
    assert atomic.stat().st_mode == plain.stat().st_mode


_SLOW_WRITER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from index.atomic import atomic_file
with atomic_file(sys.argv[2]) as out:
    out.write(b"new " * 1000)
    out.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


@pytest.mark.integration
def test_a_writer_killed_mid_write_leaves_the_old_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "index.pkl"
    target.write_bytes(b"old content")
    writer = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(ROOT), str(target)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        partial = [p for p in tmp_path.iterdir() if p.name != "index.pkl"]
        assert len(partial) == 1 and partial[0].stat().st_size == 4000  # the write is under way
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    assert target.read_bytes() == b"old content"


def _complete(folder: Path) -> bool:
    return (folder / ".done").is_file()


@pytest.mark.unit
def test_atomic_directory_installs_the_finished_folder(tmp_path: Path) -> None:
    dest = tmp_path / "models" / "e5"
    with atomic_directory(dest, is_complete=_complete) as tmp:
        assert not dest.exists()
        (tmp / "weights").write_text("w")
        (tmp / ".done").write_text("")
    assert _names(dest) == [".done", "weights"]
    assert _names(dest.parent) == ["e5"]


@pytest.mark.unit
def test_atomic_directory_leaves_nothing_when_the_build_fails(tmp_path: Path) -> None:
    dest = tmp_path / "e5"
    with pytest.raises(RuntimeError), atomic_directory(dest, is_complete=_complete) as tmp:
        (tmp / "weights").write_text("half")
        raise RuntimeError("export failed")
    assert _names(tmp_path) == []


@pytest.mark.integration
def test_atomic_directory_sweeps_the_leftovers_of_dead_builders(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".e5.tmp-abcd-{dead_pid}"
    stale.mkdir()
    alive = tmp_path / f".e5.tmp-abcd-{os.getppid()}"  # a live builder's folder is kept
    alive.mkdir()
    with atomic_directory(tmp_path / "e5", is_complete=_complete) as tmp:
        (tmp / ".done").write_text("")
    assert _names(tmp_path) == [alive.name, "e5"]


def _fake_build(path: Path, content: str, *, complete: bool) -> None:
    path.mkdir()
    (path / "weights").write_text(content)
    if complete:
        (path / e5_convert.MARKER_NAME).write_text("{}")


@pytest.mark.unit
def test_install_keeps_the_first_finished_model(tmp_path: Path) -> None:
    dest = tmp_path / "model"
    _fake_build(dest, "winner", complete=True)
    tmp = tmp_path / ".model.tmp-1"
    _fake_build(tmp, "loser", complete=True)
    replace_directory(tmp, dest, is_complete=e5_convert._is_complete)
    assert (dest / "weights").read_text() == "winner"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


@pytest.mark.unit
def test_install_replaces_an_incomplete_leftover(tmp_path: Path) -> None:
    dest = tmp_path / "model"
    _fake_build(dest, "partial", complete=False)
    tmp = tmp_path / ".model.tmp-1"
    _fake_build(tmp, "fresh", complete=True)
    replace_directory(tmp, dest, is_complete=e5_convert._is_complete)
    assert (dest / "weights").read_text() == "fresh"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
