"""End-to-end tests of app.py: the real app in a subprocess, driven with gradio_client.

The server (``app_server`` in conftest.py) is started once per session on a free loopback
port with a fresh data dir.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from index import offline  # noqa: F401  (offline env before gradio_client / gradio)

# isort: split
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from rag import render

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
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


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8", errors="replace")


def message_texts(messages: list[dict[str, Any]]) -> list[str]:
    """The text of each chat message returned by the /respond endpoint."""
    return [render.message_text(m.get("content")) for m in messages]


@pytest.fixture(scope="module")
def server(app_server: Any) -> str:
    """The URL of the session's real app (see ``app_server`` in conftest.py)."""
    return str(app_server.url)


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
        "De quoi parlent les articles ?",  # each article's lead, one citation each
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
    titles = [(m.get("metadata") or {}).get("title") for m in messages]
    # The question, the search step and the refusal; no Sources block, no related passages
    # for a question far from every article.
    assert titles == [None, render.SEARCHED_TITLE, None]
    assert texts[2].startswith(render.REFUSED_MARKS["fr"])


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
    assert len(messages) == len(history) + 1
    assert texts[-1].startswith(render.INVALID_MARK)
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
    # question, search step, answer, Sources
    assert titles == [None, render.SEARCHED_TITLE, None, render.SOURCES_TITLE]
    messages, textbox = client.predict(
        "Et qui est-il par rapport à Vance ?", messages, api_name="/respond"
    )
    assert textbox == ""
    texts = message_texts(messages)
    assert texts[0] == "Qui est Dan Driscoll ?"
    assert texts[4] == "Et qui est-il par rapport à Vance ?"
    search, answer, sources = texts[5], texts[6], texts[7]
    assert "Driscoll" in search  # the search step shows the query completed from history
    assert (messages[7].get("metadata") or {}).get("title") == render.SOURCES_TITLE
    assert f"{DRISCOLL_ARTICLE} ¶" in sources
    # Citations in the answer read as a short headline, not a hash.
    assert DRISCOLL_ARTICLE not in answer
    assert re.search(r"\[[^\[\]]+ ¶\d+\]", answer), answer


CONCURRENT_QUESTIONS = [
    # (question, history's first user turn or None, a fact the answer must hold)
    ("Qui a rencontré Dmitriev à Miami ?", None, "Miami"),
    ("Et qui est-il par rapport à Vance ?", "Qui est Dan Driscoll ?", "Driscoll"),
    ("Quand a eu lieu la deuxième conversation entre Ouchakov et Dmitriev ?", None, "29"),
    ("Et qui est-il par rapport à Vance ?", None, None),
    ("Quelle est la recette de la tarte tatin ?", None, None),
]


def test_ten_concurrent_clients_get_their_own_answers(
    server: str, paragraphs: dict[str, list[str]]
) -> None:
    cases = [CONCURRENT_QUESTIONS[i % len(CONCURRENT_QUESTIONS)] for i in range(10)]
    clients = [make_client(server) for _ in cases]

    def ask(index: int) -> dict[str, Any]:
        question, first_turn, _ = cases[index]
        history = [{"role": "user", "content": first_turn}] if first_turn else []
        return clients[index].predict(question, history, api_name="/chat")

    try:
        with ThreadPoolExecutor(max_workers=len(cases)) as pool:
            results = list(pool.map(ask, range(len(cases)), timeout=600))
    finally:
        for c in clients:
            c.close()
    for (question, first_turn, fact), result in zip(cases, results, strict=True):
        if first_turn:
            assert "Driscoll" in result["query"], result
        else:
            assert result["query"] == question, result  # no other session's history leaked in
        if fact is not None:
            assert result["refused"] is False, result
            assert fact in result["answer"], result
            assert_grounded(result, paragraphs)
        if "tarte" in question:
            assert result["refused"] is True and result["citations"] == []


def test_html_in_the_question_is_escaped_in_the_chat(client: Client) -> None:
    question = "<script>alert(1)</script> Qui est Dmitriev ?"
    messages, _ = client.predict(question, [], api_name="/respond")
    dumped = json.dumps(messages, ensure_ascii=False)
    assert "<script" not in dumped
    texts = message_texts(messages)
    assert texts[0] == "&lt;script&gt;alert(1)&lt;/script&gt; Qui est Dmitriev ?"
    # The escaped question goes back to the assistant as the reader typed it.
    assert render.plain_history(messages, from_ui=True)[0]["content"] == question


def test_answer_streams_after_a_search_step(client: Client) -> None:
    job = client.submit("Qui a rencontré Dmitriev à Miami ?", [], api_name="/respond")
    final_messages, textbox = job.result(timeout=300)
    steps = [messages for messages, _ in job.outputs()]
    assert len(steps) >= 3, steps  # search step, then the answer growing, then the final one
    first_titles = [(m.get("metadata") or {}) for m in steps[0]]
    assert first_titles[-1].get("title") == render.SEARCH_TITLE
    assert first_titles[-1].get("status") == "pending"
    partial = [s for s in steps if len(s) == 3 and not (s[-1].get("metadata") or {})]
    assert partial, "the answer text appears before its Sources block"
    assert textbox == ""
    titles = [(m.get("metadata") or {}).get("title") for m in final_messages]
    assert titles == [None, render.SEARCHED_TITLE, None, render.SOURCES_TITLE]


def test_uploaded_article_is_cited_at_once(client: Client, tmp_path: Path, app_server: Any) -> None:
    article = tmp_path / "licornes-du-vercors.txt"
    article.write_text(
        "Recensement des licornes bleues dans le massif du Vercors\n\n"
        "Les gardes forestiers ont compté 412 licornes bleues dans le Vercors au printemps "
        "2025, un record depuis le début des relevés.\n\n"
        "La plupart vivent au-dessus de 1 500 mètres d'altitude, loin des sentiers.\n",
        encoding="utf-8",
    )
    report, header = client.predict([handle_file(str(article))], api_name="/upload")
    assert "added licornes-du-vercors.txt" in report, report
    assert "articles" in header
    assert (app_server.data_dir / "uploads" / article.name).is_file()
    result = client.predict(
        "Combien de licornes bleues a-t-on recensées dans le Vercors ?", api_name="/chat"
    )
    assert result["refused"] is False, result
    cited = {(c["article_id"], c["paragraph"]) for c in result["citations"]}
    assert ("licornes-du-vercors", 2) in cited
    assert "412" in result["answer"]


def test_upload_refuses_bad_files_with_a_reason(client: Client, tmp_path: Path) -> None:
    binary = tmp_path / "image.txt"
    binary.write_bytes(bytes(range(256)) * 50)
    too_big = tmp_path / "long.md"
    too_big.write_bytes(b"Titre\n\n" + bytes(range(32, 127)) * 56_000)  # 5.3 MB > 5 MB limit
    report, _ = client.predict(
        [handle_file(str(binary)), handle_file(str(too_big))], api_name="/upload"
    )
    assert "refused image.txt" in report and "binary" in report, report
    assert "refused long.md" in report and "limit" in report, report
    assert "added" not in report


def test_index_tab_lists_the_articles_and_removes_an_upload(
    client: Client, tmp_path: Path, app_server: Any
) -> None:
    listed = {a["article_id"]: a for a in client.predict(api_name="/articles")}
    bundled = listed["003_a146349f20264553"]
    assert bundled["source"] == "bundled" and bundled["paragraphs"] == 9
    assert bundled["title"].startswith("Plan de paix pour l’Ukraine")
    assert listed["000_91bb73b3830eaf78"]["date"] == "2025-11-19"

    article = tmp_path / "chamois-retrait.txt"
    article.write_text(
        "Recensement des chamois argentés dans le massif de Belledonne\n\n"
        "Les gardes du parc ont compté 237 chamois argentés dans Belledonne cet été.\n",
        encoding="utf-8",
    )
    question = "Combien de chamois argentés ont été comptés dans Belledonne ?"
    report, _ = client.predict([handle_file(str(article))], api_name="/upload")
    assert "added chamois-retrait.txt" in report and "You can ask" in report, report
    listed = {a["article_id"]: a for a in client.predict(api_name="/articles")}
    assert listed["chamois-retrait"]["source"] == "uploaded"
    assert listed["chamois-retrait"]["paragraphs"] == 2
    cited = {c["article_id"] for c in client.predict(question, api_name="/chat")["citations"]}
    assert "chamois-retrait" in cited

    refused, header = client.predict("003_a146349f20264553", api_name="/remove")
    assert refused.startswith(render.ERROR_MARK) and "part of the corpus folder" in refused
    unknown, _ = client.predict("pas-un-article", api_name="/remove")
    assert "no uploaded article" in unknown
    removed, header = client.predict("chamois-retrait", api_name="/remove")
    assert removed.startswith("Removed `chamois-retrait` (2 chunks)"), removed
    assert "articles" in header
    assert "chamois-retrait" not in {a["article_id"] for a in client.predict(api_name="/articles")}
    assert not (app_server.data_dir / "uploads" / article.name).exists()
    cited = {c["article_id"] for c in client.predict(question, api_name="/chat")["citations"]}
    assert "chamois-retrait" not in cited
    # Removed, it can be uploaded again.
    again, _ = client.predict([handle_file(str(article))], api_name="/upload")
    assert "added chamois-retrait.txt" in again, again
    removed, _ = client.predict("chamois-retrait", api_name="/remove")
    assert removed.startswith("Removed"), removed


def test_upload_over_the_paragraph_cap_is_refused_and_not_announced(
    client: Client, tmp_path: Path, app_server: Any
) -> None:
    """Defect 2: such a file was saved, never indexed, and announced 'You can ask about them'."""
    article = tmp_path / "trop-long.txt"
    blocks = [f"Le relevé numéro {n} compte {n * 7 % 1000} chamois." for n in range(2001)]
    article.write_text("Relevés de chamois\n\n" + "\n\n".join(blocks), encoding="utf-8")
    report, _ = client.predict([handle_file(str(article))], api_name="/upload")
    assert "refused trop-long.txt" in report and "too many paragraphs" in report, report
    assert "added" not in report and "You can ask" not in report
    assert "The index is unchanged." in report
    assert not (app_server.data_dir / "uploads" / article.name).exists()


def test_feedback_is_stored_with_the_answer(client: Client, app_server: Any) -> None:
    question = "Qui a rencontré Dmitriev à Miami ?"
    answer = client.predict(question, api_name="/chat")
    entry = client.predict(answer["answer_id"], "down", "trop long", api_name="/feedback")
    assert entry["rating"] == "down" and entry["comment"] == "trop long"
    lines = (app_server.data_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    stored = json.loads(lines[-1])
    assert stored["question"] == question
    assert stored["answer"] == answer["answer"]
    assert stored["answer_id"] == answer["answer_id"]
    assert [c["paragraph"] for c in stored["citations"]] == [
        c["paragraph"] for c in answer["citations"]
    ]
    # Only answers the server gave can be rated, with one of the two ratings.
    with pytest.raises(AppError, match="unknown answer id"):
        client.predict("0" * 32, "up", "", api_name="/feedback")
    with pytest.raises(AppError, match="rating"):
        client.predict(answer["answer_id"], "yes", "", api_name="/feedback")
    with pytest.raises(AppError, match="comment"):
        client.predict(answer["answer_id"], "up", "x" * 2001, api_name="/feedback")
