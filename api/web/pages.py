"""General pages around the questionnaire: quick exit, session keep-alive and end, accessibility, privacy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api import sessions
from api.deps import Drafts
from api.web.questionnaire import SESSION_KEY
from api.web.templating import QUICK_EXIT_URL, render

router = APIRouter(include_in_schema=False)


@router.post("/session/keep-alive")
def keep_alive(request: Request) -> Response:
    """Renew an idle session (the warning's Continue button). Touching the session
    makes the middleware send a fresh cookie with a new expiry."""
    request.session["alive"] = not request.session.get("alive", False)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"status": "ok"})
    back = request.headers.get("referer", "")
    return render(request, "pages/continued.html", back=back if back.startswith("/") else "")


@router.get("/session-ended", response_class=HTMLResponse)
def session_ended(request: Request) -> HTMLResponse:
    """Where an idle session ends up: the session is ended, nothing is shown."""
    sessions.end(request)
    return render(request, "pages/session_ended.html")


@router.get("/quick-exit", response_class=HTMLResponse)
@router.post("/quick-exit", response_class=HTMLResponse)
def quick_exit(request: Request, store: Drafts) -> HTMLResponse:
    """Leave at once for a neutral site, leaving nothing behind: the draft and the session are
    deleted on the server and the browser is told to drop this site's cache and cookies, so
    Back and the resume code find nothing. The link is a plain GET, so it works without
    JavaScript (a blank page that moves on at once); the script POSTs here and leaves by
    itself. No CSRF token: all it can be made to do is end a session."""
    code = request.session.get(SESSION_KEY)
    if isinstance(code, str):
        store.delete(code)
    sessions.end(request)
    # A blank page that moves on, rather than a redirect: it names nothing, and Back from the
    # neutral site lands here and moves on again.
    body = f'<!DOCTYPE html><meta http-equiv="refresh" content="0;url={QUICK_EXIT_URL}"><title></title>'
    response = HTMLResponse(body)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/accessibility", response_class=HTMLResponse)
def accessibility(request: Request) -> HTMLResponse:
    return render(request, "pages/accessibility.html")


@router.get("/privacy", response_class=HTMLResponse)
def privacy(request: Request) -> HTMLResponse:
    return render(request, "pages/privacy.html")
