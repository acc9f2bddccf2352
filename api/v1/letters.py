"""``GET /v1/cases/{id}/letters/{kind}``: a stored case's letter as HTML, PDF or Word.

The format comes from ``format`` or else the ``Accept`` header (HTML when it
allows anything). The letter is built from the stored facts and assessment
and the case's letter details (given when the case was created), with the
person's stored name and contact filling any gaps; ``triage.letters`` checks
every field the letter needs and a 422 problem lists all that are missing.
Only letters the assessment calls for are offered (the action plan always is).

The case record is authoritative for what is sensitive. The safe-contact methods
are the case's ``safe_contact`` entries (never the letter section's), and the
letter carries only the contact details ``triage.facts.contact.contact_rule``
allows for them, the same rule as every packet, page and API answer. A referral,
medical evidence request or duty-to-refer notice
needs a live (unwithdrawn) consent stored for its purpose (409 otherwise); the
letter's consent block (given, date, recipient, taken by) comes from it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import DB, Caller
from api.problems import ProblemError
from triage.casework.case_letters import details_for
from triage.engine.assessment import Assessment
from triage.facts import CaseFacts
from triage.letters import MEDIA_TYPES, build_context, parse_details, render_letter
from triage.letters.inputs import CONSENT_PURPOSE
from triage.rulesets.model import MedicalPurpose
from triage.store import audit
from triage.store.access import own_case
from triage.store.errors import ConsentRequired
from triage.store.models import Case

router = APIRouter(tags=["letters"])
Kind = Literal["referral", "medical_evidence", "duty_to_refer", "voluntary_referral", "action_plan"]
Format = Literal["html", "pdf", "docx"]
_BY_MEDIA = {"text/html": "html", "application/pdf": "pdf", MEDIA_TYPES["docx"]: "docx"}


def negotiate(fmt: str | None, accept: str | None) -> str:
    """``fmt`` if given; else the best format the Accept header allows (by q); 406 if none."""
    if fmt is not None:
        return fmt
    if not accept:
        return "html"
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        media = media.lower()
        if q <= 0:
            continue
        if media in _BY_MEDIA:
            ranked.append((-q, i, _BY_MEDIA[media]))
        elif media in ("*/*", "text/*"):
            ranked.append((-q, i, "html"))
        elif media == "application/*":
            ranked.append((-q, i, "pdf"))
    if not ranked:
        raise ProblemError(
            406, f"accept: letters come as text/html, application/pdf or {MEDIA_TYPES['docx']}, not {accept!r}"
        )
    return min(ranked)[2]


def _details(s: Session, case: Case, kind: str, purpose: str | None) -> Any:
    """The case's letter details (``triage.casework.case_letters``); a 409 naming what is
    missing and how to record it when the letter's consent is not recorded."""
    try:
        return parse_details(details_for(s, case, kind, purpose=purpose), "case letter details")
    except ConsentRequired:
        purpose = CONSENT_PURPOSE[kind]
        raise ProblemError(
            409,
            f"case {case.id}: no live consent for purpose {purpose!r} (none recorded, or it was withdrawn); "
            f"record the person's consent with POST /v1/cases/{case.id}/consents "
            f'{{"purpose": "{purpose}", "given_by": ..., "recipient_name" or "recipient_org_id": ...}}',
            missing=f"consent.{purpose}",
            errors=[{"field": f"consent.{purpose}", "problem": "no live stored consent for this purpose"}],
        ) from None


@router.get(
    "/v1/cases/{case_id}/letters/{kind}",
    response_class=Response,
    summary="A letter for a stored case",
    responses={
        200: {
            "description": "The letter",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                MEDIA_TYPES["docx"]: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def letter(
    case_id: Annotated[str, Path(min_length=1, max_length=64)],
    kind: Kind,
    who: Caller,
    db: DB,
    format: Annotated[Format | None, Query(description="html, pdf or docx; else from Accept.")] = None,
    purpose: Annotated[MedicalPurpose | None, Query(description="For medical_evidence: which request.")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Render a letter the case's assessment requires (the duty-to-refer notice from an emergency
    department, urgent treatment centre or in-patient ward, the voluntary referral to the council from
    a GP practice, referral and medical evidence letters) or the action plan."""
    fmt = negotiate(format, accept)
    if kind == "medical_evidence" and purpose is None:
        raise ProblemError(422, "query.purpose: say which medical evidence request",
                           errors=[{"field": "query.purpose", "problem": "required for medical_evidence"}])  # fmt: skip
    with db.transaction() as s:
        case = own_case(s, who.actor, case_id)
        assessment = Assessment.model_validate(case.assessment)
        wanted = {(x.kind, x.purpose) for x in assessment.letters}
        if kind != "action_plan" and (kind, purpose) not in wanted:
            raise ProblemError(
                409,
                f"case {case_id}: the assessment does not call for a {kind.replace('_', ' ')} letter"
                + (f" ({purpose})" if purpose else ""),
            )
        audit.record(s, who.actor, "letter.render", case_id=case.id, detail={"kind": kind, "format": fmt})
        facts = CaseFacts.model_validate(case.facts)
        details = _details(s, case, kind, purpose)
    context = build_context(kind, facts, assessment, details, purpose)
    body = render_letter(kind, context, fmt)
    name = f"{kind}-{case_id[:8]}.{fmt}"
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store", "Vary": "Accept"},
    )
