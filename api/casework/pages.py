"""What every casework page shares: the signed-in header, labels, a problem page, redirects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.casework.forms import Form
from api.deps import Viewer, csrf_ok, csrf_token
from api.web.templating import add_template_dir, render

add_template_dir(Path(__file__).resolve().parent / "templates")

DECLINE_LABELS = {
    "out_of_scope": "Out of scope", "wrong_area_or_issue": "Wrong area of law or issue", "wrong_tier": "Wrong tier",
    "no_capacity": "No capacity", "conflict_of_interest": "Conflict of interest", "duplicate": "Duplicate referral",
    "could_not_contact": "Could not contact the person", "other": "Other (say why)",
}  # fmt: skip
OUTCOME_LABELS = {
    "resolved": "Resolved", "partly_resolved": "Partly resolved", "not_resolved": "Not resolved",
    "withdrawn": "Person withdrew", "no_contact": "No contact",
}  # fmt: skip
STATUS_LABELS = {
    "draft": "Draft (not sent)", "sent": "Sent", "accepted": "Accepted", "declined": "Declined",
    "in_progress": "In progress", "closed": "Closed", "cancelled": "Cancelled",
}  # fmt: skip
CONSENT_LABELS = {
    "referral": "Referral to", "share_health": "Share health information with the agencies referred to",
    "medical_evidence": "Medical evidence from", "duty_to_refer": "Duty-to-refer notice to",
    "outcome_feedback": "Agencies may tell you the outcome",
}  # fmt: skip


def nav(v: Viewer) -> list[dict[str, str]]:
    items = []
    if v.is_referrer:
        items.append({"href": "/casework/cases", "text": "Cases"})
    if v.is_adviser:
        items.append({"href": "/casework/inbox", "text": "Referral inbox"})
    return items


def page(request: Request, v: Viewer, template: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    return render(
        request, template, status_code=status_code, viewer=v, header_navigation=nav(v),
        csrf=csrf_token(request), status_labels=STATUS_LABELS, outcome_labels=OUTCOME_LABELS,
        decline_labels=DECLINE_LABELS, consent_labels=CONSENT_LABELS, **ctx,
    )  # fmt: skip


def problem(request: Request, v: Viewer | None, message: str, status_code: int = 403) -> HTMLResponse:
    if v is None:
        return render(request, "casework/problem.html", status_code=status_code, message=message)
    return page(request, v, "casework/problem.html", status_code=status_code, message=message)


def go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def to_sign_in(next_path: str | None = None) -> RedirectResponse:
    """To the sign-in page, coming back to ``next_path`` (a path on this site) afterwards."""
    return go(f"/sign-in?next={next_path}" if next_path else "/sign-in")


def safe_next(raw: str | None) -> str | None:
    """A local path to return to after signing in; anything else (another site) is dropped."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return None


def sentence(text: str) -> str:
    """A service's message as a sentence for a page: the services start each message with the
    field it names ("override_reason: say why ..."), which a person does not need to read."""
    field, sep, rest = text.partition(": ")
    return rest[0].upper() + rest[1:] if sep and rest and " " not in field else text


async def posted_form(request: Request, v: Viewer) -> Form | HTMLResponse:
    """The posted form, or the page saying it expired when it lacks this session's CSRF token."""
    form = Form(await request.form())
    if not csrf_ok(request, form.text("csrf")):
        return problem(request, v, "The form expired. Go back, reload the page and try again.")
    return form
