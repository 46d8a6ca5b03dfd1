"""Only deliberate routes answer: an ASGI filter in front of the chat app (Gradio) and the API.

Gradio serves many routes a deployment never uses (monitoring, a URL proxy, run history,
"vibe" editing, custom components, media streams, an OpenAPI dump…) and answers private
endpoints by name at ``/gradio_api/run/<name>``. :class:`RouteGuard` lets through only:

- the ``/v1/...`` service API (its own keys and limits);
- what the page needs to load and talk to its queue (``/``, ``/config``, static assets,
  ``/gradio_api/queue/*``, ``/gradio_api/heartbeat/*``, uploads and cached files, login);
- ``/gradio_api/info`` (the API description clients read) and the named endpoints listed
  as public, at ``/gradio_api/call/<name>`` (and ``/run``, ``/api``);

everything else gets a 404 that names nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

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
    ("GET", r"/gradio_api/(login_check|user|token|app_id)/?"),
    ("GET", r"/gradio_api/info/?"),
    ("GET", r"/gradio_api/startup-events"),
    ("POST", r"/gradio_api/queue/join"),
    ("GET", r"/gradio_api/queue/(data|status)"),
    ("POST", r"/gradio_api/cancel"),
    ("POST", r"/gradio_api/reset/?"),
    ("GET", r"/gradio_api/heartbeat/[A-Za-z0-9_-]+"),
    ("GET", r"/gradio_api/file=.+"),
    ("HEAD", r"/gradio_api/file=.+"),
    ("GET", r"/gradio_api/file/.+"),
    ("POST", r"/v1/.*"),
    ("GET", r"/v1/.*"),
]
_UPLOAD = [("POST", r"/gradio_api/upload"), ("GET", r"/gradio_api/upload_progress")]
_NAMED = r"/gradio_api/(?:call/(?:v2/)?|run/|api/)(?P<name>[A-Za-z0-9_-]+)(?:/[A-Za-z0-9_-]*)?/?"


class RouteGuard:
    """ASGI middleware: requests to routes not on the allowlist get 404.

    Args:
        app: The wrapped app (the FastAPI app carrying ``/v1`` with Gradio mounted at ``/``).
        public_endpoints: Named Gradio endpoints callable over HTTP (e.g. ``chat``).
        uploads: Whether Gradio's file upload route is open (the page's upload box).
    """

    def __init__(
        self, app: ASGIApp, public_endpoints: Iterable[str] = (), uploads: bool = True
    ) -> None:
        self.app = app
        self.public = set(public_endpoints)
        rules = _ALWAYS + (_UPLOAD if uploads else [])
        self._rules = [(method, re.compile(pattern)) for method, pattern in rules]
        self._named = re.compile(_NAMED)

    def allowed(self, method: str, path: str) -> bool:
        """Whether ``method path`` is a deliberate route."""
        named = self._named.fullmatch(path)
        if named is not None:
            return method in ("GET", "POST") and named.group("name") in self.public
        return any(m == method and rule.fullmatch(path) for m, rule in self._rules)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.allowed(scope["method"], scope["path"]):
            body = json.dumps({"error": {"message": "no such route", "type": "not_found"}})
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body.encode()})
            return
        await self.app(scope, receive, send)
