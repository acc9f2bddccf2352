"""What the store's services return: plain pydantic models, detached from any session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from triage.store.models import Consent, MedicalEvidenceRequest, Need, Outcome, Referral, UnmetNeed


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class NeedView(_View):
    id: str
    area: str
    issue: str
    tier: int
    urgency: str
    first_deadline: dt.date | None
    rule_ids: list[str]


class OutcomeView(_View):
    outcome: str
    first_contact_on: dt.date | None
    income_gained_pounds: int | None
    debt_written_off_pounds: int | None
    home_kept: bool | None
    eviction_prevented: bool | None
    recorded_at: dt.datetime


class ReferralView(_View):
    """A referral as its referrer or receiving agency sees it: status, reasons and outcome."""

    id: str
    case_id: str
    need_id: str
    issue: str
    tier: int
    urgency: str
    agency_id: str
    agency_name: str
    status: str
    rank: int
    match_reasons: list[str]
    override_reason: str | None = None
    decline_code: str | None
    decline_text: str | None
    previous_referral_id: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    accepted_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: OutcomeView | None = None


class ConsentView(_View):
    id: str
    purpose: str
    recipient_org_id: str | None
    recipient_name: str | None
    given_by: str | None
    taken_by: str
    given_at: dt.datetime
    feedback_agreed: bool
    method: str | None = None
    expires_on: dt.date | None = None
    review_on: dt.date | None = None
    withdrawn_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def live_on(self, day: dt.date) -> bool:
        """Not withdrawn and not expired on ``day``."""
        return self.withdrawn_at is None and (self.expires_on is None or day <= self.expires_on)


class EvidenceView(_View):
    """A medical evidence request; ``overdue`` and ``chase_due`` are as on the day asked about."""

    id: str
    case_id: str
    need_id: str | None
    purpose: str
    clinician: str | None
    sent_on: dt.date
    needed_by: dt.date
    deadline_id: str | None
    chased_on: list[str]
    received_on: dt.date | None
    reply_note: str | None = None
    overdue: bool
    chase_due: bool
    next_chase_on: dt.date | None = None


class UnmetNeedView(_View):
    id: str
    need_id: str
    issue: str
    tier: int
    borough: str | None
    reason: str
    detail: str
    recorded_at: dt.datetime


class SafeContact(_View):
    """How the person may safely be contacted, as ``triage.facts.contact.contact_rule`` decides:
    details only for the methods the person allowed; none when ``withheld`` says why not."""

    case_id: str
    methods: list[str]
    notes: str | None
    phone: str | None
    email: str | None
    address: str | None
    referrer_org_id: str
    withheld: str | None = None
    words: str = ""

    def allows(self, method: str) -> bool:
        return method in self.methods


class CaseView(_View):
    id: str
    organisation_id: str
    case_ref: str | None
    person_name: str | None
    date_of_birth: dt.date | None
    borough: str | None
    postcode_district: str | None
    safe_contact: list[str]
    safe_contact_notes: str | None
    safe_times: str | None = None
    code_word: str | None = None
    nhs_number: str | None = None
    communication: dict[str, Any] = {}
    contact: SafeContact
    as_of: dt.date
    ruleset_name: str
    ruleset_version: str
    ruleset_hash: str
    facts: dict[str, Any]
    answers: dict[str, Any]
    assessment: dict[str, Any]
    created_at: dt.datetime
    etag: str = Field(default="", description="The case's version: send it as If-Match to amend the case.")
    letter_gaps: dict[str, list[tuple[str, str]]] = {}
    needs: list[NeedView]
    referrals: list[ReferralView]
    consents: list[ConsentView]
    evidence: list[EvidenceView]
    unmet: list[UnmetNeedView]


class CaseSummary(_View):
    """One line of a link worker's case list."""

    id: str
    case_ref: str | None
    person_name: str | None
    as_of: dt.date
    needs: int
    highest_urgency: str | None
    referral_statuses: dict[str, int]
    overdue_evidence: int
    unmet: int
    created_at: dt.datetime


def need_view(need: Need, rule_ids: list[str]) -> NeedView:
    return NeedView(
        id=need.id,
        area=need.area,
        issue=need.issue,
        tier=need.tier,
        urgency=need.urgency,
        first_deadline=need.first_deadline,
        rule_ids=sorted(rule_ids),
    )


def referral_view(ref: Referral, need: Need, agency_name: str, outcome: Outcome | None) -> ReferralView:
    return ReferralView(
        id=ref.id,
        case_id=ref.case_id,
        need_id=ref.need_id,
        issue=need.issue,
        tier=need.tier,
        urgency=need.urgency,
        agency_id=ref.agency_id,
        agency_name=agency_name,
        status=ref.status,
        rank=ref.rank,
        match_reasons=list(ref.match_reasons),
        override_reason=ref.override_reason,
        decline_code=ref.decline_code,
        decline_text=ref.decline_text,
        previous_referral_id=ref.previous_referral_id,
        created_at=ref.created_at,
        sent_at=ref.sent_at,
        accepted_at=ref.accepted_at,
        closed_at=ref.closed_at,
        outcome=OutcomeView.model_validate(outcome) if outcome else None,
    )


def consent_view(c: Consent) -> ConsentView:
    return ConsentView.model_validate(c)


def evidence_view(r: MedicalEvidenceRequest, today: dt.date) -> EvidenceView:
    last = max([r.sent_on, *(dt.date.fromisoformat(d) for d in r.chased_on)])
    waiting = r.received_on is None
    return EvidenceView(
        id=r.id,
        case_id=r.case_id,
        need_id=r.need_id,
        purpose=r.purpose,
        clinician=r.clinician,
        sent_on=r.sent_on,
        needed_by=r.needed_by,
        deadline_id=r.deadline_id,
        chased_on=list(r.chased_on),
        received_on=r.received_on,
        reply_note=r.reply_note,
        overdue=waiting and today > r.needed_by,
        chase_due=waiting and (today - last).days >= r.chase_every_days,
        next_chase_on=_next_chase(r, last) if waiting else None,
    )


def _next_chase(r: MedicalEvidenceRequest, last: dt.date) -> dt.date:
    """The day to chase: ``chase_every_days`` after the request or the last chase, and never
    later than halfway from then to the reply-by date (so a reply can still arrive in time)."""
    regular = last + dt.timedelta(days=r.chase_every_days)
    halfway = last + (r.needed_by - last) / 2 if r.needed_by > last else last
    return min(regular, halfway) if halfway > last else regular


def unmet_view(u: UnmetNeed) -> UnmetNeedView:
    return UnmetNeedView.model_validate(u)
