"""Request ids and one log line per request (an ASGI middleware).

A request keeps the ``X-Request-Id`` its caller sent (up to 64 letters, digits, ``-`` and
``_``) or is given a new one; the response carries it back, and the line logged for the
request (``triage.request``: method, path, status, milliseconds, request id) names it, so a
problem reported by a caller can be found in the logs. Paths hold only ids and opaque page
tokens; query strings and bodies are never logged.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import MutableHeaders

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADER = "X-Request-Id"
_VALID = re.compile(r"[A-Za-z0-9_-]{1,64}")
log = logging.getLogger("triage.request")


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = given if _VALID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={"request_id": request_id, "method": scope["method"], "path": scope["path"],
                       "status": status[0], "ms": round((time.perf_counter() - started) * 1000, 1)},
            )  # fmt: skip
