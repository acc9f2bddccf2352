"""Server-side sessions for the web pages (an ASGI middleware giving ``request.session``).

The cookie ``triage_session`` holds only a random token; the data lives in the store
(:mod:`triage.casework.web_sessions`), sealed, and is loaded for each request into
``scope["session"]``, the dict Starlette's ``request.session`` reads. After the response
starts, a changed session is saved (and an unchanged one renewed at most once a minute);
an emptied one is deleted with its cookie. :func:`end` deletes the session now and
:func:`rotate` gives the next response a new token (after signing in: no session fixation).

Cookies are ``HttpOnly``, ``SameSite=Strict`` and ``Secure`` unless the settings say the
service runs without TLS (``TRIAGE_HTTPS``; off by default only in demo mode).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders

from triage.casework.sealing import service_secret
from triage.casework.web_sessions import IDLE_TIMEOUT, TOUCH_EVERY, SessionStore, new_token
from triage.settings import Settings, settings
from triage.store.db import Database
from triage.store.types import utcnow

IDLE_TIMEOUT_SECONDS = int(IDLE_TIMEOUT.total_seconds())
COOKIE = "triage_session"
_END, _ROTATE = "triage.session_end", "triage.session_rotate"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def secure_cookies(config: Settings) -> bool:
    """``Secure`` cookies unless ``TRIAGE_HTTPS`` is off, or unset in demo mode (plain http://127.0.0.1)."""
    return config.https if config.https is not None else not config.demo


def end(request: Request) -> None:
    """End this session on the server now (sign out, quick exit): its row and cookie go."""
    request.session.clear()
    request.scope[_END] = True


def rotate(request: Request) -> None:
    """Keep the data but move it to a new token, deleting the old one (after signing in)."""
    request.scope[_ROTATE] = True


class ServerSessions:
    def __init__(self, app: ASGIApp, stores: Callable[[], SessionStore], secure: bool) -> None:
        self.app = app
        self._stores = stores
        self._secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _cookie(scope)
        loaded = await run_in_threadpool(self._stores().load, token) if token else None
        if loaded is None:
            token = None
        data: dict[str, Any] = dict(loaded[0]) if loaded else {}
        renewed: dt.datetime | None = loaded[1] if loaded else None
        scope["session"] = dict(data)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = await run_in_threadpool(self._settle, scope, token, data, renewed)
                if cookie is not None:
                    MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _settle(self, scope: Scope, token: str | None, before: dict[str, Any],
                renewed: dt.datetime | None) -> str | None:  # fmt: skip
        """Save, renew or delete the session; the Set-Cookie header value to send, if any.

        A request without a session that made none (every API call) never touches the store."""
        now: dict[str, Any] = dict(scope.get("session") or {})
        if scope.get(_END) or not now:
            if token is not None:
                self._stores().destroy(token)
                return self._cookie("", max_age=0)
            return None
        store = self._stores()
        if token is not None and scope.get(_ROTATE):
            store.destroy(token)
            token = None
        if token is None:
            token = new_token()
        elif now == before and renewed is not None and utcnow() - renewed < TOUCH_EVERY:
            return None
        store.save(token, now)
        return self._cookie(token, max_age=IDLE_TIMEOUT_SECONDS)

    def _cookie(self, value: str, max_age: int) -> str:
        parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=Strict"]
        if self._secure:
            parts.append("Secure")
        return "; ".join(parts)


def _cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is no session
                continue
            if COOKIE in jar and jar[COOKIE].value:
                return jar[COOKIE].value
    return None


def install(app: FastAPI, given: Settings | None = None) -> None:
    config = given or settings()
    made: list[SessionStore] = []

    def stores() -> SessionStore:
        if not made:
            from triage.casework.service_store import service_store

            db = getattr(app.state, "database", None)
            made.append(SessionStore(db if isinstance(db, Database) else service_store(), service_secret(config)))
        return made[0]

    app.add_middleware(ServerSessions, stores=stores, secure=secure_cookies(config))
