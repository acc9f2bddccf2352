"""A referral as FHIR for the GP record: the ServiceRequest, and its lifecycle and outcome as a Task.

Built from the referral packet (``triage.casework.referrals.get_referral``), so a
resource carries exactly what the packet may show: the person's name only while
consent stands, never health details beyond the legal issue, which is given as
text. Each resource is built through the ``fhir.resources`` models (R4B, whose
ServiceRequest and Task are R4's), so what leaves here has been validated.

Codes: the referral is SNOMED CT 871731000000106 (referral to social prescribing
service), the concept the issue names for an advice referral; the legal issue is
text. The outcome is this service's own code and words in ``Task.output``: no
SNOMED CT concept for an advice outcome has been checked against a terminology
server here, so none is claimed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from triage.casework.referrals import ReferralPacket

SNOMED = "http://snomed.info/sct"
REFERRAL_CONCEPT = {"system": SNOMED, "code": "871731000000106", "display": "Referral to social prescribing service"}
CASE_SYSTEM = "urn:health-justice-triage:case"
AGENCY_SYSTEM = "urn:health-justice-triage:agency"
ISSUE_SYSTEM = "urn:health-justice-triage:issue"
OUTCOME_SYSTEM = "urn:health-justice-triage:outcome"

_SR_STATUS = {"draft": "draft", "sent": "active", "accepted": "active", "in_progress": "active",
              "declined": "revoked", "cancelled": "revoked", "closed": "completed"}  # fmt: skip
_TASK_STATUS = {"draft": "draft", "sent": "requested", "accepted": "accepted", "in_progress": "in-progress",
                "declined": "rejected", "cancelled": "cancelled", "closed": "completed"}  # fmt: skip
_PRIORITY = {"emergency": "stat", "urgent": "urgent", "soon": "asap", "routine": "routine"}


def _when(at: dt.datetime | None) -> str | None:
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if at else None


def _subject(p: ReferralPacket) -> dict[str, Any]:
    ref: dict[str, Any] = {"type": "Patient", "identifier": {"system": CASE_SYSTEM, "value": p.referral.case_id}}
    if p.person_name:
        ref["display"] = p.person_name
    return ref


def _agency(p: ReferralPacket) -> dict[str, Any]:
    return {"type": "Organization", "identifier": {"system": AGENCY_SYSTEM, "value": p.referral.agency_id},
            "display": p.referral.agency_name}  # fmt: skip


def _issue(p: ReferralPacket) -> dict[str, Any]:
    return {"coding": [{"system": ISSUE_SYSTEM, "code": p.referral.issue}], "text": p.issue_label}


def service_request(p: ReferralPacket) -> dict[str, Any]:
    """The referral as a FHIR ServiceRequest (validated by the model)."""
    r = p.referral
    data = {
        "resourceType": "ServiceRequest",
        "id": r.id,
        "status": _SR_STATUS[r.status],
        "intent": "order",
        "priority": _PRIORITY.get(r.urgency, "routine"),
        "code": {"coding": [REFERRAL_CONCEPT], "text": f"Referral for legal advice: {p.issue_label}"},
        "reasonCode": [_issue(p)],
        "subject": _subject(p),
        "performer": [_agency(p)],
        "authoredOn": _when(r.created_at),
        "note": [{"text": f"Tier {r.tier}, {r.urgency}. Matched because: " + "; ".join(r.match_reasons)}],
    }
    return ServiceRequest.model_validate(data).model_dump(mode="json", exclude_none=True)


def task(p: ReferralPacket) -> dict[str, Any]:
    """The referral's lifecycle (and outcome, once closed) as a FHIR Task (validated by the model)."""
    r = p.referral
    data: dict[str, Any] = {
        "resourceType": "Task",
        "id": r.id,
        "status": _TASK_STATUS[r.status],
        "intent": "order",
        "code": {"coding": [REFERRAL_CONCEPT]},
        "focus": {"reference": f"ServiceRequest/{r.id}"},
        "for": _subject(p),
        "owner": _agency(p),
        "authoredOn": _when(r.created_at),
        "lastModified": _when(r.closed_at or r.accepted_at or r.sent_at or r.created_at),
        "businessStatus": {"text": r.status.replace("_", " ")},
    }
    if r.status == "declined":
        reason = r.decline_code.replace("_", " ") if r.decline_code else "declined"
        data["statusReason"] = {"coding": [{"system": f"{OUTCOME_SYSTEM}:decline", "code": r.decline_code}]
                                if r.decline_code else [], "text": reason}  # fmt: skip
    if r.outcome is not None:
        words = r.outcome.outcome.replace("_", " ")
        data["output"] = [{
            "type": {"text": "Outcome of the advice referral"},
            "valueCodeableConcept": {"coding": [{"system": OUTCOME_SYSTEM, "code": r.outcome.outcome}],
                                     "text": f"{p.issue_label}: {words}"},
        }]  # fmt: skip
    return Task.model_validate(data).model_dump(mode="json", exclude_none=True, by_alias=True)
