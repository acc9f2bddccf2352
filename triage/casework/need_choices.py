"""Choosing where each need of a case goes: every need with its matches and their reasons (or
why none fits), the consent each draft referral still lacks, and needs recorded as unmet.

Every need stays in the case whatever routing finds: a need no agency takes is shown with
the reason and can be recorded as unmet, never dropped. Drafting, sending and the rest of the
lifecycle are ``triage.casework.referrals``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict
from sqlmodel import col, select

from triage.casework.consent import active_consent, recipient_label, record_consent
from triage.casework.referrals import LIVE_STATUSES, candidates, draft_referral, record_unmet_row, referral_view_of
from triage.routing.matching import AgencyMatch
from triage.store import audit
from triage.store.access import REFERRER_ROLES, own_case, require_role
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.errors import ConsentRequired, InvalidInput, NotFound
from triage.store.models import Agency, Consent, ConsentMethod, Need, Referral, UnmetNeed
from triage.store.types import utcnow
from triage.store.views import ReferralView, UnmetNeedView, unmet_view


class NeedOptions(BaseModel):
    """One need of a case as the referrer chooses for it: where it could go and what is done."""

    model_config = ConfigDict(frozen=True)

    need_id: str
    issue: str
    area: str
    tier: int
    urgency: str
    matches: list[AgencyMatch]
    unmet_reason: str | None = None
    unmet_detail: str | None = None
    referrals: list[ReferralView] = []
    unmet: list[UnmetNeedView] = []

    @property
    def live_referral(self) -> ReferralView | None:
        return next((r for r in self.referrals if r.status in LIVE_STATUSES[:-1]), None)


def need_options(db: Database, actor: Actor, case_id: str) -> list[NeedOptions]:
    """Every need of the case (whether or not any agency matches it) with its ranked matches and
    their reasons, or why none fits, and its referrals and unmet records so far. Read only."""
    require_role(actor, REFERRER_ROLES, "choose agencies")
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        out = []
        for need in s.exec(select(Need).where(Need.case_id == case.id).order_by(col(Need.created_at), col(Need.id))):
            result, _, _ = candidates(s, case, need)
            refs = s.exec(select(Referral).where(Referral.need_id == need.id).order_by(col(Referral.created_at)))
            unmet = s.exec(select(UnmetNeed).where(UnmetNeed.need_id == need.id).order_by(col(UnmetNeed.recorded_at)))
            out.append(
                NeedOptions(
                    need_id=need.id,
                    issue=need.issue,
                    area=need.area,
                    tier=need.tier,
                    urgency=need.urgency,
                    matches=result.matches,
                    unmet_reason=result.unmet_reason,
                    unmet_detail=result.unmet_detail,
                    referrals=[referral_view_of(s, r, actor) for r in refs],
                    unmet=[unmet_view(u) for u in unmet],
                )
            )
        audit.record(s, actor, "case.read", case_id=case.id, detail={"for": "need_options"})
        return out


def consent_gaps(db: Database, actor: Actor, case_id: str) -> dict[str, str]:
    """Draft referrals of the case that cannot be sent yet, with the consent each lacks in words."""
    require_role(actor, REFERRER_ROLES, "read referrals")
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        gaps: dict[str, str] = {}
        for ref in s.exec(select(Referral).where(Referral.case_id == case.id, Referral.status == "draft")):
            agency = s.get(Agency, ref.agency_id)
            if agency is None:
                continue
            try:
                active_consent(s, case.id, "referral", recipient_org_id=agency.organisation_id)
            except ConsentRequired:
                gaps[ref.id] = f"the person's consent to be referred to {agency.name}"
        return gaps


def record_unmet(
    db: Database, actor: Actor, case_id: str, need_id: str, why: str | None = None, at: dt.datetime | None = None
) -> UnmetNeedView:
    """Record a need as unmet: with the routing's reason when nothing matches, or the referrer's
    ``why`` when the matches do not fit the person. The need stays in the case."""
    require_role(actor, REFERRER_ROLES, "record unmet needs")
    when = at or utcnow()
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        need = s.get(Need, need_id)
        if need is None or need.case_id != case.id:
            raise NotFound(f"need {need_id}: not a need of case {case_id}", field="need_id")
        result, declined, place = candidates(s, case, need)
        reason = (why or "").strip() or None
        if result.matches and reason is None:
            raise InvalidInput("why: agencies match this need; say why none of them fits", field="why")
        return unmet_view(record_unmet_row(s, actor, case, need, result, declined, place, when, reason))


def choose_agency(
    db: Database,
    actor: Actor,
    case_id: str,
    need_id: str,
    agency_id: str,
    *,
    override_reason: str | None = None,
    consent_given_by: str | None = None,
    consent_method: ConsentMethod | None = None,
) -> ReferralView:
    """Draft a referral of the need to the agency the referrer chose (with the reason when it is not
    a match), and record the person's consent to be referred to it when ``consent_given_by`` says who gave it."""
    ref = draft_referral(db, actor, case_id, need_id, agency_id, override_reason=override_reason)
    if consent_given_by:
        with db.transaction() as s:
            agency = s.get(Agency, ref.agency_id)
            org_id = agency.organisation_id if agency else None
        record_consent(db, actor, case_id, "referral", consent_given_by, recipient_org_id=org_id, method=consent_method)
    return ref


def consent_recipients(db: Database, actor: Actor, case_id: str) -> dict[str, str]:
    """Who each consent of the case is to, as a person would name them (consent id -> name)."""
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        return {c.id: recipient_label(s, c) for c in s.exec(select(Consent).where(Consent.case_id == case.id))}


def directory(db: Database) -> list[tuple[str, str]]:
    """Every agency in the directory as (id, name), by name: what a referrer may choose instead."""
    with db.transaction() as s:
        return [(a.id, a.name) for a in s.exec(select(Agency).order_by(col(Agency.name)))]
