"""Incremental, idempotent indexing into a real embedded Chroma with the real embedder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from index.embed import Embedder
from index.errors import EmbedderError, EmptyCorpusError
from index.store import ArticleStore

pytestmark = pytest.mark.integration


def _store(make_settings: Any, embedder: Embedder, corpus: Path) -> ArticleStore:
    return ArticleStore(make_settings(corpus_dir=corpus), embedder)


def test_reindex_is_incremental_and_idempotent(
    make_settings: Any, embedder: Embedder, corpus_copy: Path
) -> None:
    store = _store(make_settings, embedder, corpus_copy)
    first = store.sync(corpus_copy)
    assert first.articles == 4 and first.paragraphs == 66
    assert first.embedded_paragraphs == 66
    ids = {c.chunk_id for c in store.chunks(content_only=False)}
    assert "000_91bb73b3830eaf78:5:0" in ids
    assert len(ids) == first.chunks

    second = store.sync(corpus_copy)
    assert second.embedded_paragraphs == 0 and second.removed_chunks == 0
    assert not second.changed

    # Edit one paragraph in place: only it is re-embedded, numbering unchanged.
    path = corpus_copy / "001_8070831bbb14d085.txt"
    text = path.read_text(encoding="utf-8")
    edited = text.replace("(du 24 au 26 octobre)", "(du 24 au 27 octobre)")
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    third = store.sync(corpus_copy)
    assert third.embedded_paragraphs == 1
    assert "27 octobre" in (store.paragraph_text("001_8070831bbb14d085", 5) or "")

    # A deleted file disappears from the store.
    (corpus_copy / "003_a146349f20264553.txt").unlink()
    fourth = store.sync(corpus_copy)
    assert fourth.removed_articles == ["003_a146349f20264553"]
    assert store.status().articles == 3
    assert all(c.article_id != "003_a146349f20264553" for c in store.chunks(content_only=False))


def test_flagged_blocks_are_stored_but_not_citable(
    make_settings: Any, embedder: Embedder, corpus_copy: Path
) -> None:
    store = _store(make_settings, embedder, corpus_copy)
    store.sync(corpus_copy)
    citable = {(c.article_id, c.paragraph) for c in store.chunks(content_only=True)}
    everything = {(c.article_id, c.paragraph) for c in store.chunks(content_only=False)}
    assert ("002_85cd408fc1a49feb", 20) in everything - citable  # "Plus"
    assert ("001_8070831bbb14d085", 5) in citable
    stored = next(c for c in store.chunks() if c.chunk_id == "001_8070831bbb14d085:5:0")
    assert stored.metadata["title"].startswith("Un plan confidentiel")
    assert stored.metadata["date"] == "2025-11-19"
    assert stored.metadata["source"].endswith("001_8070831bbb14d085.txt")
    assert len(stored.metadata["content_hash"]) == 64


def test_bad_files_never_lose_indexed_articles(
    make_settings: Any, embedder: Embedder, corpus_copy: Path
) -> None:
    store = _store(make_settings, embedder, corpus_copy)
    store.sync(corpus_copy)
    before = store.count()
    # A previously indexed file becomes unreadable: its chunks stay.
    (corpus_copy / "000_91bb73b3830eaf78.txt").write_bytes(b"\x00\x01\x02binary")
    (corpus_copy / "new_latin1.txt").write_bytes(
        "Réunion à Genève.\n\nLe délégué a parlé.".encode("latin-1")
    )
    report = store.sync(corpus_copy)
    assert store.count() == before + 2
    assert any("binary" in i.message for i in report.issues)
    assert any(i.level == "warning" and "new_latin1" in i.path.name for i in report.issues)
    # An emptied folder is an error, and the index is left as it was.
    for path in corpus_copy.iterdir():
        path.unlink()
    with pytest.raises(EmptyCorpusError):
        store.sync(corpus_copy)
    assert store.count() == before + 2


def test_a_store_built_with_another_embedder_is_refused(
    make_settings: Any, embedder: Embedder, corpus_copy: Path
) -> None:
    settings = make_settings(corpus_dir=corpus_copy)
    ArticleStore(settings, embedder).sync(corpus_copy)
    impostor = Embedder(embedder.model, name="some-other-model")
    with pytest.raises(EmbedderError, match="--rebuild"):
        ArticleStore(settings, impostor).sync(corpus_copy)
    report = ArticleStore(settings, impostor).sync(corpus_copy, rebuild=True)
    assert report.embedded_paragraphs == 66


def test_any_sentence_transformers_folder_works_through_settings(
    make_settings: Any, embedder: Embedder, model_home: Path, tmp_path: Path
) -> None:
    folder = model_home / "models" / "multilingual-e5-small"
    settings = make_settings(embedder=str(folder))
    by_path = Embedder.from_settings(settings)
    assert by_path.name == str(folder)
    # The folder's own prompts are used: same vectors as the builtin name.
    text = "Les négociations ont eu lieu à Miami."
    assert float(by_path.encode_queries([text])[0] @ embedder.encode_queries([text])[0]) > 0.9999
    assert float(by_path.encode_passages([text])[0] @ embedder.encode_passages([text])[0]) > 0.9999
    with pytest.raises(EmbedderError, match="offline"):
        Embedder.from_settings(make_settings(embedder=str(tmp_path / "no-such-model")))


def test_missing_index_raises_a_typed_error(make_settings: Any, embedder: Embedder) -> None:
    from rag import Assistant, IndexNotFoundError

    assistant = Assistant(make_settings(auto_index=False), embedder=embedder)
    with pytest.raises(IndexNotFoundError, match="rag index"):
        assistant.ask("Qui est Dmitriev ?")


def test_the_collection_is_also_a_langchain_vector_store(
    make_settings: Any, embedder: Embedder, corpus_copy: Path
) -> None:
    """``store.vectorstore`` (built on first use) is ``langchain_chroma.Chroma`` over the live
    collection: LangChain's own search finds our chunks, with our metadata."""
    store = _store(make_settings, embedder, corpus_copy)
    store.sync(corpus_copy)
    vectorstore = store.vectorstore
    assert vectorstore._collection.id == store.collection.id
    found = vectorstore.similarity_search("Combien de points compte le plan ?", k=3)
    assert len(found) == 3
    assert all(doc.metadata["article_id"] and doc.metadata["paragraph"] >= 1 for doc in found)
    store.sync(corpus_copy, rebuild=True)  # a rebuild swaps the live collection: followed
    assert store.vectorstore._collection.id == store.collection.id
