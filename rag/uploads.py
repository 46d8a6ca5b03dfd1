"""Articles added by readers: checked (type, size, name, content) before they reach the corpus.

Uploaded files are saved under ``Settings.upload_dir`` (inside the data dir), never next to
the caller's path, and are indexed together with ``Settings.corpus_dir``::

    from rag.uploads import save_uploads
    result = save_uploads([("note.txt", b"Titre\\n\\nUn paragraphe.")], settings)
    result.saved      # [Path(".rag/uploads/note.txt")]
    result.rejected   # [("bad.pdf", "only .txt and .md articles are accepted, not .pdf"), ...]
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from index.parse import (
    ARTICLE_SUFFIXES,
    ArticleReadError,
    article_files,
    decode_bytes,
    fold,
    parse_article,
)
from rag.config import Settings
from rag.errors import UploadError

MAX_NAME_CHARS = 120
# Above this compression ratio a big file is a flood of repeated text, not an article.
MAX_COMPRESSION_RATIO = 40
REPETITION_CHECK_BYTES = 64_000
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
    characters replaced; the ``.txt``/``.md`` suffix is required.

    Raises:
        UploadError: no usable name remains, or the type is not accepted.
    """
    base = PureWindowsPath(PurePosixPath(str(name)).name).name
    base = unicodedata.normalize("NFC", base).strip()
    suffix = Path(base).suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        shown = suffix or "no extension"
        raise UploadError(f"only .txt and .md articles are accepted, not {shown}")
    stem = _UNSAFE_NAME.sub("_", Path(base).stem).strip(" ._")[:MAX_NAME_CHARS]
    if not stem:
        raise UploadError(f"the file name {name!r} has no usable characters")
    return f"{stem}{suffix}"


def _size_text(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


def _content_key(text: str) -> str:
    """Hash of an article's words, ignoring case, accents, spacing and punctuation."""
    words = re.findall(r"\w+", fold(text))
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def _read(upload: Upload, limit: int) -> tuple[str, bytes]:
    """The client's file name and bytes, refusing anything over ``limit`` before reading it."""
    if isinstance(upload, tuple):
        name, raw = upload
        size = len(raw)
    else:
        name, size = upload.name, upload.stat().st_size
        raw = b""
    if size > limit:
        raise UploadError(
            f"the file is {_size_text(size)}; the limit is {_size_text(limit)} per article"
        )
    if not isinstance(upload, tuple):
        with upload.open("rb") as handle:
            raw = handle.read(limit + 1)
        if len(raw) > limit:
            raise UploadError(f"the file is larger than the limit of {_size_text(limit)}")
    return str(name), raw


def _check_text(raw: bytes, name: str) -> str:
    """Decoded article text with at least one citable paragraph."""
    if not raw.strip():
        raise UploadError("the file is empty")
    if len(raw) > REPETITION_CHECK_BYTES and len(raw) / len(zlib.compress(raw)) > (
        MAX_COMPRESSION_RATIO
    ):
        raise UploadError("the file is one text repeated over and over, not an article")
    try:
        text, encoding = decode_bytes(raw)
        article = parse_article(Path(name).stem, text, Path(name), encoding)
    except ArticleReadError as exc:
        raise UploadError(str(exc)) from exc
    if not article.content_paragraphs:
        raise UploadError("no paragraph of running text was found (only headings or menus)")
    return text


def existing_articles(settings: Settings) -> dict[str, Path]:
    """Article files already in the corpus and upload folders, by article id."""
    found: dict[str, Path] = {}
    for folder in (settings.corpus_dir, settings.upload_dir):
        if folder.is_dir():
            for path in article_files(folder):
                found.setdefault(path.stem, path)
    return found


def _write_atomically(target: Path, raw: bytes) -> None:
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def save_uploads(files: Sequence[Upload], settings: Settings) -> UploadResult:
    """Check each file and save the good ones to ``settings.upload_dir``.

    A file is refused (with the reason, the others still saved) when its type is not
    ``.txt``/``.md``, it is larger than ``settings.max_upload_bytes``, empty, binary, a flood
    of repeated text, has no running text, its name is taken by another article, or its text
    is already in the corpus under another name.

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
            name, raw = _read(upload, settings.max_upload_bytes)
            shown = name
            safe = safe_article_name(name)
            text = _check_text(raw, safe)
            stem = Path(safe).stem
            if known_texts is None:
                known_texts = {}
                for article_id, path in existing.items():
                    try:
                        known_texts[_content_key(decode_bytes(path.read_bytes())[0])] = article_id
                    except (OSError, ArticleReadError):
                        continue
            key = _content_key(text)
            if key in known_texts:
                raise UploadError(f"the same text is already indexed as '{known_texts[key]}'")
            if stem in existing:
                raise UploadError(
                    f"an article named '{stem}' already exists; rename the file to add it"
                )
            target = settings.upload_dir / safe
            _write_atomically(target, raw)
        except UploadError as exc:
            result.rejected.append((str(shown), str(exc)))
            continue
        except OSError as exc:
            result.rejected.append((str(shown), f"could not be read or saved ({exc.strerror})"))
            continue
        existing[stem] = target
        known_texts[key] = stem
        result.saved.append(target)
    return result
