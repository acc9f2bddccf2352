"""How a stored case's person may be contacted, for every packet, letter, page and API answer.

The rule itself is ``triage.facts.contact.contact_rule``; this module applies it to
a case record and scopes who may read the result.
"""

from __future__ import annotations

from sqlmodel import col, select

from triage.facts.contact import contact_rule
from triage.store import audit
from triage.store.access import agency_of
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.errors import NotFound
from triage.store.models import Case, Consent, Referral
from triage.store.views import SafeContact


def contact_of(case: Case) -> SafeContact:
    """The contact details of ``case`` that may be used, and the rule in plain words."""
    rule = contact_rule(
        case.safe_contact,
        phone=case.contact_phone,
        email=case.contact_email,
        address=[case.contact_address] if case.contact_address else [],
    )
    return SafeContact(
        case_id=case.id,
        methods=list(rule.methods),
        notes=case.safe_contact_notes,
        phone=rule.phone,
        email=rule.email,
        address=rule.address[0] if rule.address else None,
        referrer_org_id=case.organisation_id,
        withheld=rule.withheld,
        words=rule.words,
    )


def safe_contact(db: Database, actor: Actor, case_id: str) -> SafeContact:
    """How the person may be contacted, for letters and referrals. Visible to the owning
    organisation, and to an agency holding a live referral for the case under unwithdrawn consent."""
    with db.transaction() as s:
        case = s.get(Case, case_id)
        allowed = case is not None and case.erased_at is None and case.organisation_id == actor.organisation_id
        if case is not None and not allowed:
            agency = agency_of(s, actor.organisation_id)
            if agency is not None:
                live = s.exec(
                    select(Referral.id)
                    .join(Consent, col(Consent.id) == col(Referral.consent_id))
                    .where(
                        Referral.case_id == case_id,
                        Referral.agency_id == agency.id,
                        col(Referral.status).in_(["sent", "accepted", "in_progress"]),
                        col(Consent.withdrawn_at).is_(None),
                    )
                ).first()
                allowed = live is not None
        if case is None or not allowed:
            raise NotFound(f"case {case_id}: no such case for this organisation", field="case_id")
        audit.record(s, actor, "case.read_contact", case_id=case.id)
        return contact_of(case)
