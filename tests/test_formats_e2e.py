"""A folder mixing the four formats is indexed and each article answers with its citation.

Real embedder, real Chroma store, the extractive answerer (no LLM). The files are built at test
time (tests/format_fixtures.py) from the bundled articles; the questions are hand-written gold
questions (tests/data/questions.jsonl) whose paragraph is found in each built file by its text,
so the expected ``¶n`` follows each format's numbering contract.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from format_fixtures import (
    CORPUS,
    DOCX_URL,
    PAGE_URL,
    PDF_URL,
    Fixture,
    encrypted_pdf,
    news_page,
    press_review_pdf,
    scanned_pdf,
    word_file,
)

from index.parse import read_article
from rag import Assistant
from rag.config import Settings

pytestmark = pytest.mark.integration

QUESTIONS = Path(__file__).parent / "data" / "questions.jsonl"
TEXT_ARTICLE = "000_91bb73b3830eaf78"

# One gold question per format: (question id, file suffix, URL the citation carries).
CASES = [
    ("fr-trump-ligne-front", ".txt", None),
    ("fr-il-giornale", ".html", PAGE_URL),
    ("fr-witkoff-zelensky-turquie", ".pdf", PDF_URL),
    ("fr-second-appel-date", ".docx", DOCX_URL),
]


def _question(question_id: str) -> dict[str, Any]:
    for line in QUESTIONS.read_text("utf-8").splitlines():
        item = json.loads(line)
        if item["id"] == question_id:
            return dict(item)
    raise KeyError(question_id)


def _numbers_in(fixture: Fixture, gold: list[str]) -> set[tuple[int, int | None]]:
    """The ``(¶n, page)`` each gold paragraph of the original article has in the built file."""
    found = set()
    for ref in gold:
        article_id, number = ref.split(":")
        original = read_article(CORPUS / f"{article_id}.txt").paragraphs[int(number) - 1]
        text = " ".join(original.text.split())
        for n, (block, page) in enumerate(fixture.blocks, start=1):
            if block == text:
                found.add((n, page))
    return found


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Fixture]]:
    folder = tmp_path_factory.mktemp("mixed")
    shutil.copy(CORPUS / f"{TEXT_ARTICLE}.txt", folder)
    fixtures = {".html": news_page(), ".pdf": press_review_pdf(), ".docx": word_file()}
    for fixture in fixtures.values():
        fixture.write(folder)
    # Bad files next to the good ones: each is reported, none stops the folder.
    (folder / "locked.pdf").write_bytes(encrypted_pdf())
    (folder / "scan.pdf").write_bytes(scanned_pdf())
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "empty.html").write_bytes(b"<html><body></body></html>")
    return folder, fixtures


@pytest.fixture(scope="module")
def mixed_assistant(
    mixed_folder: tuple[Path, dict[str, Fixture]],
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Any,
) -> Assistant:
    folder, _ = mixed_folder
    settings = Settings(corpus_dir=folder, data_dir=tmp_path_factory.mktemp("mixed-data"))
    return Assistant(settings, embedder=embedder)


def test_a_mixed_folder_is_indexed_and_bad_files_are_reported(
    mixed_folder: tuple[Path, dict[str, Fixture]], mixed_assistant: Assistant
) -> None:
    _, fixtures = mixed_folder
    report = mixed_assistant.index()
    indexed = {a.article_id for a in mixed_assistant.articles()}
    assert indexed == {TEXT_ARTICLE} | {f.article_id for f in fixtures.values()}
    reasons = {issue.path.name: issue.message for issue in report.issues}
    assert "password" in reasons["locked.pdf"]
    assert "no text layer: OCR it first" in reasons["scan.pdf"]
    assert "not a readable ZIP" in reasons["broken.docx"]
    assert "no article text" in reasons["empty.html"]


@pytest.mark.parametrize(("question_id", "suffix", "url"), CASES)
def test_each_format_answers_with_the_right_paragraph_page_and_url(
    question_id: str,
    suffix: str,
    url: str | None,
    mixed_folder: tuple[Path, dict[str, Fixture]],
    mixed_assistant: Assistant,
) -> None:
    _, fixtures = mixed_folder
    item = _question(question_id)
    answer = mixed_assistant.ask(item["question"])
    result = answer.to_dict()
    assert not result["refused"], result
    [gold_article] = {ref.split(":")[0] for ref in item["gold"]}
    cited = [c for c in result["citations"] if c["article_id"] == gold_article]
    assert cited, result["citations"]
    expected: set[tuple[int, int | None]]
    if suffix == ".txt":
        expected = {(int(ref.split(":")[1]), None) for ref in item["gold"]}
    else:
        expected = _numbers_in(fixtures[suffix], item["gold"])
    assert expected
    assert {(c["paragraph"], c.get("page")) for c in cited} <= expected
    assert all(c.get("url") == url for c in cited)
    facts = " ".join(c["quote"] for c in cited).casefold()
    assert any(any(f.casefold() in facts for f in group) for group in item["facts"])
