"""The /v1 JSON API for discharge teams and advice agencies (issue 7).

:func:`install` adds the request limits, the routers and the background
outbox delivery to the app; ``api/app.py`` calls it once.

Settings (environment): ``TRIAGE_API_MAX_BODY`` (bytes, default 262144),
``TRIAGE_API_RATE`` / ``TRIAGE_API_BURST`` (per key; 0 turns limiting off),
``TRIAGE_OUTBOX_WORKER`` (``0`` to not deliver webhooks from the web process,
e.g. when ``triage outbox deliver`` runs beside it), ``TRIAGE_OUTBOX_INTERVAL``
(seconds between delivery passes, default 2).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from api.limits import RequestLimits
from triage.settings import settings

log = logging.getLogger("triage.api")


def _outbox_lifespan(app: FastAPI) -> None:
    """Run outbox delivery in a background thread while the app serves (unless turned off)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        delivery = None
        config = settings()
        if config.outbox_worker:
            from triage.casework.service_store import service_store
            from triage.casework.webhooks import BackgroundDelivery, OutboxWorker
            from triage.store.db import Database

            db = getattr(app.state, "database", None)
            db = db if isinstance(db, Database) else service_store()
            interval = config.outbox_interval
            delivery = BackgroundDelivery(OutboxWorker(db), interval=interval)
            delivery.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            if delivery is not None:
                delivery.stop()

    app.router.lifespan_context = lifespan


def install(app: FastAPI) -> None:
    from api.v1 import agencies, cases, letters, referrals

    app.add_middleware(RequestLimits)
    for module in (cases, referrals, letters, agencies):
        app.include_router(module.router)
    _outbox_lifespan(app)
