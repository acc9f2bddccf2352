"""The process's store for the web app, the API and the worker: demo data only in demo mode.

In demo mode the store is migrated and seeded on first use. A real deployment is migrated
at deploy (``triage db upgrade``) and only opened here: a store behind the newest revision
stops the process with :class:`~triage.store.db.StoreNotReady` naming the command. It
starts empty and makes its first administrator with ``triage users create --role admin``;
``./bin/run`` turns demo mode on (``triage serve --demo``, or ``TRIAGE_DEMO=1``) and says so
at start-up.
"""

from __future__ import annotations

import threading

from triage.casework.demo import seed_demo
from triage.settings import settings
from triage.store.db import Database, StoreNotReady, prepare_store, ready_store

__all__ = ["StoreNotReady", "prepare_service_store", "service_store"]

_default: Database | None = None
_lock = threading.Lock()


def prepare_service_store(url: str | None = None, demo: bool | None = None) -> tuple[Database, tuple[int, int]]:
    """In demo mode migrate the store and seed it if empty; else open it, at the newest revision
    or :class:`StoreNotReady`. Returns it and (agencies, users) seeded.

    With no ``url`` the result becomes the process's store (see :func:`service_store`)."""
    global _default
    demo = settings().demo if demo is None else demo
    with _lock:
        db = prepare_store(url) if demo else ready_store(url)
        seeded = seed_demo(db) if demo else (0, 0)
        if url is None:
            _default = db
        return db, seeded


def service_store() -> Database:
    """The process's store, prepared on first use."""
    if _default is None:
        return prepare_service_store()[0]
    return _default
