"""The chat app exposed with keys: every route needs one, only deliberate routes answer.

A real ``python app.py`` with ``RAG_API_KEYS`` set runs in a subprocess; the tests walk every
route Gradio and the API define, without and with a key, and drive it with real clients
(``openai``, ``gradio_client``, httpx).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.embed import Embedder
from tests.conftest import ROOT, running_app

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

KEY = "app-key-0123456789abcdefghij"
QUESTION = "Qui a rencontré Dmitriev à Miami ?"
REF = re.compile(r"\[[^\[\]]+ ¶(\d+)\]")
# Answer without a key: the page shell and its static files, and the login form.
PUBLIC_SHELL = re.compile(
    r"/|/(assets|static|svelte)/.*|/(favicon\.ico|theme\.css|robots\.txt)|/gradio_api/theme\.css"
)


@pytest.fixture(scope="module")
def keyed_app(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, model_home: Path
) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("keyed-app")
    with running_app(data_dir, model_home, RAG_API_KEYS=KEY) as url:
        yield url.rstrip("/"), data_dir


def gradio_routes() -> list[tuple[str, str]]:
    """Every (method, path) a Gradio app defines, path parameters filled in."""
    import gradio as gr
    from gradio.routes import App

    with gr.Blocks() as demo:
        gr.Textbox()
    app = App.create_app(demo)
    found: list[tuple[str, str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
                continue
            path = getattr(route, "path", None)
            if path is None:
                continue
            filled = re.sub(r"\{[^}]+\}", "x", path)
            for method in sorted(getattr(route, "methods", None) or {"GET"}):
                found.append((method, filled))

    walk(list(app.routes))
    return found


def api_routes() -> list[tuple[str, str]]:
    return [("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("POST", "/v1/retrieve")]


def named_routes() -> list[tuple[str, str]]:
    names = ["chat", "respond", "upload", "feedback", "run_evaluation", "lambda", "refresh"]
    return [
        (method, path.format(name))
        for name in names
        for method, path in [
            ("POST", "/gradio_api/call/{}"),
            ("POST", "/gradio_api/run/{}"),
            ("POST", "/gradio_api/api/{}"),
            ("GET", "/gradio_api/call/{}/x"),
        ]
    ]


def test_no_route_answers_without_a_key(keyed_app: tuple[str, Path]) -> None:
    url, data_dir = keyed_app
    routes = sorted(set(gradio_routes() + api_routes() + named_routes()))
    assert len(routes) > 60
    answered: list[str] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for method, path in routes:
            body = {"data": ["x"]} if method == "POST" else None
            # Streamed, first bytes only: an event stream left open must not hang the walk.
            with client.stream(method, path, json=body) as response:
                status = response.status_code
                text = next(response.iter_text(), "")[:2000]
            assert str(data_dir) not in text and "Traceback" not in text, (method, path, text)
            if status in (401, 403, 404, 405):
                continue
            if method in ("GET", "HEAD") and PUBLIC_SHELL.fullmatch(path):
                continue
            if path.startswith("/login") and status in (400, 401, 422):
                continue  # the login form refusing an empty login
            if path == "/logout" and status == 302:
                continue  # back to the login page
            answered.append(f"{method} {path} -> {status}: {text[:120]}")
    assert not answered, "\n".join(answered)


@contextlib.contextmanager
def _logged_in(url: str) -> Iterator[httpx.Client]:
    """An httpx client holding the login cookie of a session signed in with the key."""
    with httpx.Client(base_url=url, timeout=120) as client:
        response = client.post("/login", data={"username": "anyone", "password": KEY})
        assert response.status_code == 200, response.text
        yield client


def test_wrong_key_cannot_log_in_and_private_routes_stay_closed(
    keyed_app: tuple[str, Path],
) -> None:
    url, _ = keyed_app
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.post("/login", data={"username": "a", "password": KEY + "x"}).status_code in (
            400,
            401,
        )
        assert client.get("/config").status_code == 401
    with _logged_in(url) as client:
        assert client.get("/config").status_code == 200
        for path in (
            "/gradio_api/run/lambda",
            "/gradio_api/call/refresh",
            "/monitoring",
            "/gradio_api/openapi.json",
            "/gradio_api/proxy=http://example.org/",
        ):
            method = (
                "GET" if "proxy" in path or "monitoring" in path or "openapi" in path else "POST"
            )
            assert client.request(method, path, json={"data": []}).status_code == 404, path


def test_config_carries_no_report_and_no_paths(keyed_app: tuple[str, Path]) -> None:
    url, data_dir = keyed_app
    with _logged_in(url) as client:
        config = client.get("/config").text
    assert str(data_dir) not in config
    report = json.loads((ROOT / "evals" / "reports" / "latest.json").read_text(encoding="utf-8"))
    assert f"commit `{report['commit']}`" not in config and "latest.png" not in config
    assert f"{report['metrics']['recall@5']:.3f}" not in config
    assert str(ROOT) not in config


def test_openai_sdk_on_the_app_port(keyed_app: tuple[str, Path]) -> None:
    import openai

    url, _ = keyed_app
    client = openai.OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0)
    stream = client.chat.completions.create(
        model="grounded-news", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    text, grounding = "", None
    for chunk in stream:
        text += chunk.choices[0].delta.content or ""
        if chunk.choices[0].finish_reason == "stop":
            grounding = (chunk.choices[0].delta.model_extra or {})["grounding"]
    assert REF.search(text) and grounding is not None and grounding["citations"]
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=url + "/v1", api_key="nope-nope-nope", max_retries=0).models.list()


def test_gradio_client_with_the_key_and_feedback_by_answer_id(keyed_app: tuple[str, Path]) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, data_dir = keyed_app
    with pytest.raises(ValueError, match="login"):
        Client(url + "/", auth=("anyone", "wrong-key-000000"), verbose=False)
    from app import FEEDBACK_PER_MINUTE

    client = Client(url + "/", auth=("anyone", KEY), verbose=False, download_files=False)
    answer = client.predict(QUESTION, api_name="/chat")
    assert re.fullmatch(r"[0-9a-f]{32}", answer["answer_id"])
    started = time.monotonic()
    client.predict(answer["answer_id"], "up", "", api_name="/feedback")
    lines = (data_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:  # strict JSON: no NaN/Infinity constants
        json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} in feedback"))
    # A flood of ratings is cut off: a bucket of 20 per client, refilled at 20 a minute.
    accepted, refused = 1, 0
    while refused < 5 and accepted < 100:
        try:
            client.predict(answer["answer_id"], "down", "", api_name="/feedback")
            accepted += 1
        except AppError as exc:
            assert "Too much feedback" in str(exc)
            refused += 1
    elapsed = time.monotonic() - started  # a busy machine lets the bucket refill meanwhile
    assert refused == 5
    assert accepted <= FEEDBACK_PER_MINUTE + int(elapsed * FEEDBACK_PER_MINUTE / 60)
    saved = (data_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(saved) == accepted  # every accepted rating is saved, no refused one


def test_uploads_only_articles_and_temp_copies_are_deleted(
    keyed_app: tuple[str, Path], tmp_path: Path
) -> None:
    url, data_dir = keyed_app
    with _logged_in(url) as client:
        refused = client.post("/gradio_api/upload", files={"files": ("payload.bin", b"\x00" * 100)})
        assert refused.status_code == 400 and ".txt" in refused.text
        uploaded = client.post(
            "/gradio_api/upload",
            files={"files": ("licornes.txt", b"Licornes\n\nLes licornes sont roses.\n")},
        )
        assert uploaded.status_code == 200, uploaded.text
        (temp_path,) = uploaded.json()
        assert Path(temp_path).is_file()
        assert (
            client.post(
                "/gradio_api/upload",
                content=b"x" * 12_100_000,
                headers={"content-type": "multipart/form-data; boundary=z"},
            ).status_code
            == 413
        )
    from gradio_client import Client, handle_file

    gradio = Client(url + "/", auth=("anyone", KEY), verbose=False, download_files=False)
    article = tmp_path / "licornes-bleues.txt"
    article.write_text("Licornes bleues\n\nLes licornes bleues vivent à Lyon.\n", encoding="utf-8")
    report, _ = gradio.predict([handle_file(str(article))], api_name="/upload")
    assert "added licornes-bleues.txt" in report
    assert (data_dir / "uploads" / "licornes-bleues.txt").is_file()
    assert article.is_file()  # the caller's own file is never touched
    gradio_dir = Path(os.environ.get("GRADIO_TEMP_DIR") or "/tmp/gradio")
    assert not list(gradio_dir.rglob("licornes-bleues.txt"))  # the temp copy is gone


def test_app_refuses_a_non_loopback_bind_without_keys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_HOST="0.0.0.0", RAG_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "RAG_API_KEYS" in result.stderr and "0.0.0.0" in result.stderr
    assert not (tmp_path / "data").exists()
