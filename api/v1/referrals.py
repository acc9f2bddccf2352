"""Referrals: a referrer refers a case's need to an agency (with consent); the agency accepts,
declines with a coded reason, or closes with an outcome.

Thin over ``triage.casework.referrals`` and ``triage.casework.consent``. ``POST
/v1/cases/{id}/referrals`` records consent, drafts and (by default) sends in
one transaction, so a failure leaves no consent without its referral. Closing
with an outcome queues the referrer's outcome webhook in the same transaction
(``triage.casework.webhooks`` delivers it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator
from sqlalchemy import func
from sqlmodel import Session, col, select

from api import idempotency
from api.deps import DB, AgencyKey, Caller, IdempotencyKey, ReferrerKey
from api.problems import ProblemError
from api.v1.examples import OUTCOME_EXAMPLES, REFERRAL_EXAMPLES
from triage.casework import referrals as lifecycle
from triage.casework.apikeys import Principal
from triage.casework.consent import record_consent, visible_outcome
from triage.casework.referrals import OPEN_STATUSES, OutcomeInput, ReferralPacket, RoutedNeed
from triage.engine.assessment import Assessment
from triage.facts import CaseFacts
from triage.routing.matching import AgencyMatch, route_need
from triage.routing.place import place_of
from triage.store import audit
from triage.store.access import own_case
from triage.store.agencies import entry_of
from triage.store.db import Database
from triage.store.errors import NotFound
from triage.store.models import Agency, Case, DeclineCode, Need, Referral, ReferralStatus
from triage.store.views import ConsentView, ReferralView, referral_view

router = APIRouter(tags=["referrals"])
Id = Annotated[str, Path(min_length=1, max_length=64)]


class ConsentIn(BaseModel):
    """The person's explicit consent to share this referral with the agency."""

    model_config = ConfigDict(extra="forbid")

    given_by: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")] = Field(
        description="Who gave consent: the person, or who speaks for them."
    )
    feedback_agreed: bool = Field(default=False, description="The agency may tell the referrer the outcome.")


class ReferralCreate(BaseModel):
    """Refer one need of the case (by ``need_id`` or ``issue``) to an agency; without
    ``agency_id`` the best match from the directory is chosen."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": cast("list[JsonValue]", REFERRAL_EXAMPLES),
            "oneOf": [{"required": ["need_id"]}, {"required": ["issue"]}],
        },
    )

    need_id: Annotated[str | None, Field(max_length=64)] = None
    issue: Annotated[str | None, Field(max_length=80)] = None
    agency_id: Annotated[str | None, Field(max_length=64)] = None
    consent: ConsentIn
    send: bool = Field(default=True, description="Send now; false leaves a draft to send later.")

    @model_validator(mode="after")
    def _one_need(self) -> ReferralCreate:
        if (self.need_id is None) == (self.issue is None):
            raise ValueError("give either need_id or issue (not both)")
        return self


class ReferralCreated(BaseModel):
    referral: ReferralView
    consent: ConsentView
    match: AgencyMatch | None = Field(description="Why the directory chose this agency (when no agency_id was given).")
    alternatives: list[AgencyMatch] = Field(description="Other agencies that could take the need, best first.")


class ReferralList(BaseModel):
    items: list[ReferralView]


class Decline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: DeclineCode
    text: Annotated[str | None, Field(max_length=500)] = Field(default=None, description="Required for `other`.")


class Declined(BaseModel):
    referral: ReferralView
    rerouted: RoutedNeed = Field(description="The need's next draft referral, or why it is unmet.")


def _choose(s: Session, case: Case, need: Need) -> list[AgencyMatch]:
    """The agencies that could take ``need``, best first, skipping any that declined it."""
    assessed = next((n for n in Assessment.model_validate(case.assessment).needs if n.issue == need.issue), None)
    if assessed is None:
        raise NotFound(f"need {need.id}: not in the case's assessment", field="need_id")
    person = CaseFacts.model_validate(case.facts).person
    declined = frozenset(
        s.exec(select(Referral.agency_id).where(Referral.need_id == need.id, Referral.status == "declined")).all()
    )
    loads = {
        a: int(n)
        for a, n in s.exec(
            select(Referral.agency_id, func.count())
            .where(col(Referral.status).in_(OPEN_STATUSES))
            .group_by(col(Referral.agency_id))
        )
    }
    agencies = [entry_of(a) for a in s.exec(select(Agency).order_by(col(Agency.id)))]
    routed = route_need(assessed, person, place_of(person), agencies, loads, declined)
    if not routed.matches:
        raise ProblemError(
            409,
            f"need {need.issue}: no agency can take it ({routed.unmet_reason}): {routed.unmet_detail}",
            unmet_reason=routed.unmet_reason,
        )
    return list(routed.matches)


def _need(s: Session, case: Case, body: ReferralCreate) -> Need:
    q = select(Need).where(Need.case_id == case.id)
    q = q.where(Need.id == body.need_id) if body.need_id is not None else q.where(Need.issue == body.issue)
    need = s.exec(q).first()
    if need is None:
        field = "need_id" if body.need_id is not None else "issue"
        raise ProblemError(
            422,
            f"{field}: case {case.id} has no such need",
            errors=[{"field": field, "problem": "not a need of this case"}],
        )
    return need


@router.post(
    "/v1/cases/{case_id}/referrals",
    status_code=201,
    response_model=ReferralCreated,
    summary="Refer a need",
    responses={
        201: {
            "description": "The referral",
            "headers": {
                "Location": {"description": "The referral's path, /v1/referrals/{id}.", "schema": {"type": "string"}}
            },
        }
    },
)
def create_referral(
    request: Request,
    case_id: Id,
    body: Annotated[ReferralCreate, Body()],
    who: ReferrerKey,
    db: DB,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record the person's consent to share with the agency, draft the referral and send it,
    all or nothing."""

    def action(tx: Database) -> tuple[int, ReferralCreated]:
        with tx.transaction() as s:
            case = own_case(s, who.actor, case_id)
            need = _need(s, case, body)
            alternatives: list[AgencyMatch] = []
            best: AgencyMatch | None = None
            agency_id = body.agency_id
            if agency_id is None:
                best, *alternatives = _choose(s, case, need)
                agency_id = best.agency_id
            agency = s.get(Agency, agency_id)
            if agency is None:
                raise ProblemError(
                    422,
                    f"agency_id: no agency {agency_id} in the directory",
                    errors=[{"field": "agency_id", "problem": "not in the directory (see GET /v1/agencies)"}],
                )
        consent = record_consent(
            tx,
            who.actor,
            case_id,
            "referral",
            body.consent.given_by,
            recipient_org_id=agency.organisation_id,
            feedback_agreed=body.consent.feedback_agreed,
        )
        # An agency the caller named is its choice; the API has no field for why (yet).
        why = "named by the API caller" if body.agency_id is not None else None
        ref = lifecycle.draft_referral(tx, who.actor, case_id, need.id, agency.id, override_reason=why)
        if body.send:
            ref = lifecycle.send_referral(tx, who.actor, ref.id)
        return 201, ReferralCreated(referral=ref, consent=consent, match=best, alternatives=alternatives)

    return idempotency.run(db, who, idempotency_key, f"POST {request.url.path}", body, action,
                           location=lambda made: f"/v1/referrals/{made['referral']['id']}")  # fmt: skip


@router.get("/v1/referrals", response_model=ReferralList, summary="Referrals sent or received")
def list_referrals(
    who: Caller,
    db: DB,
    side: Annotated[
        Literal["sent", "received"] | None,
        Query(
            description="sent: made by the caller's organisation; received: sent to its agency. "
            "Default: received for agency keys, sent otherwise."
        ),
    ] = None,
    status: Annotated[ReferralStatus | None, Query()] = None,
) -> ReferralList:
    """Newest first; every referral listed is audited as read."""
    side = side or ("received" if who.role == "agency" else "sent")
    if side == "received":
        return ReferralList(items=lifecycle.agency_inbox(db, who.actor, (status,) if status else None))
    with db.transaction() as s:
        q = select(Referral).where(Referral.referrer_org_id == who.organisation_id)
        if status is not None:
            q = q.where(Referral.status == status)
        refs = list(s.exec(q.order_by(col(Referral.created_at).desc(), col(Referral.id)).limit(500)))
        items = []
        for r in refs:
            audit.record(s, who.actor, "referral.list", case_id=r.case_id, referral_id=r.id)
            need, agency = s.get(Need, r.need_id), s.get(Agency, r.agency_id)
            assert need is not None
            outcome = visible_outcome(s, r, who.organisation_id)
            items.append(referral_view(r, need, agency.name if agency else r.agency_id, outcome))
        return ReferralList(items=items)


@router.get("/v1/referrals/{referral_id}", response_model=ReferralPacket, summary="One referral")
def get_referral(referral_id: Id, who: Caller, db: DB) -> ReferralPacket:
    """The referral as the referrer or the receiving agency may see it; 404 for anyone else."""
    return lifecycle.get_referral(db, who.actor, referral_id)


def _transition(
    request: Request, db: Database, who: Principal, key: str | None, body: object,
    do: Callable[[Database], object],
) -> Response:  # fmt: skip
    """Run one lifecycle step in the idempotency wrapper: 200 with what ``do`` returns."""

    def action(tx: Database) -> tuple[int, object]:
        return 200, do(tx)

    return idempotency.run(db, who, key, f"POST {request.url.path}", body, action)


@router.post("/v1/referrals/{referral_id}/send", response_model=ReferralView, summary="Send a draft referral")
def send(
    request: Request, referral_id: Id, who: ReferrerKey, db: DB,
    idempotency_key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Needs recorded, unwithdrawn consent to share with the agency (409 otherwise)."""
    return _transition(request, db, who, idempotency_key, None,
                       lambda tx: lifecycle.send_referral(tx, who.actor, referral_id))  # fmt: skip


@router.post("/v1/referrals/{referral_id}/accept", response_model=ReferralView, summary="Accept a referral")
def accept(
    request: Request, referral_id: Id, who: AgencyKey, db: DB,
    idempotency_key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """The receiving agency accepts; of two accepting at once exactly one succeeds (409 for the other)."""
    return _transition(request, db, who, idempotency_key, None,
                       lambda tx: lifecycle.accept_referral(tx, who.actor, referral_id))  # fmt: skip


@router.post("/v1/referrals/{referral_id}/decline", response_model=Declined, summary="Decline a referral")
def decline(
    request: Request, referral_id: Id, body: Annotated[Decline, Body()], who: AgencyKey,
    db: DB, idempotency_key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Decline with a coded reason (``other`` needs text); the need is re-routed to the next match
    as a draft for the referrer to confirm, or recorded as unmet."""

    def do(tx: Database) -> Declined:
        ref, rerouted = lifecycle.decline_referral(tx, who.actor, referral_id, body.code, body.text)
        return Declined(referral=ref, rerouted=rerouted)

    return _transition(request, db, who, idempotency_key, body, do)


@router.post("/v1/referrals/{referral_id}/close", response_model=ReferralView, summary="Close with an outcome")
def close(
    request: Request,
    referral_id: Id,
    body: Annotated[OutcomeInput, Body(openapi_examples={"resolved": {"value": OUTCOME_EXAMPLES[0]}})],
    who: AgencyKey,
    db: DB,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record the outcome (codes and sums, never case notes). The referrer organisation's webhook
    receives a signed ``referral.closed`` event, queued in the same transaction."""
    return _transition(request, db, who, idempotency_key, body,
                       lambda tx: lifecycle.close_referral(tx, who.actor, referral_id, body))  # fmt: skip
