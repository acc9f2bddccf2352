"""Medical evidence requests from the case page: recorded as sent, chased and received (with a note).

Thin over ``triage.casework.evidence``: the reply-by date (well before the legal deadline) and the
chase date proposed from it are the service's; the page only reads the form.
"""

from __future__ import annotations

from typing import get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.casework.case_pages import case_error
from api.casework.forms import Form
from api.casework.pages import go, posted_form, problem, to_sign_in
from api.deps import DB, SignedIn, Today
from triage.casework import evidence
from triage.rulesets.model import MedicalPurpose
from triage.store.errors import ConsentRequired, StoreError

router = APIRouter(include_in_schema=False)
PURPOSES: tuple[str, ...] = get_args(MedicalPurpose)


@router.post("/casework/cases/{case_id}/evidence", response_model=None)
async def evidence_sent(request: Request, db: DB, v: SignedIn, case_id: str, day: Today) -> Response:
    """Record that a medical evidence request was sent to the clinician the person agreed to."""
    if v is None:
        return to_sign_in()
    form = await posted_form(request, v)
    if not isinstance(form, Form):
        return form
    purpose, clinician = form.text("purpose", 40), form.text("clinician")
    sent = form.date("sent", "the date it was sent", when="past", today=day, required=True)
    if purpose not in PURPOSES:
        form.errors["purpose"] = "Choose which evidence was asked for"
    if not clinician:
        form.errors["clinician"] = "Name the clinician or practice it was sent to"
    if form.errors or sent is None:
        return case_error(request, db, v, case_id, day, next(iter(form.errors.values())), 400)
    try:
        evidence.request_for_letter(db, v.actor, case_id, purpose, clinician, sent)  # type: ignore[arg-type]
    except ConsentRequired:
        return case_error(request, db, v, case_id, day, f"Not recorded: the person's consent to ask {clinician} "
                          "for medical evidence is not recorded. Record it first, naming them.")  # fmt: skip
    except StoreError as exc:
        return case_error(request, db, v, case_id, day, str(exc).partition(": ")[2] or str(exc), exc.status)
    return go(f"/casework/cases/{case_id}#evidence")


@router.post("/casework/cases/{case_id}/evidence/{request_id}/{action}", response_model=None)
async def evidence_update(request: Request, db: DB, v: SignedIn, case_id: str, request_id: str, action: str,
                          day: Today) -> Response:  # fmt: skip
    """Record a chase sent today, or the reply received on a day with a note of what it says."""
    if v is None:
        return to_sign_in()
    form = await posted_form(request, v)
    if not isinstance(form, Form):
        return form
    try:
        if action == "chase":
            evidence.chase(db, v.actor, request_id, day)
        elif action == "received":
            on = form.date("received", "the date it arrived", when="past", today=day, required=True)
            note = form.text("note", 500)
            if form.errors or on is None:
                return case_error(request, db, v, case_id, day, next(iter(form.errors.values())), 400)
            evidence.mark_received(db, v.actor, request_id, on, note or None)
        else:
            return problem(request, v, "There is no such action.", status_code=404)
    except StoreError as exc:
        return case_error(request, db, v, case_id, day, str(exc).partition(": ")[2] or str(exc), exc.status)
    return go(f"/casework/cases/{case_id}#evidence")
