"""Uploads (checked before they reach the corpus) and the feedback log: real files, real index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from index.config import Settings
from index.errors import UploadError
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
@pytest.mark.parametrize("sent", ["report.pdf", "noextension", "../.txt", "archive.txt.zip"])
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
    assert "only .txt and .md" in reasons["image.png"]
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
