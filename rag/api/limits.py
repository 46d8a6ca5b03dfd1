"""Per-key limits (requests in flight, requests per minute) and one request body-size cap.

A caller over a limit is told so at once (HTTP 429 with ``Retry-After``) instead of queueing
without bound; a body over ``Settings.max_request_bytes`` gets HTTP 413 before it is read
in full.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class LimitExceededError(Exception):
    """A caller is over one of its limits; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class _Bucket:
    tokens: float
    updated: float
    in_flight: int = 0


class KeyLimiter:
    """Bounded concurrency and a token-bucket rate per caller identity (thread-safe).

    Args:
        concurrency: Requests one identity may have in flight.
        per_minute: Requests one identity may start per minute (also the burst size).
        clock: Monotonic seconds (a parameter for tests).
    """

    def __init__(
        self,
        concurrency: int,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.concurrency = concurrency
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, identity: str) -> None:
        """Take a slot for one request of ``identity``; pair with :meth:`release`.

        Raises:
            LimitExceededError: too many requests in flight, or over the rate.
        """
        rate = self.per_minute / 60.0
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(identity)
            if bucket is None:
                bucket = self._buckets[identity] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(
                float(self.per_minute), bucket.tokens + (now - bucket.updated) * rate
            )
            bucket.updated = now
            if bucket.in_flight >= self.concurrency:
                raise LimitExceededError(
                    f"too many requests in flight for this key (limit {self.concurrency}); "
                    "retry when one has finished",
                    retry_after=1,
                )
            if bucket.tokens < 1.0:
                wait = math.ceil((1.0 - bucket.tokens) / rate)
                raise LimitExceededError(
                    f"rate limit reached for this key ({self.per_minute} requests a minute)",
                    retry_after=max(1, wait),
                )
            bucket.tokens -= 1.0
            bucket.in_flight += 1

    def release(self, identity: str) -> None:
        """Give back the slot taken by :meth:`acquire`."""
        with self._lock:
            bucket = self._buckets.get(identity)
            if bucket is not None and bucket.in_flight > 0:
                bucket.in_flight -= 1


class BodySizeLimit:
    """ASGI middleware: HTTP requests whose body is over ``max_bytes`` get 413.

    The declared ``Content-Length`` is checked before anything is read; a body sent without
    one (chunked) is read up to the limit first.

    Args:
        app: The wrapped ASGI app.
        max_bytes: The largest accepted body.
        render: Builds the 413 response body (JSON) from a message.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        render: Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.render = render or (lambda message: {"error": {"message": message}})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(send)
            return
        if declared is not None:  # the server stops the body at its declared length
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read up to the limit, then hand the body on.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps(
            self.render(f"the request body is larger than the limit of {self.max_bytes} bytes")
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
