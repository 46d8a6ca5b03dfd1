"""Scale (issue 14): nothing proportional to the corpus on the question path.

Behaviour only, never timings: which store calls a question makes, what it embeds, what a
re-index reads, where BM25 comes from.
"""

from __future__ import annotations

import collections
import os
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from crashkit import hash_embedder

import index.parse
import index.store.writer as writer_module
from index.config import BUNDLED_CORPUS, IndexSettings
from index.embed import Embedder
from index.manifest import FileState, Manifest, scan
from index.sentences import split_sentences
from index.store import ArticleStore
from index.store.reader import StoreReader
from index.store.sentence_vectors import SentenceVectorStore, text_key, texts_of, texts_rule
from rag import Assistant
from rag.config import Settings
from rag.lexical import LexicalCache, LexicalIndex, ParagraphRecord
from rag.reader import annotate
from rag.reader.regex_cache import RegexCache, plain_compile
from rag.retrieve import HybridRetriever
from rag.text import Analyzer
from rag.types import Passage
from rag.vectors import SentenceVectors

QUESTION = "Qui a rencontré Dmitriev à Miami ?"


class CallCounter:
    """Counts calls of chosen methods of one object (the real methods still run)."""

    def __init__(self, target: Any, names: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        for name in names:
            method = getattr(target, name)

            def counted(*args: Any, _method: Any = method, _name: str = name, **kw: Any) -> Any:
                self.calls[_name] += 1
                return _method(*args, **kw)

            monkeypatch.setattr(target, name, counted)


# ---------------------------------------------------------------- unit: the parts


@pytest.mark.unit
def test_sentence_vector_store_round_trip(tmp_path: Path) -> None:
    store = SentenceVectorStore.for_embedder(tmp_path, "some/model", 4)
    assert store.get(["a"]) == {} and len(store) == 0  # nothing written: no file either
    assert not store.path.exists()
    vectors = np.eye(4, dtype=np.float32)[:2]
    store.put(["Un plan en 28 points.", "Trump a reçu Zelensky."], vectors)
    found = store.get(["Trump a reçu Zelensky.", "inconnu", "Un plan en 28 points."])
    assert set(found) == {"Un plan en 28 points.", "Trump a reçu Zelensky."}
    assert np.array_equal(found["Trump a reçu Zelensky."], vectors[1])
    assert store.missing(["inconnu", "Un plan en 28 points.", "inconnu"]) == ["inconnu"]
    assert len(SentenceVectorStore(store.path, 4)) == 2  # another reader of the same file
    with pytest.raises(ValueError, match="columns"):
        store.put(["x"], np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="1 texts but 2 vectors"):
        store.put(["x"], vectors)


@pytest.mark.unit
def test_texts_of_a_paragraph_are_its_sentences_and_each_with_the_one_before() -> None:
    paragraph = "Le plan compte 28 points. Kiev l'a reçu jeudi soir."
    first, second = split_sentences(paragraph)
    assert texts_of(paragraph) == [first, second, f"{first} {second}"]
    assert texts_of("Une seule phrase ici.") == ["Une seule phrase ici."]
    assert texts_of("Court.") == ["Court."]


@pytest.mark.unit
@pytest.mark.parametrize(
    "paragraph",
    [
        "Le plan compte 28 points. Kiev l'a reçu jeudi soir. Qui l'a écrit ? Personne ne sait.",
        "date: 2025-11-20 Le texte a été transmis à Kiev. • Les Européens ont été informés hier.",
        "Selon M. Ouchakov, J.D. Vance a vu le plan. Il l'a lu en entier. Fin.",
    ],
)
def test_every_text_the_reader_embeds_is_stored_at_index_time(paragraph: str) -> None:
    """A question over an indexed corpus embeds only itself: whatever the answerer and the
    reader embed for a retrieved paragraph (sentences, sentences in context) is in
    ``texts_of`` of that paragraph, which the index embeds."""
    passage = Passage(article_id="a", paragraph=1, text=paragraph, score=1.0, title="T")
    asked = set(annotate.texts_to_embed([passage]))
    assert asked and asked <= set(texts_of(paragraph))


@pytest.mark.unit
def test_sentence_vectors_read_the_index_time_store_before_embedding(tmp_path: Path) -> None:
    embedder = hash_embedder()
    stored = SentenceVectorStore.for_embedder(tmp_path, embedder.name, embedder.dimension)
    known = ["Une phrase indexée.", "Une autre phrase indexée."]
    stored.put(known, embedder.encode_passages(known))
    asked: list[str] = []
    encode = embedder.encode_passages

    def spy(texts: Any, **kw: Any) -> np.ndarray:
        asked.extend(texts)
        return encode(texts, **kw)

    embedder.encode_passages = spy  # type: ignore[method-assign]
    vectors = SentenceVectors(embedder, stored=stored)
    matrix = vectors.encode([*known, "Une phrase nouvelle."])
    assert asked == ["Une phrase nouvelle."]  # only what the index never saw
    assert vectors.embedded == 1
    assert np.allclose(matrix, encode([*known, "Une phrase nouvelle."]), atol=1e-6)


@pytest.mark.unit
def test_bm25_is_saved_and_loaded_memory_mapped(tmp_path: Path) -> None:
    records = [
        ParagraphRecord("a", 1, "Le plan de paix compte 28 points.", "Plan", None, "a.txt"),
        ParagraphRecord("a", 2, "Witkoff a rencontré Dmitriev à Miami.", "Plan", None, "a.txt"),
        ParagraphRecord("b", 1, "La Turquie accueille des pourparlers.", "Turquie", "2025", "b"),
    ]
    rows = {"a:1:0#x": ("a", 1), "a:2:0#y": ("a", 2), "a:2:1#z": ("a", 2), "c:1:0#w": ("c", 1)}
    built = LexicalIndex(
        records, Analyzer("fr"), notes={"a": "Plan\nsource: Mena News"}, rows=rows, revision="r1"
    )
    cache = LexicalCache(tmp_path / "lexical")
    cache.save("here", "articles", "rev1", built)
    loaded = cache.load("here", "articles", "rev1")
    assert loaded is not None
    assert list(loaded.records) == built.records
    assert loaded.notes == {"a": "Plan\nsource: Mena News"}
    # Row ids of the revision: a row of a paragraph it does not hold ("c") is not one of them.
    assert loaded.revision == built.revision == "r1"
    for bm25 in (built, loaded):
        assert bm25.record_of_row("a:2:1#z") == records[1]
        assert bm25.record_of_row("a:1:0#x") == records[0]
        assert bm25.record_of_row("c:1:0#w") is None
        assert bm25.record_of_row("a:1:0#old") is None
    assert loaded.by_key[("a", 2)] == built.by_key[("a", 2)] and ("z", 1) not in loaded.by_key
    assert isinstance(loaded._bm25.scores["data"], np.memmap)
    for query in ("Dmitriev Miami", "plan de paix", "Turquie"):
        assert [(r.key, round(s, 6)) for r, s in loaded.search(query, 2)] == [
            (r.key, round(s, 6)) for r, s in built.search(query, 2)
        ]
    assert loaded.term_weight("dmitriev") == built.term_weight("dmitriev")
    cache.save("here", "articles", "rev2", built)  # a new revision replaces the old files
    names = sorted(p.name.rsplit("-", 1)[1] for p in (tmp_path / "lexical").iterdir())
    assert names == ["rev2.bm25", "rev2.pkl"]


@pytest.mark.unit
def test_an_article_s_repeated_fields_are_saved_once(tmp_path: Path) -> None:
    """An article's title and source repeat on each of its paragraphs: written once, read back
    as one object, not one per paragraph (a smaller file and a faster load at 100k)."""
    records = [
        ParagraphRecord("a", n, f"Paragraphe {n} du plan de paix.", "".join(["Le ", "plan"]),
                        "2025-11-20", "".join(["a", ".txt"]))
        for n in range(1, 4)
    ]  # fmt: skip
    assert records[0].title is not records[1].title  # equal strings, distinct objects
    cache = LexicalCache(tmp_path / "lexical")
    cache.save("here", "articles", "rev1", LexicalIndex(records, Analyzer("fr"), revision="r1"))
    loaded = cache.load("here", "articles", "rev1")
    assert loaded is not None and list(loaded.records) == records
    titles = {id(r.title) for r in loaded.records}
    sources = {id(r.source) for r in loaded.records}
    assert len(titles) == 1 and len(sources) == 1
    assert len(loaded.by_key) == 3 and loaded.by_key[("a", 3)] == records[2]


@pytest.mark.unit
def test_term_sets_are_the_terms_remembered_within_a_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    analyzer = Analyzer("fr")
    text = "Les négociateurs ont négocié le plan de paix en 28 points à Miami."
    found = analyzer.term_set(text)
    assert found == set(analyzer.terms(text)) and "28" in found and "le" not in found
    assert analyzer.term_set(text) is found  # read once, remembered
    monkeypatch.setattr("rag.text.TERM_SET_CACHE", 3)
    others = [f"Phrase numéro {n} sur le plan." for n in range(5)]
    for other in others:
        assert analyzer.term_set(other) == set(analyzer.terms(other))
    assert len(analyzer._term_sets) <= 3  # bounded: the memory starts over when full
    assert analyzer.term_set(text) == found


@pytest.mark.unit
def test_manifest_says_unchanged_only_when_nothing_changed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        (corpus / name).write_text(f"Titre {name}\n\nUn paragraphe.\n", encoding="utf-8")
    manifest = Manifest(tmp_path / "manifest.json")
    files = scan([corpus])
    assert files is not None
    manifest.save(files, "rev1", "key", {"articles": 2})
    assert manifest.unchanged(scan([corpus]) or [], "rev1", "key") == {"articles": 2}
    assert manifest.unchanged(files, "rev2", "key") is None  # the store moved on
    assert manifest.unchanged(files, "rev1", "other settings") is None
    # Same bytes, new mtime: hashed (not parsed), unchanged, and the new stat is remembered.
    stat = (corpus / "a.txt").stat()
    os.utime(corpus / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert manifest.unchanged(scan([corpus]) or [], "rev1", "key") == {"articles": 2}
    touched = next(f for f in scan([corpus]) or [] if f.path.endswith("a.txt"))
    assert FileState(touched.path, touched.size, touched.mtime_ns) in [
        FileState(p, s, m)
        for p, s, m, _ in manifest._read()["files"]  # type: ignore[index]
    ]
    (corpus / "b.txt").write_text("Titre\n\nUn autre paragraphe.\n", encoding="utf-8")
    assert manifest.unchanged(scan([corpus]) or [], "rev1", "key") is None
    (corpus / "c.txt").write_text("Titre\n\nNouveau.\n", encoding="utf-8")
    assert manifest.unchanged(scan([corpus]) or [], "rev1", "key") is None
    assert scan([tmp_path / "missing"]) is None


# ---------------------------------------------------------------- integration: the store


@pytest.mark.integration
def test_a_sync_completes_the_sentence_vectors_of_an_index_built_under_an_older_rule(
    make_settings: Any, corpus_copy: Path
) -> None:
    """An index whose side store was filled under another ``texts_rule`` (an older version
    stored sentences only) gets the missing texts of every citable paragraph at its next sync,
    even an unchanged-corpus sync answered from the manifest; then nothing is embedded."""
    settings: IndexSettings = make_settings(corpus_dir=corpus_copy)
    store = ArticleStore(settings, hash_embedder())
    store.sync(corpus_copy)
    side = store.sentence_vectors
    assert side.rule() == texts_rule()  # a first sync embeds every paragraph's texts
    paragraphs: dict[tuple[str, int], str] = {}
    for chunk in store.chunks():  # in reading order
        key = (chunk.article_id, chunk.paragraph)
        paragraphs[key] = f"{paragraphs[key]} {chunk.text}" if key in paragraphs else chunk.text
    expected = {t for text in paragraphs.values() for t in texts_of(text)}
    contexts = [t for text in paragraphs.values() for t in texts_of(text)[-1:]]
    assert not side.missing(expected)
    # An older version's store: the in-context texts missing, no rule recorded.
    connection = sqlite3.connect(side.path)
    with connection:
        connection.executemany(
            "DELETE FROM vectors WHERE key = ?", [(text_key(t),) for t in contexts]
        )
        connection.execute("DELETE FROM meta")
    connection.close()
    missing = side.missing(expected)
    assert missing and side.rule() is None
    report = store.sync(corpus_copy)  # unchanged files: the manifest's fast path
    assert report.embedded_paragraphs == 0
    assert report.embedded_sentences == len(missing)
    assert not side.missing(expected) and side.rule() == texts_rule()
    again = store.sync(corpus_copy)
    assert again.embedded_sentences == 0


@pytest.mark.integration
def test_reindex_of_an_unchanged_corpus_reads_no_file_and_no_row(
    make_settings: Any, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings: IndexSettings = make_settings(corpus_dir=corpus_copy)
    store = ArticleStore(settings, hash_embedder())
    first = store.sync(corpus_copy)
    revision = store.revision()
    reads = CallCounter(index.parse, ["check_article"], monkeypatch)
    rows = CallCounter(StoreReader, ["get_all"], monkeypatch)
    opened: list[str] = []
    real_open = Path.open

    def spy_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy_open)
    again = store.sync(corpus_copy)
    assert reads.calls["check_article"] == 0
    assert rows.calls["get_all"] == 0
    assert not [p for p in opened if p.startswith(str(corpus_copy))]
    assert (again.articles, again.paragraphs, again.chunks) == (
        first.articles,
        first.paragraphs,
        first.chunks,
    )
    assert not again.changed and store.revision() == revision

    # A changed file is read alone; its paragraphs only are re-embedded.
    victim = sorted(corpus_copy.glob("*.txt"))[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\nUn paragraphe ajouté.\n", "utf-8")
    changed = store.sync(corpus_copy)
    assert reads.calls["check_article"] == 1
    assert changed.embedded_paragraphs == 1
    assert store.revision() != revision
    # A deleted file too.
    victim.unlink()
    removed = store.sync(corpus_copy)
    assert removed.removed_articles == [victim.stem]


@pytest.mark.integration
def test_counts_come_from_the_commit_not_an_id_scan(
    make_settings: Any, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(corpus_dir=corpus_copy)
    store = ArticleStore(settings, hash_embedder())
    assert store.count() == 0
    store.sync(corpus_copy)
    scanned = len(store.audit().visible)
    rows = CallCounter(StoreReader, ["get_all"], monkeypatch)
    assert store.count() == scanned > 0
    snapshot = store.snapshot()
    assert snapshot.chunks == scanned
    assert snapshot.content_chunks == len(store.chunks(content_only=True))
    assert rows.calls["get_all"] == 1  # the chunks() call above, not count()/snapshot()


@pytest.mark.integration
def test_sync_stores_sentence_vectors_of_every_citable_paragraph(
    make_settings: Any, corpus_copy: Path
) -> None:
    settings = make_settings(corpus_dir=corpus_copy)
    store = ArticleStore(settings, hash_embedder())
    report = store.sync(corpus_copy)
    paragraphs: dict[tuple[str, int], list[str]] = {}
    for chunk in store.chunks(content_only=True):
        paragraphs.setdefault((chunk.article_id, chunk.paragraph), []).append(chunk.text)
    texts = [t for parts in paragraphs.values() for t in texts_of(" ".join(parts))]
    assert store.sentence_vectors.missing(texts) == []
    assert report.embedded_sentences == len(set(texts))
    # Nothing new: nothing embedded again.
    victim = sorted(corpus_copy.glob("*.txt"))[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n\nUne phrase neuve ici.\n", "utf-8")
    assert store.sync(corpus_copy).embedded_sentences == 1
    off = make_settings(
        corpus_dir=corpus_copy, data_dir=settings.data_dir / "off", sentence_vectors=False
    )
    assert ArticleStore(off, hash_embedder()).sync(corpus_copy).embedded_sentences == 0


# ---------------------------------------------------------------- integration: a question


@pytest.mark.integration
def test_a_question_reads_the_store_state_once_and_embeds_only_itself(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=BUNDLED_CORPUS)
    assistant = Assistant(settings, embedder=embedder)
    assistant.ask(QUESTION)  # warm: BM25 loaded
    store_calls = CallCounter(
        assistant.store,
        ["state", "get_all", "chunks", "count", "audit", "status", "dense_search", "nearest_rows"],
        monkeypatch,
    )
    query_includes: list[list[str]] = []
    query = assistant.store.collection.query

    def spy_query(*args: Any, **kwargs: Any) -> Any:
        query_includes.append(list(kwargs.get("include", [])))
        return query(*args, **kwargs)

    monkeypatch.setattr(assistant.store.collection, "query", spy_query)
    queries = CallCounter(assistant.embedder, ["encode_queries"], monkeypatch)
    passages_embedded: list[str] = []
    encode = assistant.embedder.encode_passages

    def spy(texts: Any, **kw: Any) -> np.ndarray:
        passages_embedded.extend(texts)
        return encode(texts, **kw)

    monkeypatch.setattr(assistant.embedder, "encode_passages", spy)
    builds = CallCounter(HybridRetriever, ["_build_lexical"], monkeypatch)

    collection_reads = CallCounter(assistant.store.collection, ["get"], monkeypatch)

    found = assistant.retrieve("plan en 28 points", 5)
    assert found
    assert passages_embedded == []  # the rerank's sentences come from the index
    answer = assistant.ask("Combien de points compte le plan ?")
    assert not answer.refused
    # Articles no earlier question retrieved: still nothing read but the ANN search (their
    # non-citable notes come with the BM25 index).
    other = assistant.ask("Quelles conversations Bloomberg a-t-il publiées ?")
    assert {p.article_id for p in other.passages} - {p.article_id for p in answer.passages}
    assert store_calls.calls["state"] == 3  # once per question
    # One ANN search each, reading ids and distances only: the BM25 index of the revision
    # knows which rows are citable and visible, and holds their paragraphs.
    assert store_calls.calls["nearest_rows"] == 3
    assert store_calls.calls["dense_search"] == 0
    assert query_includes == [["distances"]] * 3
    assert collection_reads.calls["get"] == 0
    for name in ("get_all", "chunks", "count", "audit", "status"):
        assert store_calls.calls[name] == 0, name
    assert builds.calls["_build_lexical"] == 0
    assert queries.calls["encode_queries"] <= 3  # one per question
    # The reader's sentences and sentences-in-context were embedded at index time too.
    assert passages_embedded == []


@pytest.mark.integration
def test_bm25_is_loaded_from_disk_and_a_new_revision_is_built_in_the_background(
    make_settings: Any, corpus_copy: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(corpus_dir=corpus_copy)
    first = Assistant(settings, embedder=embedder)  # indexes and saves BM25 for the revision
    builds = CallCounter(HybridRetriever, ["_build_lexical"], monkeypatch)
    second = Assistant(settings, embedder=embedder)  # another process on this machine
    assert second.retrieve("Dmitriev Miami", 3)
    assert builds.calls["_build_lexical"] == 0  # loaded, memory-mapped
    assert isinstance(second.retriever.served()._bm25.scores["data"], np.memmap)
    old = second.retriever.served()

    # Another writer commits a new revision without building BM25 (as `python -m rag index`
    # from a process without lexical cache would): questions keep being served by the old
    # index while the new one is built in the background, never in the question's thread.
    (corpus_copy / "zz_new.txt").write_text(
        "Un navire polaire accoste à Brest\n\nLe navire Albatros a accosté mercredi à Brest "
        "avec quarante-deux scientifiques à bord.\n",
        encoding="utf-8",
    )
    ArticleStore(settings, embedder).sync(corpus_copy)
    question_threads: list[str] = []
    build = HybridRetriever._build_lexical

    def slow_build(self: HybridRetriever) -> Any:
        import threading

        question_threads.append(threading.current_thread().name)
        time.sleep(1.0)
        return build(self)

    monkeypatch.setattr(HybridRetriever, "_build_lexical", slow_build)
    second.retriever._cache = None  # nothing on disk for the new revision
    passages = second.retrieve("navire Albatros quarante-deux scientifiques Brest", 3)
    assert second.retriever.served() is old  # still serving the previous revision
    new = [p for p in passages if p.article_id == "zz_new"]
    assert new  # found by the dense side meanwhile
    # ... and scored by BM25 on the served index's term statistics, ranked first on
    # « Albatros », a word the served index has never seen.
    assert new[0].ranks.get("lexical") == 1
    second.retriever.wait_for_background(60)
    assert question_threads == ["bm25-build"]
    second.retrieve("navire Albatros", 3)
    assert "zz_new" in {r.article_id for r in second.retriever.served().records}
    assert first.retrieve("navire Albatros", 1)[0].article_id == "zz_new"


@pytest.mark.integration
def test_dense_search_by_row_ids_sees_only_the_visible_citable_rows(
    make_settings: Any, corpus_copy: Path, embedder: Embedder
) -> None:
    settings = make_settings(corpus_dir=corpus_copy)
    assistant = Assistant(settings, embedder=embedder)
    victim = sorted(corpus_copy.glob("*.txt"))[0]
    blocks = victim.read_text(encoding="utf-8").split("\n\n")
    old_text = blocks[4]
    blocks[4] = "Le navire Albatros a accosté mercredi à Brest avec quarante-deux scientifiques."
    victim.write_text("\n\n".join(blocks), encoding="utf-8")
    assistant.index()  # the old version of the paragraph stays as a superseded row
    store = assistant.store
    audit = store.audit()
    assert audit.superseded >= 1
    lexical = assistant.retriever.lexical()
    assert lexical.revision == store.snapshot().revision
    citable = {c.row_id for c in audit.visible if c.metadata.get("is_content")}
    assert set(lexical.rows) == citable
    # The nearest row to the old text is its superseded version: read by id, then dropped.
    nearest = store.nearest_rows(embedder.embed_query(old_text), 5)
    assert nearest[0][0] not in citable
    passages = assistant.retrieve(old_text, 5)
    assert all(old_text not in p.text for p in passages)
    found = assistant.retrieve("navire Albatros Brest scientifiques", 3)
    assert (victim.stem, 5) in [p.key for p in found]


@pytest.mark.integration
def test_index_writes_manifest_and_reindex_is_reported_unchanged(
    make_settings: Any, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(corpus_dir=corpus_copy)
    store = ArticleStore(settings, hash_embedder())
    store.sync(corpus_copy)
    applied = CallCounter(writer_module.StoreWriter, ["_apply"], monkeypatch)
    store.sync(corpus_copy)
    assert applied.calls["_apply"] == 0
    store.sync(corpus_copy, rebuild=True)  # a rebuild never trusts the manifest
    assert applied.calls["_apply"] == 1
    store.reset()  # the store forgot everything: the manifest's revision no longer matches
    store.sync(corpus_copy)
    assert applied.calls["_apply"] == 2
    assert store.count() > 0


# ---------------------------------------------------------------- integration: one changed file


def _article(title: str, *sentences: str) -> str:
    return title + "\n\n" + "\n\n".join(sentences) + "\n"


def _write_corpus(folder: Path, count: int) -> None:
    folder.mkdir()
    for n in range(count):
        (folder / f"art_{n:02d}.txt").write_text(
            _article(
                f"Titre numéro {n} sur la région {n}",
                f"Le conseil de la région {n} a voté un budget de {n} millions d'euros.",
                f"La séance {n} a duré plus de trois heures selon les élus présents.",
            ),
            encoding="utf-8",
        )


def _rows(store: ArticleStore) -> set[tuple[str, int, str]]:
    return {
        (str(c.metadata["article_id"]), int(c.metadata["paragraph"]), c.text)
        for c in store.chunks(content_only=False)
    }


def _assert_same_as_a_full_sync(
    make_settings: Any,
    corpus: Path,
    store: ArticleStore,
    report: Any,
    name: str,
    reads: CallCounter,
) -> None:
    """The incremental sync left the rows and the report a fresh full sync gives."""
    fresh_settings = make_settings(corpus_dir=corpus, data_dir=corpus.parent / f"fresh_{name}")
    fresh = ArticleStore(fresh_settings, hash_embedder())
    counted = reads.calls.copy()
    full = fresh.sync(corpus)
    reads.calls = counted  # the reference sync's reads are not the incremental one's
    assert _rows(store) == _rows(fresh)
    assert (report.articles, report.paragraphs, report.chunks) == (
        full.articles,
        full.paragraphs,
        full.chunks,
    )
    assert report.indexed == full.indexed and report.duplicates == full.duplicates
    assert sorted((i.path.name, i.message, i.level) for i in report.issues) == sorted(
        (i.path.name, i.message, i.level) for i in full.issues
    )
    assert store.count() == fresh.count()
    assert store.snapshot().content_chunks == fresh.snapshot().content_chunks


@pytest.mark.integration
def test_a_changed_file_costs_only_its_own_paragraphs(
    make_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "many"
    _write_corpus(corpus, 12)
    store = ArticleStore(make_settings(corpus_dir=corpus), hash_embedder())
    store.sync(corpus)
    before = _rows(store)
    reads = CallCounter(index.parse, ["check_article"], monkeypatch)

    rows_read: list[int] = []
    real_get_all = StoreReader.get_all

    def spy_get_all(self: StoreReader, **kw: Any) -> Any:
        got = real_get_all(self, **kw)
        rows_read.append(len(got["ids"]))
        return got

    monkeypatch.setattr(StoreReader, "get_all", spy_get_all)

    # One file changed: it alone is read; its new paragraph is searchable, the rest untouched.
    changed = corpus / "art_05.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nLe navire Albatros est arrivé au port.\n",
        encoding="utf-8",
    )
    report = store.sync(corpus)
    assert reads.calls["check_article"] == 1
    # Only the changed article's rows were read from the store, not the corpus's.
    assert sum(rows_read) == len([r for r in before if r[0] == "art_05"]) < len(before)
    assert report.embedded_paragraphs == 1
    after = _rows(store)
    assert ("art_05", 4, "Le navire Albatros est arrivé au port.") in after
    assert {r for r in after if r[0] != "art_05"} == {r for r in before if r[0] != "art_05"}
    _assert_same_as_a_full_sync(make_settings, corpus, store, report, "changed", reads)

    # A renamed file: the new name is read (a new path), the old id leaves the index.
    (corpus / "art_07.txt").rename(corpus / "art_99.txt")
    report = store.sync(corpus)
    assert reads.calls["check_article"] == 2
    assert report.removed_articles == ["art_07"]
    assert report.embedded_chunks == 0  # same text: the stored vectors were reused
    ids = {r[0] for r in _rows(store)}
    assert "art_99" in ids and "art_07" not in ids
    _assert_same_as_a_full_sync(make_settings, corpus, store, report, "renamed", reads)

    # A removed file: nothing read, its rows retired.
    (corpus / "art_02.txt").unlink()
    report = store.sync(corpus)
    assert reads.calls["check_article"] == 2
    assert report.removed_articles == ["art_02"]
    assert "art_02" not in {r[0] for r in _rows(store)}
    _assert_same_as_a_full_sync(make_settings, corpus, store, report, "removed", reads)


@pytest.mark.integration
def test_a_changed_file_is_still_checked_against_the_unchanged_ones(
    make_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "many"
    _write_corpus(corpus, 8)
    store = ArticleStore(make_settings(corpus_dir=corpus), hash_embedder())
    store.sync(corpus)
    reads = CallCounter(index.parse, ["check_article"], monkeypatch)

    # A changed file now duplicates an unchanged one (earlier by name): skipped, rows retired.
    original = (corpus / "art_01.txt").read_text(encoding="utf-8")
    (corpus / "art_06.txt").write_text(original.upper(), encoding="utf-8")
    report = store.sync(corpus)
    assert reads.calls["check_article"] == 1
    assert report.duplicates == {"art_06": "art_01"}
    assert "art_06" not in {r[0] for r in _rows(store)}
    _assert_same_as_a_full_sync(make_settings, corpus, store, report, "dup", reads)

    # The original changes: the unchanged duplicate becomes an article of its own (read now).
    (corpus / "art_01.txt").write_text(_article("Autre titre", "Un texte neuf ici."), "utf-8")
    report = store.sync(corpus)
    assert reads.calls["check_article"] == 3  # art_01 (changed) and art_06 (no longer a copy)
    assert report.duplicates == {}
    assert {"art_01", "art_06"} <= {r[0] for r in _rows(store)}
    _assert_same_as_a_full_sync(make_settings, corpus, store, report, "undup", reads)

    # A changed file that becomes the earlier copy of an unchanged indexed one: the unchanged
    # one (later by name) is now the duplicate, without being read.
    (corpus / "art_00.txt").write_text(
        (corpus / "art_03.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    report = store.sync(corpus)
    assert reads.calls["check_article"] == 4
    assert report.duplicates == {"art_03": "art_00"}
    assert "art_03" not in {r[0] for r in _rows(store)}
    _assert_same_as_a_full_sync(make_settings, corpus, store, report, "later", reads)

    # A new look-alike id of an unchanged article (Cyrillic а), sorting after it: skipped
    # unread; sorting before it, it wins and the unchanged article is skipped.
    (corpus / "аrt_04.txt").write_text(_article("Sosie", "Un sosie de nom."), "utf-8")
    report = store.sync(corpus)
    assert reads.calls["check_article"] == 4
    assert any("looks like 'art_04'" in i.message for i in report.issues)
    _assert_same_as_a_full_sync(make_settings, corpus, store, report, "lookalike", reads)

    # A changed file that fails the checks keeps its indexed rows, as on a full sync.
    (corpus / "art_05.txt").write_bytes(b"\x00\x01binary" * 50)
    report = store.sync(corpus)
    assert reads.calls["check_article"] == 5
    assert "art_05" in {r[0] for r in _rows(store)}
    assert any(i.path.name == "art_05.txt" and i.level == "error" for i in report.issues)


# ---------------------------------------------------------------- cold start


@pytest.mark.unit
def test_regex_cache_gives_the_same_pattern_and_skips_the_compile(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    words = "|".join(f"(?:mot{n}[-–][a-zà-ÿ]+)" for n in range(600))
    pattern = f"(?iu)^(?:{words}|(?P<nom>[A-ZÀ-Ý][a-zà-ÿ]+))$"
    samples = ["MOT12-été", "mot599–x", "Dmitriev", "Élysée", "mot600-a", "mot3_a", ""]
    plain = plain_compile(pattern)

    def behaviour(compiled: re.Pattern[str]) -> list[Any]:
        found = [compiled.match(s) for s in samples]
        return [(m.span(), m.groupdict()) if m else None for m in found]

    first = RegexCache(tmp_path / "regex", min_length=1000)
    assert behaviour(first.compile(pattern)) == behaviour(plain)
    assert (first.hits, first.misses) == (0, 1)
    second = RegexCache(tmp_path / "regex", min_length=1000)
    parses = []
    real_parse = re._parser.parse  # type: ignore[attr-defined]

    def counted_parse(*args: Any, **kw: Any) -> Any:
        parses.append(args[0])
        return real_parse(*args, **kw)

    re._parser.parse = counted_parse  # type: ignore[attr-defined]
    try:
        cached = second.compile(pattern)
    finally:
        re._parser.parse = real_parse  # type: ignore[attr-defined]
    assert parses == [] and (second.hits, second.misses) == (1, 0)
    assert behaviour(cached) == behaviour(plain)
    assert (cached.pattern, cached.flags, cached.groupindex) == (
        plain.pattern,
        plain.flags,
        plain.groupindex,
    )
    # A damaged file is ignored (and rewritten); short patterns never touch the folder.
    (file,) = (tmp_path / "regex").iterdir()
    file.write_bytes(file.read_bytes()[:-10])
    third = RegexCache(tmp_path / "regex", min_length=1000)
    assert behaviour(third.compile(pattern)) == behaviour(plain) and third.misses == 1
    assert "ignoring the cached regex" in caplog.text
    assert third.compile("court").match("court") and len(list(file.parent.iterdir())) == 1
    # Installed, re.compile goes through the cache; removed, it no longer does.
    re.purge()
    with third.installed():
        assert behaviour(re.compile(pattern)) == behaviour(plain)
    assert third.hits == 1
    re.purge()
    re.compile(pattern)
    assert third.hits == 1


@pytest.mark.integration
def test_the_reader_pipeline_is_preloaded_with_the_regex_cache(tmp_path: Path) -> None:
    annotate._PRELOADED.clear()
    re.purge()  # a pattern already compiled in this process would not reach the cache
    annotate.preload_pipeline(regex_cache=tmp_path / "regex")
    annotator = annotate.Annotator()
    nlp = annotator.nlp  # waits for the background load and takes it
    assert annotate.SPACY_MODEL not in annotate._PRELOADED
    assert sorted(p.suffix for p in (tmp_path / "regex").iterdir())  # the large patterns
    assert "torch" not in sys.modules or sys.modules["torch"] is not None  # not left hidden
    fresh = annotate.Annotator()
    assert fresh.nlp is not nlp  # taken once: the next annotator loads its own
    text = "Witkoff a rencontré Kirill Dmitriev à Miami le 24 octobre."
    assert annotator.annotate(text) == fresh.annotate(text)


@pytest.mark.unit
def test_paragraphs_stored_after_the_bm25_index_are_scored_on_its_statistics() -> None:
    records = [
        ParagraphRecord("a", 1, "Witkoff rencontre Dmitriev Miami", "", None, "a"),
        ParagraphRecord("a", 2, "Turquie accueille pourparlers Istanbul", "", None, "a"),
        ParagraphRecord("b", 1, "Zelensky consulte Européens Kiev", "", None, "b"),
    ]  # one length: every paragraph is of average length
    index = LexicalIndex(records, Analyzer("fr"))
    copy = ParagraphRecord("c", 1, records[0].text, "", None, "c")
    (held, score), *_ = index.search("Dmitriev Miami", 3)
    assert held == records[0]
    assert index.score_unindexed("Dmitriev Miami", [copy]) == [(copy, pytest.approx(score))]
    # A word the index never saw weighs as much as a word of one paragraph can at most.
    newcomer = ParagraphRecord("c", 2, "Albatros accoste Brest mercredi", "", None, "c")
    unrelated = ParagraphRecord("c", 3, "Un tout autre sujet", "", None, "c")
    scored = index.score_unindexed("navire Albatros Miami", [newcomer, unrelated])
    assert [record for record, _ in scored] == [newcomer]
    assert scored[0][1] > index.search("navire Albatros Miami", 1)[0][1]
