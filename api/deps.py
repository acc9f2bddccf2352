"""Every dependency of every route, in one place: routes import them from here only.

Per-app state (made by :func:`api.app.create_app`, kept on ``app.state``):

* :func:`settings` - the app's :class:`~triage.settings.Settings`, read once when it was made;
* :func:`engines` - the rule-set engines (:class:`api.state.Engines`);
* :func:`questionnaire` - the questionnaire, loaded once per app;
* :func:`database` - ``app.state.database`` when the app was given one (tests and embedders
  do), else the process's default store (``TRIAGE_DATABASE_URL`` or the SQLite file in
  the state folder), prepared on first use;
* :func:`limiter` - the rate limiter (per organisation); ``app.state.signin_guard`` counts failed sign-ins.

Callers of the JSON API present an API key as ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``. :func:`principal` answers 401 (with ``WWW-Authenticate``) for a
missing, malformed, unknown or revoked key, then spends one token of the key's rate
limit (429 with ``Retry-After`` when empty). :func:`require` narrows a route to some
roles (403 otherwise). Access to a case or referral is scoped by the store to the key's
organisation; another organisation's case is 404.

The casework pages sign users in to the server-side session (:func:`sign_in` keeps
only the user id there, under a new token) and read them back with :func:`viewer`; every form posts back
the session's CSRF token (:func:`csrf_token`, :func:`csrf_ok`). Whether a password is
right, and whether the user may still sign in, is ``triage.casework.accounts``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BeforeValidator

from api import idempotency, sessions
from api.limits import RateLimiter, SignInGuard
from api.problems import ProblemError
from api.state import Engines, Lazy
from triage.casework.accounts import active_user, check_password
from triage.casework.apikeys import Principal, authenticate
from triage.casework.drafts import DraftStore
from triage.casework.sealing import service_secret
from triage.casework.service_store import service_store
from triage.facts.common import supported_day
from triage.questionnaire import Questionnaire
from triage.settings import Settings
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.models import Organisation, User

T = TypeVar("T")

# ------------------------------------------------------------------ request inputs

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_only(value: Any) -> Any:
    # pydantic would read a number as a Unix timestamp (as_of=0 -> 1970-01-01); a day
    # must be written as YYYY-MM-DD, as the OpenAPI document says.
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_only), AfterValidator(supported_day)]
"""A day written YYYY-MM-DD (never a number), in the span the calendar knows (a 422 naming the field otherwise)."""

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Any unique string (e.g. a UUID). Replaying it with the same body returns the first "
        "response and creates nothing new.",
        max_length=idempotency.MAX_KEY_LENGTH,
    ),
]

# ------------------------------------------------------------------ per-app state


def _state(request: Request, name: str, kind: type[T]) -> T:
    value = getattr(request.app.state, name, None)
    if not isinstance(value, kind):
        raise RuntimeError(f"app.state.{name} is missing: make the app with api.app.create_app")
    return value


async def settings(request: Request) -> Settings:
    """The app's settings (read when :func:`api.app.create_app` made it)."""
    return _state(request, "settings", Settings)


async def engines(request: Request) -> Engines:
    return _state(request, "engines", Engines)


async def questionnaire(request: Request) -> Questionnaire:
    """The questionnaire (loaded at start-up, or else on first use)."""
    loaded: Lazy[Questionnaire] = _state(request, "questionnaire", Lazy)
    return loaded.get()


def database(request: Request) -> Database:
    db = getattr(request.app.state, "database", None)
    if isinstance(db, Database):
        return db
    return service_store()


def limiter(request: Request) -> RateLimiter:
    return _state(request, "rate_limiter", RateLimiter)


AppSettings = Annotated[Settings, Depends(settings)]
AppEngines = Annotated[Engines, Depends(engines)]
AppQuestionnaire = Annotated[Questionnaire, Depends(questionnaire)]
DB = Annotated[Database, Depends(database)]


async def today(config: AppSettings) -> dt.date:
    """The day the questionnaire pages assess: today, or ``TRIAGE_AS_OF`` (tests and demonstrations)."""
    return config.as_of or dt.date.today()


def secret(request: Request) -> str:
    """The service secret (``TRIAGE_SECRET_KEY`` or the state folder's), read once per app."""
    found = getattr(request.app.state, "secret", None)
    if not isinstance(found, str):
        found = request.app.state.secret = service_secret(_state(request, "settings", Settings))
    return found


def drafts(db: DB, request: Request) -> DraftStore:
    """Saved questionnaire answers, in the store, sealed."""
    return DraftStore(db, secret(request))


Today = Annotated[dt.date, Depends(today)]
Drafts = Annotated[DraftStore, Depends(drafts)]

# ------------------------------------------------------------------ API keys

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tjk_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key: `X-API-Key: tjk_...`")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="triage"'}


def _presented(bearer: HTTPAuthorizationCredentials | None, header: str | None) -> str | None:
    if bearer is not None and bearer.credentials:
        return bearer.credentials
    return header or None


def principal(
    request: Request,
    db: DB,
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
    # Per organisation: a second key of the same organisation shares the allowance.
    limiter(request).check(f"org:{who.organisation_id}")
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
OptionalCaller = Annotated[Principal | None, Depends(optional_principal)]
ReferrerKey = Annotated[Principal, Depends(require("referrer", "admin"))]
AgencyKey = Annotated[Principal, Depends(require("agency", "admin"))]

# ------------------------------------------------------------------ casework sign-in


class Viewer:
    """The signed-in user, their organisation and what they may do."""

    def __init__(self, user: User, org: Organisation) -> None:
        self.user, self.org = user, org
        self.actor = Actor(user_id=user.id, organisation_id=user.organisation_id, role=user.role)

    @property
    def is_referrer(self) -> bool:
        return self.user.role in ("referrer", "admin")

    @property
    def is_adviser(self) -> bool:
        return self.user.role in ("adviser", "admin")


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made now if it has none), for every form to post back."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, sent: str | None) -> bool:
    want = request.session.get("csrf")
    return isinstance(want, str) and isinstance(sent, str) and hmac.compare_digest(want, sent)


class SignInLocked(Exception):
    """Too many failed sign-ins for this account or address; the message says only to wait."""


def sign_in(request: Request, db: Database, email: str, password: str) -> Viewer | None:
    """Check the password; on success start a fresh session holding only the user id.

    None for a wrong email or password; :class:`SignInLocked` once this account or client
    address has failed too often (``api.limits.SignInGuard``), whatever the password."""
    guard = _state(request, "signin_guard", SignInGuard)
    address = request.client.host if request.client else "unknown"
    if guard.locked(email, address):
        raise SignInLocked(guard.message())
    found = check_password(db, email, password)
    if found is None:
        guard.failed(email, address)
        return None
    user, org = found
    request.session.clear()
    sessions.rotate(request)  # no session fixation: a new token after sign-in
    request.session["user_id"] = user.id
    csrf_token(request)
    return Viewer(user, org)


def viewer(request: Request, db: DB) -> Viewer | None:
    """The signed-in user of this session, while still active; None if nobody is signed in."""
    user_id = request.session.get("user_id")
    if not isinstance(user_id, str):
        return None
    found = active_user(db, user_id)
    return Viewer(*found) if found else None


SignedIn = Annotated[Viewer | None, Depends(viewer)]
