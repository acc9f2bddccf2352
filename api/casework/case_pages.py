"""One case in the browser: what to do first, consent, an agency per need, referrals, letters, dates.

Thin: every decision is a casework service's (``need_choices`` for where needs can go and
what consent a draft lacks, ``referrals`` for the lifecycle, ``case_letters`` for letters,
``calendar_file`` for the .ics). Pages that can hold domestic abuse answers offer the quick exit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.casework.forms import Form
from api.casework.pages import go, page, posted_form, problem, sentence, to_sign_in
from api.deps import DB, SignedIn, Today, Viewer
from triage.casework import need_choices, referrals
from triage.casework.calendar_file import case_calendar
from triage.casework.case_letters import KIND_TITLES
from triage.casework.cases import get_case
from triage.casework.communication import CommunicationNeeds
from triage.casework.summary import first_actions
from triage.engine.assessment import Assessment
from triage.facts.identifiers import format_nhs_number
from triage.store.db import Database
from triage.store.errors import ConsentRequired, StoreError
from triage.store.types import utcnow
from triage.store.views import CaseView

router = APIRouter(include_in_schema=False)

URGENCY_TAGS = {
    "emergency": "nhsuk-tag--red",
    "urgent": "nhsuk-tag--orange",
    "soon": "nhsuk-tag--yellow",
    "routine": "nhsuk-tag--grey",
}
UNMET_WORDS = {
    "no_agency": "No agency in the directory takes this need here",
    "no_language": "No agency speaks the language",
    "all_full": "Every agency that could take it is full",
    "place_unknown": "Where the person lives is not known",
    "place_ambiguous": "The postcode covers more than one borough",
    "outside_london": "The person lives outside London",
    "all_declined": "Every agency that could take it declined",
    "none_suitable": "None of the matches fits the person",
}


def _letters(case: CaseView, assessment: Assessment) -> list[dict[str, str]]:
    """Every letter the case can have now: one per live referral, those the assessment calls for, the plan."""
    out = []
    for r in case.referrals:
        if r.status in ("draft", "sent", "accepted", "in_progress", "closed"):
            out.append(
                {
                    "title": f"Referral letter to {r.agency_name}",
                    "href": f"/casework/cases/{case.id}/letters/referral?referral={r.id}",
                }
            )
    seen = set()
    for x in assessment.letters:
        if x.kind == "referral" or (x.kind, x.purpose) in seen:
            continue
        seen.add((x.kind, x.purpose))
        title = KIND_TITLES[x.kind] + (
            f" ({x.purpose.upper() if len(x.purpose) <= 3 else x.purpose})" if x.purpose else ""
        )
        href = f"/casework/cases/{case.id}/letters/{x.kind}" + (f"?purpose={x.purpose}" if x.purpose else "")
        out.append({"title": title, "href": href})
    out.append({"title": KIND_TITLES["action_plan"], "href": f"/casework/cases/{case.id}/letters/action_plan"})
    return out


def case_context(db: Database, v: Viewer, case_id: str, today: dt.date) -> dict[str, Any]:
    case = get_case(db, v.actor, case_id, today)
    assessment = Assessment.model_validate(case.assessment)
    options = need_choices.need_options(db, v.actor, case_id)
    labels = {n.issue: n.issue_label for n in assessment.needs}
    return {
        "case": case,
        "assessment": assessment,
        "first": first_actions(assessment),
        "urgency_tags": URGENCY_TAGS,
        "options": options,
        "labels": labels,
        "gaps": need_choices.consent_gaps(db, v.actor, case_id),
        "recipients": need_choices.consent_recipients(db, v.actor, case_id),
        "letters": _letters(case, assessment),
        "communication": CommunicationNeeds.model_validate(case.communication or {}).words(),
        "nhs_number": format_nhs_number(case.nhs_number) if case.nhs_number else None,
        "unmet_words": UNMET_WORDS,
        "today": today,
        "quick_exit": True,
        "evidence_purposes": sorted(
            {x.purpose for x in assessment.letters if x.kind == "medical_evidence" and x.purpose}
        ),
        "clinicians": sorted(
            {
                c.recipient_name
                for c in case.consents
                if c.purpose == "medical_evidence" and c.recipient_name and c.live_on(today)
            }
        ),
    }


@router.get("/casework/cases/{case_id}", response_model=None)
def case_page(request: Request, db: DB, v: SignedIn, case_id: str, day: Today, as_of: str | None = None) -> Response:
    """Needs with deadlines, consent, an agency per need, referral status and outcome, letters, evidence."""
    if v is None:
        return to_sign_in()
    today = dt.date.fromisoformat(as_of) if as_of and _iso(as_of) else day
    try:
        ctx = case_context(db, v, case_id, today)
    except StoreError as exc:
        return problem(request, v, "There is no such case for your organisation.", status_code=exc.status)
    return page(request, v, "casework/case.html", error=None, **ctx)


def _iso(raw: str) -> bool:
    try:
        dt.date.fromisoformat(raw)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------ an agency for each need


def _need(db: Database, v: Viewer, case_id: str, need_id: str) -> need_choices.NeedOptions | None:
    return next((o for o in need_choices.need_options(db, v.actor, case_id) if o.need_id == need_id), None)


@router.get("/casework/cases/{case_id}/needs/{need_id}", response_model=None)
def choose_page(request: Request, db: DB, v: SignedIn, case_id: str, need_id: str, day: Today) -> Response:
    if v is None:
        return to_sign_in()
    return _choose(request, db, v, case_id, need_id, day, {}, {})


def _choose(
    request: Request,
    db: Database,
    v: Viewer,
    case_id: str,
    need_id: str,
    day: dt.date,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    try:
        case = get_case(db, v.actor, case_id, day)
        option = _need(db, v, case_id, need_id)
    except StoreError as exc:
        return problem(request, v, "There is no such case for your organisation.", status_code=exc.status)
    if option is None:
        return problem(request, v, "This case has no such need.", status_code=404)
    labels = {n.issue: n.issue_label for n in Assessment.model_validate(case.assessment).needs}
    return page(
        request,
        v,
        "casework/choose.html",
        status_code=status_code,
        case=case,
        option=option,
        label=labels.get(option.issue, option.issue),
        agencies=need_choices.directory(db),
        values=values,
        errors=errors,
        unmet_words=UNMET_WORDS,
        quick_exit=True,
    )


@router.post("/casework/cases/{case_id}/needs/{need_id}", response_model=None)
async def choose_post(request: Request, db: DB, v: SignedIn, case_id: str, need_id: str, day: Today) -> Response:
    """Draft a referral to the chosen match, or to another agency with the reason; or record the
    need as unmet. The person's consent to be referred to that agency is recorded when ticked."""
    if v is None:
        return to_sign_in()
    form = await posted_form(request, v)
    if not isinstance(form, Form):
        return form
    choice, other = form.text("agency", 64), form.text("other_agency", 64)
    why, unmet_why = form.text("override_reason", 500), form.text("unmet_reason", 500)
    values: dict[str, Any] = {
        "agency": choice,
        "other_agency": other,
        "override_reason": why,
        "unmet_reason": unmet_why,
        "consent": form.tick("consent"),
        "given_by": form.text("given_by"),
        "method": form.text("method", 16),
    }
    try:
        if choice == "unmet":
            option = _need(db, v, case_id, need_id)
            if option is not None and option.matches and not unmet_why:
                form.errors["unmet_reason"] = "Say why none of the agencies fits the person"
                return _choose(request, db, v, case_id, need_id, day, values, form.errors, 400)
            need_choices.record_unmet(db, v.actor, case_id, need_id, unmet_why or None)
            return go(f"/casework/cases/{case_id}#needs")
        agency_id = other if choice == "other" else choice
        if not agency_id:
            form.errors["agency"] = "Choose an agency, or record that none fits"
        elif choice == "other" and not why:
            form.errors["override_reason"] = "Say why you chose an agency the directory did not match"
        if values["consent"] and not values["given_by"]:
            form.errors["given_by"] = "Say who gave consent: the person, or who speaks for them"
        if values["consent"] and values["method"] not in ("verbal", "written"):
            form.errors["method"] = "Say whether consent was given verbally or in writing"
        if form.errors:
            return _choose(request, db, v, case_id, need_id, day, values, form.errors, 400)
        need_choices.choose_agency(
            db,
            v.actor,
            case_id,
            need_id,
            agency_id,
            override_reason=why if choice == "other" else None,
            consent_given_by=values["given_by"] if values["consent"] else None,
            consent_method=values["method"] or None,
        )
    except StoreError as exc:
        form.errors["agency"] = sentence(str(exc))
        return _choose(request, db, v, case_id, need_id, day, values, form.errors, exc.status)
    return go(f"/casework/cases/{case_id}#needs")


@router.post("/casework/cases/{case_id}/referrals/{referral_id}/{action}", response_model=None)
async def referral_post(
    request: Request, db: DB, v: SignedIn, case_id: str, referral_id: str, action: str, day: Today
) -> Response:
    """Send a draft referral (only with the consent it needs) or cancel one."""
    if v is None:
        return to_sign_in()
    form = await posted_form(request, v)
    if not isinstance(form, Form):
        return form
    try:
        if action == "send":
            referrals.send_referral(db, v.actor, referral_id)
        elif action == "cancel":
            referrals.cancel_referral(db, v.actor, referral_id)
        else:
            return problem(request, v, "There is no such action.", status_code=404)
    except ConsentRequired:
        gap = need_choices.consent_gaps(db, v.actor, case_id).get(referral_id, "the person's consent")
        return case_error(request, db, v, case_id, day, f"Not sent: {gap} is not recorded. Record it first.")
    except StoreError as exc:
        return case_error(request, db, v, case_id, day, sentence(str(exc)), exc.status)
    return go(f"/casework/cases/{case_id}#needs")


def case_error(
    request: Request, db: Database, v: Viewer, case_id: str, day: dt.date, message: str, status_code: int = 409
) -> Response:
    try:
        ctx = case_context(db, v, case_id, day)
    except StoreError as exc:
        return problem(request, v, "There is no such case for your organisation.", status_code=exc.status)
    return page(request, v, "casework/case.html", status_code=status_code, error=message, **ctx)


# ------------------------------------------------------------------ calendar


@router.get("/casework/cases/{case_id}/calendar.ics", response_model=None)
def calendar(request: Request, db: DB, v: SignedIn, case_id: str, day: Today) -> Response:
    """The case's open deadlines and awaited evidence dates, to add to a diary."""
    if v is None:
        return to_sign_in()
    try:
        body = case_calendar(db, v.actor, case_id, day, utcnow())
    except StoreError as exc:
        return problem(request, v, "There is no such case for your organisation.", status_code=exc.status)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id[:8]}.ics"', "Cache-Control": "no-store"},
    )
