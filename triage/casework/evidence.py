"""Medical evidence requests: purpose, clinician, sent and needed-by dates, chases, receipt.

The needed-by date comes from the deadline the evidence serves (a margin
before it, so there is time to use the evidence); overdue and chase-due are
computed for a given ``today``, never from the clock.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from triage.casework.consent import active_consent
from triage.engine.assessment import Assessment
from triage.rulesets.model import MedicalPurpose
from triage.store import audit
from triage.store.access import REFERRER_ROLES, own_case, require_role
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.errors import InvalidInput, NotFound
from triage.store.models import MedicalEvidenceRequest, Need
from triage.store.types import utcnow
from triage.store.views import EvidenceView, evidence_view

# Evidence is wanted this many days before the deadline it serves.
MARGIN_DAYS = 7


def request_evidence(
    db: Database,
    actor: Actor,
    case_id: str,
    purpose: MedicalPurpose,
    clinician: str,
    sent_on: dt.date,
    *,
    deadline_id: str | None = None,
    needed_by: dt.date | None = None,
    need_id: str | None = None,
    chase_every_days: int = 7,
) -> EvidenceView:
    """Record a request sent to ``clinician`` on ``sent_on``. Needs recorded consent for
    medical evidence naming that clinician. ``needed_by`` is MARGIN_DAYS before the
    deadline ``deadline_id`` of the case's assessment (never before ``sent_on``), unless given."""
    require_role(actor, REFERRER_ROLES, "request medical evidence")
    if chase_every_days < 1:
        raise InvalidInput("chase_every_days: must be at least 1", field="chase_every_days")
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        consent = active_consent(s, case.id, "medical_evidence", recipient_name=clinician)
        if need_id is not None:
            need = s.get(Need, need_id)
            if need is None or need.case_id != case.id:
                raise NotFound(f"need {need_id}: not a need of case {case_id}", field="need_id")
        if deadline_id is not None:
            dates = [
                d.date
                for n in Assessment.model_validate(case.assessment).needs
                for d in n.deadlines
                if d.deadline_id == deadline_id
            ]
            if not dates:
                raise InvalidInput(f"deadline_id: the case has no deadline {deadline_id!r}", field="deadline_id")
            if needed_by is None:
                needed_by = max(sent_on, min(dates) - dt.timedelta(days=MARGIN_DAYS))
        if needed_by is None:
            raise InvalidInput("needed_by: give a date or the deadline_id it serves", field="needed_by")
        if needed_by < sent_on:
            raise InvalidInput("needed_by: is before the date the request was sent", field="needed_by")
        req = MedicalEvidenceRequest(
            case_id=case.id,
            need_id=need_id,
            purpose=purpose,
            clinician=clinician,
            consent_id=consent.id,
            deadline_id=deadline_id,
            sent_on=sent_on,
            needed_by=needed_by,
            chase_every_days=chase_every_days,
            created_by=actor.user_id,
            created_at=utcnow(),
        )
        s.add(req)
        s.flush()
        audit.record(s, actor, "evidence.request", case_id=case.id, detail={"request_id": req.id, "purpose": purpose})
        return evidence_view(req, sent_on)


def _mine(s: object, actor: Actor, request_id: str) -> MedicalEvidenceRequest:
    from sqlmodel import Session

    assert isinstance(s, Session)
    req = s.get(MedicalEvidenceRequest, request_id)
    if req is None:
        raise NotFound(f"evidence request {request_id}: not found", field="request_id")
    own_case(s, actor, req.case_id)
    return req


def chase(db: Database, actor: Actor, request_id: str, on: dt.date) -> EvidenceView:
    """Record a chase reminder sent on ``on``."""
    with db.transaction() as s:
        req = _mine(s, actor, request_id)
        if req.received_on is not None:
            raise InvalidInput(f"evidence request {request_id}: already received on {req.received_on}", field="on")
        req.chased_on = [*req.chased_on, on.isoformat()]
        s.add(req)
        audit.record(s, actor, "evidence.chase", case_id=req.case_id, detail={"request_id": req.id})
        return evidence_view(req, on)


def mark_received(db: Database, actor: Actor, request_id: str, on: dt.date, note: str | None = None) -> EvidenceView:
    """Record the reply received on ``on``, with a short ``note`` of what it says."""
    if note is not None and len(note) > 500:
        raise InvalidInput("note: keep the note to 500 characters", field="note")
    with db.transaction() as s:
        req = _mine(s, actor, request_id)
        if on < req.sent_on:
            raise InvalidInput("on: is before the request was sent", field="on")
        req.received_on = on
        req.reply_note = (note or "").strip() or None
        s.add(req)
        audit.record(s, actor, "evidence.received", case_id=req.case_id, detail={"request_id": req.id})
        return evidence_view(req, on)


def request_for_letter(
    db: Database, actor: Actor, case_id: str, purpose: MedicalPurpose, clinician: str, sent_on: dt.date
) -> EvidenceView:
    """Record a request for the evidence a medical evidence letter of the case asks for: about the
    need the assessment names for ``purpose``, due MARGIN_DAYS before that need's first open
    act-by deadline (so the reply arrives well before the legal limit), else in 14 days."""
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        assessment = Assessment.model_validate(case.assessment)
        issue = next(
            (x.issue for x in assessment.letters if x.kind == "medical_evidence" and x.purpose == purpose), None
        )
        if issue is None:
            raise InvalidInput(f"purpose: the case does not call for {purpose} medical evidence", field="purpose")
        need = next((n for n in assessment.needs if n.issue == issue), None)
        live = sorted((d for d in (need.deadlines if need else []) if d.kind == "act_by" and d.status == "open"),
                      key=lambda d: d.date)  # fmt: skip
        stored = s.exec(select(Need).where(Need.case_id == case.id, Need.issue == issue)).first()
    deadline_id = live[0].deadline_id if live else None
    needed_by = None if live else sent_on + dt.timedelta(days=14)
    return request_evidence(db, actor, case_id, purpose, clinician, sent_on, deadline_id=deadline_id,
                            needed_by=needed_by, need_id=stored.id if stored else None)  # fmt: skip
