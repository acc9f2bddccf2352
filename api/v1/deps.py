"""Shared dependencies of the /v1 routes: the store, and the engine.

The store is ``app.state.database`` when set (tests and embedders set it),
else the process's default store (``TRIAGE_DATABASE_URL`` or the SQLite file
in the state folder), prepared on first use.
"""

from __future__ import annotations

from fastapi import Request

from triage.store.db import Database, default_database


def database(request: Request) -> Database:
    db = getattr(request.app.state, "database", None)
    if isinstance(db, Database):
        return db
    return default_database()
