"""Request limits: body size and media type (an ASGI middleware) rate limiting per organisation, sign-in lockouts.

* A request body larger than ``TRIAGE_API_MAX_BODY`` bytes (default 256 KiB) is
  refused with 413, whether it announces its length or streams it.
* A body sent to ``/v1/`` must be JSON (``application/json`` or ``*+json``): 415.
* Each organisation (whichever of its API keys is used: a new key gets no fresh
  allowance) or, without a key, each client address may make ``TRIAGE_API_BURST``
  requests in any window of ``BURST / RATE`` seconds (``TRIAGE_API_RATE`` per second
  on average); more answer 429 with ``Retry-After``. ``TRIAGE_API_RATE=0`` turns
  rate limiting off.
* Sign-in (:class:`SignInGuard`): a few failed passwords lock the account, and more
  lock the client address, for a while, whatever the password tried next.

Counters live in a ``limits`` storage: Redis when ``TRIAGE_REDIS_URL`` is set, so every
worker and host shares one count; in memory otherwise (one process only).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.problems import ProblemError, problem
from triage.settings import Settings, SettingsError, settings

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


def limit_storage(given: Settings | None = None) -> Storage:
    """Where counters live: Redis at ``TRIAGE_REDIS_URL`` (shared by every worker), else this process."""
    config = given or settings()
    if config.redis_url:
        made = storage_from_string(config.redis_url, key_prefix=config.redis_prefix)
        if not isinstance(made, Storage):  # an async URL (async+redis://) would not fit a sync limiter
            raise SettingsError(f"TRIAGE_REDIS_URL: expected a redis:// URL, got {config.redis_url!r}")
        return made
    return MemoryStorage()


class RateLimiter:
    """At most ``burst`` requests per key in any window of ``burst / rate`` seconds (a moving
    window: the same average rate as a token bucket of that size, and never twice its burst).

    Thread-safe and, on Redis, shared across processes. ``rate <= 0`` disables limiting."""

    def __init__(self, rate: float, burst: int, store: Storage | None = None) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.window = max(1, round(self.burst / rate)) if rate > 0 else 1
        self._item = RateLimitItemPerSecond(self.burst, self.window, namespace="api")
        self._store = store if store is not None else MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._store)

    @classmethod
    def from_settings(cls, given: Settings | None = None, store: Storage | None = None) -> RateLimiter:
        """``TRIAGE_API_RATE`` per second, ``TRIAGE_API_BURST`` at once (from ``given``, else the environment)."""
        s = given or settings()
        return cls(rate=s.api_rate, burst=s.api_burst, store=store if store is not None else limit_storage(s))

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """Count one request for ``key``; 0 if allowed, else the seconds until one would be."""
        if not self.enabled or self._limiter.hit(self._item, key):
            return 0.0
        reset = self._limiter.get_window_stats(self._item, key).reset_time
        return max(0.001, reset - time.time())

    def check(self, key: str) -> None:
        """Raise a 429 problem with ``Retry-After`` (whole seconds) when ``key`` is over its limit."""
        wait = self.take(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ProblemError(
                429,
                f"rate limit: at most {self.burst} requests in {self.window} s "
                f"for this organisation; retry in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )

    def reset(self) -> None:
        self._store.reset()


class SignInGuard:
    """Failed sign-ins counted per account (the email address as typed, known or not) and per
    client address; over either limit, sign-in is refused for a while, even with the right
    password, with one message that does not say which limit or whether the account exists."""

    MESSAGE = "Too many attempts to sign in. Wait {minutes} minutes and try again, or ask your administrator."

    def __init__(self, failures: int, seconds: int, store: Storage | None = None) -> None:
        self.seconds = seconds
        self._account = RateLimitItemPerSecond(failures, seconds, namespace="signin-account")
        self._address = RateLimitItemPerSecond(failures * 4, seconds, namespace="signin-address")
        self._limiter = MovingWindowRateLimiter(store if store is not None else MemoryStorage())

    @classmethod
    def from_settings(cls, given: Settings | None = None, store: Storage | None = None) -> SignInGuard:
        s = given or settings()
        return cls(s.signin_max_failures, s.signin_lockout_seconds, store if store is not None else limit_storage(s))

    @staticmethod
    def _account_key(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()  # no addresses in Redis

    def locked(self, email: str, address: str) -> bool:
        return not (
            self._limiter.test(self._account, self._account_key(email)) and self._limiter.test(self._address, address)
        )

    def failed(self, email: str, address: str) -> None:
        self._limiter.hit(self._account, self._account_key(email))
        self._limiter.hit(self._address, address)

    def message(self) -> str:
        return self.MESSAGE.format(minutes=max(1, math.ceil(self.seconds / 60)))
