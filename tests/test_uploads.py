"""Uploads (checked before they reach the corpus) and the feedback log: real files, real index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.errors import UploadError
from rag.feedback import FeedbackLog
from rag.uploads import safe_article_name, save_uploads

ARTICLE = (
    "Recensement des licornes bleues dans le massif du Vercors\n\n"
    "Les gardes forestiers ont compté 412 licornes bleues dans le Vercors au printemps 2025.\n"
).encode()


@pytest.fixture
def settings(tmp_path: Path, corpus_copy: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("../../etc/evil.txt", "evil.txt"),
        ("/abs/path/note.md", "note.md"),
        ("C:\\Users\\me\\article.TXT", "article.txt"),
        ("spaced name (1).txt", "spaced name _1.txt"),
        ("..\\..\\x.txt", "x.txt"),
    ],
)
def test_names_lose_their_directories(sent: str, saved: str) -> None:
    assert safe_article_name(sent) == saved


@pytest.mark.unit
@pytest.mark.parametrize("sent", ["slides.pptx", "noextension", "../.txt", "archive.txt.zip"])
def test_bad_names_are_refused(sent: str) -> None:
    with pytest.raises(UploadError):
        safe_article_name(sent)


@pytest.mark.unit
def test_saved_files_stay_inside_the_upload_folder(settings: Settings, tmp_path: Path) -> None:
    result = save_uploads([("../../outside.txt", ARTICLE)], settings)
    assert result.rejected == []
    assert result.saved == [settings.upload_dir / "outside.txt"]
    assert not (tmp_path / "outside.txt").exists()
    assert not (settings.data_dir.parent / "outside.txt").exists()
    assert result.saved[0].read_bytes() == ARTICLE


@pytest.mark.unit
def test_each_bad_file_gets_its_reason_and_good_ones_are_kept(settings: Settings) -> None:
    existing = next(settings.corpus_dir.glob("*.txt"))
    files: list[Any] = [
        ("good.txt", ARTICLE),
        ("image.png", b"\x89PNG..."),
        ("empty.txt", b"   \n"),
        ("binary.txt", bytes(range(256)) * 4),
        ("huge.txt", b"a" * (settings.max_upload_bytes + 1)),
        ("flood.txt", b"Titre\n\n" + b"encore la meme phrase. " * 5000),
        ("menu.md", b"Accueil\n\nContact"),
        ("copy.txt", existing.read_bytes()),
        (existing.name, ARTICLE.replace(b"412", b"413")),
    ]
    result = save_uploads(files, settings)
    assert [p.name for p in result.saved] == ["good.txt"]
    reasons = dict(result.rejected)
    assert "only .txt, .md, .html, .htm, .pdf, .docx articles" in reasons["image.png"]
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "limit" in reasons["huge.txt"] and "MB" in reasons["huge.txt"]
    assert "repeated" in reasons["flood.txt"]
    assert "no paragraph of running text" in reasons["menu.md"]
    assert existing.stem in reasons["copy.txt"] and "already indexed" in reasons["copy.txt"]
    assert "already exists" in reasons[existing.name]
    assert sorted(p.name for p in settings.upload_dir.iterdir()) == ["good.txt"]


@pytest.mark.unit
def test_the_same_text_twice_in_one_upload_is_saved_once(settings: Settings) -> None:
    result = save_uploads([("a.txt", ARTICLE), ("b.txt", ARTICLE)], settings)
    assert [p.name for p in result.saved] == ["a.txt"]
    assert "already indexed as 'a'" in dict(result.rejected)["b.txt"]


@pytest.mark.unit
def test_too_many_files_at_once(settings: Settings) -> None:
    files = [(f"f{i}.txt", ARTICLE + str(i).encode()) for i in range(settings.max_upload_files + 1)]
    with pytest.raises(UploadError, match="at most"):
        save_uploads(files, settings)


@pytest.mark.unit
def test_large_file_on_disk_is_refused_without_reading_it(
    settings: Settings, tmp_path: Path
) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as out:  # sparse: 50 MB on paper, nothing read into memory
        out.truncate(50_000_000)
    result = save_uploads([big], settings)
    assert result.saved == []
    assert "50.0 MB" in result.rejected[0][1] and "limit" in result.rejected[0][1]


@pytest.mark.integration
def test_uploaded_article_is_indexed_and_cited(make_settings: Any, embedder: Any) -> None:
    from rag import Assistant

    assistant = Assistant(make_settings(), embedder=embedder)
    before = assistant.status().articles
    result, report = assistant.add_articles([("licornes.txt", ARTICLE)])
    assert [p.name for p in result.saved] == ["licornes.txt"] and report is not None
    assert report.embedded_paragraphs == 2
    assert assistant.status().articles == before + 1
    answer = assistant.ask("Combien de licornes bleues ont été comptées dans le Vercors ?")
    assert not answer.refused
    assert ("licornes", 2) in {(c.article_id, c.paragraph) for c in answer.citations}
    # Re-indexing the corpus folder keeps the uploads; nothing is re-embedded.
    again = assistant.index()
    assert again.embedded_chunks == 0 and assistant.status().articles == before + 1
    # A refused-only upload does not touch the index.
    result, report = assistant.add_articles([("licornes-bis.txt", ARTICLE)])
    assert result.saved == [] and report is None


@pytest.mark.unit
def test_feedback_log_appends_json_lines(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "sub" / "feedback.jsonl")
    answer = {
        "answer": "Texte [a ¶1]",
        "refused": False,
        "citations": [{"article_id": "a", "paragraph": 1, "title": "T", "quote": "Texte"}],
        "query": "q",
    }
    log.record("Question ?", answer, liked=True)
    log.record("Autre ?", {"answer": "Non.", "refused": True, "citations": []}, liked=False)
    entries = log.read()
    assert [e["rating"] for e in entries] == ["up", "down"]
    assert entries[0]["citations"] == [{"article_id": "a", "paragraph": 1, "quote": "Texte"}]
    lines = (tmp_path / "sub" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[1])["refused"] is True
    with pytest.raises(ValueError, match="question"):
        log.record(" ", answer, liked=True)
    with pytest.raises(ValueError, match="answer"):
        log.record("Question ?", {"oops": 1}, liked=True)


LICORNES_QUESTION = "Combien de licornes bleues ont été comptées dans le Vercors ?"


def _cited(answer: Any) -> set[str]:
    return {c.article_id for c in answer.citations}


@pytest.mark.integration
def test_an_upload_is_reported_added_only_when_the_index_holds_it(
    make_settings: Any, embedder: Any, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A saved file the index does not take is rolled back and refused with the index's reason.

    Here another writer drops the same text into the corpus folder between the upload's checks
    and the sync (the timing is forced by wrapping save_uploads; the index is real).
    """
    import rag.assistant
    from index.lock import index_lock
    from rag import Assistant

    settings = make_settings(corpus_dir=corpus_copy, index_lock_timeout=0)
    assistant = Assistant(settings, embedder=embedder)
    before = assistant.status().articles

    def racing_save(files: Any, settings: Settings) -> Any:
        result = save_uploads(files, settings)
        (corpus_copy / "000_aaa_same_text.txt").write_bytes(ARTICLE)
        return result

    monkeypatch.setattr(rag.assistant, "save_uploads", racing_save)
    result, report = assistant.add_articles([("licornes.txt", ARTICLE)])
    assert result.saved == [] and report is None
    assert "already indexed as '000_aaa_same_text'" in dict(result.rejected)["licornes.txt"]
    assert not (settings.upload_dir / "licornes.txt").exists()  # rolled back
    assert "licornes" not in {a.article_id for a in assistant.articles()}
    monkeypatch.undo()
    (corpus_copy / "000_aaa_same_text.txt").unlink()
    assistant.index()
    assert assistant.status().articles == before

    # Indexing fails (another indexer holds the lock): the saved file is deleted again...
    with index_lock(settings), pytest.raises(Exception, match="another indexer"):
        assistant.add_articles([("licornes.txt", ARTICLE)])
    assert not (settings.upload_dir / "licornes.txt").exists()
    # ... so the same file can be uploaded again, and is then indexed and answered.
    result, report = assistant.add_articles([("licornes.txt", ARTICLE)])
    assert [p.name for p in result.saved] == ["licornes.txt"] and report is not None
    assert "licornes" in _cited(assistant.ask(LICORNES_QUESTION))


@pytest.mark.integration
def test_remove_an_uploaded_article(make_settings: Any, embedder: Any) -> None:
    from index.errors import ArticleRemovalError, IndexLockedError
    from index.lock import index_lock
    from rag import Assistant

    settings = make_settings(index_lock_timeout=0)
    assistant = Assistant(settings, embedder=embedder)
    result, _ = assistant.add_articles([("licornes.txt", ARTICLE)])
    assert result.saved
    listed = {a.article_id: a for a in assistant.articles()}
    assert len(listed) == 5
    assert listed["licornes"].source == "uploaded" and listed["licornes"].paragraphs == 2
    assert listed["licornes"].title.startswith("Recensement des licornes bleues")
    bundled = listed["003_a146349f20264553"]
    assert bundled.source == "bundled" and bundled.paragraphs == 9 and bundled.date is None
    assert listed["000_91bb73b3830eaf78"].date == "2025-11-19"
    assert "licornes" in _cited(assistant.ask(LICORNES_QUESTION))

    # Bundled articles and unknown ids are refused with a clear message; nothing changes.
    with pytest.raises(ArticleRemovalError, match="part of the corpus folder"):
        assistant.remove_article("003_a146349f20264553")
    with pytest.raises(ArticleRemovalError, match="no uploaded article 'licorne'"):
        assistant.remove_article("licorne")
    with pytest.raises(ArticleRemovalError, match="did you mean 'licornes'"):
        assistant.remove_article("LICORNES")

    # A failure mid-removal (the sync cannot take the lock) loses nothing.
    with index_lock(settings), pytest.raises(IndexLockedError):
        assistant.remove_article("licornes")
    assert (settings.upload_dir / "licornes.txt").read_bytes() == ARTICLE
    assert not any((settings.upload_dir / ".removing").iterdir())
    assert "licornes" in _cited(assistant.ask(LICORNES_QUESTION))

    report = assistant.remove_article("licornes")
    assert report.removed_articles == ["licornes"] and report.removed_chunks == 2
    assert not (settings.upload_dir / "licornes.txt").exists()
    assert [a.article_id for a in assistant.articles()] == sorted(
        p.stem for p in settings.corpus_dir.glob("*.txt")
    )
    assert "licornes" not in _cited(assistant.ask(LICORNES_QUESTION))
    assert "licornes" not in {r.article_id for r in assistant.retriever.lexical().records}
    # The same file can be added again.
    result, _ = assistant.add_articles([("licornes.txt", ARTICLE)])
    assert [p.name for p in result.saved] == ["licornes.txt"]
