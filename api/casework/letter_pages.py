"""A case's letters in the browser: preview, download as PDF or Word, and a form for what is missing.

A letter the records cannot fill yet is never an error listing field names: the page
asks for each missing field in words (``triage.casework.case_letters.fillable``), keeps
the answers with the case, and shows the letter once it is complete. What a form cannot
give (consent, a safe way to contact the person) is said plainly, with where to record it.
"""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.casework.forms import Form
from api.casework.pages import go, page, problem, to_sign_in
from api.deps import DB, SignedIn, Viewer, csrf_ok
from triage.casework.case_letters import KIND_TITLES, editable, fillable, render_case_letter, save_letter_fields
from triage.letters import MEDIA_TYPES, LetterDataError
from triage.rulesets.model import MedicalPurpose
from triage.store.db import Database
from triage.store.errors import ConsentRequired, StoreError

router = APIRouter(include_in_schema=False)
KINDS = tuple(KIND_TITLES)
PURPOSES: tuple[str, ...] = get_args(MedicalPurpose)


def _query(referral: str | None, purpose: str | None) -> str:
    parts = [f"referral={referral}"] if referral else []
    parts += [f"purpose={purpose}"] if purpose else []
    return ("?" + "&".join(parts)) if parts else ""


def _base(case_id: str, kind: str) -> str:
    return f"/casework/cases/{case_id}/letters/{kind}"


def _render(
    db: Database, v: Viewer, case_id: str, kind: str, fmt: str, referral: str | None, purpose: str | None
) -> bytes | LetterDataError | str:
    """The letter; or what it lacks; or a sentence saying why it cannot be made at all."""
    try:
        return render_case_letter(db, v.actor, case_id, kind, fmt, purpose, referral)
    except LetterDataError as exc:
        return exc
    except ConsentRequired:
        return "The person's consent for this letter is not recorded (or was withdrawn): record it on the case page."
    except StoreError as exc:
        text = str(exc)
        return text.partition(": ")[2] or text


@router.get("/casework/cases/{case_id}/letters/{kind}", response_model=None)
def letter_page(
    request: Request,
    db: DB,
    v: SignedIn,
    case_id: str,
    kind: str,
    referral: str | None = None,
    purpose: str | None = None,
    edit: str | None = None,
) -> Response:
    """The letter previewed in the page with downloads; or the form for what it lacks (or, with
    ``?edit=1``, every field a person may amend)."""
    if v is None:
        return to_sign_in()
    if kind not in KINDS or (purpose is not None and purpose not in PURPOSES):
        return problem(request, v, "There is no such letter.", status_code=404)
    if edit:
        try:
            fields = editable(db, v.actor, case_id, kind, purpose)
        except StoreError as exc:
            return problem(request, v, "There is no such case for your organisation.", status_code=exc.status)
        return page(
            request,
            v,
            "casework/letter.html",
            case_id=case_id,
            kind=kind,
            title=KIND_TITLES[kind],
            query=_query(referral, purpose),
            base=_base(case_id, kind),
            quick_exit=True,
            fields=fields,
            other=[],
            values={},
            errors={},
            cannot=None,
            editing=True,
        )
    return _page(request, db, v, case_id, kind, referral, purpose, {}, {})


def _page(
    request: Request,
    db: Database,
    v: Viewer,
    case_id: str,
    kind: str,
    referral: str | None,
    purpose: str | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    got = _render(db, v, case_id, kind, "html", referral, purpose)
    ctx: dict[str, Any] = {
        "case_id": case_id,
        "kind": kind,
        "title": KIND_TITLES[kind],
        "query": _query(referral, purpose),
        "base": _base(case_id, kind),
        "quick_exit": True,
        "fields": [],
        "other": [],
        "values": values,
        "errors": errors,
        "cannot": None,
    }
    if isinstance(got, str):
        ctx["cannot"] = got
        return page(request, v, "casework/letter.html", status_code=409, **ctx)
    if isinstance(got, LetterDataError):
        try:
            ctx["fields"], ctx["other"] = fillable(db, v.actor, case_id, kind, got.problems, purpose)
        except StoreError as exc:
            return problem(request, v, "There is no such case for your organisation.", status_code=exc.status)
        return page(request, v, "casework/letter.html", status_code=status_code, **ctx)
    return page(request, v, "casework/letter.html", status_code=status_code, letter=True, **ctx)


@router.post("/casework/cases/{case_id}/letters/{kind}", response_model=None)
async def letter_fields(
    request: Request,
    db: DB,
    v: SignedIn,
    case_id: str,
    kind: str,
    referral: str | None = None,
    purpose: str | None = None,
) -> Response:
    """Keep what the link worker filled for the letter, then show the letter (or what is still missing)."""
    if v is None:
        return to_sign_in()
    if kind not in KINDS or (purpose is not None and purpose not in PURPOSES):
        return problem(request, v, "There is no such letter.", status_code=404)
    raw = await request.form()
    form = Form(raw)
    if not csrf_ok(request, form.text("csrf")):
        return problem(request, v, "The form expired. Go back, reload the page and try again.")
    values: dict[str, str] = {}
    for name in raw:
        if name in ("csrf",):
            continue
        if name.endswith(("-day", "-month", "-year")):
            base = name.rsplit("-", 1)[0]
            if base not in values:
                parts = form.raw_date(base)
                values[base] = (
                    f"{parts['year']}-{parts['month'].zfill(2)}-{parts['day'].zfill(2)}" if all(parts.values()) else ""
                )
        else:
            values[name] = form.text(name, 500)
    try:
        save_letter_fields(db, v.actor, case_id, kind, values, purpose)
    except StoreError as exc:
        field = getattr(exc, "field", None) or ""
        message = str(exc).partition(": ")[2] or str(exc)
        return _page(
            request, db, v, case_id, kind, referral, purpose, values, {field: message[0].upper() + message[1:]}, 400
        )
    return go(_base(case_id, kind) + _query(referral, purpose))


@router.get("/casework/cases/{case_id}/letters/{kind}/download", response_model=None)
def letter_download(
    request: Request,
    db: DB,
    v: SignedIn,
    case_id: str,
    kind: str,
    format: str = "pdf",
    referral: str | None = None,
    purpose: str | None = None,
) -> Response:
    """The letter itself as HTML (for the preview frame), PDF or Word."""
    if v is None:
        return to_sign_in()
    if kind not in KINDS or format not in ("html", "pdf", "docx") or (purpose is not None and purpose not in PURPOSES):
        return problem(request, v, "There is no such letter.", status_code=404)
    got = _render(db, v, case_id, kind, format, referral, purpose)
    if not isinstance(got, bytes):
        return go(_base(case_id, kind) + _query(referral, purpose))
    disposition = "inline" if format == "html" else "attachment"
    name = f"{kind.replace('_', '-')}-{case_id[:8]}.{format}"
    return Response(
        got,
        media_type=MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )
