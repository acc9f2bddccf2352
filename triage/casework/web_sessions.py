"""Browser sessions of the web pages, kept in the store and ended on the server.

The cookie holds only a random token (256 bits). The row is keyed and sealed by
:class:`~triage.casework.sealing.Sealer`, so neither the cookie (nothing readable in it)
nor the table (nothing readable without the cookie) gives away a resume code or a user.
A session idle for :data:`IDLE_TIMEOUT` is gone; :meth:`SessionStore.destroy` (signing out,
quick exit) deletes it at once, so a copied cookie opens nothing afterwards. Rows live in
the one store, so every worker and host sees the same sessions.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from sqlmodel import col, delete

from triage.casework.sealing import Sealer
from triage.store.db import Database
from triage.store.models import WebSession
from triage.store.types import utcnow

# An idle session ends after this; the pages warn a little before (issue 3). Drafts of the
# questionnaire expire with it too.
IDLE_TIMEOUT = dt.timedelta(minutes=20)
# A session in use is renewed at most this often (one write per minute, not per request).
TOUCH_EVERY = dt.timedelta(seconds=60)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class SessionStore:
    def __init__(self, db: Database, secret: str, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self._sealer = Sealer(secret, "session")
        self._clock = clock

    def load(self, token: str) -> tuple[dict[str, Any], dt.datetime] | None:
        """The session's data and when it was last renewed, while it has not been idle too long."""
        with self._db.transaction() as s:
            row = s.get(WebSession, self._sealer.row_id(token))
            if row is None or row.updated_at < self._clock() - IDLE_TIMEOUT:
                return None
            data = self._sealer.open(token, row.sealed)
            return (data, row.updated_at) if data is not None else None

    def save(self, token: str, data: dict[str, Any]) -> None:
        user = data.get("user_id")
        user_id = user if isinstance(user, str) else None
        sealed, row_id = self._sealer.seal(token, data), self._sealer.row_id(token)
        with self._db.transaction() as s:
            row = s.get(WebSession, row_id)
            if row is None:
                s.add(WebSession(id_hash=row_id, sealed=sealed, user_id=user_id, updated_at=self._clock()))
            else:
                row.sealed, row.updated_at, row.user_id = sealed, self._clock(), user_id

    def destroy(self, token: str) -> None:
        with self._db.transaction() as s:
            s.execute(delete(WebSession).where(col(WebSession.id_hash) == self._sealer.row_id(token)))

    def destroy_user(self, user_id: str) -> int:
        """End every session of a user (deactivated, or signing out everywhere); how many."""
        with self._db.transaction() as s:
            result = s.execute(delete(WebSession).where(col(WebSession.user_id) == user_id))
            return int(getattr(result, "rowcount", 0) or 0)

    def purge(self) -> int:
        """Delete sessions idle past the timeout; how many."""
        with self._db.transaction() as s:
            cutoff = self._clock() - IDLE_TIMEOUT
            result = s.execute(delete(WebSession).where(col(WebSession.updated_at) < cutoff))
            return int(getattr(result, "rowcount", 0) or 0)
