"""The reader's index-time annotations (rag/reader/annotation_store.py): a question over an
indexed corpus runs spaCy on itself only, and reads exactly what spaCy would have given."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crashkit import hash_embedder

from index.config import BUNDLED_CORPUS
from index.embed import Embedder
from index.parse import read_article
from index.sentences import citable_sentences
from rag import Assistant
from rag.config import Settings
from rag.reader.annotate import Annotation, Annotator, Entity
from rag.reader.annotation_store import (
    AnnotationStore,
    annotation_fingerprint,
    decode_annotation,
    encode_annotation,
)

QUESTIONS = [
    "Qui a rencontré Dmitriev à Miami ?",
    "Combien de points compte le plan ?",
    "Who is leading the negotiations for the United States?",
    "Quand le plan a-t-il été présenté à Kiev ?",
]


def corpus_sentences(folder: Path = BUNDLED_CORPUS) -> list[str]:
    """The citable sentences of a corpus folder's citable paragraphs."""
    texts = []
    for path in sorted(folder.glob("*.txt")):
        for paragraph in read_article(path).paragraphs:
            if not paragraph.flag:
                texts += [t for _, t in citable_sentences(paragraph.text)]
    return list(dict.fromkeys(texts))


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return Annotator()


@pytest.fixture
def spacy_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text spaCy annotates from now on, in any annotator."""
    seen: list[str] = []
    build = Annotator._build

    def recording(self: Annotator, text: str, doc: Any) -> Annotation:
        seen.append(text)
        return build(self, text, doc)

    monkeypatch.setattr(Annotator, "_build", recording)
    return seen


@pytest.mark.unit
def test_stored_annotations_read_back_as_spacy_gave_them(
    annotator: Annotator, tmp_path: Path
) -> None:
    texts = corpus_sentences()
    annotations = annotator.annotate_uncached(texts)
    assert any(a.entities for a in annotations) and any(a.verbs for a in annotations)
    for text, annotation in zip(texts, annotations, strict=True):
        assert decode_annotation(text, encode_annotation(annotation)) == annotation
    store = AnnotationStore(tmp_path / "a.sqlite")
    store.put(texts, annotations)
    assert store.get([*texts, "not stored"]) == dict(zip(texts, annotations, strict=True))
    assert store.missing(["not stored", texts[0]]) == ["not stored"]


@pytest.mark.unit
def test_an_entity_keeps_its_own_text() -> None:
    text = "M. Witkoff est arrivé le 23 novembre."
    annotation = Annotation(
        words=("m", "witkoff", "est", "arrive", "le", "23", "novembre"),
        lemmas=frozenset({"witkoff", "arriver"}),
        entities=(Entity("Steve Witkoff", "PER", 3, 10), Entity("23 novembre", "DATE", 25, 36)),
        pos=(("witkoff", "PROPN", 3, 10), ("arrive", "VERB", 15, 21)),
        verbs=frozenset({"arriver"}),
    )
    assert decode_annotation(text, encode_annotation(annotation)) == annotation


@pytest.mark.unit
def test_the_annotator_reads_the_store_before_spacy(
    annotator: Annotator, tmp_path: Path, spacy_texts: list[str]
) -> None:
    texts = corpus_sentences()[:5]
    store = AnnotationStore(tmp_path / "a.sqlite")
    store.put(texts, annotator.annotate_uncached(texts))
    spacy_texts.clear()
    reader = Annotator(stored=store)
    reader._nlp = annotator.nlp  # the pipeline already loaded
    question = "Que dit le plan sur les garanties de sécurité ?"
    got = reader.annotate_many([*texts, question])
    assert spacy_texts == [question]
    assert got[:5] == annotator.annotate_uncached(texts)


@pytest.mark.unit
def test_fill_annotates_what_is_missing_and_drops_other_fingerprints(
    annotator: Annotator, tmp_path: Path
) -> None:
    store = AnnotationStore.for_data_dir(tmp_path)
    assert store.path.name == f"fr_core_news_sm-{annotation_fingerprint()}.sqlite"
    stale = store.path.with_name("fr_core_news_sm-0123456789abcdef.sqlite")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"")
    stale.with_name(stale.name + "-wal").write_bytes(b"")
    other_model = store.path.with_name("fr_core_news_md-0123456789abcdef.sqlite")
    other_model.write_bytes(b"")
    texts = corpus_sentences()[:6]
    assert store.fill(texts[:4], annotator, revision="r1") == 4
    assert store.revision() == "r1"
    assert store.fill(texts, annotator, revision="r2") == 2  # only the new ones
    assert store.revision() == "r2" and len(store) == 6
    assert not stale.exists() and not stale.with_name(stale.name + "-wal").exists()
    assert other_model.exists() and store.path.exists()


@pytest.mark.unit
def test_an_unreadable_store_reads_as_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "a.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    store = AnnotationStore(path)
    with caplog.at_level(logging.WARNING):
        assert store.get(["Un plan en 28 points."]) == {}
    assert "cannot read sentence annotations" in caplog.text
    good = AnnotationStore(tmp_path / "b.sqlite")
    good.put_blobs([("Un plan en 28 points.", b"damaged")])
    assert good.get(["Un plan en 28 points."]) == {}  # annotated live instead


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Path]:
    """A data dir over the bundled corpus, indexed (and annotated) once for the module."""
    data_dir = tmp_path_factory.mktemp("annotated-index")
    Assistant(Settings(data_dir=data_dir, corpus_dir=BUNDLED_CORPUS), embedder=embedder)
    yield data_dir


@pytest.mark.integration
def test_a_question_runs_spacy_on_itself_only_with_the_same_answers(
    indexed: Path, embedder: Embedder, spacy_texts: list[str]
) -> None:
    store = AnnotationStore.for_data_dir(indexed)
    assert len(store) == len(corpus_sentences()) and store.revision() is not None
    settings = Settings(data_dir=indexed, corpus_dir=BUNDLED_CORPUS, auto_index=False)
    stored = Assistant(settings, embedder=embedder)
    spacy_texts.clear()
    with_store = [stored.ask(q).to_dict() for q in QUESTIONS]
    sentences = set(corpus_sentences())
    assert spacy_texts and not sentences.intersection(spacy_texts)

    live = Assistant(settings.model_copy(update={"reader_annotations": False}), embedder=embedder)
    spacy_texts.clear()
    assert [live.ask(q).to_dict() for q in QUESTIONS] == with_store
    assert sentences.intersection(spacy_texts)  # without the store, candidates go to spaCy


@pytest.mark.integration
def test_an_index_run_annotates_only_new_sentences(tmp_path: Path, corpus_copy: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy)
    assistant = Assistant(settings, embedder=hash_embedder())
    store = assistant.annotations
    assert store is not None and len(store) == len(corpus_sentences(corpus_copy))
    assert assistant.annotate_corpus() == 0  # the same revision: nothing read

    added = corpus_copy / "zz_new.txt"
    added.write_text(
        "Un nouvel article\n\nLe comité a désigné Jeanne Martin à la présidence de l'agence. "
        "Elle prendra ses fonctions le 4 janvier.\n",
        encoding="utf-8",
    )
    revision = store.revision()
    assistant.index()
    assert store.revision() not in (None, revision)
    assert len(store) == len(corpus_sentences(corpus_copy))
    assert store.get(["Elle prendra ses fonctions le 4 janvier."])


@pytest.mark.integration
def test_annotation_failure_never_fails_an_index_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)

    def broken(self: Annotator, texts: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Annotator, "annotate_uncached", broken)
    with caplog.at_level(logging.ERROR):
        assistant = Assistant(
            Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embedder=hash_embedder()
        )
    assert assistant.status().chunks > 0
    assert "annotating the corpus's sentences for the reader failed" in caplog.text
    assert assistant.annotations is not None and assistant.annotations.revision() is None
