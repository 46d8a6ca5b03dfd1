"""Errors of the service API, in the OpenAI error shape, and how library errors map to them."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from index.errors import (
    EmbedderError,
    IndexLockedError,
    IndexNotFoundError,
    RagError,
    StoreError,
)
from rag.errors import GeneratorConfigError, InvalidQuestionError, LLMError, UploadError

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "server_error",
    503: "service_unavailable",
}

# Library errors -> (status, message); None keeps the error's own message (no paths in them).
# Server-side failures get a fixed message: their details (paths, hosts) go to the log only.
ERROR_STATUS: list[tuple[type[Exception], int, str | None]] = [
    (InvalidQuestionError, 400, None),
    (UploadError, 400, None),
    (IndexNotFoundError, 503, "nothing is indexed yet: index articles first"),
    (IndexLockedError, 503, "the index is being rebuilt: retry in a minute"),
    (StoreError, 503, "the article index is unavailable: retry later"),
    (EmbedderError, 503, "the embedding model is unavailable"),
    (LLMError, 502, "the language model failed"),
    (GeneratorConfigError, 500, "the answer generator is misconfigured"),
    (RagError, 500, "the assistant failed"),
]


class ApiError(Exception):
    """An HTTP error with an OpenAI-shaped body.

    Args:
        status: HTTP status code.
        message: What is wrong, for the caller (no paths, no internals).
        param: The request field at fault, if any.
        code: A machine-readable code (e.g. ``"invalid_api_key"``).
        headers: Extra response headers (e.g. ``Retry-After``).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.headers = headers or {}

    def payload(self) -> dict[str, Any]:
        """``{"error": {"message", "type", "param", "code"}}``."""
        return error_body(self.status, self.message, param=self.param, code=self.code)

    def response(self) -> JSONResponse:
        """The JSON response."""
        return JSONResponse(self.payload(), status_code=self.status, headers=self.headers)


def error_body(
    status: int, message: str, *, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """The OpenAI error shape."""
    return {
        "error": {
            "message": message,
            "type": ERROR_TYPES.get(
                status, "server_error" if status >= 500 else "invalid_request_error"
            ),
            "param": param,
            "code": code,
        }
    }


def library_error(exc: Exception) -> ApiError:
    """The API error for an exception raised by the assistant."""
    for kind, status, message in ERROR_STATUS:
        if isinstance(exc, kind):
            return ApiError(status, message or str(exc))
    if isinstance(exc, ValueError):  # e.g. a history of the wrong shape
        return ApiError(400, str(exc))
    return ApiError(500, "internal error")
