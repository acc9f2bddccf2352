"""The app factory: :func:`create_app` builds the web app and JSON API with its own state.

Serve it with ``uvicorn --factory api.app:create_app`` (``triage serve`` does). Every
route lives in ``api/v1/`` (the JSON API, and ``/healthz`` and ``/readyz``), ``api/web/``
(the link-worker pages) or ``api/casework/`` (the casework pages), and takes what it
needs through :mod:`api.deps`; logic lives in ``triage``.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi_offline import FastAPIOffline

from api import fhir, problems, sessions
from api.casework import case_pages, evidence_pages, journey, letter_pages
from api.casework import routes as casework
from api.limits import RateLimiter, RequestLimits, SignInGuard, limit_storage
from api.request_log import RequestLog
from api.state import Engines, Lazy
from api.v1 import agencies, assessments, cases, consents, health, letters, referrals
from api.v1 import questionnaire as questionnaire_api
from api.web import pages
from api.web import questionnaire as web_questionnaire
from api.web.templating import mount_static
from triage import logs
from triage.questionnaire import Questionnaire, load_questionnaire
from triage.settings import Settings
from triage.settings import settings as environment_settings
from triage.store.db import Database

# After /healthz, /readyz, the stateless POST /v1/assessments and GET /v1/ruleset, and
# /static; in this order: the first route matching a request answers it, and the OpenAPI
# document lists paths in it.
ROUTERS = (
    pages.router,  # session keep-alive and end, accessibility, privacy
    web_questionnaire.router,  # the questionnaire pages
    questionnaire_api.router,  # GET /v1/questionnaire
    cases.router,  # /v1 cases, referrals, letters, agencies (issue 7)
    referrals.router,
    letters.router,
    agencies.router,
    journey.router,  # save the result as a case, consent (issue 18); before the case page's /{case_id}
    case_pages.router,  # case page, an agency per need, send, calendar (issue 18)
    letter_pages.router,  # letters: preview, PDF, Word, fill missing fields (issue 18)
    evidence_pages.router,  # medical evidence requests sent, chased, received (issue 18)
    casework.router,  # sign-in, case list, agency inbox (issue 4)
    consents.router,  # record and withdraw consent (letters need it)
    fhir.router,  # /fhir: referrals in as ServiceRequest, out as ServiceRequest and Task (issue 20)
)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """A new app: problem details, server-side sessions, request limits, every router, and its state.

    ``settings`` default to the environment's (read now, once, for this app); ``database``
    to the process's default store, prepared on first use."""
    config = settings if settings is not None else environment_settings()
    # /docs and /redoc load Swagger UI and ReDoc from assets packaged with fastapi-offline
    # (served at /static-offline-docs): hospital networks often block content delivery networks.
    app = FastAPIOffline(
        title="Health justice triage API",
        version="0.1.0",
        description="Triage a person's situation into legal needs with tiers, urgency and deadlines.",
        lifespan=_lifespan,
    )
    app.state.settings = config
    app.state.engines = Engines()
    app.state.questionnaire = Lazy[Questionnaire](load_questionnaire)
    counters = limit_storage(config)  # Redis when configured: one count for every worker
    app.state.rate_limiter = RateLimiter.from_settings(config, counters)
    app.state.signin_guard = SignInGuard.from_settings(config, counters)
    if database is not None:
        app.state.database = database
    logs.configure(config)
    problems.install(app)
    sessions.install(app, config)
    app.add_middleware(RequestLimits, max_body=config.api_max_body)
    app.add_middleware(RequestLog)  # outermost: every response carries its request id
    app.include_router(health.router)
    assessments.install(app)  # on the app itself, not through a router (see its docstring)
    mount_static(app)  # /static: the vendored NHS.UK assets and the pages' own script and styles
    for router in ROUTERS:
        app.include_router(router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Deliver webhooks in a background thread while the app serves (unless turned off), and
    build before the first request what it would otherwise wait for."""
    config: Settings = app.state.settings
    delivery = None
    if config.outbox_worker:
        from triage.casework.service_store import service_store
        from triage.casework.webhooks import BackgroundDelivery, DeliveryPolicy, OutboxWorker

        db = getattr(app.state, "database", None)
        db = db if isinstance(db, Database) else service_store()
        delivery = BackgroundDelivery(OutboxWorker(db, DeliveryPolicy.from_settings(config)), config.outbox_interval)
        delivery.start()
    try:
        # In a worker thread, so no request waits on the event loop. The server's own
        # day, only to choose what to build ahead: every assessment still uses the
        # as_of it is given.
        await run_in_threadpool(_warm, app, dt.date.today())
        # Everything loaded so far (modules, rule sets, compiled rules) lives as long
        # as the process. Moved out of the collector's reach, a full collection no
        # longer walks it: such a walk took about 100 ms, a pause every request
        # queued behind it would wait out.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            # What this lifespan made (stores, threads) is garbage once it ends.
            gc.unfreeze()
    finally:
        if delivery is not None:
            delivery.stop()


def _warm(app: FastAPI, today: dt.date) -> None:
    engines: Engines = app.state.engines
    engines.warm(today)
    loaded: Lazy[Questionnaire] = app.state.questionnaire
    loaded.get()
