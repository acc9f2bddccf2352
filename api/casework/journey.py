"""The link worker's journey after the questionnaire: save the result as a case, record consent.

Thin: the case is made by ``triage.casework.cases.create_case`` from the session's
questionnaire answers (the same facts the result page assessed), consent by
``triage.casework.consent``. The questionnaire draft is deleted once the case holds
its answers, so the answers live in one place only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.casework.forms import Form
from api.casework.pages import go, page, posted_form, problem, sentence, to_sign_in
from api.deps import DB, AppEngines, AppQuestionnaire, Drafts, SignedIn, Today
from api.web.questionnaire import REVIEWING_KEY, SALT_KEY, SESSION_KEY
from triage.casework.cases import PersonDetails, create_case
from triage.casework.communication import CommunicationNeeds
from triage.casework.consent import record_consent, withdraw_consent
from triage.facts.identifiers import NhsNumberError, normalise_nhs_number
from triage.facts.languages import language_codes, language_options
from triage.questionnaire import flow
from triage.questionnaire.answers import AnswerError
from triage.store.errors import StoreError

router = APIRouter(include_in_schema=False)

CONTACT_CHOICES = (
    ("phone", "Phone calls", "Do not tick if it is not safe to phone"),
    ("text", "Text messages", None),
    ("email", "Email", None),
    ("post", "Letters to their home address", "Do not tick if it is not safe to write to their home"),
    ("via_referrer", "Only through me (the link worker)", "Agencies contact you, never the person directly"),
)
NEEDS_CHOICES = (
    ("interpreter", "An interpreter for their language"),
    ("bsl", "A British Sign Language (BSL) interpreter"),
    ("easy_read", "Easy read documents"),
    ("large_print", "Large print"),
)
CONSENT_PURPOSES = (
    (
        "share_health",
        "Share health information with the agencies they are referred to",
        "Without this, referrals and letters leave health information out",
    ),
    ("medical_evidence", "Contact their GP or consultant for medical evidence", "Name the clinician or practice below"),
    (
        "duty_to_refer",
        "Send a duty-to-refer notice to the council's housing team",
        "Name the council the person chose below",
    ),
    ("outcome_feedback", "Let agencies tell you the outcome", None),
)
CONSENT_WORDS = {
    "referral": "Refer to",
    "share_health": "Share health information",
    "medical_evidence": "Medical evidence from",
    "duty_to_refer": "Duty-to-refer notice to",
    "outcome_feedback": "Agencies may tell the outcome",
}


def _answers(request: Request, store: Any, qn: Any) -> tuple[Any, dict[str, Any]] | None:
    code = request.session.get(SESSION_KEY)
    draft = store.load(code) if isinstance(code, str) else None
    if draft is None:
        return None
    answers = flow.prune(qn, draft.answers)
    return (draft, answers) if flow.is_complete(qn, answers) else None


@router.get("/casework/cases/new", response_model=None)
def new_case(request: Request, v: SignedIn, qn: AppQuestionnaire, store: Drafts) -> Response:
    """The person's details, safe contact and communication needs, to save the result as a case."""
    if v is None:
        return to_sign_in("/casework/cases/new")
    if not v.is_referrer:
        return problem(request, v, "Only link workers and referrers can save cases.")
    if _answers(request, store, qn) is None:
        return problem(
            request,
            v,
            "There is no finished questionnaire to save. Start one, answer every question and see the result first.",
            status_code=409,
        )
    return _person_form(request, v, {}, None)


def _person_form(
    request: Request, v: Any, values: dict[str, Any], form: Form | None, status_code: int = 200
) -> Response:
    return page(
        request,
        v,
        "casework/new_case.html",
        status_code=status_code,
        values=values,
        errors=form.errors if form else {},
        dob=form.raw_date("dob") if form else {},
        contact_choices=CONTACT_CHOICES,
        needs_choices=NEEDS_CHOICES,
        languages=language_options(),
        quick_exit=True,
    )


@router.post("/casework/cases/new", response_model=None)
async def save_case(
    request: Request, db: DB, v: SignedIn, qn: AppQuestionnaire, store: Drafts, engines: AppEngines, day: Today
) -> Response:
    if v is None:
        return to_sign_in("/casework/cases/new")
    if not v.is_referrer:
        return problem(request, v, "Only link workers and referrers can save cases.")
    form = await posted_form(request, v)
    if not isinstance(form, Form):
        return form
    found = _answers(request, store, qn)
    if found is None:
        return problem(
            request,
            v,
            "The questionnaire answers are no longer here (the session may have ended). "
            "Resume them with the resume code, then save again.",
            status_code=409,
        )
    draft, answers = found
    values: dict[str, Any] = {
        k: form.text(k, n)
        for k, n in (
            ("name", 200),
            ("nhs_number", 20),
            ("address", 500),
            ("phone", 40),
            ("email", 200),
            ("safe_times", 200),
            ("code_word", 100),
            ("notes", 500),
            ("language", 8),
        )
    }
    values["contact"] = [m for m in form.ticked("contact") if m in {c for c, _, _ in CONTACT_CHOICES}]
    values["needs"] = [n for n in form.ticked("needs") if n in {c for c, _ in NEEDS_CHOICES}]
    if not values["name"]:
        form.errors["name"] = "Enter the person's full name"
    dob = form.date("dob", "date of birth", when="past", today=day, required=True)
    if dob is not None and dob.year < day.year - 120 and "dob" not in form.errors:
        form.errors["dob"] = "Date of birth must be within the last 120 years"
    nhs = None
    if values["nhs_number"]:
        try:
            nhs = normalise_nhs_number(values["nhs_number"])
        except NhsNumberError as exc:
            form.errors["nhs_number"] = str(exc)
    if values["email"] and ("@" not in values["email"] or " " in values["email"]):
        form.errors["email"] = "Enter an email address in the right format, like name@example.com"
    if not values["contact"]:
        form.errors["contact"] = "Say how the person can be contacted safely, or tick 'Only through me'"
    if values["language"] and values["language"] not in language_codes():
        form.errors["language"] = "Choose the person's language from the list"
    if form.errors:
        return _person_form(request, v, values, form, status_code=400)
    person = PersonDetails(
        name=values["name"],
        date_of_birth=dob,
        nhs_number=nhs,
        address=values["address"] or None,
        phone=values["phone"] or None,
        email=values["email"] or None,
        safe_contact=values["contact"],
        safe_contact_notes=values["notes"] or None,
        safe_times=values["safe_times"] or None,
        code_word=values["code_word"] or None,
        communication=CommunicationNeeds(language=values["language"] or None, **{n: True for n in values["needs"]}),
    )
    try:
        facts = flow.to_facts(qn, answers)
    except AnswerError:
        return problem(
            request, v, "Some answers no longer fit together. Check the answers, then save again.", status_code=409
        )
    case = create_case(db, v.actor, facts, day, engines.in_force(day), person=person, answers=dict(answers))
    store.delete(draft.code)
    for key in (SESSION_KEY, REVIEWING_KEY, SALT_KEY):
        request.session.pop(key, None)
    return go(f"/casework/cases/{case.id}")


# ------------------------------------------------------------------ consent


@router.get("/casework/cases/{case_id}/consent", response_model=None)
def consent_form(request: Request, v: SignedIn, case_id: str) -> Response:
    if v is None:
        return to_sign_in()
    return _consent_page(request, v, case_id, {}, {})


def _consent_page(
    request: Request,
    v: Any,
    case_id: str,
    values: dict[str, Any],
    errors: dict[str, str],
    dates: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        v,
        "casework/consent.html",
        status_code=status_code,
        case_id=case_id,
        values=values,
        errors=errors,
        dates=dates or {},
        purposes=CONSENT_PURPOSES,
        quick_exit=True,
    )


@router.post("/casework/cases/{case_id}/consent", response_model=None)
async def consent_post(request: Request, db: DB, v: SignedIn, case_id: str, day: Today) -> Response:
    """Record each consent ticked, each as its own record (explicit and separate)."""
    if v is None:
        return to_sign_in()
    form = await posted_form(request, v)
    if not isinstance(form, Form):
        return form
    values: dict[str, Any] = {
        "purposes": [p for p in form.ticked("purposes") if p in {c for c, _, _ in CONSENT_PURPOSES}],
        "given_by": form.text("given_by"),
        "method": form.text("method", 16),
        "clinician": form.text("clinician"),
        "authority": form.text("authority"),
    }
    if not values["purposes"]:
        form.errors["purposes"] = "Tick what the person agreed to"
    if not values["given_by"]:
        form.errors["given_by"] = "Say who gave consent: the person, or who speaks for them"
    if values["method"] not in ("verbal", "written"):
        form.errors["method"] = "Say whether consent was given verbally or in writing"
    if "medical_evidence" in values["purposes"] and not values["clinician"]:
        form.errors["clinician"] = "Name the GP, consultant or practice the person agreed you may contact"
    if "duty_to_refer" in values["purposes"] and not values["authority"]:
        form.errors["authority"] = "Name the council the person chose"
    review = form.date("review", "the review date", when="future", today=day)
    expires = form.date("expires", "the expiry date", when="future", today=day)
    if review and expires and review > expires and "review" not in form.errors:
        form.errors["review"] = "The review date must be on or before the expiry date"
    if form.errors:
        return _consent_page(
            request,
            v,
            case_id,
            values,
            form.errors,
            {"review": form.raw_date("review"), "expires": form.raw_date("expires")},
            400,
        )
    try:
        for purpose in values["purposes"]:
            recipient = {"medical_evidence": values["clinician"], "duty_to_refer": values["authority"]}.get(purpose)
            record_consent(
                db,
                v.actor,
                case_id,
                purpose,
                values["given_by"],
                recipient_name=recipient or None,
                method=values["method"],
                expires_on=expires,
                review_on=review,
                feedback_agreed=purpose == "outcome_feedback",
            )
    except StoreError as exc:
        return problem(request, v, sentence(str(exc)), status_code=exc.status)
    return go(f"/casework/cases/{case_id}#consent")


@router.post("/casework/consents/{consent_id}/withdraw", response_model=None)
async def consent_withdraw(request: Request, db: DB, v: SignedIn, consent_id: str) -> Response:
    if v is None:
        return to_sign_in()
    form = await posted_form(request, v)
    if not isinstance(form, Form):
        return form
    try:
        c = withdraw_consent(db, v.actor, consent_id)
    except StoreError as exc:
        return problem(request, v, sentence(str(exc)), status_code=exc.status)
    case_id = form.text("case_id", 64)
    return go(f"/casework/cases/{case_id}#consent" if case_id else "/casework/cases") if c else go("/casework/cases")
