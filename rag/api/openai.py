"""OpenAI-compatible routes: ``/v1/chat/completions``, ``/v1/models`` and ``/v1/retrieve``.

Any OpenAI client can ask the assistant; the answers stay grounded and cited.

Chat completions
----------------
``POST /v1/chat/completions`` takes the OpenAI request body. The last message is the question
(role ``user``); earlier ``user``/``assistant`` messages are the conversation and complete a
follow-up question exactly as ``Assistant.ask(question, history)`` does. ``system`` and
``developer`` messages are accepted and ignored (the assistant only quotes the articles).
Sampling fields (``temperature``, ``max_tokens``…) are accepted and ignored; ``n`` must be 1.

The reply is a standard ``chat.completion``; the assistant message's ``content`` is
:meth:`Answer.readable` (sentences followed by ``[short headline ¶n]``). The message also has
an extra field ``grounding``::

    {
      "answer_id": "3f2a…",             # id of this answer (also in the completion id)
      "refused": false,                 # true: the articles do not answer; nothing is cited
      "short_answer": null,             # {text, kind, citation} for a factoid question
      "citations": [
        {"article_id": "…", "paragraph": 3, "title": "…", "quote": "…",
         "ref": "[short headline ¶3]"}  # how content refers to this paragraph
      ],
      "query": "…",                     # the standalone question retrieved with
      "language": "fr",
      "notice": null                    # set when an LLM failed and the answer fell back
    }

With ``"stream": true`` the reply is server-sent events, ``chat.completion.chunk`` objects as
OpenAI defines them: a first chunk with ``delta.role``, then ``delta.content`` pieces (verified
sentences, references already written ``[short headline ¶n]`` from the index's labels), then a
final chunk with ``finish_reason: "stop"`` whose ``delta`` carries ``grounding`` (above), an
optional usage chunk (``stream_options.include_usage``), and ``data: [DONE]``. A failure after
the stream started is sent as ``data: {"error": {...}}`` followed by ``data: [DONE]``.

With the ``openai`` SDK the extra field is ``message.model_extra["grounding"]`` (or
``chunk.choices[0].delta.model_extra["grounding"]`` on the final chunk).

Retrieval and models
--------------------
``POST /v1/retrieve`` with ``{"question": str, "k": 1..50}`` returns
``{"object": "list", "data": [{"article_id", "paragraph", "title", "text", "score"}]}``.
``GET /v1/models`` lists the one model (``Settings.api_model_name``).

Errors
------
Every error has the OpenAI shape ``{"error": {"message", "type", "param", "code"}}``:
400 malformed JSON, unknown role, non-text content, empty or too long question, too many
messages; 401 a missing or wrong key (``code: "invalid_api_key"``, nothing more); 404/405 an
unknown route; 413 a body over ``Settings.max_request_bytes``; 429 over a key's limits (with
``Retry-After``); 503 the index or model is unavailable; 500 anything else. Messages never
carry paths or tracebacks.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from rag.api.errors import ApiError
from rag.refs import format_refs

if TYPE_CHECKING:
    from rag.api.service import ApiService
    from rag.types import Answer, StreamEvent

MAX_RETRIEVE_K = 50


class TextPart(BaseModel):
    """One text part of a message's content (the only kind of part accepted)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["text"]
    text: StrictStr


class ChatMessage(BaseModel):
    """One message of the conversation."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant"]
    content: StrictStr | list[TextPart] | None = None

    def text(self) -> str:
        """The message's text (text parts joined by newlines)."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part.text for part in self.content)


class StreamOptions(BaseModel):
    """``stream_options`` of a streamed request."""

    model_config = ConfigDict(extra="allow")
    include_usage: StrictBool = False


class ChatCompletionRequest(BaseModel):
    """The body of ``POST /v1/chat/completions`` (unknown sampling fields are ignored)."""

    model_config = ConfigDict(extra="allow")
    model: StrictStr | None = None
    messages: list[ChatMessage] = Field(min_length=1)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    n: StrictInt = Field(1, ge=1, le=1)

    def question_and_history(self) -> tuple[str, list[dict[str, str]]]:
        """The last user message and the user/assistant turns before it.

        Raises:
            ApiError: the last message is not the user's.
        """
        last = self.messages[-1]
        if last.role != "user":
            raise ApiError(
                400,
                f"the last message must be the user's question (role 'user'), not '{last.role}'",
                param="messages",
            )
        history = [
            {"role": message.role, "content": message.text()}
            for message in self.messages[:-1]
            if message.role in ("user", "assistant") and message.text().strip()
        ]
        return last.text(), history


class RetrieveRequest(BaseModel):
    """The body of ``POST /v1/retrieve``."""

    model_config = ConfigDict(extra="forbid")
    question: StrictStr
    k: StrictInt = Field(5, ge=1, le=MAX_RETRIEVE_K)


def grounding(answer: Answer, answer_id: str) -> dict[str, Any]:
    """The ``grounding`` extension of an answer (see the module docstring)."""
    labels = answer.labels()
    return {
        "answer_id": answer_id,
        "refused": answer.refused,
        "short_answer": answer.short_answer.to_dict() if answer.short_answer else None,
        "citations": [
            {
                **citation.to_dict(),
                "ref": format_refs(
                    [(labels.get(citation.article_id, citation.article_id), citation.paragraph)]
                ),
            }
            for citation in answer.citations
        ],
        "query": answer.query,
        "language": answer.language,
        "notice": answer.notice,
    }


def count_tokens(text: str) -> int:
    """Tokens of ``text`` (cl100k_base, as chunking counts them) for ``usage``."""
    from index.chunk import count_tokens as cl100k_tokens

    return cl100k_tokens(text) if text else 0


def usage(request: ChatCompletionRequest, content: str) -> dict[str, int]:
    """``usage`` of a completion (prompt = every message's text)."""
    prompt = sum(count_tokens(message.text()) for message in request.messages)
    completion = count_tokens(content)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def parse_json(body: bytes) -> Any:
    """Strict JSON (no NaN/Infinity).

    Raises:
        ApiError: the body is not valid JSON.
    """

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        return json.loads(body.decode("utf-8"), parse_constant=refuse_constant)
    except UnicodeDecodeError as exc:
        raise ApiError(400, "the request body must be UTF-8 JSON") from exc
    except ValueError as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc}") from exc


def validation_message(error: ValidationError) -> tuple[str, str | None]:
    """A readable message for the first validation error, and its parameter path."""
    first = error.errors(include_url=False, include_input=False)[0]
    location = ".".join(str(part) for part in first["loc"]) or None
    return (f"{location}: {first['msg']}" if location else str(first["msg"])), location


def validated(model: type[BaseModel], data: Any) -> Any:
    """``data`` validated as ``model``.

    Raises:
        ApiError: the data does not fit the model (400, message naming the field).
    """
    if not isinstance(data, dict):
        raise ApiError(400, "the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message, param = validation_message(exc)
        raise ApiError(400, f"invalid request: {message}", param=param) from exc


def openai_router(service: ApiService) -> APIRouter:
    """The ``/v1`` routes, served by ``service``."""
    router = APIRouter(prefix="/v1")
    settings = service.settings

    @router.get("/models")
    async def list_models(request: Request) -> JSONResponse:
        async with service.admitted(request):
            return JSONResponse(
                {
                    "object": "list",
                    "data": [
                        {
                            "id": settings.api_model_name,
                            "object": "model",
                            "created": service.started,
                            "owned_by": "grounded-news-rag",
                        }
                    ],
                }
            )

    @router.post("/retrieve")
    async def retrieve(request: Request) -> JSONResponse:
        async with service.admitted(request):
            body = validated(RetrieveRequest, parse_json(await request.body()))
            passages = await service.compute(service.assistant.retrieve, body.question, body.k)
            return JSONResponse(
                {
                    "object": "list",
                    "data": [
                        {
                            "article_id": p.article_id,
                            "paragraph": p.paragraph,
                            "title": p.title,
                            "text": p.text,
                            "score": p.score if math.isfinite(p.score) else 0.0,
                        }
                        for p in passages
                    ],
                }
            )

    @router.post("/chat/completions")
    async def chat_completions(request: Request) -> Any:
        identity = service.authenticate(request)
        service.limiter_acquire(identity)
        handed_over = False
        try:
            data = parse_json(await request.body())
            messages = data.get("messages") if isinstance(data, dict) else None
            if isinstance(messages, list) and len(messages) > settings.api_max_messages:
                raise ApiError(
                    400,
                    f"too many messages ({len(messages)}; the limit is "
                    f"{settings.api_max_messages}): send the recent turns only",
                    param="messages",
                )
            body: ChatCompletionRequest = validated(ChatCompletionRequest, data)
            question, history = body.question_and_history()
            if body.stream:
                # Validation happens here, before the first event (a 400, not a broken stream).
                events = await service.call(service.assistant.stream, question, history)
                response = _SlotStreamingResponse(
                    _sse(service, body, events), lambda: service.limiter_release(identity)
                )
                handed_over = True
                return response
            answer = await service.compute(service.assistant.ask, question, history)
            answer_id = service.issued.add(question, answer)
            content = answer.readable()
            message = {
                "role": "assistant",
                "content": content,
                "refusal": None,
                "grounding": grounding(answer, answer_id),
            }
            return JSONResponse(
                {
                    "id": f"chatcmpl-{answer_id}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": settings.api_model_name,
                    "choices": [
                        {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
                    ],
                    "usage": usage(body, content),
                }
            )
        finally:
            if not handed_over:
                service.limiter_release(identity)

    return router


class _SlotStreamingResponse(StreamingResponse):
    """A streamed response that gives the caller's request slot back however it ends
    (finished, failed, or the client went away before the first byte)."""

    def __init__(self, content: AsyncIterator[str], release: Callable[[], None]) -> None:
        super().__init__(
            content,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self._release = release

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def _event(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def _sse(
    service: ApiService, body: ChatCompletionRequest, events: Iterator[StreamEvent]
) -> AsyncIterator[str]:
    """The answer's events as OpenAI ``chat.completion.chunk`` server-sent events."""
    from rag.refs import relabel_refs

    answer_id = service.issued.new_id()
    base = {
        "id": f"chatcmpl-{answer_id}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": service.settings.api_model_name,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return _event({**base, "choices": [choice]})

    content = ""
    try:
        async with service.compute_slot():
            yield chunk({"role": "assistant", "content": ""})
            labels: dict[str, str] = {}
            async for event in iterate_in_threadpool(events):
                if event.kind == "status":
                    labels = await run_in_threadpool(service.assistant.article_labels)
                elif event.kind == "delta":
                    piece = relabel_refs(event.text, labels)
                    content += piece
                    yield chunk({"content": piece})
                elif event.kind == "answer" and event.answer is not None:
                    service.issued.add(body.question_and_history()[0], event.answer, answer_id)
                    yield chunk({"grounding": grounding(event.answer, answer_id)}, finish="stop")
        if body.stream_options is not None and body.stream_options.include_usage:
            yield _event({**base, "choices": [], "usage": usage(body, content)})
    except ApiError as exc:
        yield _event(exc.payload())
    except Exception as exc:
        yield _event(service.error_for(exc).payload())
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            # ValueError: still running in a worker thread; it finishes on its own.
            with contextlib.suppress(ValueError):
                close()
    yield "data: [DONE]\n\n"
