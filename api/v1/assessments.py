"""``POST /v1/assessments`` (stateless triage: nothing is stored) and ``GET /v1/ruleset``.

The busiest route, so :func:`install` adds these to the app itself rather than through an
included router: FastAPI finds a route of an included router through a further layer of
matching, about 15 us a request (some 4% of an assessment), measured with the app called
directly over ASGI.
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from api.deps import AppEngines, IsoDate, OptionalCaller, engines, questionnaire
from api.v1.cases import facts_from_answers
from api.v1.examples import ASSESSMENT_EXAMPLES
from triage.engine.assessment import Assessment
from triage.facts import CaseFacts


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


def install(app: FastAPI) -> None:
    app.post(
        "/v1/assessments",
        response_model=Assessment,
        tags=["assessments"],
        # An API key is optional here: the empty requirement says so in the OpenAPI document.
        openapi_extra={"security": [{}, {"HTTPBearer": []}, {"APIKeyHeader": []}]},
    )(create_assessment)
    app.get("/v1/ruleset", response_model=RulesetInfo)(ruleset)


async def create_assessment(request: Request, body: AssessmentRequest, _caller: OptionalCaller) -> Response:
    """Stateless triage: the needs, tiers, urgency, deadlines and reasons for these facts.

    Nothing is stored, so an API key is optional; one that is sent must be valid, and
    callers are rate limited per organisation (or per address without a key)."""
    # The app's questionnaire and engines come from the dependencies of api.deps, awaited
    # here rather than declared: each dependency FastAPI solves costs about 12 us a
    # request, some 4% of this, the busiest route.
    if body.facts is not None:
        facts = body.facts
    else:
        facts = facts_from_answers(await questionnaire(request), body.answers or {})
    # The version in force on the day asked about; the app keeps it warm from
    # start-up so a first request does not pay for compiling it.
    # Run here, not in a worker thread: the work is CPU-bound and the engine
    # serialises it anyway, so a thread hop would only add latency.
    assessment = (await engines(request)).in_force(body.as_of).assess(facts, body.as_of)
    # Serialised once, in Rust: the engine's output is already a valid Assessment,
    # so FastAPI's re-validation and dict round trip would only add cost.
    return Response(assessment.model_dump_json(), media_type="application/json")


def ruleset(engines: AppEngines, as_of: IsoDate | None = None) -> RulesetInfo:
    """The rule set in use: the newest installed version, or with ``as_of`` the version in force
    that day (the one an assessment for that day uses) and its rules in force then."""
    rs = engines.newest().ruleset if as_of is None else engines.in_force(as_of).ruleset
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
