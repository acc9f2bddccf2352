"""``/v1/cases``: store a case with its assessment, list the organisation's cases, read one.

Thin: the store (``triage.casework.cases``) assesses, stores and audits; this
module turns JSON into its arguments and its views into JSON. A case of
another organisation answers 404, exactly like a case that does not exist.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from api import idempotency
from api.deps import DB, AppEngines, AppQuestionnaire, Caller, IdempotencyKey, IsoDate, ReferrerKey
from api.problems import ProblemError
from api.v1.examples import CASE_EXAMPLES
from triage.casework import amend as store_amend
from triage.casework import cases as store_cases
from triage.casework.case_letters import LETTER_DETAILS_KEY
from triage.casework.cases import PersonDetails
from triage.casework.place import case_place
from triage.engine.assessment import Assessment, LetterNeeded
from triage.facts import CaseFacts
from triage.letters import LetterDetails, parse_details
from triage.questionnaire import Questionnaire
from triage.routing.place import Place
from triage.store.db import Database
from triage.store.views import CaseSummary, CaseView, ConsentView, NeedView, ReferralView, SafeContact

router = APIRouter(prefix="/v1/cases", tags=["cases"])


CREATED_CASE_HEADERS: dict[str, Any] = {
    "Location": {"description": "The case's path, /v1/cases/{id}.", "schema": {"type": "string"}},
    "ETag": {"description": "The case's version: send it as If-Match to amend the case.", "schema": {"type": "string"}},
}
CaseId = Annotated[str, Path(description="The case id.", min_length=1, max_length=64)]


class CaseCreate(BaseModel):
    """A case to assess and store: facts (or questionnaire answers) as on ``as_of``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": cast("list[JsonValue]", CASE_EXAMPLES),
            "oneOf": [{"required": ["facts"]}, {"required": ["answers"]}],
        },
    )

    as_of: IsoDate = Field(description="Assess as on this day (deadlines count from it).")
    facts: CaseFacts | None = Field(default=None, description="Case facts; give these or `answers`.")
    answers: dict[str, Any] | None = Field(
        default=None, description="Questionnaire answers by question id (see GET /v1/questionnaire)."
    )
    person: PersonDetails | None = Field(
        default=None, description="Who the person is and how to reach them safely; kept apart from the facts."
    )
    letter: LetterDetails | None = Field(
        default=None,
        description="Details letters need beyond the facts: referrer, recipients, consent per letter "
        "(the same shape as a case file's `letter:` section).",
    )

    @model_validator(mode="after")
    def _facts_or_answers(self) -> CaseCreate:
        if (self.facts is None) == (self.answers is None):
            raise ValueError("give either facts or answers (not both)")
        return self


class PersonOut(BaseModel):
    name: str | None
    date_of_birth: dt.date | None


class FieldProblem(BaseModel):
    field: str = Field(
        description="The input to give or change (letter.<section>.<field>, person.<field>, "
        "consent.<purpose> for a consent to record)."
    )
    problem: str


class LetterLink(BaseModel):
    """A letter the assessment says is required, and where to get it."""

    kind: str
    issue: str
    purpose: str | None
    reason: str
    to_confirm: list[str] = Field(
        default=[],
        description="Case facts still unknown that the letter waits for (the person's agreement): ask first. "
        "It is rendered only with a live stored consent for its purpose.",
    )
    href: str
    missing: list[FieldProblem] = Field(
        default=[], description="What still stops the letter going out, checked when the case is stored or amended."
    )


class CaseOut(BaseModel):
    """A stored case: its assessment, the letters it requires, needs, referrals and consents."""

    id: str
    organisation_id: str
    case_ref: str | None
    as_of: dt.date
    created_at: dt.datetime
    etag: str = Field(description="The case's version, also sent as the ETag header: send it as If-Match to amend.")
    person: PersonOut
    borough: str | None
    place: Place = Field(
        description="Where the person lives, from the ONS Postcode Directory: the London borough routing uses, "
        "the local authority (`housing_authority` for a duty-to-refer notice), or why it is unknown or ambiguous."
    )
    safe_contact: list[str]
    contact: SafeContact = Field(description="The contact details that may be used, and the rule in plain words.")
    assessment: Assessment
    letters_required: list[LetterLink]
    needs: list[NeedView]
    referrals: list[ReferralView]
    consents: list[ConsentView]


class CaseList(BaseModel):
    items: list[CaseSummary]


def facts_from_answers(qn: Questionnaire, answers: dict[str, Any], case_ref: str | None = None) -> CaseFacts:
    """Questionnaire answers to case facts; a bad answer is a 422 naming ``answers.<question id>``."""
    from triage.questionnaire.answers import AnswerError
    from triage.questionnaire.flow import to_facts

    try:
        return to_facts(qn, answers, case_ref)
    except AnswerError as exc:
        field = f"answers.{exc.question_id}"
        problem = exc.key + (f" ({exc.values['detail']})" if "detail" in exc.values else "")
        raise ProblemError(422, f"{field}: {problem}", errors=[{"field": field, "problem": problem}]) from None
    except KeyError as exc:
        raise ProblemError(
            422, f"answers: unknown question {exc}", errors=[{"field": "answers", "problem": f"unknown question {exc}"}]
        ) from None


def letter_links(
    case_id: str, letters: list[LetterNeeded], gaps: dict[str, list[tuple[str, str]]] | None = None
) -> list[LetterLink]:
    out = []
    for x in letters:
        href = f"/v1/cases/{case_id}/letters/{x.kind}" + (f"?purpose={x.purpose}" if x.purpose else "")
        missing = (gaps or {}).get(f"{x.kind}/{x.purpose}" if x.purpose else x.kind, [])
        out.append(LetterLink(kind=x.kind, issue=x.issue, purpose=x.purpose, reason=x.reason,
                              to_confirm=x.to_confirm, href=href,
                              missing=[FieldProblem(field=f, problem=p) for f, p in missing]))  # fmt: skip
    return out


def case_out(view: CaseView) -> CaseOut:
    assessment = Assessment.model_validate(view.assessment)
    return CaseOut(
        id=view.id,
        organisation_id=view.organisation_id,
        case_ref=view.case_ref,
        as_of=view.as_of,
        created_at=view.created_at,
        etag=view.etag,
        person=PersonOut(name=view.person_name, date_of_birth=view.date_of_birth),
        borough=view.borough,
        place=case_place(view.facts),
        safe_contact=view.safe_contact,
        contact=view.contact,
        assessment=assessment,
        letters_required=letter_links(view.id, assessment.letters, view.letter_gaps),
        needs=view.needs,
        referrals=view.referrals,
        consents=view.consents,
    )


@router.post(
    "",
    status_code=201,
    response_model=CaseOut,
    summary="Assess and store a case",
    responses={201: {"description": "The stored case with its assessment", "headers": CREATED_CASE_HEADERS}},
)
def create_case(
    request: Request,
    body: Annotated[CaseCreate, Body()],
    who: ReferrerKey,
    db: DB,
    engines: AppEngines,
    qn: AppQuestionnaire,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Assess the facts as on ``as_of`` and store the case for the caller's organisation.

    A discharge case (``health.setting: discharge`` with a ``discharge_date``) of a person who is
    homeless or threatened with homelessness lists the duty-to-refer notice in ``letters_required``."""
    facts = body.facts if body.facts is not None else facts_from_answers(qn, body.answers or {})
    answers: dict[str, Any] = dict(body.answers or {})
    if body.letter is not None:
        answers[LETTER_DETAILS_KEY] = body.letter.model_dump(mode="json", exclude_defaults=True)
    eng = engines.in_force(body.as_of)

    def action(tx: Database) -> tuple[int, CaseOut]:
        view = store_cases.create_case(tx, who.actor, facts, body.as_of, eng, person=body.person, answers=answers)
        return 201, case_out(view)

    response = idempotency.run(db, who, idempotency_key, f"POST {request.url.path}", body, action,
                               location=lambda case: f"/v1/cases/{case['id']}")  # fmt: skip
    return with_etag(response)


def with_etag(response: Response) -> Response:
    """A case answer's ETag header, from the version it carries."""
    if response.status_code < 300:
        response.headers["ETag"] = json.loads(bytes(response.body))["etag"]
    return response


@router.get("", response_model=CaseList, summary="The organisation's cases, newest first")
def list_cases(
    who: Caller,
    db: DB,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many cases.")] = 50,
    today: Annotated[IsoDate | None, Query(description="Count overdue evidence as on this day.")] = None,
) -> CaseList:
    """Every case listed is written to the audit log as read."""
    return CaseList(items=store_cases.list_cases(db, who.actor, today or dt.date.today(), limit=limit))


@router.get("/{case_id}", response_model=CaseOut, summary="One case with its assessment")
def get_case(
    case_id: CaseId,
    who: Caller,
    db: DB,
    response: Response,
    today: Annotated[IsoDate | None, Query(description="Count overdue evidence as on this day.")] = None,
) -> CaseOut:
    """A case of the caller's organisation; 404 for any other (audited as a read). Its ETag is the
    version to name in If-Match when amending it."""
    out = case_out(store_cases.get_case(db, who.actor, case_id, today or dt.date.today()))
    response.headers["ETag"] = out.etag
    return out


class CaseAmend(BaseModel):
    """Changes to a stored case, each a JSON merge patch (RFC 7396): a value replaces, null removes."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"facts": {"health": {"discharge_date": "2026-11-30"}}}]},
    )

    as_of: IsoDate | None = Field(default=None, description="Assess again as on this day (default: the case's).")
    facts: dict[str, Any] | None = Field(default=None, description="Merge patch over the case facts.")
    person: dict[str, Any] | None = Field(default=None, description="Merge patch over the person's details.")
    letter: dict[str, Any] | None = Field(default=None, description="Merge patch over the letter details.")


@router.patch(
    "/{case_id}",
    response_model=CaseOut,
    summary="Amend a case and assess it again",
    responses={200: {"description": "The amended case", "headers": {"ETag": CREATED_CASE_HEADERS["ETag"]}},
               412: {"description": "The case changed since the If-Match version"},
               428: {"description": "If-Match is required"}},
)  # fmt: skip
def amend_case(
    case_id: CaseId,
    body: Annotated[CaseAmend, Body()],
    who: ReferrerKey,
    db: DB,
    engines: AppEngines,
    response: Response,
    if_match: Annotated[str | None, Header(description="The case's ETag, as GET or the last change gave it.")] = None,
) -> CaseOut:
    """A slipped discharge date, a new fact, a missing letter field: the case is assessed again and
    the audit log keeps what it was before."""
    if if_match is None:
        raise ProblemError(428, "If-Match: required: send the case's ETag (from GET /v1/cases/{id})",
                           errors=[{"field": "header.If-Match", "problem": "required"}])  # fmt: skip
    view = store_amend.amend_case(
        db, who.actor, case_id, if_match, engines.in_force, as_of=body.as_of, facts=body.facts,
        person=body.person, letter=body.letter, check_letter=_check_letter,
    )  # fmt: skip
    out = case_out(view)
    response.headers["ETag"] = out.etag
    return out


def _check_letter(details: dict[str, Any]) -> None:
    parse_details(details, "letter")
