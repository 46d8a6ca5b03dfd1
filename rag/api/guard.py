"""Only deliberate routes answer: an ASGI filter in front of the chat app (Gradio) and the API.

Gradio serves many routes a deployment never uses (monitoring, a URL proxy, run history,
"vibe" editing, custom components, media streams, an OpenAPI dump…) and answers private
endpoints by name at ``/gradio_api/run/<name>``. :class:`RouteGuard` lets through only:

- the ``/v1/...`` service API (its own keys and limits);
- what the page needs to load and talk to its queue (``/``, ``/config``, static assets,
  ``/gradio_api/queue/*``, ``/gradio_api/heartbeat/*``, uploads and cached files, login);
- ``/gradio_api/info`` (the API description clients read) and the named endpoints listed
  as public, at ``/gradio_api/call/<name>`` (and ``/run``, ``/api``);

everything else gets a 404 that names nothing. Gradio's heartbeat, cancel and app-id routes,
which Gradio leaves open even with a login, are let through only for logged-in sessions.

Note: Gradio picks the function from ``fn_index`` in the body when one is given, whatever the
name in the path, so the name list stops discovery by name, not a page user who knows an
index; with keys set, every such call needs the login. Files sent to Gradio's upload route must
have one of the allowed suffixes (``.txt``/``.md``), else 400 before Gradio stores anything.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable
from http.cookies import CookieError, SimpleCookie

from index.formats import SUPPORTED_SUFFIXES
from rag.api.limits import ASGIApp, Receive, Scope, Send

_ALWAYS = [
    ("GET", r"/"),
    ("HEAD", r"/"),
    ("GET", r"/config/?"),
    ("GET", r"/(assets|static|svelte)/.+"),
    ("GET", r"/(favicon\.ico|theme\.css|robots\.txt)"),
    ("GET", r"/gradio_api/theme\.css"),
    ("POST", r"/login/?"),
    ("GET", r"/logout"),
    ("GET", r"/gradio_api/login_check/?"),
    ("GET", r"/gradio_api/info/?"),
    ("POST", r"/gradio_api/queue/join"),
    ("GET", r"/gradio_api/queue/data"),
    ("GET", r"/gradio_api/file=.+"),
    ("HEAD", r"/gradio_api/file=.+"),
    ("GET", r"/gradio_api/file/.+"),
    ("POST", r"/v1/.*"),
    ("GET", r"/v1/.*"),
]
# Routes Gradio leaves open even with auth: allowed only to a logged-in session.
_SESSION_ONLY = [
    ("GET", r"/gradio_api/heartbeat/[A-Za-z0-9_-]+"),
    ("POST", r"/gradio_api/cancel"),
    ("GET", r"/gradio_api/app_id/?"),
]
# The page calls its unqueued events (clear, 👍/👎, header refresh) at /gradio_api/run/predict.
PAGE_ENDPOINTS = ("predict",)
_UPLOAD = [("POST", r"/gradio_api/upload"), ("GET", r"/gradio_api/upload_progress")]
_UPLOAD_PATH = "/gradio_api/upload"
_FILENAME = re.compile(rb'filename\*?=(?:"([^"\r\n]*)"|([^;\r\n]*))', re.IGNORECASE)
_NAMED = r"/gradio_api/(?:call/(?:v2/)?|run/|api/)(?P<name>[A-Za-z0-9_-]+)(?:/[A-Za-z0-9_-]*)?/?"


class RouteGuard:
    """ASGI middleware: requests to routes not on the allowlist get 404.

    Args:
        app: The wrapped app (the FastAPI app carrying ``/v1`` with Gradio mounted at ``/``).
        public_endpoints: Named Gradio endpoints callable over HTTP (e.g. ``chat``).
        uploads: Whether Gradio's file upload route is open (the page's upload box).
        upload_suffixes: File name endings accepted by the upload route.
        max_upload_bytes: Largest upload request body (read whole to check its file names).
        logged_in: Whether a request's cookies belong to a logged-in session (None: no login,
            everyone counts as logged in). Gradio's heartbeat route, which Gradio itself leaves
            open, is refused to the others.
    """

    def __init__(
        self,
        app: ASGIApp,
        public_endpoints: Iterable[str] = (),
        uploads: bool = True,
        upload_suffixes: Iterable[str] = SUPPORTED_SUFFIXES,
        max_upload_bytes: int = 4_000_000,
        logged_in: Callable[[dict[str, str]], bool] | None = None,
    ) -> None:
        self.app = app
        self.public = set(public_endpoints) | set(PAGE_ENDPOINTS)
        self.upload_suffixes = tuple(s.lower() for s in upload_suffixes)
        self.max_upload_bytes = max_upload_bytes
        rules = _ALWAYS + (_UPLOAD if uploads else [])
        self._rules = [(method, re.compile(pattern)) for method, pattern in rules]
        self._named = re.compile(_NAMED)
        self._session_only = [(method, re.compile(pattern)) for method, pattern in _SESSION_ONLY]
        self.logged_in = logged_in

    def allowed(self, method: str, path: str, cookies: dict[str, str] | None = None) -> bool:
        """Whether ``method path`` is a deliberate route (for a session with ``cookies``)."""
        named = self._named.fullmatch(path)
        if named is not None:
            return method in ("GET", "POST") and named.group("name") in self.public
        if any(m == method and rule.fullmatch(path) for m, rule in self._session_only):
            return self.logged_in is None or self.logged_in(cookies or {})
        return any(m == method and rule.fullmatch(path) for m, rule in self._rules)

    def allowed_file_names(self, body: bytes) -> bool:
        """Whether every file part of a multipart ``body`` has an allowed suffix."""
        for quoted, bare in _FILENAME.findall(body):
            name = (quoted or bare).strip().decode("utf-8", errors="replace").lower()
            if not name.endswith(self.upload_suffixes):
                return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.allowed(scope["method"], scope["path"], _cookies(scope)):
            await _refuse(send, 404, "no such route")
            return
        if scope["path"] == _UPLOAD_PATH:
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                more = bool(message.get("more_body", False))
                if size > self.max_upload_bytes:
                    await _refuse(send, 413, "the upload is larger than the limit")
                    return
            body = b"".join(chunks)
            if not self.allowed_file_names(body):
                await _refuse(
                    send, 400, f"only {', '.join(self.upload_suffixes)} files can be uploaded"
                )
                return
            sent = False

            async def replay() -> dict[str, object]:
                nonlocal sent
                if sent:
                    return dict(await receive())
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)


def _cookies(scope: Scope) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name.lower() == b"cookie":
            jar = SimpleCookie()
            with contextlib.suppress(CookieError):
                jar.load(value.decode("latin-1"))
            cookies.update({key: morsel.value for key, morsel in jar.items()})
    return cookies


async def _refuse(send: Send, status: int, message: str) -> None:
    kind = "not_found" if status == 404 else "invalid_request_error"
    body = json.dumps({"error": {"message": message, "type": kind}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
