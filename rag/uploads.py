"""Articles added by readers: checked before they reach the corpus, by the indexer's own gate.

Every file goes through :func:`index.parse.check_article`, the same checks indexing applies
(type, size, decoding, binary, repetition, paragraph and chunk caps, running text), then the
same id rule (:mod:`index.ids`: no name equal to or looking like an existing article's) and
the same duplicate rule (:func:`index.parse.content_fingerprint`). What stays here is specific
to uploads: how many files at once, and a safe file name. Uploaded files are saved under
``Settings.upload_dir`` (inside the data dir), never next to the caller's path, and are indexed
together with ``Settings.corpus_dir`` (``Settings.source_dirs``)::

    from rag.uploads import save_uploads
    result = save_uploads([("note.txt", b"Titre\\n\\nUn paragraphe.")], settings)
    result.saved      # [Path(".rag/uploads/note.txt")]
    result.rejected   # [("bad.png", "only .txt, .md, .html, .htm, .pdf, .docx articles are
                      #   accepted, not .png"), ...]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from index.atomic import write_atomic
from index.ids import describe_lookalike, lookalike_of
from index.parse import (
    ARTICLE_SUFFIXES,
    ArticleReadError,
    article_files,
    check_article,
    check_size,
    content_fingerprint,
    read_article,
    read_limited,
)
from rag.config import Settings
from rag.errors import UploadError

MAX_NAME_CHARS = 120
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")

Upload = Path | tuple[str, bytes]


@dataclass
class UploadResult:
    """What :func:`save_uploads` did with each file."""

    saved: list[Path] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def message(self) -> str:
        """One line per file: saved, or why it was refused."""
        lines = [f"added {p.name}" for p in self.saved]
        lines += [f"refused {name}: {reason}" for name, reason in self.rejected]
        return "\n".join(lines)


def safe_article_name(name: str) -> str:
    """A file name safe to create in the upload folder, from whatever the client sent.

    Directory parts (``../``, absolute paths, Windows drives) are dropped and unusual
    characters replaced; an article suffix (``.txt``, ``.md``, ``.html``, ``.htm``, ``.pdf``,
    ``.docx``) is required.

    Raises:
        UploadError: no usable name remains, or the type is not accepted.
    """
    base = PureWindowsPath(PurePosixPath(str(name)).name).name
    base = unicodedata.normalize("NFC", base).strip()
    suffix = Path(base).suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        shown = suffix or "no extension"
        accepted = ", ".join(ARTICLE_SUFFIXES)
        raise UploadError(f"only {accepted} articles are accepted, not {shown}")
    stem = _UNSAFE_NAME.sub("_", Path(base).stem).strip(" ._")[:MAX_NAME_CHARS]
    if not stem:
        raise UploadError(f"the file name {name!r} has no usable characters")
    return f"{stem}{suffix}"


def _read(upload: Upload, settings: Settings) -> bytes:
    """The file's bytes, refusing anything over the size limit before reading it.

    Raises:
        ArticleReadError: too large (``FileTooLargeError``) or unreadable.
    """
    if isinstance(upload, tuple):
        check_size(len(upload[1]), settings)
        return upload[1]
    return read_limited(upload, settings)


def existing_articles(settings: Settings) -> dict[str, Path]:
    """Article files already in the corpus and upload folders, by article id."""
    found: dict[str, Path] = {}
    for folder in settings.source_dirs:
        if folder.is_dir():
            for path in article_files(folder):
                found.setdefault(path.stem, path)
    return found


def save_uploads(files: Sequence[Upload], settings: Settings) -> UploadResult:
    """Check each file and save the good ones to ``settings.upload_dir``.

    A file is refused (with the reason, the others still saved) when its name is unusable, it
    fails :func:`index.parse.check_article` (type, size, empty, binary, a flood of repeated
    text, too many paragraphs or chunks, no running text), its name equals or looks like
    another article's, or its text is already indexed under another name. Saved is not yet
    indexed: :meth:`rag.Assistant.add_articles` indexes them and rolls back the ones the index
    did not take.

    Args:
        files: Paths of received files, or ``(file name, bytes)`` pairs.
        settings: Gives the upload folder and the limits.

    Raises:
        UploadError: more than ``settings.max_upload_files`` files at once.
    """
    if len(files) > settings.max_upload_files:
        raise UploadError(f"{len(files)} files at once; upload at most {settings.max_upload_files}")
    result = UploadResult()
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    existing = existing_articles(settings)
    known_texts: dict[str, str] | None = None
    for upload in files:
        shown = upload[0] if isinstance(upload, tuple) else upload.name
        try:
            safe = safe_article_name(str(shown))
            raw = _read(upload, settings)
            target = settings.upload_dir / safe
            checked = check_article(raw, target, settings)
            stem = target.stem
            if (other := lookalike_of(stem, existing)) is not None:
                raise UploadError(describe_lookalike(stem, other))
            if known_texts is None:
                known_texts = _fingerprints(existing, settings)
            if checked.fingerprint in known_texts:
                raise UploadError(
                    f"the same text is already indexed as '{known_texts[checked.fingerprint]}'"
                )
            write_atomic(target, raw)
        except (UploadError, ArticleReadError) as exc:
            result.rejected.append((str(shown), str(exc)))
            continue
        except OSError as exc:
            result.rejected.append((str(shown), f"could not be read or saved ({exc.strerror})"))
            continue
        existing[stem] = target
        known_texts[checked.fingerprint] = stem
        result.saved.append(target)
    return result


def _fingerprints(existing: dict[str, Path], settings: Settings) -> dict[str, str]:
    """Content fingerprint -> article id, for the existing article files that pass the checks."""
    found: dict[str, str] = {}
    for article_id, path in existing.items():
        try:
            fingerprint = content_fingerprint(read_article(path, settings))
        except (OSError, ArticleReadError):
            continue
        found.setdefault(fingerprint, article_id)
    return found


__all__ = ["UploadResult", "content_fingerprint", "safe_article_name", "save_uploads"]
