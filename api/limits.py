"""Request limits: body size and media type (an ASGI middleware) and per-key rate limiting.

* A request body larger than ``TRIAGE_API_MAX_BODY`` bytes (default 256 KiB) is
  refused with 413, whether it announces its length or streams it.
* A body sent to ``/v1/`` must be JSON (``application/json`` or ``*+json``): 415.
* Each API key (or, without one, each client address) has a token bucket of
  ``TRIAGE_API_BURST`` requests refilled at ``TRIAGE_API_RATE`` per second;
  an empty bucket answers 429 with ``Retry-After``. ``TRIAGE_API_RATE=0``
  turns rate limiting off. Buckets live in the process: with several workers
  each has its own, so the effective limit is per worker.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from api.problems import ProblemError, problem
from triage.settings import Settings, settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY = 256 * 1024
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def max_body_from_settings() -> int:
    return settings().api_max_body


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class RequestLimits:
    """ASGI middleware: 413 for bodies over ``max_body`` bytes, 415 for non-JSON bodies under /v1/."""

    def __init__(self, app: ASGIApp, max_body: int | None = None) -> None:
        self.app = app
        self.max_body = max_body if max_body is not None else max_body_from_settings()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await problem(400, None, "content-length: not a number")(scope, receive, send)
                return
            if declared > self.max_body:
                await self._too_large(scope, receive, send)
                return
        else:
            declared = -1
        content_type = headers.get("content-type")
        json_route = scope["path"].startswith("/v1/") and declared != 0
        if json_route and content_type is not None and not _is_json(content_type):
            media = content_type.split(";")[0]
            await problem(415, None, f"content-type: expected application/json, got {media!r}")(scope, receive, send)
            return
        if declared >= 0:
            # The server holds the client to its Content-Length, already checked above.
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read the body here, up to the limit, then replay it.
        # Reading inside the app would not do: FastAPI turns any error while reading into a 400.
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, None, f"request body: larger than the limit of {self.max_body} bytes")
        await response(scope, receive, send)


class RateLimiter:
    """Token buckets keyed by API key id: ``burst`` requests at once, refilled at ``rate`` per second.

    Thread-safe (sync routes run in a thread pool). ``rate <= 0`` disables limiting.
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, given: Settings | None = None) -> RateLimiter:
        """``TRIAGE_API_RATE`` per second, ``TRIAGE_API_BURST`` at once (from ``given``, else the environment)."""
        s = given or settings()
        return cls(rate=s.api_rate, burst=s.api_burst)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """Spend one token for ``key``; 0 if allowed, else the seconds until a token is free."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 100_000:  # forget idle buckets rather than grow without bound
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < self.burst / self.rate}
            return (1.0 - tokens) / self.rate

    def check(self, key: str) -> None:
        """Raise a 429 problem with ``Retry-After`` (whole seconds) when ``key`` is over its limit."""
        wait = self.take(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ProblemError(
                429,
                f"rate limit: at most {self.burst} requests at once and {self.rate:g} per second "
                f"for this key; retry in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
