"""End-to-end tests of app.py: the real app in a subprocess, driven with gradio_client.

The server is started once per module on a free loopback port with a fresh data dir, so the
first request waits for the model conversion and the indexing of the bundled corpus.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from index import offline  # noqa: F401  (offline env before gradio_client / gradio)

# isort: split
from gradio_client import Client
from gradio_client.exceptions import AppError

import app
from rag import Answer, Citation, Passage

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
STARTUP_SECONDS = 180
DRISCOLL_ARTICLE = "001_8070831bbb14d085"


def corpus_paragraphs() -> dict[str, list[str]]:
    """Each bundled article's paragraphs: blocks between blank lines, stripped, non-empty."""
    return {
        path.stem: [
            block.strip()
            for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
            if block.strip()
        ]
        for path in sorted(CORPUS.glob("*.txt"))
    }


def squash(text: str) -> str:
    """Whitespace-normalised text."""
    return " ".join(text.split())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8", errors="replace")


def message_texts(messages: list[dict[str, Any]]) -> list[str]:
    """The text of each chat message returned by the /respond endpoint."""
    return [app.message_text(m.get("content")) for m in messages]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python app.py`` on a free port; yields its URL once the page answers."""
    data_dir = tmp_path_factory.mktemp("app-data")
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
    url = f"http://127.0.0.1:{port}/"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"app.py exited with {process.returncode}:\n"
                        + log_path.read_text(errors="replace")[-4000:]
                    )
                try:
                    if http_get(url)[0] == 200:
                        break
                except (OSError, urllib.error.URLError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"app.py did not serve {url} within {STARTUP_SECONDS} s:\n"
                        + log_path.read_text(errors="replace")[-4000:]
                    )
                time.sleep(1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)


def make_client(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[Client]:
    c = make_client(server)
    yield c
    c.close()


@pytest.fixture(scope="module")
def paragraphs() -> dict[str, list[str]]:
    return corpus_paragraphs()


def assert_grounded(result: dict[str, Any], paragraphs: dict[str, list[str]]) -> None:
    """Every citation names a real paragraph that contains its quote."""
    assert result["citations"], result
    for citation in result["citations"]:
        assert citation["article_id"] in paragraphs, citation
        texts = paragraphs[citation["article_id"]]
        assert 1 <= citation["paragraph"] <= len(texts), citation
        paragraph = texts[citation["paragraph"] - 1]
        assert squash(citation["quote"]) in squash(paragraph), (citation, paragraph)
        assert f"[{citation['article_id']} ¶{citation['paragraph']}]" in result["answer"]
    for source in result["sources"]:
        paragraph = paragraphs[source["article_id"]][source["paragraph"] - 1]
        assert squash(source["text"]) == squash(paragraph)


# --- the served app --------------------------------------------------------------------------


def test_page_loads(server: str) -> None:
    status, body = http_get(server, timeout=30)
    assert status == 200
    assert "<html" in body.lower()


@pytest.mark.parametrize(
    "question",
    [
        "Qui a rencontré Dmitriev à Miami ?",
        "Quand a eu lieu la deuxième conversation entre Ouchakov et Dmitriev ?",
    ],
)
def test_question_is_answered_with_real_citations(
    client: Client, paragraphs: dict[str, list[str]], question: str
) -> None:
    result = client.predict(question, api_name="/chat")
    assert result["refused"] is False, result
    assert_grounded(result, paragraphs)
    assert {s["article_id"] for s in result["sources"]} == {
        c["article_id"] for c in result["citations"]
    }


def test_off_topic_question_is_refused(client: Client) -> None:
    result = client.predict("Quelle est la recette de la tarte tatin ?", api_name="/chat")
    assert result["refused"] is True
    assert result["citations"] == []
    assert result["sources"] == []
    assert result["answer"]


def test_off_topic_question_is_refused_in_the_chat(client: Client) -> None:
    messages, textbox = client.predict(
        "Quelle est la recette de la tarte tatin ?", [], api_name="/respond"
    )
    assert textbox == ""
    texts = message_texts(messages)
    assert len(messages) == 2  # the question and the refusal, no Sources block
    assert texts[1].startswith(app.REFUSED_MARKS["fr"])
    assert not any((m.get("metadata") or {}).get("title") for m in messages)


@pytest.mark.parametrize("question", ["", "   \n  "])
def test_empty_question_is_a_clear_error(
    client: Client, paragraphs: dict[str, list[str]], question: str
) -> None:
    with pytest.raises(AppError, match="question is empty"):
        client.predict(question, api_name="/chat")
    # The chat shows a notice instead of crashing, and keeps the conversation.
    history, _ = client.predict("Qui est Dan Driscoll ?", [], api_name="/respond")
    messages, textbox = client.predict(question, history, api_name="/respond")
    texts = message_texts(messages)
    assert messages[: len(history)] == history
    assert len(messages) == len(history) + 1
    assert texts[-1].startswith(app.INVALID_MARK)
    assert "empty" in texts[-1]
    assert textbox == question
    # The server still answers.
    result = client.predict("Qui a rencontré Dmitriev à Miami ?", api_name="/chat")
    assert result["refused"] is False
    assert_grounded(result, paragraphs)


def test_too_long_question_is_a_clear_error(client: Client) -> None:
    with pytest.raises(AppError, match="too long"):
        client.predict("Dmitriev " * 1000, api_name="/chat")


def test_malformed_history_is_a_clear_error(client: Client) -> None:
    with pytest.raises(AppError, match="history"):
        client.predict("Qui est Dmitriev ?", ["not a message"], api_name="/chat")


def test_follow_up_uses_the_history(client: Client, paragraphs: dict[str, list[str]]) -> None:
    first = client.predict("Qui est Dan Driscoll ?", api_name="/chat")
    assert first["refused"] is False
    history = [
        {"role": "user", "content": "Qui est Dan Driscoll ?"},
        {"role": "assistant", "content": first["answer"]},
    ]
    result = client.predict("Et qui est-il par rapport à Vance ?", history, api_name="/chat")
    assert result["refused"] is False, result
    assert "Driscoll" in result["query"]  # the follow-up was completed from the history
    assert DRISCOLL_ARTICLE in {c["article_id"] for c in result["citations"]}
    assert_grounded(result, paragraphs)


def test_follow_up_in_the_chat(client: Client) -> None:
    messages, _ = client.predict("Qui est Dan Driscoll ?", [], api_name="/respond")
    titles = [(m.get("metadata") or {}).get("title") for m in messages]
    assert titles == [None, None, app.SOURCES_TITLE]  # question, answer, Sources
    messages, textbox = client.predict(
        "Et qui est-il par rapport à Vance ?", messages, api_name="/respond"
    )
    assert textbox == ""
    texts = message_texts(messages)
    assert texts[0] == "Qui est Dan Driscoll ?"
    assert texts[3] == "Et qui est-il par rapport à Vance ?"
    answer, sources = texts[4], texts[5]
    assert f"[{DRISCOLL_ARTICLE} ¶" in answer
    assert (messages[5].get("metadata") or {}).get("title") == app.SOURCES_TITLE
    assert f"{DRISCOLL_ARTICLE} ¶" in sources


def test_concurrent_clients_do_not_share_history(server: str) -> None:
    question = "Et qui est-il par rapport à Vance ?"
    with_history = [{"role": "user", "content": "Qui est Dan Driscoll ?"}]
    clients = [make_client(server) for _ in range(2)]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = pool.submit(clients[0].predict, question, with_history, api_name="/chat")
            second = pool.submit(clients[1].predict, question, api_name="/chat")
            results = first.result(timeout=300), second.result(timeout=300)
    finally:
        for c in clients:
            c.close()
    assert "Driscoll" in results[0]["query"]
    assert results[1]["query"] == question


def test_html_in_the_question_is_escaped_in_the_chat(client: Client) -> None:
    question = "<script>alert(1)</script> Qui est Dmitriev ?"
    messages, _ = client.predict(question, [], api_name="/respond")
    dumped = json.dumps(messages, ensure_ascii=False)
    assert "<script" not in dumped
    texts = message_texts(messages)
    assert texts[0] == "&lt;script&gt;alert(1)&lt;/script&gt; Qui est Dmitriev ?"
    # The escaped question goes back to the assistant as the reader typed it.
    assert app.plain_history(messages, from_ui=True)[0]["content"] == question


# --- rendering helpers (no server) -----------------------------------------------------------


def html_answer() -> Answer:
    text = 'Intro <img src=x onerror="alert(1)">. Dmitriev a rencontré Witkoff à Miami. Fin ![x](http://e/x.png).'
    quote = "Dmitriev a rencontré Witkoff à Miami."
    return Answer(
        answer=f"{quote} [a1 ¶2]",
        refused=False,
        citations=[Citation("a1", 2, "Titre <b>gras</b>", quote, "2025-11-19")],
        passages=[Passage("a1", 2, text, 1.0, title="Titre <b>gras</b>", date="2025-11-19")],
    )


def test_sources_show_the_full_paragraph_escaped() -> None:
    rendered = app.answer_messages(html_answer())
    assert [m.get("metadata", {}).get("title") for m in rendered] == [None, app.SOURCES_TITLE]
    sources = rendered[1]["content"]
    assert "<img" not in sources and "<b>" not in sources
    assert '&lt;img src=x onerror="alert(1)"&gt;' in sources
    assert "Titre &lt;b&gt;gras&lt;/b&gt;" in sources
    assert "2025-11-19" in sources and "¶2" in sources
    assert "**Dmitriev a rencontré Witkoff à Miami.**" in sources  # the quote, in bold
    assert "![" not in sources  # no remote image loads from a document


def test_sources_fall_back_to_the_quote() -> None:
    answer = html_answer()
    answer.passages = []
    [source] = app.sources(answer)
    assert source["text"] == answer.citations[0].quote


def test_refusal_has_a_marker_and_no_sources() -> None:
    refusal = Answer(answer="Je ne trouve pas.", refused=True, language="fr")
    [message] = app.answer_messages(refusal)
    assert message["content"] == app.REFUSED_MARKS["fr"] + "Je ne trouve pas."
    assert "metadata" not in message


def test_plain_history_keeps_text_turns_only() -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "a &lt;b&gt; &amp;amp;"}]},
        {"role": "assistant", "content": "réponse [x ¶1]"},
        {"role": "assistant", "content": "paragraphes", "metadata": {"title": "Sources"}},
        {"role": "assistant", "content": app.INVALID_MARK + "the question is empty"},
        {"role": "assistant", "content": app.REFUSED_MARKS["fr"] + "Je ne trouve pas."},
        {"role": "system", "content": "ignored"},
    ]
    assert app.plain_history(messages, from_ui=True) == [
        {"role": "user", "content": "a <b> &amp;"},
        {"role": "assistant", "content": "réponse [x ¶1]"},
        {"role": "assistant", "content": "Je ne trouve pas."},
    ]
    assert app.plain_history(None, from_ui=False) == []
    with pytest.raises(ValueError):
        app.plain_history("nope", from_ui=False)


def test_escape_round_trips() -> None:
    for text in ["<script>", "a & b", "&lt;", "![img](u)", "l'été « x »", "\\*"]:
        assert app.unescape(app.escape(text)) == text
