"""Erasure of a person's case, and pseudonymised export for evaluation.

Erasure clears every personal column (``models.PERSONAL_COLUMNS``) in every
table that refers to the case, including audit details and queued events,
and keeps the rows, so counts of needs, referrals, declines and outcomes stay
true. The export carries codes, tiers, dates to the month and sums only,
under a keyed pseudonym that cannot be turned back into the case id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from sqlmodel import col, select, update

from triage.store import audit
from triage.store.access import own_case, require_role
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.models import (
    AuditEntry,
    Case,
    Consent,
    IdempotencyRecord,
    MedicalEvidenceRequest,
    Need,
    NeedRule,
    Organisation,
    OutboxEvent,
    Outcome,
    Referral,
    UnmetNeed,
)
from triage.store.types import utcnow

ERASED_RESPONSE = json.dumps(
    {"type": "about:blank", "title": "Erased", "status": 410,
     "detail": "What this request created has been erased at the person's request."},
    separators=(",", ":"),
)  # fmt: skip


def erase_case(db: Database, actor: Actor, case_id: str, at: dt.datetime | None = None) -> dict[str, int]:
    """Remove the person's data from the case and everything linked to it; returns rows touched per table."""
    require_role(actor, frozenset({"referrer", "admin"}), "erase cases")
    when = at or utcnow()
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        touched = _erase(s, case, when, actor)
    db.scrub()
    return touched


def erase_case_as_operator(db: Database, case_id: str, at: dt.datetime | None = None) -> dict[str, int]:
    """Erasure by the service operator (``triage cases erase``), whatever the organisation."""
    when = at or utcnow()
    with db.transaction() as s:
        case = s.get(Case, case_id)
        if case is None:
            from triage.store.errors import NotFound

            raise NotFound(f"case {case_id}: not found", field="case_id")
        touched = _erase(s, case, when, None)
    db.scrub()
    return touched


def _erase(s: Any, case: Case, when: dt.datetime, actor: Actor | None) -> dict[str, int]:
    touched: dict[str, int] = {}

    def run(table: str, stmt: Any) -> None:
        touched[table] = touched.get(table, 0) + int(
            s.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0
        )

    cid = case.id
    ref_ids = list(s.exec(select(Referral.id).where(Referral.case_id == cid)))
    run(
        "cases",
        update(Case)
        .where(col(Case.id) == cid)
        .values(
            case_ref=None,
            person_name=None,
            date_of_birth=None,
            contact_phone=None,
            contact_email=None,
            contact_address=None,
            safe_contact_notes=None,
            safe_times=None,
            code_word=None,
            nhs_number=None,
            communication={},
            postcode_district=None,
            facts={},
            answers={},
            assessment={},
            safe_contact=[],
            erased_at=when,
            updated_at=when,
        ),
    )
    run("consents", update(Consent).where(col(Consent.case_id) == cid).values(given_by=None, recipient_name=None))
    run(
        "referrals",
        update(Referral).where(col(Referral.case_id) == cid).values(decline_text=None, override_reason=None),
    )
    if ref_ids:
        run("outcomes", update(Outcome).where(col(Outcome.referral_id).in_(ref_ids)).values(notes=None))
    run(
        "medical_evidence_requests",
        update(MedicalEvidenceRequest)
        .where(col(MedicalEvidenceRequest.case_id) == cid)
        .values(clinician=None, reply_note=None),
    )
    run("audit_log", update(AuditEntry).where(col(AuditEntry.case_id) == cid).values(detail={}))
    # Queued events about this case's referrals lose their payload but stay countable.
    for ev in s.exec(select(OutboxEvent)):
        if ev.payload.get("referral_id") in ref_ids or ev.payload.get("case_id") == cid:
            ev.payload = {"erased": True}
            s.add(ev)
            touched["outbox_events"] = touched.get("outbox_events", 0) + 1
    # A stored API response (kept to answer a replayed Idempotency-Key) can carry
    # the person's details; a replay now answers 410 with nothing personal.
    for rid in [cid, *ref_ids]:
        run(
            "idempotency_records",
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.response_body).contains(rid))
            .values(response_status=410, response_body=ERASED_RESPONSE),
        )
    s.expire_all()
    audit.record(s, actor, "case.erase", case_id=cid, at=when)
    return touched


def pseudonym(key: bytes, case_id: str) -> str:
    return hmac.new(key, case_id.encode(), hashlib.sha256).hexdigest()[:20]


def export_pseudonymised(db: Database, key: bytes, organisation_id: str | None = None) -> list[dict[str, Any]]:
    """One record per case: no names, contact details, facts, free text or exact dates.

    ``key`` keys the pseudonyms: the same key gives the same pseudonym for a case
    across exports (for linking evaluation waves); a fresh random key makes
    exports unlinkable.
    """
    if len(key) < 16:
        from triage.store.errors import InvalidInput

        raise InvalidInput("key: use at least 16 bytes for pseudonyms", field="key")
    with db.transaction() as s:
        q = select(Case).order_by(col(Case.created_at), col(Case.id))
        if organisation_id is not None:
            q = q.where(Case.organisation_id == organisation_id)
        cases = list(s.exec(q))
        kinds = {o.id: o.kind for o in s.exec(select(Organisation))}
        out: list[dict[str, Any]] = []
        for c in cases:
            needs = list(s.exec(select(Need).where(Need.case_id == c.id).order_by(col(Need.issue))))
            need_ids = [n.id for n in needs]
            rules: dict[str, list[str]] = {n.id: [] for n in needs}
            if need_ids:
                for nr in s.exec(select(NeedRule).where(col(NeedRule.need_id).in_(need_ids))):
                    rules[nr.need_id].append(nr.rule_id)
            refs = list(s.exec(select(Referral).where(Referral.case_id == c.id).order_by(col(Referral.created_at))))
            outcomes = {
                o.referral_id: o
                for o in s.exec(select(Outcome).where(col(Outcome.referral_id).in_([r.id for r in refs])))
            }
            issue_of = {n.id: n.issue for n in needs}
            unmet = list(s.exec(select(UnmetNeed).where(UnmetNeed.case_id == c.id)))
            out.append(
                {
                    "case": pseudonym(key, c.id),
                    "referrer_kind": kinds.get(c.organisation_id),
                    "borough": c.borough,
                    "assessed_month": c.as_of.strftime("%Y-%m"),
                    "ruleset_version": c.ruleset_version,
                    "erased": c.erased_at is not None,
                    "needs": [
                        {"issue": n.issue, "tier": n.tier, "urgency": n.urgency, "rules": sorted(rules[n.id])}
                        for n in needs
                    ],
                    "referrals": [
                        {
                            "issue": issue_of.get(r.need_id),
                            "agency": r.agency_id,
                            "status": r.status,
                            "decline_code": r.decline_code,
                            "outcome": outcomes[r.id].outcome if r.id in outcomes else None,
                            "income_gained_pounds": outcomes[r.id].income_gained_pounds if r.id in outcomes else None,
                            "debt_written_off_pounds": outcomes[r.id].debt_written_off_pounds
                            if r.id in outcomes
                            else None,
                            "home_kept": outcomes[r.id].home_kept if r.id in outcomes else None,
                        }
                        for r in refs
                    ],
                    "unmet": [{"issue": u.issue, "tier": u.tier, "reason": u.reason} for u in unmet],
                }
            )
        return out
