"""Amending a stored case: a slipped discharge date, a new fact, a missing letter field.

The change is a JSON merge patch (RFC 7396: a value replaces, ``null`` removes)
over the case's facts, person details and letter details, made only against
the version the caller last saw (``If-Match`` with the case's entity tag), so
two amendments never overwrite each other unseen. The case is then assessed
again, as on the new ``as_of`` if one is given, with the rule set in force
that day. History is kept: the audit record of each amendment holds what the
case was before (its as-of day, facts, rule set and needs) and which parts
changed. Needs keep their ids by issue, so referrals and evidence requests
stay attached; a need no longer found is removed unless a referral, evidence
request or unmet-need record points at it, and then it is kept as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, delete, select

from triage.casework.case_letters import LETTER_DETAILS_KEY
from triage.casework.cases import (
    PersonDetails,
    add_need_rules,
    case_etag,
    case_view,
    first_deadline,
    parse_case_facts,
)
from triage.casework.place import audit_detail
from triage.engine.assessment import Assessment
from triage.engine.engine import Engine
from triage.facts.contact import normalise_methods
from triage.routing.place import place_of
from triage.store import audit
from triage.store.access import REFERRER_ROLES, own_case, require_role
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.errors import InvalidInput, PreconditionFailed
from triage.store.models import Case, MedicalEvidenceRequest, Need, NeedRule, Referral, UnmetNeed
from triage.store.types import utcnow
from triage.store.views import CaseView

_PERSON_COLUMNS = {"name": "person_name", "date_of_birth": "date_of_birth", "phone": "contact_phone",
                   "email": "contact_email", "address": "contact_address", "safe_contact": "safe_contact",
                   "safe_contact_notes": "safe_contact_notes"}  # fmt: skip


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: ``patch`` applied to ``target``."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _person(case: Case, patch: dict[str, Any]) -> PersonDetails:
    current = {k: getattr(case, c) for k, c in _PERSON_COLUMNS.items() if getattr(case, c) not in (None, [])}
    if current.get("safe_contact") == ["via_referrer"]:
        current.pop("safe_contact")
    try:
        return PersonDetails.model_validate(merge_patch(current, patch))
    except ValidationError as exc:
        e = exc.errors()[0]
        path = ".".join(["person", *(str(p) for p in e["loc"])])
        raise InvalidInput(f"{path}: {e['msg']}", field=path) from None


def _sync_needs(s: Session, case: Case, assessment: Assessment) -> None:
    existing = {n.issue: n for n in s.exec(select(Need).where(Need.case_id == case.id))}
    found = {n.issue for n in assessment.needs}
    for n in assessment.needs:
        row = existing.get(n.issue) or Need(case_id=case.id, area=n.area, issue=n.issue, tier=n.tier, urgency=n.urgency)
        row.tier, row.urgency, row.first_deadline = n.tier, n.urgency, first_deadline(n)
        s.add(row)
        s.flush()
        s.execute(delete(NeedRule).where(col(NeedRule.need_id) == row.id))
        add_need_rules(s, row.id, n)
    for issue, row in existing.items():
        if issue in found:
            continue
        held = any(
            s.exec(select(model.id).where(model.need_id == row.id).limit(1)).first() is not None
            for model in (Referral, MedicalEvidenceRequest, UnmetNeed)
        )
        if not held:
            s.execute(delete(NeedRule).where(col(NeedRule.need_id) == row.id))
            s.delete(row)


def amend_case(
    db: Database,
    actor: Actor,
    case_id: str,
    if_match: str,
    engine_for: Callable[[dt.date], Engine],
    as_of: dt.date | None = None,
    facts: dict[str, Any] | None = None,
    person: dict[str, Any] | None = None,
    letter: dict[str, Any] | None = None,
    check_letter: Callable[[dict[str, Any]], None] | None = None,
) -> CaseView:
    """Apply the patches to the case at version ``if_match``, assess it again and keep what it was."""
    require_role(actor, REFERRER_ROLES, "amend cases")
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        if if_match.strip() not in ("*", case_etag(case)):
            raise PreconditionFailed(
                f"If-Match: case {case_id} has changed since {if_match.strip()}; it is now {case_etag(case)}: "
                "fetch it again and re-apply the change",
                field="header.If-Match",
            )
        changed = [name for name, part in (("as_of", as_of), ("facts", facts), ("person", person),
                                           ("letter", letter)) if part is not None]  # fmt: skip
        if not changed:
            raise InvalidInput("(body): give as_of, facts, person or letter to change", field="(body)")
        previous = {
            "as_of": case.as_of.isoformat(),
            "facts": dict(case.facts),
            "ruleset": {"name": case.ruleset_name, "version": case.ruleset_version, "hash": case.ruleset_hash},
            "needs": [{"issue": n.issue, "tier": n.tier, "urgency": n.urgency}
                      for n in Assessment.model_validate(case.assessment).needs],
        }  # fmt: skip
        parsed = parse_case_facts(merge_patch(case.facts, facts) if facts is not None else dict(case.facts))
        day = as_of or case.as_of
        answers = dict(case.answers)
        if letter is not None:
            answers[LETTER_DETAILS_KEY] = merge_patch(answers.get(LETTER_DETAILS_KEY) or {}, letter)
            if check_letter is not None:
                check_letter(answers[LETTER_DETAILS_KEY])
        if person is not None:
            details = _person(case, person)
            stated = [parsed.person.safe_contact] if parsed.person.safe_contact else []
            methods: list[str] = list(normalise_methods(details.safe_contact or stated, "person.safe_contact"))
            case.person_name, case.date_of_birth = details.name, details.date_of_birth
            case.contact_phone, case.contact_email, case.contact_address = details.phone, details.email, details.address
            case.safe_contact = methods or ["via_referrer"]
            case.safe_contact_notes = details.safe_contact_notes
        assessment = engine_for(day).assess(parsed, day)
        now = utcnow()
        case.case_ref = parsed.case_ref
        case.borough, case.postcode_district = parsed.person.borough, parsed.person.postcode_district
        case.facts = parsed.model_dump(mode="json", exclude_none=True)
        case.answers = answers
        case.assessment = assessment.model_dump(mode="json")
        case.ruleset_name, case.ruleset_version = assessment.ruleset.name, assessment.ruleset.version
        case.ruleset_hash, case.as_of, case.updated_at = assessment.ruleset.hash, day, now
        s.add(case)
        s.flush()
        _sync_needs(s, case, assessment)
        detail = {"changed": changed, "previous": previous, "needs": len(assessment.needs),
                  "place": audit_detail(place_of(parsed.person))}  # fmt: skip
        audit.record(s, actor, "case.amend", case_id=case.id, detail=detail, at=now)
        return case_view(s, case, day)
