"""The FastAPI app: JSON API under /v1. Routes are thin; logic lives in ``triage``."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from api import problems, sessions
from api.auth import optional_principal
from api.v1.cases import facts_from_answers
from api.v1.deps import IsoDate
from api.v1.examples import ASSESSMENT_EXAMPLES
from triage.casework.apikeys import Principal
from triage.engine.assessment import Assessment
from triage.engine.engine import Engine
from triage.facts import CaseFacts

app = FastAPI(
    title="Health justice triage API",
    version="0.1.0",
    description="Triage a person's situation into legal needs with tiers, urgency and deadlines.",
)
problems.install(app)
sessions.install(app)

# Routers and middleware of other modules are registered at the end of this file,
# one line each, so owners of separate features never edit the same lines.


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The newest installed rule set, loaded and compiled once per process."""
    from triage.rulesets.registry import select

    return Engine.default(select("england"))


def warm_engines(today: dt.date) -> None:
    """Load every installed rule-set version (about a second of rule-file parsing each)
    and compile today's question search, so no request waits for either."""
    from triage.rulesets.registry import installed

    engine()
    for version in installed("england"):
        Engine.in_force(version.in_force_from)
    Engine.in_force(today).prepare(today)


def _warm_on_start(application: FastAPI) -> None:
    """Warm the engines (see :func:`warm_engines`) before the first request, in a worker
    thread, so no request waits for them on the event loop."""
    inner = application.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        # The server's own day, only to choose what to build ahead: every
        # assessment still uses the as_of it is given.
        await run_in_threadpool(warm_engines, dt.date.today())
        async with inner(a) as state:
            # Everything loaded so far (modules, rule sets, compiled rules) lives
            # as long as the process. Moved out of the collector's reach, a full
            # collection no longer walks it: such a walk took about 100 ms, a
            # pause every request queued behind it would wait out.
            gc.collect()
            gc.freeze()
            try:
                yield state
            finally:
                # What this lifespan made (stores, threads) is garbage once it ends.
                gc.unfreeze()

    application.router.lifespan_context = lifespan


_warm_on_start(app)


class AssessmentRequest(BaseModel):
    """Case facts (or questionnaire answers) to assess, as on the day ``as_of``. Nothing is stored."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": cast("list[JsonValue]", ASSESSMENT_EXAMPLES),
            "oneOf": [{"required": ["facts"]}, {"required": ["answers"]}],
        }
    )

    as_of: IsoDate = Field(description="Assess as on this day (deadlines count from it).")
    facts: CaseFacts | None = Field(default=None, description="Case facts; give these or `answers`.")
    answers: dict[str, Any] | None = Field(
        default=None, description="Questionnaire answers by question id (see GET /v1/questionnaire)."
    )

    @model_validator(mode="after")
    def _facts_or_answers(self) -> AssessmentRequest:
        if (self.facts is None) == (self.answers is None):
            raise ValueError("give either facts or answers (not both)")
        return self


class RulesetInfo(BaseModel):
    name: str
    version: str
    hash: str
    rules_in_force: list[dict[str, Any]]


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/readyz")
def readyz(eng: Annotated[Engine, Depends(engine)]) -> dict[str, str]:
    return {"status": "ready", "ruleset": eng.ruleset.version}


@app.post(
    "/v1/assessments",
    response_model=Assessment,
    tags=["assessments"],
    # An API key is optional here: the empty requirement says so in the OpenAPI document.
    openapi_extra={"security": [{}, {"HTTPBearer": []}, {"APIKeyHeader": []}]},
)
async def create_assessment(
    body: AssessmentRequest,
    _caller: Annotated[Principal | None, Depends(optional_principal)],
) -> Response:
    """Stateless triage: the needs, tiers, urgency, deadlines and reasons for these facts.

    Nothing is stored, so an API key is optional; one that is sent must be valid, and
    callers are rate limited per key (or per address without one)."""
    facts = body.facts if body.facts is not None else facts_from_answers(body.answers or {})
    # The version in force on the day asked about; the default engine is kept
    # warm at start-up so a first request does not pay for compiling it.
    # Run here, not in a worker thread: the work is CPU-bound and the engine
    # serialises it anyway, so a thread hop would only add latency.
    assessment = Engine.in_force(body.as_of).assess(facts, body.as_of)
    # Serialised once, in Rust: the engine's output is already a valid Assessment,
    # so FastAPI's re-validation and dict round trip would only add cost.
    return Response(assessment.model_dump_json(), media_type="application/json")


@app.get("/v1/ruleset", response_model=RulesetInfo)
def ruleset(eng: Annotated[Engine, Depends(engine)], as_of: IsoDate | None = None) -> RulesetInfo:
    """The rule set in use: the newest installed version, or with ``as_of`` the version in force
    that day (the one an assessment for that day uses) and its rules in force then."""
    rs = eng.ruleset if as_of is None else Engine.in_force(as_of).ruleset
    rules = rs.rules if as_of is None else rs.in_force(as_of)
    return RulesetInfo(
        name=rs.name,
        version=rs.version,
        hash=rs.hash,
        rules_in_force=[
            {
                "id": r.id,
                "title": r.title,
                "effective_from": r.effective_from,
                "effective_to": r.effective_to,
                "source": [s.url for s in r.source],
            }
            for r in rules
        ],
    )


# --- routers (one line each) ---
from api.web.templating import mount_static  # noqa: E402

mount_static(app)
from api.web.pages import router as web_pages_router  # noqa: E402

app.include_router(web_pages_router)
from api.web.questionnaire import router as web_questionnaire_router  # noqa: E402

app.include_router(web_questionnaire_router)
from api.questionnaire_api import router as questionnaire_api_router  # noqa: E402

app.include_router(questionnaire_api_router)
from api.v1 import install as install_v1_api  # noqa: E402

install_v1_api(app)  # /v1 cases, referrals, letters, agencies; limits; outbox (issue 7)
from api.casework.routes import router as casework_router  # noqa: E402

app.include_router(casework_router)  # sign-in, case list, case page, agency inbox (issue 4)
from api.v1.consents import router as consents_router  # noqa: E402

app.include_router(consents_router)  # record and withdraw consent (letters need it)
