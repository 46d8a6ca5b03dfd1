"""The BM25 side: never rebuilt per query, kept on disk per revision, invalidated by changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from index.embed import Embedder
from index.store import ArticleStore
from rag.lexical import LexicalCache
from rag.retrieve import HybridRetriever

pytestmark = pytest.mark.integration


def test_bm25_is_built_once_per_revision_and_shared_through_disk(
    make_settings: Any, embedder: Embedder, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(corpus_dir=corpus_copy)
    store = ArticleStore(settings, embedder)
    store.sync(corpus_copy)
    first = HybridRetriever(store, embedder, settings)
    builds: list[str | None] = []
    build = HybridRetriever._build_lexical

    def counting(self: HybridRetriever) -> Any:
        builds.append(self.store.revision())
        return build(self)

    monkeypatch.setattr(HybridRetriever, "_build_lexical", counting)
    for question in ("plan en 28 points", "Dmitriev Miami", "Witkoff Turquie"):
        assert first.retrieve(question, 3)
    assert len(builds) == 1  # not per query
    files = list((settings.data_dir / "lexical").glob("*.pkl"))
    assert len(files) == 1

    # A second retriever (as in another process on this machine) loads it, builds nothing.
    second = HybridRetriever(ArticleStore(settings, embedder), embedder, settings)
    ranked = [p.key for p in second.retrieve("Dmitriev Miami", 5)]
    assert len(builds) == 1
    assert ranked == [p.key for p in first.retrieve("Dmitriev Miami", 5)]

    # Changing the corpus changes the revision: both retrievers see the change.
    victim = sorted(corpus_copy.glob("*.txt"))[0]
    victim.unlink()
    store.sync(corpus_copy)
    assert all(r.article_id != victim.stem for r in second.lexical().records)
    assert all(r.article_id != victim.stem for r in first.lexical().records)
    assert len(builds) == 2  # built by one, loaded by the other
    assert [f.name for f in (settings.data_dir / "lexical").glob("*.pkl")] != [
        f.name for f in files
    ]
    assert len(list((settings.data_dir / "lexical").glob("*.pkl"))) == 1


def test_a_corrupt_cache_file_is_rebuilt(
    make_settings: Any, embedder: Embedder, corpus_copy: Path
) -> None:
    settings = make_settings(corpus_dir=corpus_copy)
    store = ArticleStore(settings, embedder)
    store.sync(corpus_copy)
    revision = store.revision()
    assert revision
    cache = LexicalCache(settings.data_dir / "lexical")
    path = cache.path(store.location, settings.collection, revision)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    retriever = HybridRetriever(store, embedder, settings)
    assert cache.load(store.location, settings.collection, revision) is None
    records = retriever.lexical().records
    assert {r.key for r in records} == {(c.article_id, c.paragraph) for c in store.chunks()}
    reloaded = cache.load(store.location, settings.collection, revision)  # rewritten
    assert reloaded is not None
    assert [r.key for r in reloaded.records] == [r.key for r in records]


def test_the_cache_can_be_turned_off(
    make_settings: Any, embedder: Embedder, corpus_copy: Path
) -> None:
    settings = make_settings(corpus_dir=corpus_copy, lexical_cache=False)
    store = ArticleStore(settings, embedder)
    store.sync(corpus_copy)
    assert HybridRetriever(store, embedder, settings).retrieve("plan en 28 points", 2)
    assert not (settings.data_dir / "lexical").exists()
