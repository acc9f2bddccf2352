"""Shared dependencies of the /v1 routes: the store, and the engine.

The store is ``app.state.database`` when set (tests and embedders set it),
else the process's default store (``TRIAGE_DATABASE_URL`` or the SQLite file
in the state folder), prepared on first use.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Request
from pydantic import BeforeValidator

from triage.casework.service_store import service_store
from triage.store.db import Database

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_only(value: Any) -> Any:
    # pydantic would read a number as a Unix timestamp (as_of=0 -> 1970-01-01); a day
    # must be written as YYYY-MM-DD, as the OpenAPI document says.
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_only)]
"""A day written YYYY-MM-DD (never a number)."""


def database(request: Request) -> Database:
    db = getattr(request.app.state, "database", None)
    if isinstance(db, Database):
        return db
    return service_store()
