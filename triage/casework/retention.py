"""Retention: closed cases are erased once they have been quiet for the retention period.

A case is *closed* when none of its referrals is still open (every one closed, declined or
cancelled, or it never had one); it is *due* when, besides, nothing about it changed for
``TRIAGE_RETENTION_DAYS`` (the case itself, and each referral). Due cases are erased as by
:func:`~triage.casework.erasure.erase_case_as_operator`: the person's details go from every
table, the counts (needs, tiers, outcomes) stay for evaluation, anonymous. :func:`report` is
the dry run: which cases, how old, and nothing personal; :func:`apply` erases them.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlmodel import col, func, select

from triage.casework.erasure import erase_case_as_operator
from triage.store.db import Database
from triage.store.models import Case, Referral
from triage.store.types import utcnow

# Referrals in these states still need the person's details.
_OPEN = ("draft", "sent", "accepted", "in_progress")


class DueCase(BaseModel):
    case_id: str
    organisation_id: str
    last_activity: dt.datetime
    quiet_days: int


class RetentionReport(BaseModel):
    retention_days: int
    cutoff: dt.datetime
    due: list[DueCase]
    erased: int = 0


def report(db: Database, retention_days: int, now: dt.datetime | None = None) -> RetentionReport:
    """The cases retention would erase now (a dry run: nothing changes)."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=retention_days)
    with db.transaction() as s:
        open_cases = select(Referral.case_id).where(col(Referral.status).in_(_OPEN))
        latest_referral = (
            select(Referral.case_id, func.max(Referral.updated_at).label("latest"))
            .group_by(col(Referral.case_id))
            .subquery()
        )
        rows = s.exec(
            select(Case.id, Case.organisation_id, Case.updated_at, latest_referral.c.latest)
            .join(latest_referral, latest_referral.c.case_id == col(Case.id), isouter=True)
            .where(col(Case.erased_at).is_(None), col(Case.id).not_in(open_cases), col(Case.updated_at) < cutoff)
            .order_by(col(Case.updated_at), col(Case.id))
        ).all()
    due = []
    for case_id, org_id, updated, latest in rows:
        last = max(updated, latest) if latest is not None else updated
        if last < cutoff:
            due.append(DueCase(case_id=case_id, organisation_id=org_id, last_activity=last,
                               quiet_days=(now - last).days))  # fmt: skip
    return RetentionReport(retention_days=retention_days, cutoff=cutoff, due=due)


def apply(db: Database, retention_days: int, now: dt.datetime | None = None) -> RetentionReport:
    """Erase every case the report lists now; the report, with how many were erased."""
    found = report(db, retention_days, now)
    for case in found.due:
        erase_case_as_operator(db, case.case_id, now)
    return found.model_copy(update={"erased": len(found.due)})
