"""What the routes share: the assistant, keys, limits, compute slots and issued answer ids."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from rag.api.auth import KeyChecker, load_api_keys
from rag.api.errors import ApiError, library_error
from rag.api.limits import KeyLimiter, LimitExceededError
from rag.config import Settings
from rag.feedback import IssuedAnswers

if TYPE_CHECKING:
    from rag.assistant import Assistant

logger = logging.getLogger("rag.api")
T = TypeVar("T")


class ApiService:
    """The state behind the API routes.

    Args:
        assistant: Answers the questions.
        settings: Keys, limits and names (default: the assistant's settings).
        keys: The accepted keys (default: read from ``settings``).
        issued: Where answer ids are recorded (shared with the chat app for feedback).
    """

    def __init__(
        self,
        assistant: Assistant,
        settings: Settings | None = None,
        *,
        keys: list[str] | None = None,
        issued: IssuedAnswers | None = None,
    ) -> None:
        self.assistant = assistant
        self.settings = settings or assistant.settings
        self.keys = KeyChecker(keys if keys is not None else load_api_keys(self.settings))
        self.limiter = KeyLimiter(self.settings.api_key_concurrency, self.settings.api_rate_limit)
        self.issued = issued or IssuedAnswers()
        self.started = int(time.time())
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0

    def authenticate(self, request: Request) -> str:
        """The caller's identity.

        Raises:
            ApiError: 401 for a missing or wrong key (the same answer for both).
        """
        identity = self.keys.identify(request.headers.get("authorization"))
        if identity is None:
            raise ApiError(
                401,
                "missing or invalid API key: send 'Authorization: Bearer <key>'",
                code="invalid_api_key",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return identity

    def limiter_acquire(self, identity: str) -> None:
        """Take one of the caller's request slots.

        Raises:
            ApiError: 429 with ``Retry-After`` when over a limit.
        """
        try:
            self.limiter.acquire(identity)
        except LimitExceededError as exc:
            raise ApiError(
                429,
                str(exc),
                code="rate_limit_exceeded",
                headers={"Retry-After": str(exc.retry_after)},
            ) from exc

    def limiter_release(self, identity: str) -> None:
        """Give back a slot taken by :meth:`limiter_acquire`."""
        self.limiter.release(identity)

    @contextlib.asynccontextmanager
    async def admitted(self, request: Request) -> AsyncIterator[str]:
        """Authenticate and hold a request slot for the block; yields the identity."""
        identity = self.authenticate(request)
        self.limiter_acquire(identity)
        try:
            yield identity
        finally:
            self.limiter_release(identity)

    @contextlib.asynccontextmanager
    async def compute_slot(self) -> AsyncIterator[None]:
        """One of ``settings.chat_concurrency`` answering slots (waits in a bounded queue).

        Raises:
            ApiError: 429 when ``settings.chat_queue_size`` requests are already waiting.
        """
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.chat_concurrency)
        if self._slots.locked() and self._waiting >= self.settings.chat_queue_size:
            raise ApiError(
                429,
                "the assistant is busy: retry shortly",
                code="server_busy",
                headers={"Retry-After": "5"},
            )
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()

    async def compute(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker thread within a compute slot; errors mapped.

        Raises:
            ApiError: the library error mapped to its status (see :mod:`rag.api.errors`).
        """
        async with self.compute_slot():
            return await self.call(function, *args)

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker thread (no compute slot: quick work); errors mapped.

        Raises:
            ApiError: the library error mapped to its status (see :mod:`rag.api.errors`).
        """
        try:
            return await run_in_threadpool(function, *args)
        except ApiError:
            raise
        except Exception as exc:
            raise self.error_for(exc) from exc

    def error_for(self, exc: Exception) -> ApiError:
        """The API error for ``exc``; server-side failures are logged with their details."""
        error = exc if isinstance(exc, ApiError) else library_error(exc)
        if error.status >= 500:
            logger.error("request failed: %s: %s", type(exc).__name__, exc, exc_info=exc)
        return error
