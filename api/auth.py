"""API-key authentication and per-key rate limiting, as FastAPI dependencies.

A caller presents its key as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.
:func:`principal` answers 401 (with ``WWW-Authenticate``) for a missing,
malformed, unknown or revoked key, then spends one token of the key's rate
limit (429 with ``Retry-After`` when empty). :func:`require` narrows a route
to some roles (403 otherwise). Access to a case or referral is scoped by the
store to the key's organisation; another organisation's case is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.limits import RateLimiter
from api.problems import ProblemError
from api.v1.deps import database
from triage.casework.apikeys import Principal, authenticate
from triage.store.db import Database

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tjk_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key: `X-API-Key: tjk_...`")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="triage"'}


def limiter(request: Request) -> RateLimiter:
    """The app's rate limiter (made from the environment on first use)."""
    found = getattr(request.app.state, "rate_limiter", None)
    if not isinstance(found, RateLimiter):
        found = RateLimiter.from_settings()
        request.app.state.rate_limiter = found
    return found


def _presented(bearer: HTTPAuthorizationCredentials | None, header: str | None) -> str | None:
    if bearer is not None and bearer.credentials:
        return bearer.credentials
    return header or None


def principal(
    request: Request,
    db: Annotated[Database, Depends(database)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> Principal:
    """The authenticated caller; 401 without a valid key, 429 over its rate limit."""
    key = _presented(bearer, header)
    if key is None:
        raise ProblemError(401, "authorization: send an API key as 'Authorization: Bearer <key>'", headers=_CHALLENGE)
    return _principal_for_key(request, db, key)


def _key_in_headers(request: Request) -> str | None:
    """The key sent as ``Authorization: Bearer <key>`` or ``X-API-Key``, read as ``_bearer`` and ``_header`` do."""
    scheme, _, credentials = request.headers.get("authorization", "").strip().partition(" ")
    key = credentials.strip()
    if scheme.lower() == "bearer" and key:
        return key
    return request.headers.get("x-api-key") or None


async def optional_principal(request: Request) -> Principal | None:
    """For stateless routes: a key is optional but, when sent, must be valid. Callers without
    a key are rate limited by client address.

    Async so that a call without a key costs no hop to a worker thread; a key is
    checked against the store in one. It reads the headers itself rather than
    through ``_bearer`` and ``_header``: three fewer dependencies to solve on the
    busiest route (a route using it declares its security in ``openapi_extra``)."""
    key = _key_in_headers(request)
    if key is None:
        host = request.client.host if request.client else "unknown"
        limiter(request).check(f"addr:{host}")
        return None
    return await run_in_threadpool(_principal_for_key, request, database(request), key)


def _principal_for_key(request: Request, db: Database, key: str) -> Principal:
    who = authenticate(db, key)
    if who is None:
        raise ProblemError(401, "authorization: this API key is not valid (unknown or revoked)", headers=_CHALLENGE)
    limiter(request).check(f"key:{who.key_id}")
    return who


def require(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency: the caller, if its role is one of ``roles``; else 403."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in roles:
            raise ProblemError(403, f"role: an API key with role {who.role!r} may not do this "
                               f"(needs {' or '.join(roles)})")  # fmt: skip
        return who

    return check


Caller = Annotated[Principal, Depends(principal)]
