"""Pure parts of the service API: key checks, limits, the route guard, feedback rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag.api import KeyChecker, KeyLimiter, RouteGuard, login_checker
from rag.api.auth import ApiKeyConfigError, load_api_keys
from rag.api.limits import LimitExceededError
from rag.feedback import FeedbackError, FeedbackLog, IssuedAnswers

pytestmark = pytest.mark.unit

KEY = "unit-key-0123456789"


def test_key_checker_accepts_only_exact_bearer_keys() -> None:
    checker = KeyChecker([KEY, "other-key-0123456789"])
    assert checker.identify(f"Bearer {KEY}") == checker.identify(f"bearer  {KEY} ")
    assert checker.identify(f"Bearer {KEY}") != checker.identify("Bearer other-key-0123456789")
    for header in (None, "", "Bearer", f"Basic {KEY}", f"Bearer {KEY}x", f"Bearer {KEY[:-1]}"):
        assert checker.identify(header) is None
    assert KEY not in str(checker.identify(f"Bearer {KEY}"))
    assert KeyChecker([]).identify(None) == "anonymous"
    assert login_checker([KEY])("anyone", KEY) and not login_checker([KEY])("anyone", "x")


def test_keys_from_settings_and_file(make_settings: Any, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"# comment\n{KEY}\n\nfile-key-0123456789  # note\n", encoding="utf-8")
    settings = make_settings(api_keys="env-key-0123456789, ", api_keys_file=keys_file)
    assert load_api_keys(settings) == ["env-key-0123456789", KEY, "file-key-0123456789"]
    assert load_api_keys(make_settings(api_keys='["a-json-key-000", "b-json-key-000"]')) == [
        "a-json-key-000",
        "b-json-key-000",
    ]
    with pytest.raises(ApiKeyConfigError, match="shorter"):
        load_api_keys(make_settings(api_keys="short"))
    with pytest.raises(ApiKeyConfigError, match="cannot read"):
        load_api_keys(make_settings(api_keys_file=tmp_path / "missing"))


def test_limiter_bounds_in_flight_and_rate() -> None:
    now = [0.0]
    limiter = KeyLimiter(concurrency=2, per_minute=3, clock=lambda: now[0])
    limiter.acquire("a")
    limiter.acquire("a")
    with pytest.raises(LimitExceededError, match="in flight") as busy:
        limiter.acquire("a")
    assert busy.value.retry_after == 1
    limiter.acquire("b")  # another key is not affected
    limiter.release("a")
    limiter.acquire("a")  # third of the burst
    limiter.release("a")
    with pytest.raises(LimitExceededError, match="rate limit") as slow:
        limiter.acquire("a")
    assert slow.value.retry_after == 20  # one token every 20 s at 3 a minute
    now[0] = 20.0
    limiter.acquire("a")


def test_route_guard_allowlist() -> None:
    guard = RouteGuard(app=None, public_endpoints=["chat"], logged_in=lambda c: "s" in c)  # type: ignore[arg-type]
    assert guard.allowed("POST", "/gradio_api/call/chat")
    assert guard.allowed("GET", "/gradio_api/call/chat/abc123")
    assert guard.allowed("POST", "/gradio_api/run/predict")
    assert guard.allowed("POST", "/v1/chat/completions")
    for method, path in [
        ("POST", "/gradio_api/run/lambda"),
        ("POST", "/gradio_api/call/refresh"),
        ("GET", "/monitoring"),
        ("GET", "/gradio_api/proxy=http://example.org"),
        ("GET", "/openapi.json"),
        ("POST", "/gradio_api/vibe-edit"),
    ]:
        assert not guard.allowed(method, path), path
    assert not guard.allowed("GET", "/gradio_api/heartbeat/abc")
    assert guard.allowed("GET", "/gradio_api/heartbeat/abc", {"s": "1"})
    assert guard.allowed_file_names(
        b'Content-Disposition: form-data; name="files"; filename="a.TXT"'
    )
    assert not guard.allowed_file_names(b'Content-Disposition: form-data; filename="a.txt.bin"')
    assert not guard.allowed_file_names(b"Content-Disposition: form-data; filename=x.bin")
    assert not RouteGuard(app=None, uploads=False).allowed("POST", "/gradio_api/upload")  # type: ignore[arg-type]


class _Answer:
    def to_dict(self) -> dict[str, Any]:
        return {"answer": "Texte [a ¶1]", "refused": False, "citations": [], "query": "q"}


def test_feedback_only_on_issued_answers_and_strict(tmp_path: Path) -> None:
    issued = IssuedAnswers(capacity=2)
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    first = issued.add("Question ?", _Answer())  # type: ignore[arg-type]
    entry = log.rate(issued, first, "up", "bien")
    assert entry["answer_id"] == first and entry["rating"] == "up"
    for answer_id, rating, comment, message in [
        ("f" * 32, "up", "", "unknown answer id"),
        (first, "yes", "", "rating"),
        (first, True, "", "rating"),
        (first, "up", "x" * 2001, "comment"),
        (first, "up", 5, "comment"),
        (42, "up", "", "unknown answer id"),
    ]:
        with pytest.raises(FeedbackError, match=message):
            log.rate(issued, answer_id, rating, comment)
    with pytest.raises(FeedbackError, match="liked"):
        log.record("Q ?", {"answer": "A"}, liked="no")  # type: ignore[arg-type]
    with pytest.raises(FeedbackError, match="JSON"):
        log.record("Q ?", {"answer": "A", "query": float("inf")}, liked=True)
    issued.add("2", _Answer())  # type: ignore[arg-type]
    issued.add("3", _Answer())  # type: ignore[arg-type]
    with pytest.raises(FeedbackError, match="unknown"):  # the oldest was forgotten
        log.rate(issued, first, "up")
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["comment"] == "bien"
