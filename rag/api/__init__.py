"""The service API: OpenAI-compatible chat completions, retrieval, keys and limits.

``create_api(assistant, settings)`` builds the FastAPI app (``/v1/chat/completions``,
``/v1/models``, ``/v1/retrieve``); ``python -m rag serve`` serves it alone. See
:mod:`rag.api.openai` for the request and response shapes.
"""

from rag.api.app import create_api, install_api, serve
from rag.api.auth import (
    ApiKeyConfigError,
    ExposedWithoutKeysError,
    KeyChecker,
    check_exposure,
    is_loopback,
    load_api_keys,
    login_checker,
)
from rag.api.errors import ApiError
from rag.api.guard import RouteGuard
from rag.api.limits import BodySizeLimit, KeyLimiter
from rag.api.service import ApiService
from rag.feedback import IssuedAnswers

__all__ = [
    "ApiError",
    "ApiKeyConfigError",
    "ApiService",
    "BodySizeLimit",
    "ExposedWithoutKeysError",
    "IssuedAnswers",
    "KeyChecker",
    "KeyLimiter",
    "RouteGuard",
    "check_exposure",
    "create_api",
    "install_api",
    "is_loopback",
    "load_api_keys",
    "login_checker",
    "serve",
]
