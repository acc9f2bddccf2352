"""Consent through the API: record the person's consent for one purpose and recipient, and
withdraw it.

Thin over ``triage.casework.consent``: ``POST /v1/cases/{id}/consents`` records it (201),
``POST /v1/consents/{id}/withdraw`` withdraws it (200; referrals not yet accepted under it are
cancelled, and no letter for its purpose renders until a new one is recorded). Referrer and
admin keys only; another organisation's case or consent is 404. Both take an
``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api import idempotency
from api.deps import DB, IdempotencyKey, ReferrerKey
from triage.casework.consent import record_consent, withdraw_consent
from triage.store.db import Database
from triage.store.models import ConsentPurpose
from triage.store.views import ConsentView

router = APIRouter(tags=["consents"])
Id = Annotated[str, Path(min_length=1, max_length=64)]


class ConsentCreate(BaseModel):
    """The person's explicit consent to share for one purpose with one recipient."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"purpose": "duty_to_refer", "given_by": "the person (Testperson Example-Fictional)",
                 "recipient_name": "Example Borough Council Housing Options"},
            ]
        },
    )  # fmt: skip

    purpose: ConsentPurpose = Field(
        description="referral, share_health, medical_evidence, duty_to_refer or outcome_feedback."
    )
    given_by: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")] = Field(
        description="Who gave consent: the person, or who speaks for them."
    )
    recipient_org_id: Annotated[str | None, Field(max_length=64)] = Field(
        default=None, description="The organisation shared with (required for referral)."
    )
    recipient_name: Annotated[str | None, Field(min_length=1, max_length=200)] = Field(
        default=None, description="The recipient by name: the practice, or the housing authority chosen."
    )
    feedback_agreed: bool = Field(default=False, description="The recipient may tell the referrer the outcome.")

    @model_validator(mode="after")
    def _recipient(self) -> ConsentCreate:
        if (
            self.recipient_org_id is None
            and self.recipient_name is None
            and self.purpose not in ("outcome_feedback", "share_health")
        ):
            raise ValueError("give recipient_org_id or recipient_name: consent names who may receive the data")
        return self


@router.post("/v1/cases/{case_id}/consents", status_code=201, response_model=ConsentView, summary="Record consent")
def create_consent(
    request: Request,
    case_id: Id,
    body: Annotated[ConsentCreate, Body()],
    who: ReferrerKey,
    db: DB,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record that ``given_by`` agreed today that this case may be shared for ``purpose``
    with the recipient named; taken by the calling key."""

    def action(tx: Database) -> tuple[int, ConsentView]:
        view = record_consent(
            tx, who.actor, case_id, body.purpose, body.given_by,
            recipient_org_id=body.recipient_org_id, recipient_name=body.recipient_name,
            feedback_agreed=body.feedback_agreed,
        )  # fmt: skip
        return 201, view

    return idempotency.run(db, who, idempotency_key, f"POST {request.url.path}", body, action)


@router.post("/v1/consents/{consent_id}/withdraw", response_model=ConsentView, summary="Withdraw consent")
def withdraw(
    request: Request,
    consent_id: Id,
    who: ReferrerKey,
    db: DB,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Withdraw consent (again: no change). Nothing more is shared or rendered under it."""

    def action(tx: Database) -> tuple[int, ConsentView]:
        return 200, withdraw_consent(tx, who.actor, consent_id)

    return idempotency.run(db, who, idempotency_key, f"POST {request.url.path}", None, action)
