"""Casework pages. Thin: every action is a call to ``triage.store`` / ``triage.casework.referrals``,
scoped to the signed-in user's organisation. Forms POST with the session's CSRF token.

``today`` for overdue evidence is the server's date unless ``?as_of=YYYY-MM-DD`` is given
(the store never reads the clock itself).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import sessions
from api.casework.pages import page, problem, safe_next, to_sign_in
from api.deps import DB, SignedIn, SignInLocked, Today, Viewer, csrf_ok, csrf_token, sign_in
from api.web.templating import render
from triage.casework import referrals
from triage.casework.cases import list_cases
from triage.store.db import Database
from triage.store.errors import StoreError
from triage.store.models import DECLINE_CODES, OUTCOME_CODES

router = APIRouter(include_in_schema=False)
_QUESTIONNAIRE_KEYS = ("questionnaire_draft", "questionnaire_salt", "questionnaire_reviewing")


def _today(as_of: str | None, default: dt.date) -> dt.date:
    if as_of:
        try:
            return dt.date.fromisoformat(as_of)
        except ValueError:
            pass
    return default


_page = page
_forbidden = problem


def _to_sign_in() -> RedirectResponse:
    return to_sign_in()


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "casework/sign_in.html", csrf=csrf_token(request), error=None, email="",
                  next=safe_next(next))  # fmt: skip


@router.post("/sign-in", response_model=None)
def sign_in_post(
    request: Request,
    db: DB,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    back = safe_next(next)
    if not csrf_ok(request, csrf):
        return render(request, "casework/sign_in.html", status_code=403, csrf=csrf_token(request),
                      error="The form expired. Please sign in again.", email=email, next=back)  # fmt: skip
    # Signing in starts a new session; questionnaire answers in progress stay with the person signing in.
    kept = {k: request.session[k] for k in _QUESTIONNAIRE_KEYS if k in request.session}
    try:
        v = sign_in(request, db, email, password)
    except SignInLocked as locked:
        return render(request, "casework/sign_in.html", status_code=429, csrf=csrf_token(request),
                      error=str(locked), email=email, next=back)  # fmt: skip
    if v is None:
        return render(request, "casework/sign_in.html", status_code=401, csrf=csrf_token(request),
                      error="The email address or password is not right.", email=email, next=back)  # fmt: skip
    request.session.update(kept)
    return RedirectResponse(back or ("/casework/cases" if v.is_referrer else "/casework/inbox"), status_code=303)


@router.post("/sign-out", response_model=None)
def sign_out(request: Request) -> Response:
    """End the session on the server, with or without the form's token: a forged sign-out
    costs nothing, while one that silently failed would leave the person signed in."""
    sessions.end(request)
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/casework", response_model=None)
@router.get("/casework/", response_model=None)
def casework_home(v: SignedIn) -> Response:
    """Where each role starts: a referrer's case list, an agency's inbox; else sign in."""
    if v is None:
        return _to_sign_in()
    return RedirectResponse("/casework/cases" if v.is_referrer else "/casework/inbox", status_code=303)


@router.get("/casework/cases", response_model=None)
def case_list(request: Request, db: DB, v: SignedIn, day: Today, as_of: str | None = None) -> Response:
    """The link worker's cases: referral status counts and overdue evidence requests."""
    if v is None:
        return _to_sign_in()
    if not v.is_referrer:
        return _forbidden(request, v, "Only referrers can see the case list.")
    today = _today(as_of, day)
    return _page(request, v, "casework/cases.html", cases=list_cases(db, v.actor, today), today=today)


@router.get("/casework/inbox", response_model=None)
def inbox(request: Request, db: DB, v: SignedIn) -> Response:
    """Referrals sent to this agency only, with accept, decline and outcome forms."""
    if v is None:
        return _to_sign_in()
    if not v.is_adviser:
        return _forbidden(request, v, "Only agency advisers can see a referral inbox.")
    return _page(
        request, v, "casework/inbox.html", referrals=referrals.agency_inbox(db, v.actor),
        decline_codes=DECLINE_CODES, outcome_codes=OUTCOME_CODES, error=None,
    )  # fmt: skip


@router.post("/casework/referrals/{referral_id}/{action}", response_model=None)
async def referral_action(request: Request, db: DB, v: SignedIn, referral_id: str, action: str) -> Response:
    if v is None:
        return _to_sign_in()
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf", ""))):
        return _forbidden(request, v, "The form expired. Go back, reload the page and try again.")

    def field(name: str) -> str:
        return str(form.get(name, "") or "").strip()

    try:
        if action == "accept":
            referrals.accept_referral(db, v.actor, referral_id)
        elif action == "start":
            referrals.start_work(db, v.actor, referral_id)
        elif action == "decline":
            code = field("code")
            if code not in DECLINE_CODES:
                return _inbox_error(request, db, v, "Choose a reason for declining.")
            referrals.decline_referral(db, v.actor, referral_id, code, field("text") or None)  # type: ignore[arg-type]
        elif action == "close":
            outcome = _outcome(field)
            if isinstance(outcome, str):
                return _inbox_error(request, db, v, outcome)
            referrals.close_referral(db, v.actor, referral_id, outcome)
        else:
            return _forbidden(request, v, f"Unknown action {action!r}.", status_code=404)
    except StoreError as exc:
        return _inbox_error(request, db, v, str(exc), status_code=exc.status)
    return RedirectResponse("/casework/inbox", status_code=303)


def _outcome(get: Callable[[str], str]) -> referrals.OutcomeInput | str:
    """The outcome form as an OutcomeInput, or a message naming the field at fault."""
    from pydantic import ValidationError

    data: dict[str, object] = {"outcome": get("outcome")}
    for name in ("income_gained_pounds", "debt_written_off_pounds"):
        raw = str(get(name)).replace(",", "").replace("£", "")
        if raw:
            if not raw.isdigit():
                return f"{name.replace('_', ' ').capitalize()} must be a whole number of pounds."
            data[name] = int(raw)
    for name in ("home_kept", "eviction_prevented"):
        raw = get(name)
        if raw in ("yes", "no"):
            data[name] = raw == "yes"
    if get("first_contact_on"):
        data["first_contact_on"] = get("first_contact_on")
    try:
        return referrals.OutcomeInput.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"


def _inbox_error(request: Request, db: Database, v: Viewer, message: str, status_code: int = 422) -> HTMLResponse:
    return _page(
        request, v, "casework/inbox.html", status_code=status_code, referrals=referrals.agency_inbox(db, v.actor),
        decline_codes=DECLINE_CODES, outcome_codes=OUTCOME_CODES, error=message,
    )  # fmt: skip
