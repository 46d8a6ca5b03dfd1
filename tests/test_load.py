"""50 concurrent chat sessions against the real app on loopback, through gradio_client.

Each session asks a question, then a follow-up carrying its own history. Every answer must
come back (0 errors) with valid citations, and no session may see another's history. The
latency figures are printed (run with ``-s``) and written to ``load-report.json`` in the
app's data dir; they are never asserted.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from index import offline  # noqa: F401  (offline env before gradio_client)

# isort: split
from gradio_client import Client

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

SESSIONS = 50
CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
# (first question, follow-up, a word the follow-up's standalone query must carry)
CONVERSATIONS = [
    ("Qui est Dan Driscoll ?", "Et qui est-il par rapport à Vance ?", "Driscoll"),
    ("Qui a rencontré Dmitriev à Miami ?", "Et quand était-ce ?", "Miami"),
    ("Que prévoit le plan en 28 points ?", "Et pour l'armée ukrainienne ?", "28"),
    ("Who is Kirill Dmitriev?", "And who did he meet?", "Dmitriev"),
    ("Quelle est la recette de la tarte tatin ?", "Et la cuisson ?", "tatin"),
]


def paragraphs() -> dict[str, list[str]]:
    return {
        p.stem: [b.strip() for b in re.split(r"\n\s*\n", p.read_text("utf-8")) if b.strip()]
        for p in sorted(CORPUS.glob("*.txt"))
    }


def check_citations(result: dict[str, Any], texts: dict[str, list[str]]) -> None:
    for citation in result["citations"]:
        blocks = texts.get(citation["article_id"])
        assert blocks is not None, citation  # uploads by other tests are not cited here
        assert 1 <= citation["paragraph"] <= len(blocks), citation
        quote = " ".join(citation["quote"].split())
        assert quote in " ".join(blocks[citation["paragraph"] - 1].split()), citation
    if result["refused"]:
        assert result["citations"] == []


def test_fifty_concurrent_sessions(app_server: Any) -> None:
    texts = paragraphs()
    clients = [Client(app_server.url, verbose=False, download_files=False) for _ in range(SESSIONS)]

    def session(index: int) -> dict[str, Any]:
        first, follow_up, marker = CONVERSATIONS[index % len(CONVERSATIONS)]
        client = clients[index]
        timings = []
        started = time.perf_counter()
        answer = client.predict(first, [], api_name="/chat")
        timings.append(time.perf_counter() - started)
        history = [
            {"role": "user", "content": first},
            {"role": "assistant", "content": answer["answer"]},
        ]
        started = time.perf_counter()
        second = client.predict(follow_up, history, api_name="/chat")
        timings.append(time.perf_counter() - started)
        return {"answers": [answer, second], "marker": marker, "first": first, "t": timings}

    wall = time.perf_counter()
    errors: list[str] = []
    results: list[dict[str, Any]] = []
    try:
        with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
            futures = [pool.submit(session, i) for i in range(SESSIONS)]
            for future in futures:
                try:
                    results.append(future.result(timeout=600))
                except Exception as exc:
                    errors.append(repr(exc))
    finally:
        for client in clients:
            client.close()
    wall = time.perf_counter() - wall
    assert errors == [], errors
    assert len(results) == SESSIONS
    for result in results:
        first, second = result["answers"]
        check_citations(first, texts)
        check_citations(second, texts)
        assert first["query"] == result["first"]  # nobody else's history leaked in
        assert result["marker"].casefold() in second["query"].casefold(), second["query"]
    latencies = sorted(t for r in results for t in r["t"])
    report = {
        "sessions": SESSIONS,
        "requests": len(latencies),
        "errors": len(errors),
        "wall_seconds": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 2),
        "p50_ms": round(statistics.median(latencies) * 1000),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000),
        "max_ms": round(latencies[-1] * 1000),
    }
    (app_server.data_dir / "load-report.json").write_text(json.dumps(report, indent=2))
    print("\nload:", json.dumps(report))
