"""Lemma lookup tables that load without rebuilding an ``OrderedDict`` of 217,000 entries.

spaCy's French lemmatizer keeps its tables (``lemma_lookup`` has 216,849 word -> lemma
entries) as :class:`spacy.lookups.Table`: an ``OrderedDict`` with a Bloom filter, filled one
key at a time through a Python ``__setitem__``. Building it is most of loading the French
pipeline (about 0.4 s of ~1.2 s, after 0.2 s of msgpack decoding), on the path of a cold start
to the first answer.

:class:`HashedTable` is a plain ``dict`` with the same reading interface: string keys are
hashed with spaCy's own ``get_string_id`` on every access, as ``Table`` does, so every lookup
returns what ``Table`` returns; it is filled by one C-level ``dict`` copy. While
:func:`fast_lookups` is active, :meth:`spacy.lookups.Lookups.from_bytes` builds these instead
(it names ``Table`` as a module global). The lemmatizer only reads its tables (``get``,
``in``, ``[]``), so lemmas are unchanged (tested against spaCy's tables). The lists of known
lemmas per part of speech (``lemma_index``) answer ``in`` from a set (:class:`IndexedList`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_PATCH_LOCK = threading.Lock()


def _string_id(key: Any) -> Any:
    """spaCy's ``get_string_id`` (resolved once: a per-call import costs more than the hash)."""
    global _string_id
    from spacy.strings import get_string_id

    _string_id = get_string_id
    return get_string_id(key)


class IndexedList(list[Any]):
    """A list whose ``in`` is a set lookup (read-only: built once, never appended to).

    spaCy's French ``lemma_index`` table maps a part of speech to the list of its known lemmas
    (66,191 nouns) and the rule lemmatizer asks ``form in index`` for every form it tries: a
    scan of ~0.4 ms each, several per word not seen before. Serialized, it is a plain list.
    """

    __slots__ = ("_members",)

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members


class HashedTable(dict[Any, Any]):
    """A read-mostly lookup table keyed by spaCy string hashes (see the module docstring).

    Args:
        name: The table's name, as ``Table.name``.
        data: Entries; string keys are hashed, integer keys (serialized tables) kept.
    """

    def __init__(self, name: str | None = None, data: dict[Any, Any] | None = None) -> None:
        entries = data or {}
        if any(not isinstance(key, int) for key in entries):
            entries = {_string_id(key): value for key, value in entries.items()}
        if name == "lemma_index":  # part of speech -> known lemmas, only asked "in"
            entries = {
                key: IndexedList(value) if isinstance(value, list) else value
                for key, value in entries.items()
            }
        super().__init__(entries)
        self.name = name

    def __getitem__(self, key: Any) -> Any:
        return dict.__getitem__(self, _string_id(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, _string_id(key), value)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, _string_id(key))

    def get(self, key: Any, default: Any = None) -> Any:
        """The value of ``key`` (a string or its hash), or ``default``."""
        return dict.get(self, _string_id(key), default)

    def set(self, key: Any, value: Any) -> None:
        """Same as ``table[key] = value``."""
        self[key] = value


@contextmanager
def fast_lookups() -> Iterator[None]:
    """While active, spaCy deserializes lookup tables as :class:`HashedTable`.

    Loads of pipelines under it are serialized (one patch at a time); other threads that
    deserialize lookups meanwhile get the same tables.
    """
    import spacy.lookups

    with _PATCH_LOCK:
        original = spacy.lookups.Table
        spacy.lookups.Table = HashedTable  # type: ignore[misc,assignment]
        try:
            yield
        finally:
            spacy.lookups.Table = original  # type: ignore[misc]


__all__ = ["HashedTable", "IndexedList", "fast_lookups"]
