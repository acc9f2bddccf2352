"""``GET /v1/agencies``: the advice agency directory, searchable by borough, area, issue and tier."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, select

from api.deps import DB, Caller
from triage.facts.person import Borough
from triage.routing.directory import AgencyEntry
from triage.store.agencies import entry_of
from triage.store.models import Agency

router = APIRouter(tags=["agencies"])


class AgencyOut(AgencyEntry):
    organisation_id: str


class AgencyList(BaseModel):
    items: list[AgencyOut]


@router.get("/v1/agencies", response_model=AgencyList, summary="Search the agency directory")
def agencies(
    who: Caller,
    db: DB,
    borough: Annotated[Borough | None, Query(description="Serves this London borough (or all London).")] = None,
    area: Annotated[str | None, Query(max_length=40, description="Area of law, e.g. housing.")] = None,
    issue: Annotated[str | None, Query(max_length=80, description="Issue code, e.g. housing.homelessness.")] = None,
    tier: Annotated[int | None, Query(ge=1, le=3, description="Offers this tier (1, 2 or 3).")] = None,
    taking_referrals: Annotated[bool | None, Query()] = None,
) -> AgencyList:
    """Agencies matching every filter given, by name."""
    with db.transaction() as s:
        rows = list(s.exec(select(Agency).order_by(col(Agency.name), col(Agency.id))))
    items = []
    for row in rows:
        a = entry_of(row)
        if borough is not None and not a.covers(borough):
            continue
        if area is not None and area not in a.areas and not any(i.split(".", 1)[0] == area for i in a.issues):
            continue
        if issue is not None and not a.handles(issue):
            continue
        if tier is not None and tier not in a.tiers:
            continue
        if taking_referrals is not None and a.taking_referrals != taking_referrals:
            continue
        items.append(AgencyOut(organisation_id=row.organisation_id, **a.model_dump()))
    return AgencyList(items=items)
