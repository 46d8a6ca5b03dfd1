"""Whole-collection reads go in pages (one embedded get() over ~32k+ records fails in SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import index.store.reader
from index.embed import Embedder
from index.store import ArticleStore

pytestmark = pytest.mark.integration


def test_reads_of_the_whole_collection_are_paged(
    make_settings: Any, embedder: Embedder, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ArticleStore(make_settings(corpus_dir=corpus_copy), embedder)
    store.sync(corpus_copy)
    whole = store.chunks(content_only=False)
    status = store.status()
    calls: list[int] = []
    real_get = store.collection.get

    def counting_get(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("limit") or 0)
        return real_get(*args, **kwargs)

    monkeypatch.setattr(index.store.reader, "GET_PAGE", 7)
    monkeypatch.setattr(store.collection, "get", counting_get)
    assert [c.chunk_id for c in store.chunks(content_only=False)] == [c.chunk_id for c in whole]
    assert len(calls) == len(whole) // 7 + 1
    assert store.status() == status
    assert store.sync(corpus_copy).embedded_chunks == 0
