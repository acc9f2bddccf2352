"""The referral lifecycle: draft -> sent -> accepted | declined -> in progress -> closed with an outcome.

::

    draft ──send──> sent ──accept──> accepted ──start──> in_progress ──close──> closed
      │               ├──decline──> declined (coded reason; the need is re-routed to the next match)
      └──cancel──┬────┘
                 v
             cancelled (also when consent is withdrawn before the agency accepts)

Each call is one transaction: the status change, its history row, the audit
row, any re-routing and the outbox event are committed together or not at all.
Status changes are conditional UPDATEs (``... WHERE status = <expected>``), so
when two advisers accept the same referral at once exactly one succeeds and
the other gets :class:`InvalidTransition`. Nothing is sent without recorded,
unwithdrawn consent to that agency.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.casework.communication import CommunicationNeeds
from triage.casework.consent import active_consent, outcome_feedback_agreed, visible_outcome
from triage.casework.contact import contact_of
from triage.casework.referral_states import record_change, transition
from triage.engine.assessment import Assessment
from triage.facts import CaseFacts
from triage.routing.matching import AgencyMatch, NeedRoute, route_need
from triage.routing.place import Place, place_of
from triage.store import audit
from triage.store.access import AGENCY_ROLES, REFERRER_ROLES, agency_of, own_case, require_role, visible_referral
from triage.store.agencies import entry_of
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.errors import InvalidInput, InvalidTransition, NotFound
from triage.store.models import (
    DECLINE_CODES,
    Agency,
    Case,
    DeclineCode,
    Need,
    NeedRule,
    Organisation,
    OutboxEvent,
    Outcome,
    OutcomeCode,
    Referral,
    UnmetNeed,
)
from triage.store.types import utcnow
from triage.store.views import ReferralView, SafeContact, UnmetNeedView, referral_view, unmet_view

OPEN_STATUSES = ("sent", "accepted", "in_progress")
LIVE_STATUSES = ("draft", "sent", "accepted", "in_progress", "closed")


class OutcomeInput(BaseModel):
    """What happened, in codes and sums (never case notes beyond a short line)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: OutcomeCode
    first_contact_on: dt.date | None = None
    income_gained_pounds: Annotated[int | None, Field(ge=0, le=10_000_000)] = None
    debt_written_off_pounds: Annotated[int | None, Field(ge=0, le=10_000_000)] = None
    home_kept: bool | None = None
    eviction_prevented: bool | None = None
    notes: Annotated[str | None, Field(max_length=1000)] = None


class ReferralPacket(BaseModel):
    """What the receiving agency sees: the minimum for a warm referral, and no more.

    Person details and safe contact are withheld once consent is withdrawn."""

    model_config = ConfigDict(frozen=True)

    referral: ReferralView
    consent_active: bool
    person_name: str | None
    safe_contact: SafeContact | None
    borough: str | None
    language: str | None
    interpreter_needed: bool | None
    communication: list[str] = []
    safe_times: str | None = None
    code_word: str | None = None
    deadlines: list[dict[str, Any]]
    reasons: list[str]
    issue_label: str = Field(default="", description="The legal issue in words (the issue code when erased).")
    ruleset_version: str


class RoutedNeed(BaseModel):
    """What routing did with one need: a draft referral, or an unmet-need record."""

    model_config = ConfigDict(frozen=True)

    need_id: str
    issue: str
    referral: ReferralView | None = None
    unmet: UnmetNeedView | None = None
    alternatives: list[AgencyMatch] = []


# --- helpers -----------------------------------------------------------------


def referral_view_of(s: Session, ref: Referral, actor: Actor) -> ReferralView:
    need = s.get(Need, ref.need_id)
    agency = s.get(Agency, ref.agency_id)
    assert need is not None
    outcome = visible_outcome(s, ref, actor.organisation_id)
    return referral_view(ref, need, agency.name if agency else ref.agency_id, outcome)


def _enqueue(s: Session, event_type: str, payload: dict[str, Any], target_url: str | None, at: dt.datetime) -> None:
    """Queue an event for delivery in the same transaction as the change it reports."""
    s.add(OutboxEvent(event_type=event_type, payload=payload, target_url=target_url, next_attempt_at=at, created_at=at))


def _open_loads(s: Session) -> dict[str, int]:
    rows = s.exec(
        select(Referral.agency_id, func.count())
        .where(col(Referral.status).in_(OPEN_STATUSES))
        .group_by(col(Referral.agency_id))
    )
    return {agency_id: int(n) for agency_id, n in rows}


def _assessment_need(case: Case, issue: str) -> Any:
    assessment = Assessment.model_validate(case.assessment)
    for n in assessment.needs:
        if n.issue == issue:
            return n
    raise NotFound(f"case {case.id}: the assessment has no need {issue}", field="need_id")


def candidates(s: Session, case: Case, need: Need) -> tuple[NeedRoute, frozenset[str], Place]:
    """Where ``need`` could go now: the directory's matches (skipping agencies that declined it),
    the agencies that declined, and the place the person lives in."""
    person = CaseFacts.model_validate(case.facts).person
    declined = frozenset(
        s.exec(select(Referral.agency_id).where(Referral.need_id == need.id, Referral.status == "declined")).all()
    )
    agencies = [entry_of(a) for a in s.exec(select(Agency).order_by(col(Agency.id)))]
    place = place_of(person)
    result = route_need(_assessment_need(case, need.issue), person, place, agencies, _open_loads(s), declined)
    return result, declined, place


def _route_one(
    s: Session, actor: Actor, case: Case, need: Need, at: dt.datetime, previous: Referral | None = None
) -> RoutedNeed:
    """Route one need: a draft referral to the best match not yet tried, or an unmet-need record."""
    result, declined, place = candidates(s, case, need)
    if result.matches:
        best = result.matches[0]
        ref = Referral(
            case_id=case.id,
            need_id=need.id,
            agency_id=best.agency_id,
            referrer_org_id=case.organisation_id,
            status="draft",
            rank=best.rank + len(declined),
            match_reasons=best.reasons,
            previous_referral_id=previous.id if previous else None,
            created_by=actor.user_id,
            created_at=at,
            updated_at=at,
        )
        s.add(ref)
        s.flush()
        record_change(s, actor, ref, None, "draft", at, {"agency_id": best.agency_id, "issue": need.issue}, case.id)
        return RoutedNeed(
            need_id=need.id, issue=need.issue, referral=referral_view_of(s, ref, actor), alternatives=result.matches[1:]
        )
    unmet = record_unmet_row(s, actor, case, need, result, declined, place, at)
    return RoutedNeed(need_id=need.id, issue=need.issue, unmet=unmet_view(unmet))


def record_unmet_row(
    s: Session,
    actor: Actor,
    case: Case,
    need: Need,
    result: NeedRoute,
    declined: frozenset[str],
    place: Place,
    at: dt.datetime,
    why: str | None = None,
) -> UnmetNeed:
    """Record that no agency takes ``need`` (the routing's reason, or the link worker's ``why``)."""
    reason: str = result.unmet_reason or "no_agency"
    detail = result.unmet_detail or ""
    if declined:
        reason, detail = (
            "all_declined",
            f"declined by {len(declined)} agencies ({', '.join(sorted(declined))}); {detail}",
        )
    if why:
        reason, detail = "none_suitable", f"the referrer found none suitable: {why}"
    unmet = UnmetNeed(
        need_id=need.id,
        case_id=case.id,
        borough=place.borough,
        area=need.area,
        issue=need.issue,
        tier=need.tier,
        reason=reason,
        detail=detail[:500],
        recorded_at=at,
    )
    s.add(unmet)
    s.flush()
    audit.record(s, actor, "need.unmet", case_id=case.id, detail={"need_id": need.id, "reason": reason}, at=at)
    return unmet


def _notify_referrer(s: Session, ref: Referral, event: str, at: dt.datetime, extra: dict[str, Any]) -> None:
    org = s.get(Organisation, ref.referrer_org_id)
    if org is not None and org.webhook_url:
        _enqueue(s, event, {"referral_id": ref.id, "status": ref.status, **extra}, org.webhook_url, at)


# --- public services ---------------------------------------------------------


def route_case(db: Database, actor: Actor, case_id: str, at: dt.datetime | None = None) -> list[RoutedNeed]:
    """Route every need of a case that has no live referral: a draft referral to the best
    agency (a person then confirms and sends it), or an unmet-need record saying why."""
    require_role(actor, REFERRER_ROLES, "route cases")
    when = at or utcnow()
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        out = []
        for need in s.exec(select(Need).where(Need.case_id == case.id).order_by(col(Need.created_at), col(Need.id))):
            live = s.exec(
                select(Referral.id).where(Referral.need_id == need.id, col(Referral.status).in_(LIVE_STATUSES))
            ).first()
            if live is None:
                out.append(_route_one(s, actor, case, need, when))
        return out


def draft_referral(
    db: Database,
    actor: Actor,
    case_id: str,
    need_id: str,
    agency_id: str,
    at: dt.datetime | None = None,
    override_reason: str | None = None,
) -> ReferralView:
    """A draft referral to an agency the referrer chose (e.g. an alternative match).

    With ``override_reason`` (why the referrer chose otherwise) it may go to an agency the
    directory does not match for the need; the reason is kept on the referral."""
    require_role(actor, REFERRER_ROLES, "draft referrals")
    when = at or utcnow()
    why = (override_reason or "").strip() or None
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        need = s.get(Need, need_id)
        if need is None or need.case_id != case.id:
            raise NotFound(f"need {need_id}: not a need of case {case_id}", field="need_id")
        if s.get(Agency, agency_id) is None:
            raise NotFound(f"agency {agency_id}: not in the directory", field="agency_id")
        live = s.exec(
            select(Referral.id).where(Referral.need_id == need.id, col(Referral.status).in_(LIVE_STATUSES[:-1]))
        ).first()
        if live is not None:
            raise InvalidTransition(
                f"need {need.issue}: already has a referral in progress; cancel it first", field="need_id"
            )
        matched = next((m for m in candidates(s, case, need)[0].matches if m.agency_id == agency_id), None)
        if matched is None and why is None:
            raise InvalidInput(
                "override_reason: this agency is not a match for the need; say why you chose it",
                field="override_reason",
            )
        ref = Referral(
            case_id=case.id,
            need_id=need.id,
            agency_id=agency_id,
            referrer_org_id=case.organisation_id,
            status="draft",
            rank=matched.rank if matched else 0,
            match_reasons=[*(matched.reasons if matched else []), "chosen by the referrer"],
            override_reason=why,
            created_by=actor.user_id,
            created_at=when,
            updated_at=when,
        )
        s.add(ref)
        s.flush()
        record_change(s, actor, ref, None, "draft", when,
                      {"agency_id": agency_id, "issue": need.issue, "chosen": True}, case.id)  # fmt: skip
        return referral_view_of(s, ref, actor)


def send_referral(db: Database, actor: Actor, referral_id: str, at: dt.datetime | None = None) -> ReferralView:
    """Send a draft: needs recorded consent to share with that agency; honours safe contact
    (the event carries the allowed contact methods, never details the person did not allow)."""
    when = at or utcnow()
    with db.transaction() as s:
        ref, _ = visible_referral(s, actor, referral_id)
        agency = s.get(Agency, ref.agency_id)
        assert agency is not None
        consent = active_consent(s, ref.case_id, "referral", recipient_org_id=agency.organisation_id)
        if not agency.taking_referrals:
            raise InvalidTransition(f"referral {referral_id}: {agency.name} is not taking referrals", field="agency_id")
        ref, _ = transition(s, actor, referral_id, "send", when, sent_at=when, consent_id=consent.id)
        case = s.get(Case, ref.case_id)
        assert case is not None
        org = s.get(Organisation, agency.organisation_id)
        target = (org.webhook_url if org else None) or (
            agency.referral_address if agency.referral_method == "api_webhook" else None
        )
        _enqueue(
            s,
            "referral.sent",
            {
                "referral_id": ref.id,
                "agency_id": agency.id,
                "method": agency.referral_method,
                "safe_contact": list(case.safe_contact),
            },
            target,
            when,
        )
        return referral_view_of(s, ref, actor)


def accept_referral(db: Database, actor: Actor, referral_id: str, at: dt.datetime | None = None) -> ReferralView:
    """The receiving agency accepts; of two advisers accepting at once, exactly one succeeds."""
    when = at or utcnow()
    with db.transaction() as s:
        ref, _ = transition(s, actor, referral_id, "accept", when, accepted_at=when, accepted_by=actor.user_id)
        _notify_referrer(s, ref, "referral.accepted", when, {})
        return referral_view_of(s, ref, actor)


def decline_referral(
    db: Database,
    actor: Actor,
    referral_id: str,
    code: DeclineCode,
    text: str | None = None,
    at: dt.datetime | None = None,
) -> tuple[ReferralView, RoutedNeed]:
    """Decline with a coded reason (``other`` needs text), then re-route the need to the
    next match not yet tried, as a new draft for the referrer to confirm; or record it unmet."""
    if code not in DECLINE_CODES:
        raise InvalidInput(f"code: expected one of {', '.join(DECLINE_CODES)}, got {code!r}", field="code")
    if code == "other" and not (text and text.strip()):
        raise InvalidInput("text: say why when the reason is 'other'", field="text")
    when = at or utcnow()
    with db.transaction() as s:
        ref, _ = transition(
            s, actor, referral_id, "decline", when, decline_code=code, decline_text=(text or "").strip() or None
        )
        _notify_referrer(s, ref, "referral.declined", when, {"decline_code": code})
        case, need = s.get(Case, ref.case_id), s.get(Need, ref.need_id)
        assert case is not None and need is not None
        referrer = Actor(user_id=None, organisation_id=case.organisation_id, role="referrer")
        rerouted = _route_one(s, referrer, case, need, when, previous=ref)
        return referral_view_of(s, ref, actor), rerouted


def start_work(db: Database, actor: Actor, referral_id: str, at: dt.datetime | None = None) -> ReferralView:
    when = at or utcnow()
    with db.transaction() as s:
        ref, _ = transition(s, actor, referral_id, "start", when)
        _notify_referrer(s, ref, "referral.in_progress", when, {})
        return referral_view_of(s, ref, actor)


def close_referral(
    db: Database, actor: Actor, referral_id: str, outcome: OutcomeInput, at: dt.datetime | None = None
) -> ReferralView:
    """Close with an outcome; the referrer sees it on the case."""
    when = at or utcnow()
    with db.transaction() as s:
        ref, _ = transition(s, actor, referral_id, "close", when, closed_at=when)
        s.add(Outcome(referral_id=referral_id, recorded_by=actor.user_id, recorded_at=when, **outcome.model_dump()))
        s.flush()
        # The referrer hears that it closed; how, only if the person agreed to feedback.
        told = {"outcome": outcome.outcome} if outcome_feedback_agreed(s, ref) else {"outcome": None}
        _notify_referrer(s, ref, "referral.closed", when, told)
        return referral_view_of(s, ref, actor)


def cancel_referral(db: Database, actor: Actor, referral_id: str, at: dt.datetime | None = None) -> ReferralView:
    when = at or utcnow()
    with db.transaction() as s:
        ref, _ = transition(s, actor, referral_id, "cancel", when)
        return referral_view_of(s, ref, actor)


def get_referral(db: Database, actor: Actor, referral_id: str) -> ReferralPacket:
    """A referral as the referrer or the receiving agency may see it (audited)."""
    with db.transaction() as s:
        ref, side = visible_referral(s, actor, referral_id)
        audit.record(s, actor, "referral.read", case_id=ref.case_id, referral_id=ref.id, detail={"side": side})
        return _packet(s, ref, actor)


def _packet(s: Session, ref: Referral, actor: Actor) -> ReferralPacket:
    case = s.get(Case, ref.case_id)
    need = s.get(Need, ref.need_id)
    assert case is not None and need is not None
    from triage.store.models import Consent

    consent = s.get(Consent, ref.consent_id) if ref.consent_id else None
    active = consent is not None and consent.withdrawn_at is None and case.erased_at is None
    person = CaseFacts.model_validate(case.facts).person if case.facts else None
    deadlines: list[dict[str, Any]] = []
    reasons: list[str] = []
    label = need.issue
    if case.assessment:
        for n in Assessment.model_validate(case.assessment).needs:
            if n.issue == need.issue:
                label = n.issue_label
                deadlines = [{"date": d.date.isoformat(), "label": d.label, "status": d.status} for d in n.deadlines]
                reasons = [r.text for r in n.reasons]
    shown = active or ref.sent_at is None
    contact = contact_of(case) if shown else None
    needs = CommunicationNeeds.model_validate(case.communication or {}).words()
    return ReferralPacket(
        communication=needs,
        safe_times=case.safe_times if shown else None,
        code_word=case.code_word if shown and contact is not None and contact.withheld is None else None,
        referral=referral_view_of(s, ref, actor),
        consent_active=active,
        person_name=case.person_name if active or ref.sent_at is None else None,
        safe_contact=contact,
        borough=case.borough,
        language=person.language if person else None,
        interpreter_needed=person.interpreter_needed if person else None,
        deadlines=deadlines,
        reasons=reasons,
        issue_label=label,
        ruleset_version=case.ruleset_version,
    )


def agency_inbox(db: Database, actor: Actor, statuses: tuple[str, ...] | None = None) -> list[ReferralView]:
    """Referrals sent to the actor's agency (never another agency's), newest first; audited."""
    require_role(actor, AGENCY_ROLES | {"auditor"}, "read the agency inbox")
    with db.transaction() as s:
        agency = agency_of(s, actor.organisation_id)
        if agency is None:
            return []
        q = select(Referral).where(Referral.agency_id == agency.id, col(Referral.sent_at).is_not(None))
        if statuses:
            q = q.where(col(Referral.status).in_(statuses))
        refs = list(s.exec(q.order_by(col(Referral.sent_at).desc(), col(Referral.id))))
        for r in refs:
            audit.record(s, actor, "referral.list", case_id=r.case_id, referral_id=r.id)
        return [referral_view_of(s, r, actor) for r in refs]


# --- reporting for partnerships and rule auditors ------------------------------


class DeclineCount(BaseModel):
    rule_id: str
    tier: int
    decline_code: str
    count: int


def decline_counts(db: Database) -> list[DeclineCount]:
    """Declines per rule that produced the need, per tier and per code: misrouting to look at."""
    with db.transaction() as s:
        rows = s.exec(
            select(NeedRule.rule_id, Need.tier, Referral.decline_code, func.count())
            .join(Need, col(Need.id) == col(NeedRule.need_id))
            .join(Referral, col(Referral.need_id) == col(Need.id))
            .where(Referral.status == "declined")
            .group_by(col(NeedRule.rule_id), col(Need.tier), col(Referral.decline_code))
            .order_by(col(NeedRule.rule_id), col(Need.tier), col(Referral.decline_code))
        )
        return [DeclineCount(rule_id=r, tier=t, decline_code=c or "", count=int(n)) for r, t, c, n in rows]


def unmet_counts(db: Database) -> Counter[tuple[str | None, str, int, str]]:
    """Unmet needs counted by (borough, issue, tier, reason), for gap analysis."""
    with db.transaction() as s:
        rows = s.exec(select(UnmetNeed.borough, UnmetNeed.issue, UnmetNeed.tier, UnmetNeed.reason))
        return Counter((b, i, t, r) for b, i, t, r in rows)
