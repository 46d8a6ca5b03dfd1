"""The Typer CLI, run as a real subprocess: ``python -m rag index | ask | status``."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import run_rag_cli

from index.config import BUNDLED_CORPUS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent


run = run_rag_cli


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-data")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-corpus")
    for path in BUNDLED_CORPUS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return folder


def test_index_then_reindex_reembeds_nothing(data_dir: Path, corpus: Path) -> None:
    first = run(data_dir, "index", str(corpus))
    assert first.returncode == 0, first.stderr
    assert "4 articles, 66 paragraphs" in first.stdout
    assert "re-embedded 66 paragraphs" in first.stdout
    # The reader's annotations (and the BM25 side) are ready for the first question.
    assert "annotated 96 sentences for the reader" in first.stderr
    assert list((data_dir / "lexical").iterdir())
    second = run(data_dir, "index", str(corpus))
    assert second.returncode == 0, second.stderr
    assert "re-embedded 0 paragraphs" in second.stdout
    assert "annotated" not in second.stderr


def test_ask_json_prints_the_answer_dict(data_dir: Path, corpus: Path) -> None:
    result = run(
        data_dir,
        "ask",
        "Quand a eu lieu la deuxième conversation entre Ouchakov et Dmitriev ?",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["refused"] is False
    assert "29 octobre" in data["answer"]
    assert {"article_id": "003_a146349f20264553", "paragraph": 5} in [
        {"article_id": c["article_id"], "paragraph": c["paragraph"]} for c in data["citations"]
    ]


def test_ask_with_history_file(data_dir: Path, corpus: Path, tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {"role": "user", "content": "Qui est Kirill Dmitriev ?"},
                {"role": "assistant", "content": "L'envoyé spécial russe."},
            ]
        ),
        encoding="utf-8",
    )
    result = run(
        data_dir,
        "ask",
        "Quand a-t-il parlé avec Ouchakov au téléphone ?",
        "--json",
        "--history",
        str(history),
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "Dmitriev" in data["query"]
    assert not data["refused"] and "29 octobre" in data["answer"]


def test_status_reports_the_index(data_dir: Path, corpus: Path) -> None:
    result = run(data_dir, "status", "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["articles"] == 4 and info["paragraphs"] == 66
    assert info["embedder"] == "multilingual-e5-small"
    assert info["last_indexed"]


def test_errors_exit_non_zero_with_a_message(data_dir: Path, corpus: Path, tmp_path: Path) -> None:
    empty = run(data_dir, "ask", "   ")
    assert empty.returncode == 1 and "empty" in empty.stderr
    missing = run(data_dir, "index", str(tmp_path / "missing"))
    assert missing.returncode == 1 and "not found" in missing.stderr
    (tmp_path / "empty").mkdir()
    nothing = run(data_dir, "index", str(tmp_path / "empty"))
    assert nothing.returncode == 1 and "no readable article" in nothing.stderr
    bad_history = run(
        data_dir, "ask", "Qui est Dmitriev ?", "--history", str(tmp_path / "nope.json")
    )
    assert bad_history.returncode == 1 and "history" in bad_history.stderr
    # Nothing indexed was lost by the failed runs.
    assert json.loads(run(data_dir, "status", "--json").stdout)["paragraphs"] == 66


def test_partial_index_exits_3_and_keeps_valid_files(
    data_dir: Path, corpus: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(corpus / "003_a146349f20264553.txt", folder)
    (folder / "binary.txt").write_bytes(bytes(range(256)))
    (folder / "latin1.txt").write_bytes("Le délégué s'est rendu à Genève.".encode("latin-1"))
    other = tmp_path / "other-data"
    result = run(other, "index", str(folder))
    assert result.returncode == 3
    assert "binary.txt: skipped: binary" in result.stderr
    assert "latin1.txt: not UTF-8" in result.stderr
    assert "2 articles" in result.stdout


def test_damaged_store_is_reported_then_moved_aside_by_rebuild(
    data_dir: Path, corpus: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(corpus / "003_a146349f20264553.txt", folder)
    chroma = tmp_path / "chroma"
    chroma.mkdir()
    (chroma / "chroma.sqlite3").write_bytes(os.urandom(8192))
    env = {"RAG_CHROMA_PATH": str(chroma)}  # the module's data dir keeps its converted model
    failed = run(data_dir, "index", str(folder), env=env)
    assert failed.returncode == 1
    assert "cannot open the Chroma store" in failed.stderr and "--rebuild" in failed.stderr
    rebuilt = run(data_dir, "index", str(folder), "--rebuild", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "moved the unreadable store to" in rebuilt.stderr and "1 articles" in rebuilt.stdout
    assert [p.name.split("-")[0] for p in tmp_path.glob("chroma.damaged-*")] == ["chroma.damaged"]


NEW_ARTICLE = (
    "Recensement des licornes bleues dans le massif du Vercors\n\n"
    "Les gardes forestiers ont compté 412 licornes bleues dans le Vercors au printemps 2025.\n\n"
    "Le parc naturel régional prévoit un nouveau comptage à l'automne.\n"
)
NEW_QUESTION = "Combien de licornes bleues ont été comptées dans le Vercors ?"


def test_upload_then_rag_index_keeps_the_upload_then_remove_drops_it(
    tmp_path: Path, embedder: Any, model_home: Path
) -> None:
    """Defect 1: `rag index` used to print 'removed 3 chunks (articles nouvel_article)'."""
    from rag import Assistant, Settings

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(model_home / "models", target_is_directory=True)
    upload = tmp_path / "nouvel_article.txt"
    upload.write_text(NEW_ARTICLE, encoding="utf-8")
    assistant = Assistant(Settings(data_dir=data_dir, corpus_dir=BUNDLED_CORPUS), embedder=embedder)
    result, report = assistant.add_articles([upload])
    assert [p.name for p in result.saved] == ["nouvel_article.txt"] and report is not None
    assert "nouvel_article" in {c.article_id for c in assistant.ask(NEW_QUESTION).citations}

    indexed = run(data_dir, "index")
    assert indexed.returncode == 0, indexed.stderr
    assert "5 articles" in indexed.stdout and "removed 0 chunks" in indexed.stdout
    assert "nouvel_article" not in indexed.stdout
    assert json.loads(run(data_dir, "status", "--json").stdout)["articles"] == 5
    asked = run(data_dir, "ask", NEW_QUESTION, "--json")
    assert asked.returncode == 0, asked.stderr
    assert "nouvel_article" in {c["article_id"] for c in json.loads(asked.stdout)["citations"]}

    # Another corpus folder replaces the corpus articles and says the uploads stay.
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(BUNDLED_CORPUS / "003_a146349f20264553.txt", other)
    switched = run(data_dir, "index", str(other))
    assert switched.returncode == 0, switched.stderr
    assert "2 articles" in switched.stdout
    assert "1 uploaded article(s)" in switched.stderr and "stay indexed" in switched.stderr
    assert "set RAG_CORPUS_DIR to keep this folder" in switched.stderr
    listed = run(data_dir, "articles", "--json")
    assert listed.returncode == 0, listed.stderr
    sources = {a["article_id"]: a["source"] for a in json.loads(listed.stdout)}
    assert sources == {"003_a146349f20264553": "bundled", "nouvel_article": "uploaded"}

    refused = run(data_dir, "remove", "003_a146349f20264553")
    assert refused.returncode == 1 and "only uploaded articles can be removed" in refused.stderr
    unknown = run(data_dir, "remove", "nope")
    assert unknown.returncode == 1 and "no uploaded article 'nope'" in unknown.stderr
    removed = run(data_dir, "remove", "nouvel_article", env={"RAG_CORPUS_DIR": str(other)})
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout == "removed nouvel_article: 3 chunks; 1 articles remain indexed\n"
    assert json.loads(run(data_dir, "status", "--json").stdout)["articles"] == 1
    assert not (data_dir / "uploads" / "nouvel_article.txt").exists()


def test_answering_does_not_import_the_http_api_or_langchain_retrievers() -> None:
    """``import rag`` and building the answer path leave FastAPI, ``langchain_chroma`` and
    LangChain's retriever classes unimported (~0.7 s of a cold start); the public names that
    need them are imported on first use and are the real objects."""
    import subprocess
    import sys

    heavy = ["fastapi", "rag.api", "langchain_chroma", "langchain_core.retrievers"]
    script = (
        "import sys, json\n"
        "import rag, rag.assistant, rag.cli, index.store\n"
        f"before = [m for m in {heavy!r} if m in sys.modules]\n"
        "from rag import ParagraphRetriever, create_api\n"
        "from langchain_core.retrievers import BaseRetriever\n"
        "from rag.api.app import create_api as real\n"
        f"after = [m for m in {heavy!r} if m in sys.modules]\n"
        "ok = issubclass(ParagraphRetriever, BaseRetriever) and create_api is real\n"
        "print(json.dumps([before, after, ok]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    before, after, ok = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == []
    assert set(after) >= {"fastapi", "rag.api", "langchain_core.retrievers"}
    assert ok is True
