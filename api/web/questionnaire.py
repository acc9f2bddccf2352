"""The link-worker questionnaire in the browser: start, one page at a time, check, result.

Thin shell over :mod:`triage.questionnaire`: the flow, answer checks and the
assessment all live there. Every answer travels in a POST body and is kept in
a server-side draft found by a random resume code (in the session, and shown
to the link worker to carry on later). URLs hold nothing personal: not answers,
and not even which pages were asked (a page id such as ``family_safe_contact``
in browser history would tell whoever shares the computer about domestic
abuse). A page's address is an opaque token, the first 12 hex digits of
HMAC-SHA256 keyed with a random salt kept in the server-side session, so the
same page has a different address in every questionnaire and an old address
means nothing once the session is gone. Works without JavaScript.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from api.deps import AppEngines, AppQuestionnaire, Drafts, Today, csrf_ok, csrf_token
from api.sessions import IDLE_TIMEOUT_SECONDS
from api.web.templating import render
from triage.casework.drafts import Draft, DraftStore, normalise_code
from triage.casework.summary import first_actions
from triage.engine.assessment import Need
from triage.questionnaire import Questionnaire, flow
from triage.questionnaire.answers import Answer, AnswerError, from_form
from triage.questionnaire.model import UNKNOWN_ANSWERS, Question
from triage.questionnaire.text import Wording

router = APIRouter(include_in_schema=False)
SESSION_KEY = "questionnaire_draft"
REVIEWING_KEY = "questionnaire_reviewing"
SALT_KEY = "questionnaire_salt"
TOKEN_LENGTH = 12  # hex digits: 48 bits, so guessing another page's address is hopeless
_SALT = re.compile(r"[0-9a-f]{32}")

TIER_WORDS = {
    1: "Tier 1: information the person can use with a little help",
    2: "Tier 2: general advice from an advice service",
    3: "Tier 3: casework by a specialist adviser",
}
URGENCY_WORDS = {
    "emergency": ("Emergency", "Act today.", "nhsuk-tag--red"),
    "urgent": ("Urgent", "Act within days.", "nhsuk-tag--orange"),
    "soon": ("Soon", "Act within the next few weeks.", "nhsuk-tag--yellow"),
    "routine": ("Routine", "No deadline is close.", "nhsuk-tag--grey"),
}
NEXT_STEPS = {
    1: "Give the person the information below and check they can use it; book a follow-up if they cannot.",
    2: "Refer the person to a general advice service (for example Citizens Advice or a local advice centre).",
    3: "Refer the person to a specialist adviser or law centre for casework, with the deadline below.",
}


def _ctx(request: Request, words: Wording, **extra: Any) -> dict[str, Any]:
    return {"session_timeout": IDLE_TIMEOUT_SECONDS, "idle_minutes": IDLE_TIMEOUT_SECONDS // 60, "words": words,
            "lang": words.lang, "csrf": csrf_token(request), **extra}  # fmt: skip


def _current(request: Request, store: DraftStore) -> Draft | None:
    code = request.session.get(SESSION_KEY)
    return store.load(code) if isinstance(code, str) else None


def _ended(request: Request) -> HTMLResponse:
    """No draft for this session: it timed out (or never started). Say so plainly."""
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SALT_KEY, None)
    return render(request, "pages/session_ended.html", status_code=401)


async def _form_or_refusal(request: Request) -> FormData | HTMLResponse:
    """The posted form when it carries this session's CSRF token; else the page saying the
    form expired (403): another site cannot post answers into, or delete, a person's draft."""
    form = await request.form()
    if csrf_ok(request, str(form.get("csrf", ""))):
        return form
    return render(request, "pages/session_ended.html", status_code=403, form_expired=True)


def _go(path: str) -> RedirectResponse:
    # 303: after a POST the browser fetches the next page with GET (no resubmission).
    return RedirectResponse(path, status_code=303)


def page_token(salt: str, page_id: str) -> str:
    """The opaque address segment of ``page_id`` for the questionnaire whose salt is ``salt``."""
    digest = hmac.new(bytes.fromhex(salt), page_id.encode(), hashlib.sha256).hexdigest()
    return digest[:TOKEN_LENGTH]


def _token_map(qn: Questionnaire, salt: str) -> dict[str, str]:
    """token -> page id for every page of the questionnaire."""
    return {page_token(salt, p.id): p.id for p in qn.pages}


def _new_salt(request: Request, qn: Questionnaire) -> str:
    """A fresh salt for a questionnaire that starts or resumes: every earlier page address stops working."""
    while True:
        salt = secrets.token_hex(16)
        # A clash of two 48-bit tokens among ~100 pages is ~1e-11 likely; rule it out anyway.
        if len(_token_map(qn, salt)) == len(qn.pages):
            break
    request.session[SALT_KEY] = salt
    return salt


def _salt(request: Request, qn: Questionnaire) -> str:
    """This questionnaire's salt, made now if the session has none (e.g. a session from before tokens)."""
    salt = request.session.get(SALT_KEY)
    if isinstance(salt, str) and _SALT.fullmatch(salt):
        return salt
    return _new_salt(request, qn)


def _page_id_for(request: Request, qn: Questionnaire, token: str) -> str | None:
    """The page a token in this session stands for; None if it is not one of this session's tokens."""
    salt = _salt(request, qn)
    # Cached per request and keyed by salt: a page may render several links after one lookup.
    cached = getattr(request.state, "questionnaire_tokens", None)
    if not cached or cached[0] != salt:
        cached = (salt, _token_map(qn, salt))
        request.state.questionnaire_tokens = cached
    return cached[1].get(token)


def _page_url(request: Request, qn: Questionnaire, page_id: str) -> str:
    return f"/questionnaire/page/{page_token(_salt(request, qn), page_id)}"


def _next_url(request: Request, qn: Questionnaire, answers: dict[str, Any]) -> str:
    view = flow.next_page(qn, answers)
    return _page_url(request, qn, view.page.id) if view else "/questionnaire/check"


# ------------------------------------------------------------------ start and resume


@router.get("/", response_class=HTMLResponse)
def start(request: Request, qn: AppQuestionnaire, store: Drafts) -> HTMLResponse:
    words = qn.wording()
    current = _current(request, store)
    return render(request, "questionnaire/start.html", **_ctx(request, words, has_draft=current is not None))


@router.post("/questionnaire/start")
async def begin(request: Request, qn: AppQuestionnaire, store: Drafts) -> Response:
    """A fresh draft for a new person; any draft of this session is deleted (its code stays
    valid nowhere: the link worker starts again for someone else)."""
    form = await _form_or_refusal(request)
    if isinstance(form, Response):
        return form
    old = request.session.get(SESSION_KEY)
    if isinstance(old, str):
        await run_in_threadpool(store.delete, old)
    draft = await run_in_threadpool(store.create, qn.default_language)
    request.session[SESSION_KEY] = draft.code
    request.session.pop(REVIEWING_KEY, None)
    _new_salt(request, qn)
    return _go(_next_url(request, qn, draft.answers))


@router.get("/questionnaire/resume", response_class=HTMLResponse)
def resume_form(request: Request, qn: AppQuestionnaire) -> HTMLResponse:
    return render(request, "questionnaire/resume.html", **_ctx(request, qn.wording()))


@router.post("/questionnaire/resume")
async def resume(request: Request, qn: AppQuestionnaire, store: Drafts) -> Response:
    words = qn.wording()
    form = await _form_or_refusal(request)
    if isinstance(form, Response):
        return form
    raw = str(form.get("resume_code", ""))
    code = normalise_code(raw)
    draft = await run_in_threadpool(store.load, code) if code else None
    if draft is None:
        error = ("Enter the resume code, for example ABCD-EFGH-JKMN" if not raw.strip() else
                 f"No saved answers match that code. Check it, or start again: answers are kept for "
                 f"{IDLE_TIMEOUT_SECONDS // 60} minutes after the last change")  # fmt: skip
        return render(request, "questionnaire/resume.html", status_code=400,
                      **_ctx(request, words, error=error, value=raw[:20]))  # fmt: skip
    request.session[SESSION_KEY] = draft.code
    _new_salt(request, qn)
    return _go(_next_url(request, qn, flow.prune(qn, draft.answers)))


@router.get("/questionnaire/saved", response_class=HTMLResponse)
def saved(request: Request, qn: AppQuestionnaire, store: Drafts) -> HTMLResponse:
    draft = _current(request, store)
    if draft is None:
        return _ended(request)
    return render(request, "questionnaire/saved.html",
                  **_ctx(request, qn.wording(draft.lang), code=draft.code,
                         next_url=_next_url(request, qn, flow.prune(qn, draft.answers))))  # fmt: skip


@router.post("/questionnaire/delete")
async def delete(request: Request, qn: AppQuestionnaire, store: Drafts) -> Response:
    form = await _form_or_refusal(request)
    if isinstance(form, Response):
        return form
    code = request.session.get(SESSION_KEY)
    if isinstance(code, str):
        await run_in_threadpool(store.delete, code)
    request.session.pop(SESSION_KEY, None)
    request.session.pop(REVIEWING_KEY, None)
    request.session.pop(SALT_KEY, None)
    return render(request, "questionnaire/deleted.html", **_ctx(request, qn.wording()))


# ------------------------------------------------------------------ question pages


def _field_id(q: Question) -> str:
    """The element an error links to: the first input of the question."""
    return f"{q.id}-day" if q.type == "date" else q.id


def _question_ctx(q: Question, words: Wording, answer: Any, raw: dict[str, Any] | None,
                  error: str | None) -> dict[str, Any]:  # fmt: skip
    """Everything a question's template needs: wording, options, current value, error."""
    ctx: dict[str, Any] = {"q": q, "id": q.id, "type": q.type, "text": words.question(q.id),
                           "hint": words.hint(q.id), "error": error, "field_id": _field_id(q)}  # fmt: skip
    chosen: list[str] = []
    if raw is not None:
        got = raw.get(q.id)
        chosen = got if isinstance(got, list) else ([got] if got else [])
        unknown = raw.get(f"{q.id}-unknown")
        unknown_list = unknown if isinstance(unknown, list) else ([unknown] if unknown else [])
    else:
        if isinstance(answer, list):
            chosen = answer
        elif isinstance(answer, str):
            chosen = [answer]
        unknown_list = [a for a in chosen if a in UNKNOWN_ANSWERS]
    if q.type in ("yes_no", "single", "multiple"):
        codes = ("yes", "no") if q.type == "yes_no" else q.options
        ctx["options"] = [{"value": c, "text": words.option(q.id, c), "hint": words.option_hint(q.id, c),
                           "checked": c in chosen, "exclusive": c in q.exclusive} for c in codes]  # fmt: skip
        ctx["unknowns"] = [{"value": c, "text": words.answer(c), "checked": c in chosen} for c in UNKNOWN_ANSWERS]
        return ctx
    ctx["unknowns"] = [{"value": c, "text": words.answer(c), "checked": c in unknown_list} for c in UNKNOWN_ANSWERS]
    if q.type == "date":
        if raw is not None:
            parts = (str(raw.get(f"{q.id}-{p}", ""))[:4] for p in ("day", "month", "year"))
            ctx["day"], ctx["month"], ctx["year"] = parts
        elif isinstance(answer, str) and answer not in UNKNOWN_ANSWERS:
            d = date.fromisoformat(answer)
            ctx["day"], ctx["month"], ctx["year"] = str(d.day), str(d.month), str(d.year)
    else:
        if raw is not None:
            ctx["value"] = str(raw.get(q.id, ""))[:200]
        elif answer is not None and not (isinstance(answer, str) and answer in UNKNOWN_ANSWERS):
            ctx["value"] = str(answer)
    return ctx


def _page_ctx(request: Request, qn: Questionnaire, words: Wording, view: flow.PageView, draft: Draft,
              raw: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
              targets: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    errors = errors or {}
    targets = targets or {}
    answers = flow.prune(qn, draft.answers)
    prev = flow.previous_page(qn, view.page.id, answers)
    reviewing = bool(request.session.get(REVIEWING_KEY))
    section = words.section(view.section_id)
    page_words = words.page(view.page.id)
    single = len(view.questions) == 1
    questions = [_question_ctx(q, words, answers.get(q.id), raw, errors.get(q.id)) for q in view.questions]
    title = words.question(view.questions[0].id) if single else (page_words.title if page_words else "")
    return _ctx(
        request, words,
        view=view, questions=questions, single=single, title=title,
        section_title=section.title if section else "", section_intro=section.intro if section else None,
        first_of_section=_first_of_section(qn, view, answers),
        back_url="/questionnaire/check" if reviewing else (_page_url(request, qn, prev.page.id) if prev else "/"),
        error_list=[{"text": errors[q.id], "href": "#" + targets.get(q.id, _field_id(q))}
                    for q in view.questions if q.id in errors],
        quick_exit=view.safety, action=_page_url(request, qn, view.page.id),
    )  # fmt: skip


def _first_of_section(qn: Questionnaire, view: flow.PageView, answers: dict[str, Any]) -> bool:
    prev = flow.previous_page(qn, view.page.id, answers)
    return prev is None or prev.section_id != view.section_id


def _open_page(request: Request, qn: Questionnaire, store: DraftStore,
               token: str) -> Response | tuple[Draft, Wording, Any, Any]:  # fmt: skip
    """The draft, wording, pruned answers and page view for a page address, or
    the response to send instead: "session ended", or (for a page not shown for these answers,
    or another questionnaire's token, from another session or before a restart or resume) a
    redirect to where the flow says, naming no page."""
    draft = _current(request, store)
    if draft is None:
        return _ended(request)
    answers = flow.prune(qn, draft.answers)
    page_id = _page_id_for(request, qn, token)
    view = flow.page_view(qn, page_id, answers) if page_id else None
    if view is None:
        return _go(_next_url(request, qn, answers))
    return draft, qn.wording(draft.lang), answers, view


@router.get("/questionnaire/page/{token}", response_class=HTMLResponse)
def show_page(request: Request, token: str, qn: AppQuestionnaire, store: Drafts) -> Response:
    opened = _open_page(request, qn, store, token)
    if isinstance(opened, Response):
        return opened
    draft, words, _, view = opened
    return render(request, "questionnaire/page.html", **_page_ctx(request, qn, words, view, draft))


@router.post("/questionnaire/page/{token}")
async def answer_page(request: Request, token: str, qn: AppQuestionnaire, store: Drafts, day: Today) -> Response:
    opened = _open_page(request, qn, store, token)
    if isinstance(opened, Response):
        return opened
    draft, words, answers, view = opened
    form = await _form_or_refusal(request)
    if isinstance(form, Response):
        return form
    raw: dict[str, Any] = {}
    for key in form:
        if key == "csrf":
            continue
        values = [str(v) for v in form.getlist(key)]
        raw[key] = values if len(values) > 1 else values[0]
    for q in view.questions:
        if q.type == "multiple" and isinstance(raw.get(q.id), str):
            raw[q.id] = [raw[q.id]]
    new: dict[str, Answer] = {}
    errors: dict[str, str] = {}
    targets: dict[str, str] = {}
    for q in view.questions:
        try:
            new[q.id] = from_form(q, raw, today=day)
        except AnswerError as exc:
            errors[q.id] = words.error(q.id, exc.key, **exc.values)
            targets[q.id] = exc.field if q.type in ("date", "number", "text") else _field_id(q)
    if not errors:
        merged = flow.prune(qn, {**answers, **new})
        try:
            flow.to_facts(qn, merged)
        except AnswerError as exc:
            target = exc.question_id if exc.question_id in new else view.questions[-1].id
            errors[target] = words.error(target, exc.key, **exc.values)
    if errors:
        return render(request, "questionnaire/page.html", status_code=400,
                      **_page_ctx(request, qn, words, view, draft, raw, errors, targets))  # fmt: skip
    draft.answers = merged
    store.save(draft)
    if form.get("action") == "save":
        return _go("/questionnaire/saved")
    return _go(_next_url(request, qn, merged))


# ------------------------------------------------------------------ check answers and result


def _display(q: Question, answer: Any, words: Wording) -> list[str]:
    """An answer in words, one line per item, for the check-your-answers page."""
    if isinstance(answer, list):
        return [words.option(q.id, c) for c in answer]
    if isinstance(answer, str) and answer in UNKNOWN_ANSWERS:
        return [words.answer(answer)]
    if q.type in ("yes_no", "single"):
        return [words.option(q.id, str(answer))]
    if q.type == "date":
        return [date.fromisoformat(str(answer)).strftime("%-d %B %Y")]
    return [str(answer)]


@router.get("/questionnaire/check", response_class=HTMLResponse)
def check_answers(request: Request, qn: AppQuestionnaire, store: Drafts) -> Response:
    draft = _current(request, store)
    if draft is None:
        return _ended(request)
    words = qn.wording(draft.lang)
    answers = flow.prune(qn, draft.answers)
    if not flow.is_complete(qn, answers):
        return _go(_next_url(request, qn, answers))
    request.session[REVIEWING_KEY] = True
    groups: list[dict[str, Any]] = []
    for view, rows in flow.answered_summary(qn, answers):
        section = words.section(view.section_id)
        title = section.title if section else view.section_id
        href = _page_url(request, qn, view.page.id)
        items = [{"key": words.short(q.id), "lines": _display(q, a, words), "href": href,
                  "hidden": words.short(q.id).lower()} for q, a in rows]  # fmt: skip
        if groups and groups[-1]["title"] == title:
            groups[-1]["rows"].extend(items)
        else:
            groups.append({"title": title, "rows": items})
    return render(request, "questionnaire/check.html", **_ctx(request, words, groups=groups, code=draft.code))


@router.post("/questionnaire/check")
async def confirm(request: Request, store: Drafts) -> Response:
    form = await _form_or_refusal(request)
    if isinstance(form, Response):
        return form
    if await run_in_threadpool(_current, request, store) is None:
        return _ended(request)
    return _go("/questionnaire/result")


def _need_view(need: Need) -> dict[str, Any]:
    urgency = URGENCY_WORDS[need.urgency]
    live = [d for d in need.deadlines if d.status in ("open", "late_route")]
    return {
        "need": need,
        "tier_words": TIER_WORDS[need.tier],
        "urgency_label": urgency[0], "urgency_words": urgency[1], "urgency_class": urgency[2],
        "next_step": NEXT_STEPS[need.tier],
        "deadlines": need.deadlines,
        "next_deadline": min(live, key=lambda d: d.days_left) if live else None,
        "reasons": [r for r in need.reasons if r.text.strip()],
    }  # fmt: skip


@router.get("/questionnaire/result", response_class=HTMLResponse)
def result(request: Request, qn: AppQuestionnaire, store: Drafts, engines: AppEngines, day: Today) -> Response:
    draft = _current(request, store)
    if draft is None:
        return _ended(request)
    words = qn.wording(draft.lang)
    answers = flow.prune(qn, draft.answers)
    try:
        prov = flow.provisional(qn, answers, engines.in_force(day), day)
    except AnswerError as exc:
        # Answers were checked page by page; a conflict here means an earlier answer changed.
        page = qn.page_of.get(exc.question_id)
        return _go(_page_url(request, qn, page.id) if page else "/questionnaire/check")
    worth = []
    shown = {q.id for q in flow.shown_questions(qn, answers)}
    for w in prov.worth_asking:
        if w.question_id and w.question_id in shown:
            href = _page_url(request, qn, qn.page_of[w.question_id].id)
            worth.append({"text": words.question(w.question_id), "href": href})
    complete = flow.is_complete(qn, answers)
    a = prov.assessment
    general = engines.in_force(day).ruleset.taxonomy.general
    return render(request, "questionnaire/result.html",
                  **_ctx(request, words, assessment=a, needs=[_need_view(n) for n in a.needs], worth=worth,
                         general=general,
                         first=first_actions(a), urgency_words=URGENCY_WORDS,
                         complete=complete, as_of=day, code=draft.code,
                         quick_exit=any(v.safety for v in flow.pages(qn, answers))))  # fmt: skip
