"""What the last sync read, so re-indexing an unchanged corpus reads no file.

After every sync that committed (or found nothing to do), the store records a manifest: for
each article file of the corpus folders its path, size, ``mtime_ns`` and SHA-256, the
store revision the sync left and the sync's report. The next sync stats the files first (no
read); when every file has the same size and mtime as recorded, no file was added or removed,
the settings that shape chunks are the same and the store is still at the recorded revision,
nothing can have changed: the recorded report is returned without reading, parsing or asking
Chroma for its rows. A file whose mtime moved but whose bytes hash the same (``touch``, a copy)
counts as unchanged too.

When some files changed, the manifest still spares the others: it also records what reading
each file gave (:class:`index.parse.FileOutcome`: check result, content fingerprint, counts,
whether it was indexed), and :meth:`Manifest.known` hands the outcomes of the files whose bytes
are unchanged to :func:`index.parse.load_corpus`, which then reads and parses only the new and
changed files (and a file that becomes indexed because the article it duplicated changed).
The unchanged articles keep their rows.

The manifest lives in ``data_dir/manifests/`` (one JSON file per store location and collection)
and is written atomically; an unreadable one is ignored (the next sync is a full one).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.atomic import write_atomic
from index.config import IndexSettings
from index.embed import Embedder
from index.parse import FileOutcome, article_files

logger = logging.getLogger(__name__)

# Bump when the file layout changes: older manifests are then ignored.
MANIFEST_FORMAT = 2


@dataclass(frozen=True)
class FileState:
    """One article file as the manifest records it."""

    path: str
    size: int
    mtime_ns: int
    sha256: str | None = None

    def same_stat(self, other: FileState) -> bool:
        """Same path, size and modification time."""
        return (self.path, self.size, self.mtime_ns) == (other.path, other.size, other.mtime_ns)


def file_digest(path: Path | str) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan(roots: Sequence[Path]) -> list[FileState] | None:
    """The article files of the folders, stat'ed, not read (None: a folder is missing)."""
    found: list[FileState] = []
    for root in roots:
        if not root.is_dir():
            return None
        for path in article_files(root):
            try:
                stat = path.stat()
            except OSError:
                return None
            found.append(FileState(str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return found


def settings_key(settings: IndexSettings, embedder: Embedder, layout: int) -> str:
    """Everything besides the files that decides what a sync writes."""
    return json.dumps(
        [
            embedder.name,
            int(embedder.dimension),
            layout,
            settings.max_chunk_tokens,
            settings.max_file_bytes,
            settings.max_paragraphs_per_file,
            settings.max_chunks_per_file,
            settings.sentence_vectors,
        ]
    )


class Manifest:
    """The manifest of one store (location + collection) under ``data_dir/manifests``.

    ::

        manifest = Manifest.for_store(settings, store.location)
        files = scan([corpus])
        report = manifest.unchanged(files, store.revision(), key)  # None: do a full sync

    Args:
        path: The JSON file.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def for_store(cls, settings: IndexSettings, location: str) -> Manifest:
        """The manifest of the store at ``location`` with the settings' collection."""
        digest = hashlib.sha1(f"{location}\0{settings.collection}".encode()).hexdigest()[:16]
        return cls(settings.data_dir / "manifests" / f"{digest}.json")

    def recorded(self) -> bool:
        """Whether a previous sync left a manifest to compare with (no store read needed)."""
        return self.path.is_file()

    def _read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable manifest %s: %s", self.path, exc)
            return None
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            return None
        return data

    def unchanged(
        self, files: Iterable[FileState], revision: str | None, key: str
    ) -> dict[str, Any] | None:
        """The recorded report when nothing changed since the recorded sync, else None.

        Files whose stat changed are hashed (read, not parsed); equal bytes count as unchanged
        and their new stat is recorded so the next sync skips the read.
        """
        data = self._read()
        if data is None or not revision or data.get("revision") != revision:
            return None
        if data.get("key") != key:
            return None
        recorded = {f[0]: FileState(*f) for f in data.get("files", [])}
        current = list(files)
        if {f.path for f in current} != set(recorded):
            return None
        touched: list[FileState] = []
        for state in current:
            before = recorded[state.path]
            if state.same_stat(before):
                continue
            try:
                digest = file_digest(state.path)
            except OSError:
                return None
            if digest != before.sha256:
                return None
            touched.append(FileState(state.path, state.size, state.mtime_ns, digest))
        if touched:  # same bytes, new mtime: remember the new stat
            for state in touched:
                recorded[state.path] = state
            data["files"] = [list(f.__dict__.values()) for f in recorded.values()]
            self._write(data)
        report = data.get("report")
        return report if isinstance(report, dict) else None

    def known(
        self, files: Iterable[FileState], revision: str | None, key: str
    ) -> dict[str, FileOutcome]:
        """The recorded outcomes of the files whose bytes are unchanged, by path.

        Empty unless the store is still at the recorded revision with the same settings (then
        every file indexed at that revision still has its rows). A file whose stat changed is
        hashed: same bytes, same outcome.
        """
        data = self._read()
        if data is None or not revision or data.get("revision") != revision:
            return {}
        if data.get("key") != key:
            return {}
        recorded = {f[0]: FileState(*f) for f in data.get("files", [])}
        outcomes = data.get("outcomes")
        if not isinstance(outcomes, dict):
            return {}
        found: dict[str, FileOutcome] = {}
        for state in files:
            before = recorded.get(state.path)
            row = outcomes.get(state.path)
            if before is None or row is None:
                continue
            try:
                outcome = FileOutcome.from_json(row)
            except (TypeError, ValueError):
                continue
            if outcome.sha256 != before.sha256:
                continue
            if not state.same_stat(before):
                try:
                    if file_digest(state.path) != before.sha256:
                        continue
                except OSError:
                    continue
            found[state.path] = outcome
        return found

    def indexed_ids(self) -> set[str]:
        """The article ids the recorded sync indexed (file stems whose outcome says so)."""
        data = self._read() or {}
        outcomes = data.get("outcomes")
        if not isinstance(outcomes, dict):
            return set()
        found: set[str] = set()
        for path, row in outcomes.items():
            try:
                if FileOutcome.from_json(row).indexed:
                    found.add(Path(path).stem)
            except (TypeError, ValueError):
                continue
        return found

    def save(
        self,
        files: Iterable[FileState],
        revision: str | None,
        key: str,
        report: dict[str, Any],
        previous: dict[str, FileState] | None = None,
        outcomes: dict[str, FileOutcome] | None = None,
    ) -> None:
        """Record a completed sync: its files (hashed now), the revision it left, its report,
        and what reading each file gave (``outcomes``, by path, for :meth:`known`).

        A file's hash is that of the bytes its outcome was read from, else the recorded one when
        its stat is unchanged since ``previous``, else computed now.
        """
        outcomes = outcomes or {}
        if not revision:
            return
        if previous is None:
            data = self._read() or {}
            previous = {f[0]: FileState(*f) for f in data.get("files", [])}
        rows: list[list[Any]] = []
        for state in files:
            before = previous.get(state.path)
            outcome = outcomes.get(state.path)
            digest = outcome.sha256 if outcome is not None else None
            if digest is None and before is not None and before.same_stat(state):
                digest = before.sha256
            if digest is None:
                try:
                    digest = file_digest(state.path)
                except OSError:
                    return  # the file vanished meanwhile: no manifest, next sync is full
            rows.append([state.path, state.size, state.mtime_ns, digest])
        data = {
            "format": MANIFEST_FORMAT,
            "revision": revision,
            "key": key,
            "files": rows,
            "report": report,
            "outcomes": {path: outcome.to_json() for path, outcome in outcomes.items()},
        }
        self._write(data)

    def forget(self) -> None:
        """Remove the manifest (the next sync is a full one)."""
        self.path.unlink(missing_ok=True)

    def _write(self, data: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:  # only costs a full sync next time
            logger.warning("cannot write the manifest %s: %s", self.path, exc)


def roots_of(folder: Path | str | Sequence[Path | str]) -> list[Path]:
    """The corpus folders of a sync argument, as :func:`index.parse.load_corpus` reads them."""
    folders = [folder] if isinstance(folder, str | Path) else list(folder)
    return [Path(os.fspath(f)).expanduser() for f in folders]


__all__ = ["FileState", "Manifest", "file_digest", "roots_of", "scan", "settings_key"]
