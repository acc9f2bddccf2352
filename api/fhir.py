"""``/fhir/...``: referrals in and out as FHIR R4 resources (``application/fhir+json``).

Thin: ``triage.casework.fhir_in`` reads a ServiceRequest into the same case
input as ``POST /v1/cases`` (same validation, same problem details, FHIR paths
in ``errors[].field``), and ``triage.casework.fhir_out`` writes a referral as a
ServiceRequest and its lifecycle and outcome as a Task, from the same packet
``GET /v1/referrals/{id}`` shows, so access and consent rules are the same.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import JSONResponse, Response

from api import idempotency
from api.deps import DB, AppEngines, Caller, IdempotencyKey, ReferrerKey
from api.problems import ProblemError
from api.v1.cases import CREATED_CASE_HEADERS, CaseOut, case_out, with_etag
from triage.casework import cases as store_cases
from triage.casework import referrals as lifecycle
from triage.casework.fhir_in import FhirInputError, referral_from_fhir
from triage.casework.fhir_out import service_request, task
from triage.store.db import Database

router = APIRouter(prefix="/fhir", tags=["fhir"])
FHIR_JSON = "application/fhir+json"
FHIR_KEY = "_fhir"
"""Where a case made from FHIR keeps what only FHIR said (the requester's ODS code), in ``cases.answers``."""

Id = Annotated[str, Path(description="The referral id.", min_length=1, max_length=64)]
_FHIR_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}}


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


@router.post(
    "/ServiceRequest",
    status_code=201,
    response_model=CaseOut,
    summary="A referral as a FHIR ServiceRequest: assess and store it as a case",
    responses={201: {"description": "The stored case, as POST /v1/cases answers it", "headers": CREATED_CASE_HEADERS}},
)
def create_from_service_request(
    request: Request,
    body: Annotated[dict[str, Any], Body(description="A ServiceRequest with a contained Patient and case facts.")],
    who: ReferrerKey,
    db: DB,
    engines: AppEngines,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The same case as ``POST /v1/cases`` with ``facts``, ``person`` and ``as_of`` = ``authoredOn``."""
    try:
        referral = referral_from_fhir(body)
    except FhirInputError as exc:
        errors = [{"field": p, "problem": m} for p, m in exc.problems]
        raise ProblemError(422, str(exc), errors=errors) from None
    eng = engines.in_force(referral.as_of)
    answers = {FHIR_KEY: {"requester_ods": referral.requester_ods}} if referral.requester_ods else {}

    def action(tx: Database) -> tuple[int, CaseOut]:
        view = store_cases.create_case(
            tx, who.actor, referral.facts, referral.as_of, eng, person=referral.person, answers=answers
        )
        return 201, case_out(view)

    response = idempotency.run(db, who, idempotency_key, f"POST {request.url.path}", body, action,
                               location=lambda case: f"/v1/cases/{case['id']}")  # fmt: skip
    return with_etag(response)


@router.get("/ServiceRequest/{referral_id}", response_class=FhirResponse, responses=_FHIR_RESPONSE,
            summary="A referral as a FHIR ServiceRequest")  # fmt: skip
def get_service_request(referral_id: Id, who: Caller, db: DB) -> FhirResponse:
    """For the referrer or the receiving agency; 404 for anyone else."""
    return FhirResponse(service_request(lifecycle.get_referral(db, who.actor, referral_id)))


@router.get("/Task/{referral_id}", response_class=FhirResponse, responses=_FHIR_RESPONSE,
            summary="A referral's lifecycle and outcome as a FHIR Task")  # fmt: skip
def get_task(referral_id: Id, who: Caller, db: DB) -> FhirResponse:
    """Requested, accepted, rejected with its reason, completed with the outcome."""
    return FhirResponse(task(lifecycle.get_referral(db, who.actor, referral_id)))
