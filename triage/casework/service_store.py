"""The process's store for the web app and API: migrated on first use, demo data only in demo mode.

A real deployment starts empty and makes its first administrator with
``triage users create --role admin``; ``./bin/run`` turns demo mode on
(``triage serve --demo``, or ``TRIAGE_DEMO=1``) and says so at start-up.
"""

from __future__ import annotations

import threading

from triage.casework.demo import seed_demo
from triage.settings import settings
from triage.store.db import Database, prepare_store

_default: Database | None = None
_lock = threading.Lock()


def prepare_service_store(url: str | None = None, demo: bool | None = None) -> tuple[Database, tuple[int, int]]:
    """Migrate the store and, in demo mode, seed an empty one; returns it and (agencies, users) seeded.

    With no ``url`` the result becomes the process's store (see :func:`service_store`)."""
    global _default
    with _lock:
        db = prepare_store(url)
        seeded = seed_demo(db) if (settings().demo if demo is None else demo) else (0, 0)
        if url is None:
            _default = db
        return db, seeded


def service_store() -> Database:
    """The process's store, prepared on first use."""
    if _default is None:
        return prepare_service_store()[0]
    return _default
