"""A disk cache of compiled regular expressions, for spaCy's French tokenizer.

Loading spaCy's French pipeline compiles one very large pattern (the tokenizer's
``TOKEN_MATCH``: thousands of alternatives, each with Unicode letter classes, matched
case-insensitively). Python compiles it anew in every process, and that takes about as long
as the rest of a cold start to the first answer together (over a second on a quiet machine).

While :meth:`RegexCache.installed` is active, every pattern of at least ``min_length``
characters compiled by :mod:`re` is looked up in a folder first: the compiled program
(``re._compiler``'s output: flags, code, groups) is kept there, keyed by the Python version,
the regex engine's ``MAGIC`` number, the flags and the pattern itself, and handed back to
``_sre.compile``, the step :func:`re.compile` ends with. The result is the same
:class:`re.Pattern` a plain compile gives. A file that is missing, unreadable or fails its
checksum, or a Python whose ``re`` internals differ, falls back to the plain compile.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FORMAT = 2
MIN_LENGTH = 10_000  # characters: only patterns whose compile is worth a file
_PATCH_LOCK = threading.Lock()

try:  # CPython's regex compiler (3.11+ layout); elsewhere the cache is a no-op
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]

    _ORIGINAL_COMPILE = _compiler.compile
    _SUPPORTED = hasattr(_compiler, "_code") and hasattr(_sre, "MAGIC")
except ImportError:  # pragma: no cover - other interpreters
    _SUPPORTED = False


class RegexCache:
    """Compiled regex programs kept in ``folder``, one file per pattern.

    ::

        with RegexCache(data_dir / "cache" / "regex").installed():
            nlp = spacy.load("fr_core_news_sm")  # its large pattern is read, not compiled

    Args:
        folder: Where the files go (created on the first write).
        min_length: Shorter patterns are compiled as usual.
    """

    def __init__(self, folder: Path, *, min_length: int = MIN_LENGTH) -> None:
        self.folder = Path(folder)
        self.min_length = min_length
        self.hits = 0
        self.misses = 0

    def _path(self, pattern: str, flags: int) -> Path:
        key = "\0".join([sys.version, str(_sre.MAGIC), str(FORMAT), str(flags), pattern])
        return self.folder / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}.regex"

    def compile(self, pattern: Any, flags: int = 0) -> Any:
        """What ``re._compiler.compile`` returns, read from the folder when it is there."""
        if not isinstance(pattern, str) or len(pattern) < self.min_length:
            return _ORIGINAL_COMPILE(pattern, flags)
        path = self._path(pattern, flags)
        try:
            blob = path.read_bytes()
            digest, payload = blob[:32], blob[32:]
            if hashlib.sha256(payload).digest() != digest:
                raise ValueError("checksum mismatch")
            stored = json.loads(payload)
            compiled = _sre.compile(pattern, *stored[:4], tuple(stored[4]))
        except FileNotFoundError:
            pass
        except Exception as exc:  # damaged or foreign file: compile and write it again
            logger.warning("ignoring the cached regex %s: %s", path.name, exc)
        else:
            self.hits += 1
            return compiled
        self.misses += 1
        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        groupindex = parsed.state.groupdict
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        program = (
            flags | parsed.state.flags,
            [int(op) for op in code],  # plain ints: the opcode constants are int subclasses
            parsed.state.groups - 1,
            groupindex,
            tuple(indexgroup),
        )
        compiled = _sre.compile(pattern, *program)
        self._write(path, json.dumps(program).encode("utf-8"))  # data only: no pickle
        return compiled

    def _write(self, path: Path, payload: bytes) -> None:
        from index.atomic import write_atomic

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(path, hashlib.sha256(payload).digest() + payload)
        except OSError as exc:  # only costs a compile next time
            logger.warning("cannot write the regex cache %s: %s", path, exc)

    @contextmanager
    def installed(self) -> Iterator[RegexCache]:
        """Route :mod:`re`'s compiles through this cache until the block ends.

        Patterns compiled meanwhile by other threads go through it too (with the same result);
        one cache is installed at a time.
        """
        if not _SUPPORTED:
            yield self
            return
        with _PATCH_LOCK:
            _compiler.compile = self.compile
            try:
                yield self
            finally:
                _compiler.compile = _ORIGINAL_COMPILE


def plain_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """The pattern compiled without any cache (for comparisons)."""
    return _ORIGINAL_COMPILE(pattern, flags)


__all__ = ["RegexCache", "plain_compile"]
