"""Who may see what: every case query is scoped to the organisation that owns it,
and every referral query to the referrer or the receiving agency."""

from __future__ import annotations

from sqlmodel import Session, select

from triage.store.audit import Actor
from triage.store.errors import AccessDenied, NotFound
from triage.store.models import Agency, Case, Referral

REFERRER_ROLES = frozenset({"referrer", "admin"})
AGENCY_ROLES = frozenset({"adviser", "admin"})


def require_role(actor: Actor, roles: frozenset[str], doing: str) -> None:
    if actor.role not in roles:
        raise AccessDenied(f"role {actor.role!r} may not {doing}", field="role")


def own_case(session: Session, actor: Actor, case_id: str) -> Case:
    """The case if ``actor``'s organisation owns it and it has not been erased; else NotFound."""
    case = session.get(Case, case_id)
    if case is None or case.organisation_id != actor.organisation_id or case.erased_at is not None:
        raise NotFound(f"case {case_id}: no such case for this organisation", field="case_id")
    return case


def agency_of(session: Session, organisation_id: str) -> Agency | None:
    return session.exec(select(Agency).where(Agency.organisation_id == organisation_id)).first()


def visible_referral(session: Session, actor: Actor, referral_id: str) -> tuple[Referral, str]:
    """The referral and the actor's side of it (``referrer`` or ``agency``).

    An agency sees a referral only once it has been sent to it; nobody else sees
    it at all. Missing and forbidden look the same (NotFound), so ids cannot be probed.
    """
    ref = session.get(Referral, referral_id)
    if ref is not None:
        if ref.referrer_org_id == actor.organisation_id:
            return ref, "referrer"
        agency = session.get(Agency, ref.agency_id)
        if agency is not None and agency.organisation_id == actor.organisation_id and ref.sent_at is not None:
            return ref, "agency"
    raise NotFound(f"referral {referral_id}: no such referral for this organisation", field="referral_id")
