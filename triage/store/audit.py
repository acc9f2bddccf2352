"""The audit log: every read and write of a case, in the same transaction as the access.

Details hold ids and codes, never names or free text, and erasure empties them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from triage.store.models import AuditEntry
from triage.store.types import utcnow


class Actor(BaseModel):
    """Who is acting: a signed-in user (or API key) of one organisation, in one role."""

    model_config = ConfigDict(frozen=True)

    user_id: str | None
    organisation_id: str
    role: str


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    case_id: str | None = None,
    referral_id: str | None = None,
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at or utcnow(),
            actor_user_id=actor.user_id if actor else None,
            actor_org_id=actor.organisation_id if actor else None,
            action=action,
            case_id=case_id,
            referral_id=referral_id,
            detail=detail or {},
        )
    )
