"""One way to read any supported file: pick the reader by suffix, bound the work, read."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

from index.errors import ArticleReadError
from index.formats.base import Document, ReadLimits, check_size
from index.formats.errors import UnsupportedFormatError

Reader = Callable[[bytes, str, ReadLimits], Document]

# Suffix -> the reader module and function. Readers are imported on first use, so importing
# index.formats (for safe_url, the suffix list) does not load trafilatura, pypdf or python-docx.
READERS: dict[str, tuple[str, str]] = {
    ".txt": ("index.formats.text", "read_text"),
    ".md": ("index.formats.text", "read_text"),
    ".html": ("index.formats.html", "read_html"),
    ".htm": ("index.formats.html", "read_html"),
    ".pdf": ("index.formats.pdf", "read_pdf"),
    ".docx": ("index.formats.docx", "read_docx"),
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(READERS)


def reader_for(name: str) -> Reader:
    """The reader of a file name's suffix (case-insensitive).

    Raises:
        UnsupportedFormatError: the suffix is not supported.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in READERS:
        expected = ", ".join(SUPPORTED_SUFFIXES)
        raise UnsupportedFormatError(
            f"not an article file: '{Path(name).name}' (expected one of {expected})"
        )
    module, function = READERS[suffix]
    return cast(Reader, getattr(importlib.import_module(module), function))


def read_document(
    source: Path | str | bytes, name: str | None = None, limits: ReadLimits | None = None
) -> Document:
    """Read one file (a path, or its bytes and name) into a :class:`Document`.

    A path's size is checked before it is read, and at most ``limits.max_file_bytes + 1``
    bytes are read, so an oversized file is never loaded.

    Args:
        source: The file's path, or its bytes.
        name: The file name (its suffix picks the reader); required for bytes, defaults to the
            path's name.
        limits: Bounds on size, blocks and pages; ``ReadLimits()`` by default.

    Raises:
        ArticleReadError: the file cannot be used; a subclass and its message say why
            (:class:`~index.errors.FileTooLargeError`, :mod:`index.formats.errors`).
    """
    limits = limits or ReadLimits()
    if isinstance(source, bytes):
        if name is None:
            raise TypeError("read_document(bytes) needs the file name")
        reader = reader_for(name)
        check_size(len(source), limits)
        return reader(source, name, limits)
    path = Path(source)
    name = name or path.name
    reader = reader_for(name)
    try:
        if not path.is_file():
            raise ArticleReadError(f"not a regular file: '{path.name}'")
        check_size(path.stat().st_size, limits)
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)  # the file may have grown meanwhile
    except OSError as exc:
        raise ArticleReadError(f"cannot read file: {exc.strerror or exc}") from exc
    check_size(len(data), limits)
    return reader(data, name, limits)
