"""The FastAPI app of the service API, and serving it alone (``python -m rag serve``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.api.auth import check_exposure, load_api_keys
from rag.api.errors import ApiError, error_body
from rag.api.limits import BodySizeLimit
from rag.api.openai import openai_router
from rag.api.service import ApiService
from rag.config import Settings
from rag.feedback import IssuedAnswers

if TYPE_CHECKING:
    from rag.assistant import Assistant

logger = logging.getLogger("rag.api")


def install_api(app: FastAPI, service: ApiService) -> None:
    """Add the ``/v1`` routes and their OpenAI-shaped error handlers to ``app``."""
    app.include_router(openai_router(service))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = {404: "no such route", 405: "method not allowed"}.get(
            exc.status_code, "request refused"
        )
        return JSONResponse(
            error_body(exc.status_code, message),
            status_code=exc.status_code,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(400, "invalid request"), status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return service.error_for(exc).response()


def create_api(
    assistant: Assistant,
    settings: Settings | None = None,
    *,
    issued: IssuedAnswers | None = None,
) -> FastAPI:
    """The service API as its own FastAPI app: ``/v1/...`` routes, keys, limits, body cap.

    Args:
        assistant: Answers the questions.
        settings: Keys, limits and names (default: the assistant's settings).
        issued: Where answer ids are recorded (share it with the chat app's feedback).
    """
    service = ApiService(assistant, settings, issued=issued)
    app = FastAPI(
        title="Grounded news assistant",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    install_api(app, service)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=service.settings.request_limit,
        render=lambda message: error_body(413, message),
    )
    app.state.api_service = service
    return app


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve the API alone with uvicorn (blocks until stopped).

    The exposure check runs first, before anything is loaded.

    Raises:
        ExposedWithoutKeysError: a non-loopback ``host`` and no API key configured.
        ApiKeyConfigError: the keys settings cannot be used.
    """
    import uvicorn

    host = host or settings.host
    port = settings.port if port is None else port
    check_exposure(host, load_api_keys(settings))
    from rag.assistant import Assistant

    logger.info("loading the assistant (the first run builds the index)…")
    assistant = Assistant(settings)
    try:
        uvicorn.run(
            create_api(assistant, settings),
            host=host,
            port=port,
            log_level="info",
            server_header=False,
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
    finally:
        assistant.close()
